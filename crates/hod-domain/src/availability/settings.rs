//! The Availability Settings screen as data: time zone, Standard Hours, Today's
//! Availability and Out of Office.

use super::out_of_office::OutOfOffice;
use super::schedule::WeeklySchedule;
use super::today::TodayOverride;
use crate::{Rule, ValidationCode, ValidationError, ValidationErrors};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The agent's IANA time zone (AV-2), e.g. `America/Chicago`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[ts(type = "string")]
#[serde(try_from = "String", into = "String")]
pub struct AgentTimeZone(Tz);

impl AgentTimeZone {
    pub fn new(tz: Tz) -> Self {
        Self(tz)
    }

    pub fn tz(self) -> Tz {
        self.0
    }

    pub fn name(self) -> &'static str {
        self.0.name()
    }

    /// Parses an IANA name; `field` names the input in the error.
    pub fn parse(field: &str, name: &str) -> Result<Self, ValidationError> {
        name.trim().parse::<Tz>().map(Self).map_err(|_| {
            ValidationError::new(
                field,
                Rule::Av2,
                ValidationCode::UnknownTimeZone,
                format!("\"{name}\" is not a time zone such as \"America/Chicago\""),
            )
        })
    }
}

impl fmt::Display for AgentTimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl TryFrom<String> for AgentTimeZone {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse("time_zone", &s)
    }
}

impl From<AgentTimeZone> for String {
    fn from(z: AgentTimeZone) -> Self {
        z.name().to_owned()
    }
}

/// Everything that decides when an agent receives referrals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct AvailabilitySettings {
    pub time_zone: AgentTimeZone,
    pub weekly: WeeklySchedule,
    /// Today's Availability, when the agent has switched it today (AV-6).
    #[serde(default)]
    pub today: Option<TodayOverride>,
    /// Out of Office periods (AV-7).
    #[serde(default)]
    pub out_of_office: Vec<OutOfOffice>,
}

impl AvailabilitySettings {
    /// The program defaults (AV-1) in the given zone (detected on the device, AV-2).
    pub fn new(time_zone: AgentTimeZone) -> Self {
        Self {
            time_zone,
            weekly: WeeklySchedule::default(),
            today: None,
            out_of_office: Vec::new(),
        }
    }

    /// Every problem, each naming its field and rule.
    pub fn validate(&self) -> ValidationErrors {
        let mut errors = self.weekly.validate("weekly");
        if let Some(today) = &self.today {
            errors.extend(today.validate(self, "today"));
        }
        for (i, period) in self.out_of_office.iter().enumerate() {
            errors.extend(period.validate(&format!("out_of_office[{i}]")));
        }
        errors
    }

    /// Drops what no longer matters at `now`: a Today's Availability of an earlier day and
    /// Out of Office periods that have ended. Saving does this so settings do not grow.
    pub fn prune(&mut self, now: DateTime<Utc>) {
        if let Some(today) = self.today {
            if today.expires_at(self) <= now {
                self.today = None;
            }
        }
        self.out_of_office.retain(|p| !p.has_ended(now));
    }

    /// Switches Out of Office off at `now` (AV-7: "until Out of Office is switched Off"):
    /// every period in force ends now; periods planned for later stay.
    pub fn end_out_of_office(&mut self, now: DateTime<Utc>) {
        for period in &mut self.out_of_office {
            if period.contains(now) {
                period.to = Some(now);
            }
        }
        self.out_of_office
            .retain(|p| p.to.is_none_or(|to| to > p.from));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_av_2_time_zone_is_an_iana_name() {
        let tz = AgentTimeZone::parse("time_zone", "America/Phoenix").expect("valid");
        assert_eq!(tz.name(), "America/Phoenix");
        let err = AgentTimeZone::parse("time_zone", "Mars/Olympus").expect_err("invalid");
        assert_eq!(
            (err.rule, err.code),
            (Rule::Av2, ValidationCode::UnknownTimeZone)
        );
        assert_eq!(err.field, "time_zone");
        let json = r#"{"time_zone":"Nowhere/Town","weekly":null}"#;
        let err = serde_json::from_str::<AvailabilitySettings>(json).expect_err("bad zone");
        assert!(err.to_string().contains("Nowhere/Town"), "{err}");
    }

    #[test]
    fn rule_av_7_switching_out_of_office_off_ends_it_now() {
        let tz = AgentTimeZone::parse("tz", "America/Chicago").expect("tz");
        let mut s = AvailabilitySettings::new(tz);
        let now: DateTime<Utc> = "2026-12-02T15:00:00Z".parse().expect("instant");
        let later: DateTime<Utc> = "2026-12-20T15:00:00Z".parse().expect("instant");
        s.out_of_office = vec![
            OutOfOffice::indefinite("2026-12-01T00:00:00Z".parse().expect("instant")),
            OutOfOffice::indefinite(later),
        ];
        s.end_out_of_office(now);
        assert_eq!(s.out_of_office[0].to, Some(now));
        assert_eq!(s.out_of_office[1], OutOfOffice::indefinite(later));
        s.prune(now);
        assert_eq!(s.out_of_office, vec![OutOfOffice::indefinite(later)]);
    }
}
