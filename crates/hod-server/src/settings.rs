//! Configuration, layered: defaults → TOML file (`--config`) → `HOD_` environment variables
//! → command-line flags. The environment and flag layers are read by clap (each flag has an
//! `env = "HOD_…"`), so a flag beats its variable and both beat the file.
//!
//! Secrets (API keys, a database password) are typed so that `Debug` and `Display` never
//! show them: a settings dump is safe to log.

use crate::accounts::throttle::ThrottlePolicy;
use crate::http::forwarded::TrustedProxy;
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
    /// Reverse proxies whose `X-Forwarded-For` names the client for the per-address login
    /// limit; none: the connecting address is the client.
    pub trusted_proxies: Vec<TrustedProxy>,
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
    /// E-mail, text and reminders (issue 6).
    pub notifications: NotificationSettings,
}

/// How HOD reaches agents whose app is closed: e-mail (SMTP), text (an SMS provider's HTTP
/// API) and reminders, with the outbox sender's retry policy. A channel with no server
/// configured is off (no rows are queued for it), and `serve` says so at start.
#[derive(Debug, Clone)]
pub struct NotificationSettings {
    /// SMTP relay host; `None` turns e-mail off.
    pub smtp_host: Option<String>,
    /// `None`: the TLS mode's usual port (25, 587 for STARTTLS, 465 for TLS).
    pub smtp_port: Option<u16>,
    pub smtp_tls: SmtpTls,
    pub smtp_username: Option<String>,
    pub smtp_password: Option<Secret>,
    /// The From address of every e-mail.
    pub mail_from: Option<String>,
    /// Base URL of the SMS provider's API (Twilio form: `{base}/Accounts/{account}/
    /// Messages.json`); `None` turns text off.
    pub sms_api_url: Option<url::Url>,
    /// The account (basic-auth user, and part of the path).
    pub sms_account: Option<String>,
    /// The account's token (basic-auth password).
    pub sms_auth_token: Option<Secret>,
    /// The sender number.
    pub sms_from: Option<String>,
    /// Reminders on text and app, this long before an offer's deadline (`None`: off).
    pub reminder_before: Option<Duration>,
    /// Longest one handover to a provider may take before it counts as failed.
    pub send_timeout: Duration,
    /// Attempts before a message is given up (dead letter).
    pub max_attempts: u32,
    /// First retry delay; doubled per attempt, with jitter, up to `retry_max`.
    pub retry_initial: Duration,
    pub retry_max: Duration,
}

impl NotificationSettings {
    pub fn defaults() -> Self {
        Self {
            smtp_host: None,
            smtp_port: None,
            smtp_tls: SmtpTls::Starttls,
            smtp_username: None,
            smtp_password: None,
            mail_from: None,
            sms_api_url: None,
            sms_account: None,
            sms_auth_token: None,
            sms_from: None,
            reminder_before: Some(Duration::from_secs(5 * 60)),
            send_timeout: Duration::from_secs(10),
            max_attempts: 8,
            retry_initial: Duration::from_secs(5),
            retry_max: Duration::from_secs(120),
        }
    }

    /// E-mail is configured (host and From address).
    pub fn email_on(&self) -> bool {
        self.smtp_host.is_some() && self.mail_from.is_some()
    }

    /// Text is configured (API URL, account, token and sender).
    pub fn text_on(&self) -> bool {
        self.sms_api_url.is_some()
            && self.sms_account.is_some()
            && self.sms_auth_token.is_some()
            && self.sms_from.is_some()
    }
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain text (a relay on localhost or a private network only).
    None,
    /// Upgrade a plain connection; refuse to send if the server cannot (port 587).
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
}

impl SmtpTls {
    pub fn default_port(self) -> u16 {
        match self {
            Self::None => 25,
            Self::Starttls => 587,
            Self::Tls => 465,
        }
    }
}

impl FromStr for SmtpTls {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" => Ok(Self::None),
            "starttls" => Ok(Self::Starttls),
            "tls" => Ok(Self::Tls),
            other => Err(format!(
                "{other:?} is not a TLS mode: none, starttls or tls"
            )),
        }
    }
}

