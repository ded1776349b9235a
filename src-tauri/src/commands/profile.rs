//! Profile: MLMS e-mail (read-only, CP-3), Preferred Contact Method (CP-1, CP-2), State
//! Preferences (ST-2, ST-3), languages, licenses.

use super::{not_synced, CommandResult};
use crate::shell::Shell;
use hod_client::error_body::ErrorBody;
use hod_domain::contact_preference::PreferredContactMethod;
use hod_domain::eligibility::StateCode;
use hod_domain::language::Language;
use hod_domain::wire::v1::{Profile, ProfileUpdate};
use tauri::State;

#[tauri::command(rename_all = "snake_case")]
pub async fn get_profile(shell: State<'_, Shell>) -> CommandResult<Profile> {
    let client = shell.signed_in().await?;
    client
        .profile()
        .map_err(ErrorBody::from)
        .and_then(not_synced("profile"))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn save_preferences(
    shell: State<'_, Shell>,
    preferred_contact_method: PreferredContactMethod,
    state_preferences: Vec<StateCode>,
    languages: Vec<Language>,
) -> CommandResult<Profile> {
    let client = shell.signed_in().await?;
    client
        .save_preferences(ProfileUpdate {
            preferred_contact_method: Some(preferred_contact_method),
            state_preferences: Some(state_preferences),
            languages: Some(languages),
        })
        .map_err(ErrorBody::from)?;
    client
        .profile()
        .map_err(ErrorBody::from)
        .and_then(not_synced("profile"))
}
