//! Device settings: language, launch at login, sound, theme. Kept in `settings.json` in the
//! app-data folder (not synced: they belong to this computer, not to the agent's account).

use hod_client::presence::Locale;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default)]
pub struct AppSettings {
    pub language: Locale,
    pub launch_at_login: bool,
    pub sound: bool,
    pub theme: Theme,
}

impl Default for AppSettings {
    fn default() -> Self {
        Self {
            language: Locale::En,
            launch_at_login: false,
            sound: true,
            theme: Theme::System,
        }
    }
}

pub fn path_in(data_dir: &Path) -> PathBuf {
    data_dir.join("settings.json")
}

/// The saved settings; the defaults when there are none or they cannot be read.
pub fn load(data_dir: &Path) -> AppSettings {
    std::fs::read(path_in(data_dir))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

/// Writes the settings atomically (a temporary file renamed over the old one).
pub fn save(data_dir: &Path, settings: &AppSettings) -> std::io::Result<()> {
    std::fs::create_dir_all(data_dir)?;
    let tmp = data_dir.join("settings.json.tmp");
    let json = serde_json::to_vec_pretty(settings).map_err(std::io::Error::other)?;
    std::fs::write(&tmp, json)?;
    std::fs::rename(tmp, path_in(data_dir))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn settings_round_trip_and_default_when_missing() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load(dir.path()), AppSettings::default());
        let spanish = AppSettings {
            language: Locale::Es,
            launch_at_login: true,
            sound: false,
            theme: Theme::Dark,
        };
        save(dir.path(), &spanish).unwrap();
        assert_eq!(load(dir.path()), spanish);
    }
}
