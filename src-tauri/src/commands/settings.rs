//! Device settings: language (also for the tray and notifications), launch at login, sound,
//! theme.

use super::CommandResult;
use crate::settings::AppSettings;
use crate::shell::Shell;
use hod_client::error_body::ErrorBody;
use tauri::{AppHandle, State};
use tauri_plugin_autostart::ManagerExt;

#[tauri::command(rename_all = "snake_case")]
pub async fn get_settings(shell: State<'_, Shell>) -> CommandResult<AppSettings> {
    Ok(shell.settings())
}

#[tauri::command(rename_all = "snake_case")]
pub async fn save_settings(
    app: AppHandle,
    shell: State<'_, Shell>,
    language: hod_client::presence::Locale,
    launch_at_login: bool,
    sound: bool,
    theme: crate::settings::Theme,
) -> CommandResult<AppSettings> {
    let before = shell.settings();
    let after = AppSettings {
        language,
        launch_at_login,
        sound,
        theme,
    };
    if before.launch_at_login != launch_at_login {
        let autostart = app.autolaunch();
        let result = if launch_at_login {
            autostart.enable()
        } else {
            autostart.disable()
        };
        result.map_err(|e| {
            ErrorBody::new(
                "launch_at_login",
                format!("launch at login could not be changed: {e}"),
            )
        })?;
    }
    let saved = shell.save_settings(after)?;
    if before.language != saved.language {
        crate::bridge::relabel(&app, saved.language);
    }
    Ok(saved)
}
