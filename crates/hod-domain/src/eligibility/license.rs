//! State insurance licenses as the National Insurance Producer Registry (NIPR) records them.

use super::state::StateCode;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Where a license stands with the state that issued it. Only [`LicenseStatus::Active`]
/// counts toward receiving referrals (rule ST-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum LicenseStatus {
    Active,
    Inactive,
    Expired,
    Suspended,
    Revoked,
}

/// One line of authority on one state license.
///
/// NIPR lists the lines of authority of a license separately, each with its own status and
/// dates, so a license with two lines is two `License` values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct License {
    pub state: StateCode,
    /// The state's own label, e.g. "Accident & Health" (see
    /// [`HealthLineMatcher`](super::HealthLineMatcher)).
    pub line_of_authority: String,
    pub status: LicenseStatus,
    /// First day the line of authority is in force.
    pub effective: NaiveDate,
    /// Last day the line of authority is in force; `None` for lines that do not expire.
    pub expires: Option<NaiveDate>,
}

impl License {
    /// Whether the agent may act under this license on `date`.
    ///
    /// Both ends are inclusive: a license is in force from its effective date, and an
    /// expiration date is the last day it is in force (it lapses the day after). An agent
    /// whose license expires today still receives referrals today.
    pub fn is_active_on(&self, date: NaiveDate) -> bool {
        self.status == LicenseStatus::Active
            && self.effective <= date
            && self.expires.is_none_or(|last_day| date <= last_day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    fn license(status: LicenseStatus, expires: Option<NaiveDate>) -> License {
        License {
            state: StateCode::TX,
            line_of_authority: "General Life, Accident and Health".to_owned(),
            status,
            effective: date(2025, 3, 1),
            expires,
        }
    }

    #[test]
    fn rule_st_1_license_is_active_from_effective_through_expiry_inclusive() {
        let l = license(LicenseStatus::Active, Some(date(2026, 2, 28)));
        assert!(!l.is_active_on(date(2025, 2, 28)), "day before effective");
        assert!(l.is_active_on(date(2025, 3, 1)), "effective day");
        assert!(l.is_active_on(date(2026, 2, 28)), "expiry day");
        assert!(!l.is_active_on(date(2026, 3, 1)), "day after expiry");
    }

    #[test]
    fn rule_st_1_license_without_expiry_stays_active() {
        let l = license(LicenseStatus::Active, None);
        assert!(l.is_active_on(date(2099, 12, 31)));
        assert!(!l.is_active_on(date(2025, 2, 28)));
    }

    #[test]
    fn rule_st_1_only_active_status_counts() {
        for status in [
            LicenseStatus::Inactive,
            LicenseStatus::Expired,
            LicenseStatus::Suspended,
            LicenseStatus::Revoked,
        ] {
            assert!(
                !license(status, None).is_active_on(date(2025, 6, 1)),
                "{status:?}"
            );
        }
    }

    #[test]
    fn license_round_trips_through_serde() {
        let l = license(LicenseStatus::Suspended, Some(date(2026, 2, 28)));
        let json = serde_json::to_value(&l).expect("serialize");
        assert_eq!(json["state"], "TX");
        assert_eq!(json["status"], "suspended");
        assert_eq!(json["expires"], "2026-02-28");
        let back: License = serde_json::from_value(json).expect("deserialize");
        assert_eq!(back, l);
    }
}
