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
pub mod records;
pub mod sqlite;
mod types;

pub use database_url::{DatabaseUrl, SqliteLocation};
pub use records::{
    agent_view, Answer, Answered, ExpiredOffer, MissPolicy, NewReferral, OfferRecord, OffersMade,
    ReferralError, ReferralFilter, ReferralRecord, RoutingAgent, Updated, WaitingReferral,
};
pub use types::*;

use crate::notify::{
    ClaimBatch, NotificationFilter, NotificationPolicy, NotificationRow, Settlement,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hod_domain::availability::AvailabilitySettings;
use hod_domain::eligibility::{HealthLineMatcher, StatePreferences};
use hod_domain::referral::{ContactAttempt, ProgramPolicy, StatusChange};
use hod_domain::wire::v1::{Change, ChangeEvent, Profile, Referral, ReferralId};
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

/// Referrals as intake and the agents see them, and the agents' commands on them. Every
/// command appends the agent's change rows in its own transaction.
#[async_trait]
pub trait ReferralStore: Send + Sync {
    /// Stores a new referral, waiting for an agent. With an intake key already used, returns
    /// the referral stored the first time and `false`.
    async fn create_referral(
        &self,
        referral: &NewReferral,
        now: DateTime<Utc>,
    ) -> StoreResult<(ReferralRecord, bool)>;

    async fn referral(&self, id: ReferralId) -> StoreResult<Option<ReferralRecord>>;

    /// The referral as `agent` sees it, if it was ever offered to them (MR-4 applied).
    async fn agent_referral(&self, agent: AgentId, id: ReferralId)
        -> StoreResult<Option<Referral>>;

    /// The agent's referrals, newest offer first, with each row's paging key (the offer id):
    /// only offers older than `before` when given.
    async fn agent_referrals(
        &self,
        agent: AgentId,
        filter: ReferralFilter,
        before: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<(i64, Referral)>>;

    /// Accepts or rejects the agent's pending offer of the referral at `now`; the deadline
    /// instant belongs to the expiry (MR-1, MR-2).
    async fn answer_offer(
        &self,
        agent: AgentId,
        id: ReferralId,
        answer: &Answer,
        now: DateTime<Utc>,
    ) -> Result<Answered, ReferralError>;

    /// The agent's "set status" on a referral they accepted (RS-7).
    async fn set_referral_status(
        &self,
        agent: AgentId,
        id: ReferralId,
        change: &StatusChange,
        now: DateTime<Utc>,
    ) -> Result<Updated, ReferralError>;

    /// Logs an attempt to reach the consumer of a referral the agent accepted (CE-4).
    async fn log_contact_attempt(
        &self,
        agent: AgentId,
        id: ReferralId,
        attempt: &ContactAttempt,
        now: DateTime<Utc>,
        policy: &ProgramPolicy,
    ) -> Result<Updated, ReferralError>;

    /// The deadlines of the agent's missed offers after `since` (MR-3).
    async fn missed_offer_deadlines(
        &self,
        agent: AgentId,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<DateTime<Utc>>>;
}

/// What the dispatcher and its timers read and write. Every timer is a row with a due time:
/// a pending offer's deadline, a waiting referral's maximum wait and its retry time.
#[async_trait]
pub trait DispatchStore: Send + Sync {
    /// Waiting referrals in arrival order (by id), after `after` when given: a routing pass
    /// pages through all of them, so referrals nobody can take yet never hold up the ones
    /// behind them.
    async fn waiting_referrals(
        &self,
        after: Option<ReferralId>,
        limit: u32,
    ) -> StoreResult<Vec<WaitingReferral>>;

    /// What routing needs to know about every agent, or about the agents in `only` (the
    /// ones that no longer exist are left out).
    async fn routing_agents(&self, only: Option<&[AgentId]>) -> StoreResult<Vec<RoutingAgent>>;

    /// The agents named by changes committed since `mark` by any process or instance, and
    /// the mark to pass next time; `None` starts from now. The dispatcher's roster reads
    /// those agents again (decision 0201).
    async fn agents_changed_since(&self, mark: Option<i64>) -> StoreResult<(Vec<AgentId>, i64)>;

    /// Offers a waiting referral to an agent, if it is still waiting, the agent holds no
    /// pending offer, was never offered it and is not suspended; appends `OfferMade` to the
    /// agent's feed and queues the messages `notifications` plans for the agent's Preferred
    /// Contact Method (CP-1) in the outbox, all in one transaction (decision 0601). `None`
    /// when someone else got there first.
    async fn make_offer(
        &self,
        referral: ReferralId,
        agent: AgentId,
        offered_at: DateTime<Utc>,
        deadline: DateTime<Utc>,
        notifications: &NotificationPolicy,
    ) -> StoreResult<Option<i64>>;

    /// Makes several offers at once, each as [`make_offer`](Self::make_offer) would (the
    /// dispatcher plans each for a distinct referral and a distinct agent). PostgreSQL
    /// writes the batch in one transaction of a few statements, so a failure makes none of
    /// them; this default (SQLite's) makes each offer in a transaction of its own, several
    /// queued at once, so a failure stops only some.
    async fn make_offers(
        &self,
        planned: &[(ReferralId, AgentId)],
        offered_at: DateTime<Utc>,
        deadline: DateTime<Utc>,
        notifications: &NotificationPolicy,
    ) -> OffersMade {
        use futures_util::StreamExt;
        let results: Vec<StoreResult<Option<i64>>> = futures_util::stream::iter(planned.to_vec())
            .map(|(referral, agent)| {
                self.make_offer(referral, agent, offered_at, deadline, notifications)
            })
            .buffered(8)
            .collect()
            .await;
        let mut written = OffersMade::default();
        for result in results {
            match result {
                Ok(seq) => written.made.push(seq),
                Err(error) => {
                    written.made.push(None);
                    written.failure.get_or_insert(error);
                }
            }
        }
        written
    }

    /// Records up to `limit` pending offers whose deadline is at or before `now` as missed
    /// (MR-2), puts their referrals back to waiting, and suspends an agent whose run of
    /// misses reaches `policy.misses_before_suspension` (AV-9), appending `ProfileChanged`
    /// to that agent's feed in the same transaction. Rows another instance is working on
    /// are skipped.
    async fn expire_due_offers(
        &self,
        now: DateTime<Utc>,
        limit: u32,
        policy: &MissPolicy,
    ) -> StoreResult<Vec<ExpiredOffer>>;

    /// Closes as unassigned the waiting referrals whose maximum wait ended at or before
    /// `now`.
    async fn close_overdue_referrals(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<ReferralId>>;

    /// When to try routing a waiting referral again.
    async fn schedule_retry(&self, referrals: &[ReferralId], at: DateTime<Utc>) -> StoreResult<()>;

    /// The earliest due time of any timer row.
    async fn next_due(&self) -> StoreResult<Option<DateTime<Utc>>>;

    async fn waiting_count(&self) -> StoreResult<u64>;
}

/// What an agent saves on the Availability and Profile screens, and the change feed.
#[async_trait]
pub trait AgentStateStore: Send + Sync {
    /// `None` until the agent saves (program defaults in the server's default zone).
    async fn availability(&self, agent: AgentId) -> StoreResult<Option<AvailabilitySettings>>;

    /// Saves the settings and appends `event`; returns its sequence number.
    async fn save_availability(
        &self,
        agent: AgentId,
        settings: &AvailabilitySettings,
        event: &ChangeEvent,
        now: DateTime<Utc>,
    ) -> StoreResult<i64>;

    async fn state_preferences(&self, agent: AgentId) -> StoreResult<StatePreferences>;

    /// Applies a profile update and appends `ProfileChanged` with the profile as saved
    /// (eligible states by `matcher` on `now`'s date), in one transaction; returns the
    /// event's sequence number and the profile.
    async fn update_profile(
        &self,
        agent: AgentId,
        update: &ProfileChangeSet,
        matcher: &HealthLineMatcher,
        now: DateTime<Utc>,
    ) -> StoreResult<(i64, Profile)>;

    /// The agent's changes after `after`, in sequence order.
    async fn changes_after(
        &self,
        agent: AgentId,
        after: i64,
        limit: u32,
    ) -> StoreResult<Vec<Change>>;

    /// The sequence number of the agent's newest change (0 when the feed is empty): the
    /// head a client's cursor reaches once it is up to date.
    async fn change_head(&self, agent: AgentId) -> StoreResult<i64>;
}

/// The notification outbox (decision 0601). Rows are queued by [`DispatchStore::make_offer`].
#[async_trait]
pub trait NotificationStore: Send + Sync {
    /// Claims up to `limit` rows due at `now` — queued ones whose time has come, and
    /// `sending` ones whose claim ran out (their sender stopped) — except `exclude`: each is
    /// marked `sending` until `now + claim_for` with its attempt counted. Due rows whose offer
    /// is no longer pending are marked `skipped` instead and returned as such. Rows another
    /// instance is claiming are left to it.
    async fn claim_notifications(
        &self,
        now: DateTime<Utc>,
        claim_for: chrono::Duration,
        limit: u32,
        exclude: &[i64],
    ) -> StoreResult<ClaimBatch>;

    /// Settles the claim `attempt` of row `id`; `false` when that claim no longer holds
    /// (the row was claimed again after its claim ran out).
    async fn settle_notification(
        &self,
        id: i64,
        attempt: i32,
        settlement: &Settlement,
    ) -> StoreResult<bool>;

    /// The newest rows first.
    async fn notifications(
        &self,
        filter: NotificationFilter,
        limit: u32,
    ) -> StoreResult<Vec<NotificationRow>>;

    /// The earliest moment a row is due (a queued row's time, a claim's end).
    async fn next_notification_due(&self) -> StoreResult<Option<DateTime<Utc>>>;

    /// Hands an app reminder to every instance serving this database, whose followers
    /// ([`Store::follow_commits`]) pass it to their sockets, this instance's included
    /// (decision 0701). `false`: no other instance can exist (SQLite), and the caller
    /// delivers it in process.
    async fn publish_reminder(
        &self,
        _reminder: &crate::changes::OfferReminder,
    ) -> StoreResult<bool> {
        Ok(false)
    }
}

/// A validated profile update; absent fields stay.
#[derive(Debug, Clone, Default)]
pub struct ProfileChangeSet {
    /// CP-1 option in wire form.
    pub contact_method: Option<String>,
    pub languages: Option<Vec<hod_domain::language::Language>>,
    pub preferences: Option<StatePreferences>,
}

/// Everything the server stores.
#[async_trait]
pub trait Store:
    AgentStore
    + CredentialStore
    + SessionStore
    + LoginThrottleStore
    + IdempotencyStore
    + ReferralStore
    + DispatchStore
    + AgentStateStore
    + NotificationStore
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

    /// Starts following the changes every instance on this database commits, passing each
    /// to `notifier`, until `stop` fires; `None` where there are no other instances (SQLite,
    /// whose one instance notifies in process). PostgreSQL: LISTEN/NOTIFY (decision 0701).
    fn follow_commits(
        &self,
        notifier: crate::changes::ChangeNotifier,
        stop: tokio::sync::oneshot::Receiver<()>,
    ) -> Option<tokio::task::JoinHandle<()>> {
        let _ = (notifier, stop);
        None
    }
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
