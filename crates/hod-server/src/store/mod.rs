//! The storage contract and its two implementations.
//!
//! The contract is a set of small async traits, one per area of the program, gathered by
//! [`Store`]. Each method is one transaction and is expressed in the program's words
//! ("suspend this agent", "revoke this session"), never as generic SQL, so each backend can
//! do it the best way its database allows and both can be held to the same story by one
//! conformance suite (`tests/api/storage_story.rs`).
//!
//! Later areas (referrals and offers, availability, timers, the change feed) add a trait
//! here, a migration per backend, and the trait as a supertrait of [`Store`].
//!
//! Every method that depends on "now" takes it as an argument: the store never reads a clock.

mod database_url;
pub mod migrations;
pub mod postgres;
pub mod sqlite;
mod types;

pub use database_url::{DatabaseUrl, SqliteLocation};
pub use types::*;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::time::Duration;

/// A result from the store.
pub type StoreResult<T> = Result<T, StoreError>;

/// Agents and their licenses (ST-1), as provisioned by operators.
#[async_trait]
pub trait AgentStore: Send + Sync {
    /// Creates one agent; a taken NPN or username is a [`StoreError::Conflict`] naming it.
    async fn create_agent(&self, agent: &NewAgent, now: DateTime<Utc>) -> StoreResult<Agent>;

    /// Creates or updates agents by NPN, all or nothing. Re-importing the same rows changes
    /// nothing but `updated_at`. A username that belongs to another NPN fails the whole
    /// import with a [`StoreError::Row`] naming the row.
    async fn import_agents(
        &self,
        agents: &[NewAgent],
        now: DateTime<Utc>,
    ) -> StoreResult<ImportSummary>;

    async fn agent(&self, id: AgentId) -> StoreResult<Option<Agent>>;
    async fn agent_by_npn(&self, npn: &str) -> StoreResult<Option<Agent>>;
    /// `username` must already be normalised (see `accounts::normalize_username`).
    async fn agent_by_username(&self, username: &str) -> StoreResult<Option<Agent>>;

    /// Suspends an agent (AV-9), replacing any earlier reason.
    async fn suspend_agent(
        &self,
        npn: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Agent>;
    /// Lifts a suspension; reinstating an agent who is not suspended changes nothing.
    async fn reinstate_agent(&self, npn: &str, now: DateTime<Utc>) -> StoreResult<Agent>;

    /// Creates or updates licenses by their natural key (NPN, state, line of authority), all
    /// or nothing. A row whose NPN is not a provisioned agent fails the import.
    async fn import_licenses(
        &self,
        licenses: &[NewLicense],
        now: DateTime<Utc>,
    ) -> StoreResult<ImportSummary>;

    /// The agent's licenses ordered by state, then line of authority.
    async fn licenses(&self, agent: AgentId) -> StoreResult<Vec<License>>;
}

/// Password hashes (PHC strings; the store never sees a password).
#[async_trait]
pub trait CredentialStore: Send + Sync {
    /// Sets the agent's password hash and, in the same transaction, revokes every session
    /// of the agent: a new password ends all logins made with the old one.
    async fn set_password_hash(
        &self,
        agent: AgentId,
        phc: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;

    async fn password_hash(&self, agent: AgentId) -> StoreResult<Option<String>>;
}

/// Login sessions, found by the SHA-256 of their bearer token.
#[async_trait]
pub trait SessionStore: Send + Sync {
    async fn create_session(&self, session: &NewSession) -> StoreResult<Session>;

    /// The session with this token hash, if it is neither revoked nor expired at `now`.
    async fn active_session(
        &self,
        token: &TokenHash,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Session>>;

    /// Revokes one session; `false` when there was no active session with this token.
    async fn revoke_session(&self, token: &TokenHash, now: DateTime<Utc>) -> StoreResult<bool>;

    /// Revokes every active session of an agent; returns how many.
    async fn revoke_agent_sessions(&self, agent: AgentId, now: DateTime<Utc>) -> StoreResult<u64>;
}

/// Failed-login counters, one fixed window per subject ("account:jdoe", "address:10.0.0.1").
#[async_trait]
pub trait LoginThrottleStore: Send + Sync {
    /// Counts one failure. A window older than `window` at `now` starts over at one.
    async fn record_login_failure(
        &self,
        subject: &str,
        now: DateTime<Utc>,
        window: Duration,
    ) -> StoreResult<FailureWindow>;

    async fn login_failures(&self, subject: &str) -> StoreResult<Option<FailureWindow>>;

    async fn clear_login_failures(&self, subject: &str) -> StoreResult<()>;
}

/// Responses remembered per (agent, Idempotency-Key), so a retried command changes nothing.
#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    async fn idempotent_response(
        &self,
        agent: AgentId,
        key: &str,
    ) -> StoreResult<Option<StoredResponse>>;

    /// Remembers a response unless one is already stored for the key; returns the stored
    /// one (the first write wins).
    async fn remember_response(
        &self,
        agent: AgentId,
        key: &str,
        response: &StoredResponse,
        now: DateTime<Utc>,
    ) -> StoreResult<StoredResponse>;
}

/// Everything the server stores.
#[async_trait]
pub trait Store:
    AgentStore
    + CredentialStore
    + SessionStore
    + LoginThrottleStore
    + IdempotencyStore
    + std::fmt::Debug
    + Send
    + Sync
    + 'static
{
    fn backend(&self) -> Backend;

    /// Applies the migrations not yet applied, in order, and returns them; refuses to run
    /// when a shipped migration was edited after it was applied.
    async fn migrate(&self) -> StoreResult<Vec<migrations::Applied>>;

    /// Cheap round trip to the database, for `/healthz`.
    async fn ping(&self) -> StoreResult<()>;
}

/// A shareable handle on a store.
pub type DynStore = Arc<dyn Store>;

/// Opens the database the URL names; does not migrate.
pub async fn open(url: &DatabaseUrl) -> StoreResult<DynStore> {
    Ok(match url {
        DatabaseUrl::Sqlite(location) => Arc::new(sqlite::SqliteStore::open(location).await?),
        DatabaseUrl::Postgres(_) => {
            Arc::new(postgres::PostgresStore::connect(url.expose_secret()).await?)
        }
    })
}
