//! The records the store reads and writes.

use chrono::{DateTime, NaiveDate, Utc};
use hod_domain::language::Language;
use serde::Serialize;
use std::fmt;

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// An agent's internal id. The NPN is the natural key; this id is what other rows reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct AgentId(pub i64);

impl fmt::Display for AgentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The Preferred Contact Method every new agent starts with (CP-2 recommends it).
pub const DEFAULT_CONTACT_METHOD: &str = "email_text_app";

/// An agent as an operator provisions them (validated: see `accounts::AgentInput`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAgent {
    /// National Producer Number, digits only.
    pub npn: String,
    pub name: String,
    /// Normalised: trimmed and lower-case.
    pub username: String,
    /// The MLMS profile e-mail (CP-3): shown read-only, changed only in the CMS portal.
    pub mlms_email: String,
    /// E.164, e.g. `+15551234567`.
    pub mobile_phone: String,
    /// At least one.
    pub languages: Vec<Language>,
}

/// Why and since when an agent is suspended (AV-9).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suspension {
    pub reason: String,
    pub since: DateTime<Utc>,
}

/// A provisioned agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    pub id: AgentId,
    pub npn: String,
    pub name: String,
    pub username: String,
    pub mlms_email: String,
    pub mobile_phone: String,
    pub languages: Vec<Language>,
    /// One of the CP-1 options in wire form; `email_text_app` until the agent changes it.
    pub preferred_contact_method: String,
    pub suspension: Option<Suspension>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One NIPR-like license row (ST-1), validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLicense {
    pub npn: String,
    /// Two upper-case letters.
    pub state: String,
    /// As the state labels it, whitespace collapsed ("Accident & Health").
    pub line_of_authority: String,
    /// Lower-case ("active", "inactive", …).
    pub status: String,
    pub effective: NaiveDate,
    pub expires: Option<NaiveDate>,
}

/// A stored license.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct License {
    pub agent: AgentId,
    pub npn: String,
    pub state: String,
    pub line_of_authority: String,
    pub status: String,
    pub effective: NaiveDate,
    pub expires: Option<NaiveDate>,
    pub imported_at: DateTime<Utc>,
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub created: usize,
    pub updated: usize,
    /// Rows identical to what was stored: nothing written.
    pub unchanged: usize,
}

/// How the stored copy of an imported row compares with the row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RowFate {
    Created,
    Updated,
    Unchanged,
}

impl ImportSummary {
    pub(crate) fn count(&mut self, fate: RowFate) {
        match fate {
            RowFate::Created => self.created += 1,
            RowFate::Updated => self.updated += 1,
            RowFate::Unchanged => self.unchanged += 1,
        }
    }
}

/// Languages as stored by both backends: codes joined by commas ("en,es").
pub(crate) fn languages_to_text(languages: &[Language]) -> String {
    languages
        .iter()
        .map(Language::code)
        .collect::<Vec<_>>()
        .join(",")
}

pub(crate) fn languages_from_text(text: &str) -> Result<Vec<Language>, StoreError> {
    text.split(',')
        .filter(|code| !code.is_empty())
        .map(|code| {
            Language::parse("languages", code)
                .map_err(|e| StoreError::corrupt(format!("stored language: {e}")))
        })
        .collect()
}

pub(crate) fn unknown_npn(index: usize, npn: &str) -> StoreError {
    StoreError::Row {
        index,
        field: "npn",
        message: format!("no agent has NPN {npn}: import the agent first"),
    }
}

pub(crate) fn username_taken_by(index: usize, username: &str, owner_npn: &str) -> StoreError {
    StoreError::Row {
        index,
        field: "username",
        message: format!("username {username:?} already belongs to the agent with NPN {owner_npn}"),
    }
}

/// SHA-256 of a bearer token: what the store keeps instead of the token.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenHash(pub [u8; 32]);

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not a secret, but no reason to spread it around either.
        f.write_str("TokenHash(..)")
    }
}

/// A session to create at login.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub agent: AgentId,
    pub token: TokenHash,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A stored session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: i64,
    pub agent: AgentId,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Failed logins counted for one subject in the current window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureWindow {
    pub failures: u32,
    pub started_at: DateTime<Utc>,
}

/// A response remembered for an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    /// SHA-256 of the request (method, path, body), so a key reused for a different request
    /// can be refused instead of answered with the wrong response.
    pub request_fingerprint: [u8; 32],
    pub status: u16,
    pub body: String,
}

/// Why a store call failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The thing named does not exist.
    #[error("{what} not found")]
    NotFound { what: &'static str },
    /// A unique value is taken.
    #[error("{message}")]
    Conflict {
        field: &'static str,
        message: String,
    },
    /// One row of a batch (import) was refused; nothing of the batch was written.
    #[error("row {index}: {field}: {message}")]
    Row {
        /// Zero-based position in the batch.
        index: usize,
        field: &'static str,
        message: String,
    },
    /// The schema cannot be brought up to date.
    #[error("database schema: {0}")]
    Migration(String),
    /// The database refused or failed; details for the log, not for clients.
    #[error("database error: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl StoreError {
    pub fn backend(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Backend(Box::new(e))
    }

    /// For values read back that do not decode (a corrupt row).
    pub fn corrupt(message: impl Into<String>) -> Self {
        Self::Backend(message.into().into())
    }
}
