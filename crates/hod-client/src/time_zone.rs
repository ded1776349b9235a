//! The agent's time zone, detected on the device (AV-2), to pre-fill a new schedule.

use hod_domain::availability::{AgentTimeZone, AvailabilitySettings};
use serde::Serialize;

/// Why the detected zone was not used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum TimeZoneFallback {
    /// The system would not say (no `/etc/localtime`, no `TZ`, …).
    NotDetected { detail: String },
    /// The system named a zone the time-zone database does not know (e.g. `"Local"`).
    NotIana { name: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DetectedTimeZone {
    pub zone: AgentTimeZone,
    /// `None` when `zone` is the system's own.
    pub fallback: Option<TimeZoneFallback>,
}

impl DetectedTimeZone {
    /// A new schedule: the program defaults (AV-1) in this zone (AV-2).
    pub fn new_schedule(&self) -> AvailabilitySettings {
        AvailabilitySettings::new(self.zone)
    }
}

/// The system's IANA zone, or `default` with the reason.
pub fn detect_time_zone(default: AgentTimeZone) -> DetectedTimeZone {
    resolve_time_zone(
        iana_time_zone::get_timezone().map_err(|e| e.to_string()),
        default,
    )
}

/// Validates what the system reported through the domain's zone parser.
pub fn resolve_time_zone(
    reported: Result<String, String>,
    default: AgentTimeZone,
) -> DetectedTimeZone {
    match reported {
        Ok(name) => match AgentTimeZone::parse("time_zone", &name) {
            Ok(zone) => DetectedTimeZone {
                zone,
                fallback: None,
            },
            Err(_) => DetectedTimeZone {
                zone: default,
                fallback: Some(TimeZoneFallback::NotIana { name }),
            },
        },
        Err(detail) => DetectedTimeZone {
            zone: default,
            fallback: Some(TimeZoneFallback::NotDetected { detail }),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hod_domain::availability::WeeklySchedule;

    fn chicago() -> AgentTimeZone {
        AgentTimeZone::parse("time_zone", "America/Chicago").expect("zone")
    }

    #[test]
    fn rule_av_2_a_reported_iana_zone_is_used() {
        let d = resolve_time_zone(Ok("America/Denver".into()), chicago());
        assert_eq!(d.zone.name(), "America/Denver");
        assert_eq!(d.fallback, None);
    }

    #[test]
    fn rule_av_2_an_unknown_name_falls_back_with_the_reason() {
        let d = resolve_time_zone(Ok("Local".into()), chicago());
        assert_eq!(d.zone, chicago());
        assert_eq!(
            d.fallback,
            Some(TimeZoneFallback::NotIana {
                name: "Local".into()
            })
        );
        let d = resolve_time_zone(Err("no zone".into()), chicago());
        assert!(matches!(
            d.fallback,
            Some(TimeZoneFallback::NotDetected { .. })
        ));
    }

    #[test]
    fn rule_av_1_av_2_a_new_schedule_is_the_default_hours_in_the_detected_zone() {
        let d = resolve_time_zone(Ok("America/Phoenix".into()), chicago());
        let settings = d.new_schedule();
        assert_eq!(settings.time_zone.name(), "America/Phoenix");
        assert_eq!(settings.weekly, WeeklySchedule::default());
        // On this machine: whatever it says, the result is a valid zone.
        let here = detect_time_zone(chicago());
        assert!(!here.zone.name().is_empty());
    }
}
