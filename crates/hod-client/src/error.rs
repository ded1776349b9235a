//! The one error type of the cache: typed, so the shell can map each case to a code.

use hod_domain::referral::SetStatusError;
use hod_domain::wire::v1::ReferralId;
use hod_domain::ValidationErrors;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// The file was migrated by a newer app; this one must not touch it.
    #[error(
        "the local data in {path} was written by a newer version of Help On Demand \
         (schema {found}; this version knows up to {supported}); please update the app"
    )]
    NewerSchema {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("local database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("local data could not be read: {0}")]
    Corrupt(#[from] serde_json::Error),
    #[error("this system has no app-data folder")]
    NoDataDir,
    #[error("cannot create the folder {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Nothing synced yet: the first snapshot has not arrived.
    #[error("the {0} has not been loaded from the server yet")]
    NotSynced(&'static str),
    #[error("referral {0} is not in the local cache")]
    UnknownReferral(ReferralId),
    /// Accept and reject answer a pending offer only (RS-1, MR-1).
    #[error("referral {0} has no pending offer")]
    OfferNotPending(ReferralId),
    #[error(transparent)]
    SetStatus(#[from] SetStatusError),
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    #[error("no outbox item {0}")]
    UnknownOutboxItem(i64),
    #[error("outbox item {0} was already answered")]
    OutboxItemNotPending(i64),
    #[error("the system random source failed")]
    Random,
}

/// A failed exchange with the server.
#[derive(Debug, thiserror::Error)]
pub enum ApiFailure {
    /// No answer: no network, server down, timeout, connection cut. Retry later.
    #[error("the server could not be reached: {0}")]
    Unreachable(String),
    /// The server answered with an error body.
    #[error("the server answered {status}: {}", .error.message)]
    Status {
        status: u16,
        error: hod_domain::wire::v1::ApiError,
    },
    /// The server answered something this version cannot read.
    #[error("the server's answer could not be read: {0}")]
    BadResponse(String),
}

impl ApiFailure {
    /// The session is no longer valid: log in again.
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, Self::Status { status: 401, .. })
    }

    /// Worth trying again with the same request: no answer, a server failure, or "later".
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Unreachable(_) => true,
            Self::Status { status, .. } => *status >= 500 || *status == 408 || *status == 429,
            Self::BadResponse(_) => false,
        }
    }

    /// A definite "no" to the request itself (4xx other than 401, 408, 429).
    pub fn is_refusal(&self) -> bool {
        matches!(self, Self::Status { status, .. }
            if (400..500).contains(status) && !matches!(status, 401 | 408 | 429))
    }
}

/// The error of the client facade.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error(transparent)]
    Cache(#[from] CacheError),
    #[error(transparent)]
    Api(#[from] ApiFailure),
    #[error(transparent)]
    Token(#[from] crate::token_store::TokenStoreError),
    #[error("not logged in")]
    NotLoggedIn,
    #[error("the server URL {url} cannot be used: {reason}")]
    InvalidServerUrl { url: String, reason: String },
    #[error("cannot use {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the client has been shut down")]
    ShutDown,
}

impl ClientError {
    /// The error as it may go to a log: a JSON error from the local data is reduced to its
    /// kind and position, since serde's message can quote the value (contact details, MR-4).
    pub fn loggable(&self) -> String {
        match self {
            Self::Cache(CacheError::Corrupt(e)) => format!(
                "local data could not be read: {:?} error at line {}, column {}",
                e.classify(),
                e.line(),
                e.column()
            ),
            other => other.to_string(),
        }
    }
}
