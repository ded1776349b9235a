//! Configuration, layered: defaults → TOML file (`--config`) → `HOD_` environment variables
//! → command-line flags. The environment and flag layers are read by clap (each flag has an
//! `env = "HOD_…"`), so a flag beats its variable and both beat the file.
//!
//! Secrets (API keys, a database password) are typed so that `Debug` and `Display` never
//! show them: a settings dump is safe to log.

use crate::accounts::throttle::ThrottlePolicy;
use crate::store::DatabaseUrl;
use hod_domain::availability::AgentTimeZone;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// Everything the server can be told.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Address to listen on (`serve`); port 0 picks a free port.
    pub listen: SocketAddr,
    pub database: DatabaseUrl,
    /// How long an agent has to accept or reject an offer (MR-1: 15 minutes).
    pub accept_window: Duration,
    /// How long a login session lasts.
    pub session_ttl: Duration,
    pub login_throttle: ThrottlePolicy,
    /// Keys for `/v1/admin/*` (header `X-Api-Key`); none configured means admin calls are
    /// refused.
    pub admin_api_keys: Vec<ApiKey>,
    /// Keys for the intake API (consumer referrals).
    pub intake_api_keys: Vec<ApiKey>,
    /// AV-9: consecutive missed offers that suspend an agent (our default: 3).
    pub consecutive_misses_before_suspension: u32,
    /// A referral no agent took within this long after intake closes as unassigned.
    pub referral_max_wait: Duration,
    /// The zone of the program's default hours (AV-1) for agents who never saved a schedule.
    pub default_time_zone: AgentTimeZone,
    /// How often the `/v1/events` WebSocket sends a heartbeat (and a ping).
    pub heartbeat_interval: Duration,
    /// A WebSocket that has not answered a ping for this long is closed.
    pub heartbeat_timeout: Duration,
    /// How often a waiting referral is tried again when no availability change is known
    /// sooner.
    pub dispatch_retry_interval: Duration,
}

impl Settings {
    /// The built-in defaults: loopback, a SQLite file in the OS data folder, 15-minute
    /// accept window, 12-hour sessions, 5 failed logins per account per 15 minutes.
    pub fn defaults() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database: DatabaseUrl::sqlite_file(default_database_path()),
            accept_window: Duration::from_secs(15 * 60),
            session_ttl: Duration::from_secs(12 * 60 * 60),
            login_throttle: ThrottlePolicy::default(),
            admin_api_keys: Vec::new(),
            intake_api_keys: Vec::new(),
            consecutive_misses_before_suspension: 3,
            referral_max_wait: Duration::from_secs(24 * 60 * 60),
            default_time_zone: AgentTimeZone::new(chrono_tz::America::New_York),
            heartbeat_interval: Duration::from_secs(10),
            heartbeat_timeout: Duration::from_secs(30),
            dispatch_retry_interval: Duration::from_secs(60),
        }
    }

    /// Defaults, then the file (if any), then `overrides` (environment and flags).
    pub fn load(file: Option<&Path>, overrides: SettingsLayer) -> Result<Self, SettingsError> {
        let mut settings = Self::defaults();
        if let Some(path) = file {
            settings.apply(SettingsLayer::from_file(path)?);
        }
        settings.apply(overrides);
        settings.check()?;
        Ok(settings)
    }

    /// Overwrites every setting the layer has.
    pub fn apply(&mut self, layer: SettingsLayer) {
        let SettingsLayer {
            listen,
            database,
            accept_window,
            session_ttl,
            login_failures_per_account,
            login_failures_per_address,
            login_failure_window,
            admin_api_keys,
            intake_api_keys,
            consecutive_misses_before_suspension,
            referral_max_wait,
            default_time_zone,
            heartbeat_interval,
            heartbeat_timeout,
            dispatch_retry_interval,
        } = layer;
        set(&mut self.heartbeat_timeout, heartbeat_timeout.map(|d| d.0));
        set(
            &mut self.consecutive_misses_before_suspension,
            consecutive_misses_before_suspension,
        );
        set(&mut self.referral_max_wait, referral_max_wait.map(|d| d.0));
        set(&mut self.default_time_zone, default_time_zone);
        set(
            &mut self.heartbeat_interval,
            heartbeat_interval.map(|d| d.0),
        );
        set(
            &mut self.dispatch_retry_interval,
            dispatch_retry_interval.map(|d| d.0),
        );
        set(&mut self.listen, listen);
        set(&mut self.database, database);
        set(&mut self.accept_window, accept_window.map(|d| d.0));
        set(&mut self.session_ttl, session_ttl.map(|d| d.0));
        set(
            &mut self.login_throttle.per_account,
            login_failures_per_account,
        );
        set(
            &mut self.login_throttle.per_address,
            login_failures_per_address,
        );
        set(
            &mut self.login_throttle.window,
            login_failure_window.map(|d| d.0),
        );
        set(&mut self.admin_api_keys, admin_api_keys);
        set(&mut self.intake_api_keys, intake_api_keys);
    }

    fn check(&self) -> Result<(), SettingsError> {
        let positive = [
            ("accept_window", self.accept_window),
            ("session_ttl", self.session_ttl),
            ("login_failure_window", self.login_throttle.window),
            ("referral_max_wait", self.referral_max_wait),
            ("heartbeat_interval", self.heartbeat_interval),
            ("heartbeat_timeout", self.heartbeat_timeout),
            ("dispatch_retry_interval", self.dispatch_retry_interval),
        ];
        for (name, value) in positive {
            if value.is_zero() {
                return Err(SettingsError::Invalid(format!(
                    "{name} must be longer than 0"
                )));
            }
        }
        if self.consecutive_misses_before_suspension == 0 {
            return Err(SettingsError::Invalid(
                "consecutive_misses_before_suspension must be at least 1 (AV-9)".into(),
            ));
        }
        if self.login_throttle.per_account == 0 || self.login_throttle.per_address == 0 {
            return Err(SettingsError::Invalid(
                "login failure limits must be at least 1".into(),
            ));
        }
        Ok(())
    }
}

