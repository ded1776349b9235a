//! Today's Availability (AV-6): a switch that overrides the standard hours for today only.
//!
//! - **On** makes the agent available from the moment it is switched on until the *Stop
//!   Referrals* time, even outside the standard hours or during a break. After the Stop
//!   Referrals time the agent receives nothing more that day: that is what "stop" means.
//!   The default Stop Referrals time is the end of today's standard hours when they are still
//!   ahead, else local midnight; the agent may pick any other time later today.
//! - **Off** makes the agent unavailable for the rest of the local day.
//! - Either way the override expires at local midnight, and the standard hours apply again.
//!   Before the moment it was switched, the standard hours applied as usual.

use super::local_time::{date_to_day, from_secs, to_secs, Zone};
use super::settings::AvailabilitySettings;
use super::wall_time::WallTime;
use crate::{Rule, ValidationCode, ValidationError, ValidationErrors};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The position of the Today's Availability switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "switch", rename_all = "snake_case")]
pub enum TodaySwitch {
    /// Green: referrals until `stop_referrals_at` (shown in red in the pop-up).
    On { stop_referrals_at: DateTime<Utc> },
    /// No referrals for the rest of today.
    Off,
}

/// Today's Availability as switched on a given local date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct TodayOverride {
    /// The agent's local date the override belongs to.
    pub date: NaiveDate,
    /// When the agent flipped the switch.
    pub set_at: DateTime<Utc>,
    #[serde(flatten)]
    pub switch: TodaySwitch,
}

impl TodayOverride {
    /// Switches Today's Availability on at `now`, stopping referrals at `stop_referrals_at`
    /// or, when `None`, at the default time (end of today's hours if still ahead, else
    /// midnight).
    pub fn switch_on(
        settings: &AvailabilitySettings,
        now: DateTime<Utc>,
        stop_referrals_at: Option<DateTime<Utc>>,
    ) -> Result<Self, ValidationErrors> {
        let zone = Zone::new(settings.time_zone.tz());
        let today = zone.day_of(to_secs(now));
        let date = super::local_time::day_to_date(today.day);
        let stop = match stop_referrals_at {
            Some(stop) => stop,
            None => {
                let hours = settings.weekly.day(date.weekday());
                let end = zone.end_of(&today, hours.end.seconds());
                let stop = if hours.enabled && end > to_secs(now) {
                    end
                } else {
                    today.end
                };
                from_secs(stop)
            }
        };
        let made = Self {
            date,
            set_at: now,
            switch: TodaySwitch::On {
                stop_referrals_at: stop,
            },
        };
        made.validate(settings, "today").finish(made)
    }

    /// The Stop Referrals instant for a wall time picked today (a time in a DST overlap
    /// means its last occurrence, like every end; see `local_time`).
    pub fn stop_time_today(
        settings: &AvailabilitySettings,
        now: DateTime<Utc>,
        time: WallTime,
    ) -> DateTime<Utc> {
        let zone = Zone::new(settings.time_zone.tz());
        let today = zone.day_of(to_secs(now));
        from_secs(zone.end_of(&today, time.seconds()))
    }

    /// Switches Today's Availability off at `now`, for the rest of the local day.
    pub fn switch_off(settings: &AvailabilitySettings, now: DateTime<Utc>) -> Self {
        let zone = Zone::new(settings.time_zone.tz());
        let today = zone.day_of(to_secs(now));
        Self {
            date: super::local_time::day_to_date(today.day),
            set_at: now,
            switch: TodaySwitch::Off,
        }
    }

    /// The instant the override expires: the agent's next local midnight after `date`.
    pub fn expires_at(&self, settings: &AvailabilitySettings) -> DateTime<Utc> {
        let zone = Zone::new(settings.time_zone.tz());
        from_secs(zone.day(date_to_day(self.date)).end)
    }

    /// Whether the override still applies at `now`.
    pub fn is_current(&self, settings: &AvailabilitySettings, now: DateTime<Utc>) -> bool {
        self.set_at <= now && now < self.expires_at(settings)
    }

    /// `set_at` must fall on `date`, and the Stop Referrals time after `set_at` and no
    /// later than midnight.
    pub fn validate(&self, settings: &AvailabilitySettings, field: &str) -> ValidationErrors {
        let mut errors = ValidationErrors::new();
        let zone = Zone::new(settings.time_zone.tz());
        let day = zone.day(date_to_day(self.date));
        let set_at = to_secs(self.set_at);
        if set_at < day.start || set_at >= day.end {
            errors.push(ValidationError::new(
                format!("{field}.set_at"),
                Rule::Av6,
                ValidationCode::OutOfRange,
                format!("Today's Availability was switched outside {}", self.date),
            ));
        }
        if let TodaySwitch::On { stop_referrals_at } = self.switch {
            let stop = to_secs(stop_referrals_at);
            if stop <= set_at {
                errors.push(ValidationError::new(
                    format!("{field}.stop_referrals_at"),
                    Rule::Av6,
                    ValidationCode::EndNotAfterStart,
                    "the Stop Referrals time must be later than now",
                ));
            } else if stop > day.end {
                errors.push(ValidationError::new(
                    format!("{field}.stop_referrals_at"),
                    Rule::Av6,
                    ValidationCode::OutOfRange,
                    "the Stop Referrals time must be today (midnight at the latest)",
                ));
            }
        }
        errors
    }
}
