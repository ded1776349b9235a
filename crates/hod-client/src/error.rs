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
