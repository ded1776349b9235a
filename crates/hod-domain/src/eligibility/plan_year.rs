//! Plan years, and which states use HealthCare.gov in each (rule ST-1).
//!
//! Consumers reach Help On Demand from HealthCare.gov, so only states on the federal platform
//! (the Federally-facilitated Marketplace, or a state-based marketplace on the federal platform)
//! send referrals. That list changes between plan years as states open their own exchanges, so
//! it is kept here as data with its source, one entry per plan year, and never written into the
//! eligibility logic.

use super::state::StateCode::{self, *};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A coverage year of Marketplace plans, e.g. plan year 2026.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PlanYear(i32);

impl PlanYear {
    pub const fn new(year: i32) -> Self {
        Self(year)
    }

    pub const fn year(self) -> i32 {
        self.0
    }

    /// The plan year a consumer shops for on `date`.
    ///
    /// Open Enrollment for next year's coverage starts on November 1, so from that day to the
    /// end of December consumers (and their referrals) are about next year's plans; from
    /// January 1 until the next November they are about the current year's (the tail of Open
    /// Enrollment in January, then Special Enrollment).
    pub fn shopped_on(date: NaiveDate) -> Self {
        if date.month() >= 11 {
            Self(date.year() + 1)
        } else {
            Self(date.year())
        }
    }
}

impl fmt::Display for PlanYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "plan year {}", self.0)
    }
}

/// No HealthCare.gov state list is on record for a plan year.
///
/// Guessing (an empty list, or last year's) would either stop every referral or route some to
/// states that left the platform, so the caller must decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("no HealthCare.gov state list is on record for {plan_year}")]
pub struct UnknownPlanYear {
    pub plan_year: PlanYear,
}

/// The states that use HealthCare.gov in one plan year, and where that list comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HealthCareGovStates {
    pub plan_year: PlanYear,
    /// In alphabetical order of code.
    pub states: &'static [StateCode],
    /// Where the list comes from, for whoever updates it next.
    pub source: &'static str,
}

impl HealthCareGovStates {
    pub fn contains(&self, state: StateCode) -> bool {
        self.states.contains(&state)
    }

    /// The list on record for `plan_year`.
    pub fn for_plan_year(plan_year: PlanYear) -> Result<&'static Self, UnknownPlanYear> {
        HEALTHCARE_GOV_STATES
            .iter()
            .find(|entry| entry.plan_year == plan_year)
            .ok_or(UnknownPlanYear { plan_year })
    }

    /// The list for the plan year shopped on `date` (see [`PlanYear::shopped_on`]).
    pub fn shopped_on(date: NaiveDate) -> Result<&'static Self, UnknownPlanYear> {
        Self::for_plan_year(PlanYear::shopped_on(date))
    }
}

