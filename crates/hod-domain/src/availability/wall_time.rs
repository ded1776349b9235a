//! Wall-clock times of day ("08:00", "17:30", "24:00") as the agent sets them on the
//! Availability Settings screen.

use crate::{Rule, ValidationCode, ValidationError};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A time of day on the agent's wall clock, to the minute.
///
/// `24:00` is allowed and means the end of the local day, so hours can run to midnight.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS,
)]
#[ts(type = "string")]
#[serde(try_from = "String", into = "String")]
pub struct WallTime(pub(super) u16);

impl WallTime {
    /// 00:00, the start of the local day.
    pub const MIDNIGHT: WallTime = WallTime(0);
    /// 24:00, the end of the local day.
    pub const END_OF_DAY: WallTime = WallTime(24 * 60);

    /// `hour:minute`; `None` when out of range (24:00 is the only time with hour 24).
    pub const fn new(hour: u16, minute: u16) -> Option<Self> {
        if minute < 60 && (hour < 24 || (hour == 24 && minute == 0)) {
            Some(Self(hour * 60 + minute))
        } else {
            None
        }
    }

    /// From minutes since local midnight (0..=1440).
    pub const fn from_minutes(minutes: u16) -> Option<Self> {
        if minutes <= 24 * 60 {
            Some(Self(minutes))
        } else {
            None
        }
    }

    /// Minutes since local midnight.
    pub const fn minutes(self) -> u16 {
        self.0
    }

    /// Seconds since local midnight.
    pub const fn seconds(self) -> i64 {
        self.0 as i64 * 60
    }

    pub const fn hour(self) -> u16 {
        self.0 / 60
    }

    pub const fn minute(self) -> u16 {
        self.0 % 60
    }

    /// Parses `H:MM` or `HH:MM`; `field` names the input in the error.
    pub fn parse(field: &str, text: &str) -> Result<Self, ValidationError> {
        let bad = || {
            ValidationError::new(
                field,
                Rule::Av1,
                ValidationCode::Malformed,
                format!("\"{text}\" is not a time of day such as \"08:00\" or \"17:30\""),
            )
        };
        let (h, m) = text.trim().split_once(':').ok_or_else(bad)?;
        if h.is_empty() || h.len() > 2 || m.len() != 2 {
            return Err(bad());
        }
        let hour: u16 = h.parse().map_err(|_| bad())?;
        let minute: u16 = m.parse().map_err(|_| bad())?;
        Self::new(hour, minute).ok_or_else(bad)
    }
}

impl fmt::Display for WallTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.hour(), self.minute())
    }
}

impl TryFrom<String> for WallTime {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse("time", &s)
    }
}

impl From<WallTime> for String {
    fn from(t: WallTime) -> Self {
        t.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wall_times_parse_and_print_as_hh_mm() {
        let t = WallTime::parse("start", "8:05").expect("valid");
        assert_eq!(t.minutes(), 8 * 60 + 5);
        assert_eq!(t.to_string(), "08:05");
        assert_eq!(
            WallTime::parse("end", "24:00").expect("valid"),
            WallTime::END_OF_DAY
        );
        for bad in [
            "24:01", "25:00", "12:60", "12", "12:5", "ab:cd", "", "-1:00",
        ] {
            let err = WallTime::parse("end", bad).expect_err(bad);
            assert_eq!(err.field, "end");
            assert_eq!(err.code, ValidationCode::Malformed);
        }
    }

    #[test]
    fn wall_times_serialize_as_strings() {
        let t = WallTime::new(17, 30).expect("valid");
        assert_eq!(serde_json::to_string(&t).expect("ser"), "\"17:30\"");
        let back: WallTime = serde_json::from_str("\"17:30\"").expect("de");
        assert_eq!(back, t);
        assert!(serde_json::from_str::<WallTime>("\"7pm\"").is_err());
    }
}
