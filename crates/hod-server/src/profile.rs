//! The agent's profile as the API and the change feed carry it (`hod_domain::wire::v1::
//! Profile`): what the Profile screen shows — the MLMS e-mail (read-only, CP-3), the
//! Preferred Contact Method (CP-1, CP-2), languages, licenses (read-only), the states the
//! agent is eligible in today (ST-1), State Preferences (ST-2, ST-3) and any suspension
//! (AV-9).
//!
//! One function builds it from stored rows, so `GET /v1/profile`, the login response,
//! `PATCH /v1/profile` and every `ProfileChanged` event agree.

use crate::store::records::from_wire_text;
use crate::store::{Agent, License};
use chrono::NaiveDate;
use hod_domain::contact_preference::PreferredContactMethod;
use hod_domain::eligibility::{
    eligible_states, HealthLineMatcher, LicenseStatus, StateCode, StatePreferences,
};
use hod_domain::wire::v1::{Profile, Suspension as WireSuspension};
use std::collections::BTreeSet;

/// Store licenses as the domain reads them; rows that do not decode are left out (they
/// could not make anyone eligible).
pub fn domain_licenses(licenses: &[License]) -> Vec<hod_domain::eligibility::License> {
    licenses
        .iter()
        .filter_map(|l| {
            let state = l.state.parse::<StateCode>().ok()?;
            let status: LicenseStatus =
                serde_json::from_value(serde_json::Value::String(l.status.clone())).ok()?;
            Some(hod_domain::eligibility::License {
                state,
                line_of_authority: l.line_of_authority.clone(),
                status,
                effective: l.effective,
                expires: l.expires,
            })
        })
        .collect()
}

/// The states an agent is eligible in on `date` (ST-1): HealthCare.gov states of the plan
/// year shopped on `date` where the agent holds an active health license. Empty when the
/// plan year has no HealthCare.gov list on record.
pub fn eligible_on(
    licenses: &[License],
    matcher: &HealthLineMatcher,
    date: NaiveDate,
) -> BTreeSet<StateCode> {
    eligible_states(&domain_licenses(licenses), matcher, date).unwrap_or_default()
}

/// The agent's profile on `date` (eligibility depends on the day: licenses lapse, and the
/// plan year shopped changes on November 1).
pub fn wire_profile(
    agent: &Agent,
    licenses: &[License],
    state_preferences: StatePreferences,
    matcher: &HealthLineMatcher,
    date: NaiveDate,
) -> Profile {
    let method: PreferredContactMethod =
        from_wire_text(&agent.preferred_contact_method).unwrap_or_default();
    Profile {
        npn: agent.npn.clone(),
        name: agent.name.clone(),
        username: agent.username.clone(),
        mlms_email: agent.mlms_email.clone(),
        mobile_phone: agent.mobile_phone.clone(),
        languages: agent.languages.clone(),
        preferred_contact_method: method,
        contact_method_warning: method.warning(),
        licenses: domain_licenses(licenses),
        eligible_states: eligible_on(licenses, matcher, date),
        state_preferences,
        suspended: agent.suspension.as_ref().map(|s| WireSuspension {
            since: s.since,
            reason: s.reason.clone(),
        }),
    }
}