/// A password or token from the configuration. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    /// The secret itself, for the one call that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl FromStr for Secret {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_owned()))
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
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
            trusted_proxies: Vec::new(),
            admin_api_keys: Vec::new(),
            intake_api_keys: Vec::new(),
            consecutive_misses_before_suspension: 3,
            referral_max_wait: Duration::from_secs(24 * 60 * 60),
            default_time_zone: AgentTimeZone::new(chrono_tz::America::New_York),
            heartbeat_interval: Duration::from_secs(10),
            heartbeat_timeout: Duration::from_secs(30),
            dispatch_retry_interval: Duration::from_secs(60),
            notifications: NotificationSettings::defaults(),
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
            trusted_proxies,
            admin_api_keys,
            intake_api_keys,
            consecutive_misses_before_suspension,
            referral_max_wait,
            default_time_zone,
            heartbeat_interval,
            heartbeat_timeout,
            dispatch_retry_interval,
            smtp_host,
            smtp_port,
            smtp_tls,
            smtp_username,
            smtp_password,
            mail_from,
            sms_api_url,
            sms_account,
            sms_auth_token,
            sms_from,
            reminders,
            reminder_before,
            notification_timeout,
            notification_max_attempts,
            notification_retry_initial,
            notification_retry_max,
        } = layer;
        let n = &mut self.notifications;
        set_some(&mut n.smtp_host, smtp_host);
        set_some(&mut n.smtp_port, smtp_port);
        set(&mut n.smtp_tls, smtp_tls);
        set_some(&mut n.smtp_username, smtp_username);
        set_some(&mut n.smtp_password, smtp_password);
        set_some(&mut n.mail_from, mail_from);
        set_some(&mut n.sms_api_url, sms_api_url);
        set_some(&mut n.sms_account, sms_account);
        set_some(&mut n.sms_auth_token, sms_auth_token);
        set_some(&mut n.sms_from, sms_from);
        set_some(&mut n.reminder_before, reminder_before.map(|d| d.0));
        if reminders == Some(false) {
            n.reminder_before = None;
        } else if reminders == Some(true) && n.reminder_before.is_none() {
            n.reminder_before = NotificationSettings::defaults().reminder_before;
        }
        set(&mut n.send_timeout, notification_timeout.map(|d| d.0));
        set(&mut n.max_attempts, notification_max_attempts);
        set(
            &mut n.retry_initial,
            notification_retry_initial.map(|d| d.0),
        );
        set(&mut n.retry_max, notification_retry_max.map(|d| d.0));
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
        set(&mut self.trusted_proxies, trusted_proxies);
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
            ("notification_timeout", self.notifications.send_timeout),
            (
                "notification_retry_initial",
                self.notifications.retry_initial,
            ),
            ("notification_retry_max", self.notifications.retry_max),
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
        self.check_notifications()?;
        if self.login_throttle.per_account == 0 || self.login_throttle.per_address == 0 {
            return Err(SettingsError::Invalid(
                "login failure limits must be at least 1".into(),
            ));
        }
        Ok(())
    }
}

impl Settings {
    fn check_notifications(&self) -> Result<(), SettingsError> {
        let n = &self.notifications;
        let invalid = |m: &str| Err(SettingsError::Invalid(m.to_owned()));
        if n.max_attempts == 0 {
            return invalid("notification_max_attempts must be at least 1");
        }
        if n.smtp_host.is_some() && n.mail_from.is_none() {
            return invalid("smtp_host needs mail_from, the From address of the e-mails");
        }
        if let Some(from) = &n.mail_from {
            if from.parse::<lettre::message::Mailbox>().is_err() {
                return invalid("mail_from is not an e-mail address");
            }
        }
        if n.smtp_username.is_some() != n.smtp_password.is_some() {
            return invalid("smtp_username and smtp_password go together");
        }
        let sms = [
            n.sms_api_url.is_some(),
            n.sms_account.is_some(),
            n.sms_auth_token.is_some(),
            n.sms_from.is_some(),
        ];
        if sms.iter().any(|s| *s) && !sms.iter().all(|s| *s) {
            return invalid(
                "text messages need all of sms_api_url, sms_account, sms_auth_token and sms_from",
            );
        }
        if n.reminder_before.is_some_and(|d| d.is_zero()) {
            return invalid("reminder_before must be longer than 0 (or set reminders = false)");
        }
        Ok(())
    }
}

fn set_some<T>(target: &mut Option<T>, value: Option<T>) {
    if value.is_some() {
        *target = value;
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
    pub trusted_proxies: Option<Vec<TrustedProxy>>,
    pub admin_api_keys: Option<Vec<ApiKey>>,
    pub intake_api_keys: Option<Vec<ApiKey>>,
    pub consecutive_misses_before_suspension: Option<u32>,
    pub referral_max_wait: Option<HumanDuration>,
    pub default_time_zone: Option<AgentTimeZone>,
    pub heartbeat_interval: Option<HumanDuration>,
    pub heartbeat_timeout: Option<HumanDuration>,
    pub dispatch_retry_interval: Option<HumanDuration>,
    pub smtp_host: Option<String>,
    pub smtp_port: Option<u16>,
    pub smtp_tls: Option<SmtpTls>,
    pub smtp_username: Option<String>,
    pub smtp_password: Option<Secret>,
    pub mail_from: Option<String>,
    pub sms_api_url: Option<url::Url>,
    pub sms_account: Option<String>,
    pub sms_auth_token: Option<Secret>,
    pub sms_from: Option<String>,
    pub reminders: Option<bool>,
    pub reminder_before: Option<HumanDuration>,
    pub notification_timeout: Option<HumanDuration>,
    pub notification_max_attempts: Option<u32>,
    pub notification_retry_initial: Option<HumanDuration>,
    pub notification_retry_max: Option<HumanDuration>,
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