/// HealthCare.gov states by plan year, oldest first. Add a year here when CMS publishes it.
pub static HEALTHCARE_GOV_STATES: &[HealthCareGovStates] = &[
    HealthCareGovStates {
        plan_year: PlanYear::new(2025),
        states: &[
            AK, AL, AR, AZ, DE, FL, HI, IA, IL, IN, KS, LA, MI, MO, MS, MT, NC, ND, NE, NH, OH, OK,
            OR, SC, SD, TN, TX, UT, WI, WV, WY,
        ],
        source: "The 30 plan-year-2026 states (CMS 2026 Open Enrollment report) plus Illinois, \
                 which ran its own exchange only from plan year 2026. Georgia left for Georgia \
                 Access from plan year 2025.",
    },
    HealthCareGovStates {
        plan_year: PlanYear::new(2026),
        states: &[
            AK, AL, AR, AZ, DE, FL, HI, IA, IN, KS, LA, MI, MO, MS, MT, NC, ND, NE, NH, OH, OK, OR,
            SC, SD, TN, TX, UT, WI, WV, WY,
        ],
        source: "CMS 2026 Open Enrollment report: 30 states use HealthCare.gov. Illinois left \
                 for Get Covered Illinois from plan year 2026.",
    },
    HealthCareGovStates {
        plan_year: PlanYear::new(2027),
        states: &[
            AK, AL, AR, AZ, DE, FL, HI, IA, IN, KS, LA, MI, MO, MS, MT, NC, ND, NE, NH, OH, OK, SC,
            SD, TN, TX, UT, WI, WV, WY,
        ],
        source: "The plan-year-2026 list without Oregon, which moves to its own exchange from \
                 plan year 2027; Oklahoma stays on HealthCare.gov through plan year 2027.",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    fn states(year: i32) -> &'static HealthCareGovStates {
        HealthCareGovStates::for_plan_year(PlanYear::new(year)).expect("year on record")
    }

    #[test]
    fn rule_st_1_open_enrollment_from_november_1_shops_next_year() {
        assert_eq!(
            PlanYear::shopped_on(date(2025, 10, 31)),
            PlanYear::new(2025)
        );
        assert_eq!(PlanYear::shopped_on(date(2025, 11, 1)), PlanYear::new(2026));
        assert_eq!(
            PlanYear::shopped_on(date(2025, 12, 31)),
            PlanYear::new(2026)
        );
        assert_eq!(PlanYear::shopped_on(date(2026, 1, 1)), PlanYear::new(2026));
        assert_eq!(PlanYear::shopped_on(date(2026, 1, 15)), PlanYear::new(2026));
        assert_eq!(PlanYear::shopped_on(date(2026, 6, 30)), PlanYear::new(2026));
        assert_eq!(PlanYear::shopped_on(date(2024, 2, 29)), PlanYear::new(2024));
    }

    #[test]
    fn rule_st_1_plan_year_2026_has_the_thirty_reported_states() {
        let expected = "AL AK AZ AR DE FL HI IN IA KS LA MI MS MO MT NE NH NC ND OH OK OR SC SD \
                        TN TX UT WV WI WY";
        let mut expected: Vec<StateCode> = expected
            .split_whitespace()
            .map(|code| code.parse().expect("valid code"))
            .collect();
        expected.sort();
        assert_eq!(expected.len(), 30);
        assert_eq!(states(2026).states, expected.as_slice());
    }

    #[test]
    fn rule_st_1_state_changes_between_plan_years() {
        assert!(states(2025).contains(IL));
        assert!(!states(2026).contains(IL));
        assert!(!states(2027).contains(IL));

        assert!(states(2025).contains(OR));
        assert!(states(2026).contains(OR));
        assert!(!states(2027).contains(OR));

        for year in 2025..=2027 {
            assert!(!states(year).contains(GA), "Georgia left before {year}");
            assert!(states(year).contains(OK), "Oklahoma stays through {year}");
            assert!(
                !states(year).contains(CA),
                "California never used HealthCare.gov"
            );
        }
        assert_eq!(states(2025).states.len(), 31);
        assert_eq!(states(2027).states.len(), 29);
    }

    #[test]
    fn rule_st_1_state_lists_are_sorted_unique_and_sourced() {
        let mut previous = None;
        for entry in HEALTHCARE_GOV_STATES {
            assert!(
                entry.states.windows(2).all(|w| w[0] < w[1]),
                "{}",
                entry.plan_year
            );
            assert!(!entry.source.trim().is_empty());
            assert!(
                previous < Some(entry.plan_year),
                "plan years oldest first, once each"
            );
            previous = Some(entry.plan_year);
        }
    }

    #[test]
    fn rule_st_1_unknown_plan_year_is_an_error_not_a_panic() {
        let err = HealthCareGovStates::for_plan_year(PlanYear::new(2024)).expect_err("2024");
        assert_eq!(err.plan_year, PlanYear::new(2024));
        assert!(HealthCareGovStates::for_plan_year(PlanYear::new(2028)).is_err());
        // Open Enrollment for 2028 starts on 2027-11-01: no list on record yet.
        assert!(HealthCareGovStates::shopped_on(date(2027, 10, 31)).is_ok());
        let err = HealthCareGovStates::shopped_on(date(2027, 11, 1)).expect_err("2028");
        assert_eq!(err.plan_year, PlanYear::new(2028));
        assert_eq!(
            err.to_string(),
            "no HealthCare.gov state list is on record for plan year 2028"
        );
    }

    #[test]
    fn plan_year_serialises_as_a_number() {
        let json = serde_json::to_string(&PlanYear::new(2026)).expect("serialize");
        assert_eq!(json, "2026");
        let back: PlanYear = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back, PlanYear::new(2026));
    }
}
