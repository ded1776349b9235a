//! Which states an agent receives referrals from (rules ST-1..ST-3).
//!
//! An agent is eligible in a state when they hold an active license there with a
//! health-related line of authority and the state uses HealthCare.gov for the plan year being
//! shopped (ST-1). State Preferences then narrow that set to the states the agent chose
//! (ST-2, ST-3).

mod license;
mod line_of_authority;
mod plan_year;
mod preferences;
mod state;

pub use license::{License, LicenseStatus};
pub use line_of_authority::{normalise_line_of_authority, HealthLineMatcher};
pub use plan_year::{HealthCareGovStates, PlanYear, UnknownPlanYear, HEALTHCARE_GOV_STATES};
pub use preferences::StatePreferences;
pub use state::StateCode;

use chrono::NaiveDate;
use std::collections::BTreeSet;

/// The states the agent may receive referrals from on `date` (ST-1), before preferences.
///
/// A state counts when one of `licenses` is active on `date` with a line of authority that
/// `matcher` counts as health-related, and the state uses HealthCare.gov in the plan year
/// shopped on `date` (from November 1, next year's). Fails when no HealthCare.gov list is on
/// record for that plan year, rather than guessing.
pub fn eligible_states(
    licenses: &[License],
    matcher: &HealthLineMatcher,
    date: NaiveDate,
) -> Result<BTreeSet<StateCode>, UnknownPlanYear> {
    let healthcare_gov = HealthCareGovStates::shopped_on(date)?;
    Ok(licenses
        .iter()
        .filter(|license| license.is_active_on(date))
        .filter(|license| matcher.is_health_line(&license.line_of_authority))
        .map(|license| license.state)
        .filter(|state| healthcare_gov.contains(*state))
        .collect())
}

#[cfg(test)]
mod tests;
