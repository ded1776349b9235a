//! Login, the Profile screen and the Availability Settings screen.

use crate::availability::{AvailabilitySettings, AvailabilityStatus};
use crate::contact_preference::{ContactMethodWarning, PreferredContactMethod};
use crate::eligibility::{License, StateCode, StatePreferences};
use crate::language::Language;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// Never prints the password, so a login can be logged or shown in a test failure.
impl std::fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginRequest")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginResponse {
    /// Opaque bearer token.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub profile: Profile,
}

/// Why and since when an agent is suspended (AV-9).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Suspension {
    pub since: DateTime<Utc>,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Profile {
    pub npn: String,
    pub name: String,
    pub username: String,
    /// From the MLMS profile; read-only here, changed on the CMS Enterprise Portal (CP-3).
    pub mlms_email: String,
    pub mobile_phone: String,
    pub languages: Vec<Language>,
    pub preferred_contact_method: PreferredContactMethod,
    /// Set for Email Only (CP-2).
    #[serde(default)]
    pub contact_method_warning: Option<ContactMethodWarning>,
    pub licenses: Vec<License>,
    /// States the agent may receive referrals from today (ST-1).
    pub eligible_states: BTreeSet<StateCode>,
    pub state_preferences: StatePreferences,
    #[serde(default)]
    pub suspended: Option<Suspension>,
}

/// Changes from the Profile screen; absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ProfileUpdate {
    #[serde(default)]
    pub preferred_contact_method: Option<PreferredContactMethod>,
    /// The selected states (ST-2); each must be eligible (ST-3).
    #[serde(default)]
    pub state_preferences: Option<Vec<StateCode>>,
    #[serde(default)]
    pub languages: Option<Vec<Language>>,
}

/// The Availability Settings screen and what it means right now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Availability {
    pub settings: AvailabilitySettings,
    pub status: AvailabilityStatus,
}

/// Switch Today's Availability (AV-6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct TodayRequest {
    pub on: bool,
    /// With `on`: the Stop Referrals time; the default when absent.
    #[serde(default)]
    pub stop_referrals_at: Option<DateTime<Utc>>,
}

/// Set Out of Office (AV-7); no `to` means No End Date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct OutOfOfficeRequest {
    pub from: DateTime<Utc>,
    #[serde(default)]
    pub to: Option<DateTime<Utc>>,
}