fn set<T>(target: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *target = value;
    }
}

/// `~/.local/share/hod-server/hod.sqlite3` on Linux (the OS data folder elsewhere), or
/// `./hod.sqlite3` when there is no home folder.
pub fn default_database_path() -> PathBuf {
    directories::ProjectDirs::from("", "", "hod-server")
        .map(|dirs| dirs.data_dir().join("hod.sqlite3"))
        .unwrap_or_else(|| PathBuf::from("hod.sqlite3"))
}

/// One layer of settings: every field optional. The TOML file has exactly these keys.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsLayer {
    pub listen: Option<SocketAddr>,
    pub database: Option<DatabaseUrl>,
    pub accept_window: Option<HumanDuration>,
    pub session_ttl: Option<HumanDuration>,
    pub login_failures_per_account: Option<u32>,
    pub login_failures_per_address: Option<u32>,
    pub login_failure_window: Option<HumanDuration>,
    pub admin_api_keys: Option<Vec<ApiKey>>,
    pub intake_api_keys: Option<Vec<ApiKey>>,
    pub consecutive_misses_before_suspension: Option<u32>,
    pub referral_max_wait: Option<HumanDuration>,
    pub default_time_zone: Option<AgentTimeZone>,
    pub heartbeat_interval: Option<HumanDuration>,
    pub heartbeat_timeout: Option<HumanDuration>,
    pub dispatch_retry_interval: Option<HumanDuration>,
}

impl SettingsLayer {
    pub fn from_file(path: &Path) -> Result<Self, SettingsError> {
        let text = std::fs::read_to_string(path).map_err(|e| SettingsError::File {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        Self::from_toml(&text).map_err(|message| SettingsError::File {
            path: path.to_owned(),
            message,
        })
    }

    pub fn from_toml(text: &str) -> Result<Self, String> {
        // toml's messages quote the offending line, which may hold a secret: keep only the
        // first line of the message and the position.
        toml::from_str(text).map_err(|e: toml::de::Error| {
            let what = e
                .message()
                .lines()
                .next()
                .unwrap_or("invalid TOML")
                .to_owned();
            match e.span() {
                Some(span) => {
                    let line = text[..span.start.min(text.len())].lines().count().max(1);
                    format!("line {line}: {what}")
                }
                None => what,
            }
        })
    }
}

/// Why settings could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("configuration file {}: {message}", path.display())]
    File { path: PathBuf, message: String },
    #[error("configuration: {0}")]
    Invalid(String),
}

/// A duration written like `15m`, `20s` or `1h 30m`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HumanDuration(pub Duration);

impl FromStr for HumanDuration {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        humantime::parse_duration(s.trim())
            .map(Self)
            .map_err(|e| format!("{s:?} is not a duration such as 15m or 20s: {e}"))
    }
}

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// An API key. Never printed; compared through SHA-256 digests so the comparison time does
/// not depend on how much of a guess is right.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

/// Shorter keys are refused: they could be guessed.
pub const MIN_API_KEY_CHARS: usize = 16;

