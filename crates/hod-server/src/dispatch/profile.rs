//! The agent's profile as the change feed carries it (`ChangeEvent::ProfileChanged`).

use super::domain_licenses;
use crate::store::records::from_wire_text;
use crate::store::Agent;
use hod_domain::contact_preference::PreferredContactMethod;
use hod_domain::eligibility::StatePreferences;
use hod_domain::wire::v1::{Profile, Suspension as WireSuspension};

/// The profile as the change feed carries it.
pub fn wire_profile(
    agent: &Agent,
    licenses: &[crate::store::License],
    eligible: std::collections::BTreeSet<hod_domain::eligibility::StateCode>,
    state_preferences: StatePreferences,
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
        eligible_states: eligible,
        state_preferences,
        suspended: agent.suspension.as_ref().map(|s| WireSuspension {
            since: s.since,
            reason: s.reason.clone(),
        }),
    }
}