impl ApiKey {
    pub fn new(key: &str) -> Result<Self, String> {
        let key = key.trim();
        if key.chars().count() < MIN_API_KEY_CHARS {
            return Err(format!(
                "an API key has at least {MIN_API_KEY_CHARS} characters"
            ));
        }
        Ok(Self(key.to_owned()))
    }

    /// Whether a presented key is this one.
    pub fn matches(&self, presented: &str) -> bool {
        Sha256::digest(self.0.as_bytes()) == Sha256::digest(presented.as_bytes())
    }
}

impl FromStr for ApiKey {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl<'de> Deserialize<'de> for ApiKey {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::new(&text).map_err(serde::de::Error::custom)
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "admin-key-0123456789";

    #[test]
    fn defaults_are_usable_without_configuration() {
        let settings = Settings::load(None, SettingsLayer::default()).expect("defaults");
        assert_eq!(settings.accept_window, Duration::from_secs(900));
        assert_eq!(settings.session_ttl, Duration::from_secs(12 * 3600));
        assert!(settings.database.to_string().ends_with("hod.sqlite3"));
        assert!(settings.admin_api_keys.is_empty());
    }

    #[test]
    fn later_layers_win_and_unset_fields_fall_through() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("hod.toml");
        std::fs::write(
            &file,
            format!(
                "listen = \"0.0.0.0:9000\"\naccept_window = \"20s\"\nsession_ttl = \"1h\"\n\
                 admin_api_keys = [\"{KEY}\"]\n"
            ),
        )
        .expect("write");
        let overrides = SettingsLayer {
            accept_window: Some("2m".parse().expect("duration")),
            ..SettingsLayer::default()
        };
        let settings = Settings::load(Some(&file), overrides).expect("load");
        assert_eq!(settings.listen, "0.0.0.0:9000".parse().expect("addr"));
        assert_eq!(
            settings.accept_window,
            Duration::from_secs(120),
            "override wins"
        );
        assert_eq!(
            settings.session_ttl,
            Duration::from_secs(3600),
            "file wins over default"
        );
        assert!(settings.admin_api_keys[0].matches(KEY));
    }

    #[test]
    fn unknown_keys_and_bad_values_are_errors_without_echoing_secrets() {
        let err = SettingsLayer::from_toml("listn = \"1.2.3.4:5\"").expect_err("typo");
        assert!(err.contains("unknown field"), "{err}");
        let err =
            SettingsLayer::from_toml("admin_api_keys = [\"short-secret\"]").expect_err("short");
        assert!(!err.contains("short-secret"), "{err}");
        let zero = SettingsLayer {
            session_ttl: Some(HumanDuration(Duration::ZERO)),
            ..SettingsLayer::default()
        };
        assert!(Settings::load(None, zero).is_err());
    }

    #[test]
    fn routing_settings_load_from_the_file() {
        let layer = SettingsLayer::from_toml(
            "consecutive_misses_before_suspension = 5\nreferral_max_wait = \"2h\"\n\
             default_time_zone = \"America/Chicago\"\nheartbeat_interval = \"5s\"\n\
             heartbeat_timeout = \"20s\"\ndispatch_retry_interval = \"30s\"\n",
        )
        .expect("valid");
        let mut settings = Settings::defaults();
        assert_eq!(settings.default_time_zone.name(), "America/New_York");
        settings.apply(layer);
        assert_eq!(settings.consecutive_misses_before_suspension, 5);
        assert_eq!(settings.referral_max_wait, Duration::from_secs(7200));
        assert_eq!(settings.default_time_zone.name(), "America/Chicago");
        assert_eq!(settings.heartbeat_interval, Duration::from_secs(5));
        assert_eq!(settings.heartbeat_timeout, Duration::from_secs(20));
        assert_eq!(settings.dispatch_retry_interval, Duration::from_secs(30));
        assert!(SettingsLayer::from_toml("default_time_zone = \"Mars/Base\"").is_err());
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let mut settings = Settings::defaults();
        settings.admin_api_keys = vec![ApiKey::new(KEY).expect("key")];
        settings.database = "postgres://hod:pw-s3cr3t@db/hod".parse().expect("url");
        let dump = format!("{settings:?}");
        assert!(!dump.contains(KEY), "{dump}");
        assert!(!dump.contains("pw-s3cr3t"), "{dump}");
    }

    #[test]
    fn api_keys_match_exactly() {
        let key = ApiKey::new(KEY).expect("key");
        assert!(key.matches(KEY));
        assert!(!key.matches("admin-key-012345678"));
        assert!(ApiKey::new("too-short").is_err());
    }
}
