//! The dispatcher: offers each waiting referral to the next eligible, available agent, and
//! drives the timers (offer deadlines, maximum waits, retries).
//!
//! The rules are `hod_domain`'s ([`choose_agent`], [`Offer`](hod_domain::referral::Offer),
//! [`suspension_due`](hod_domain::referral::suspension_due)); this module reads the rows,
//! asks the rules, and writes the outcome through the store, one transaction per offer.
//!
//! Every timer is a row with a due time — a pending offer's `deadline`, a waiting referral's
//! `max_wait_until` and `retry_at` — so nothing is lost on restart: the loop reads what is
//! due when it starts. A pass ([`Dispatcher::run_once`]) runs:
//! 1. on a timer, when the earliest due row comes up (and at least every
//!    [`IDLE_POLL`], so rows written by other instances are seen);
//! 2. after intake, a reject, and any change of availability or preferences, before the
//!    response, so the caller's response already reflects the routing it caused. Requests
//!    arriving together share one pass ([`Dispatcher::route_now`]): a request waits for a
//!    pass that started after its write, and the first in line runs it for everyone;
//! 3. when a test moves its [`ManualClock`](crate::clock::ManualClock), or calls
//!    `run_once` itself (no sleeping in tests).
//!
//! The agents a pass chooses from are held in memory between passes and kept current from
//! the change feed ([`roster`]).

mod roster;

use crate::changes::ChangeNotifier;
use crate::clock::Clock;
use crate::metrics::Metrics;
use crate::notify::NotificationPolicy;
use crate::settings::Settings;
use crate::store::{AgentId, DynStore, MissPolicy, StoreResult, WaitingReferral};
use chrono::{DateTime, Utc};
use hod_domain::availability::AvailabilitySettings;
use hod_domain::dispatch::{check, choose_agent, Candidate, RoutingReferral};
use hod_domain::eligibility::{HealthCareGovStates, HealthLineMatcher, PlanYear};
use hod_domain::referral::OfferOutcome;
use roster::{Preparer, Roster};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Mutex, Notify};

/// The longest the loop sleeps without looking at the database.
pub const IDLE_POLL: Duration = Duration::from_secs(5);

/// How soon the loop looks again after a pass that changed something.
const SETTLE: Duration = Duration::from_millis(100);

/// How many rows one step of a pass handles; the rest wait for the next pass.
const BATCH: u32 = 200;

/// The dispatcher of one server instance. Cheap to clone.
#[derive(Clone)]
pub struct Dispatcher {
    inner: Arc<Inner>,
}

struct Inner {
    store: DynStore,
    clock: Arc<dyn Clock>,
    settings: Arc<Settings>,
    notifier: ChangeNotifier,
    metrics: Arc<Metrics>,
    matcher: HealthLineMatcher,
    wake: Notify,
    /// The messages an offer queues, and how to wake the sender after one (issue 6).
    notifications: NotificationPolicy,
    outbox_wake: Option<Arc<Notify>>,
    /// One pass at a time per instance, with the agents it chooses from; instances are
    /// kept apart by row locks.
    pass: Mutex<Roster>,
    /// Passes started and completed, for requests that share a pass ([`Dispatcher::route_now`]).
    started: AtomicU64,
    completed: AtomicU64,
}

impl std::fmt::Debug for Dispatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dispatcher").finish_non_exhaustive()
    }
}

/// What one pass did (for logs and tests).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PassReport {
    pub expired: usize,
    pub unassigned: usize,
    pub offered: usize,
    pub waiting: usize,
    /// Offers the store refused because the roster was behind (another instance offered
    /// the agent or the referral first); the loop looks again soon.
    pub conflicts: usize,
}

/// What the domain's rules need to know about a roster entry for one referral.
fn candidate<'a>(entry: &'a roster::Entry, offered_to: &[AgentId]) -> Candidate<'a, AgentId> {
    Candidate {
        id: entry.id,
        states: &entry.states,
        languages: &entry.languages,
        availability: entry.available,
        suspended: entry.suspended,
        holds_pending_offer: entry.busy,
        already_offered: offered_to.contains(&entry.id),
        last_offer_ended_at: entry.last_offer_ended_at,
    }
}

impl Dispatcher {
    pub fn new(
        store: DynStore,
        clock: Arc<dyn Clock>,
        settings: Arc<Settings>,
        notifier: ChangeNotifier,
        metrics: Arc<Metrics>,
    ) -> Self {
        let roster = Roster::new(notifier.subscribe());
        Self {
            inner: Arc::new(Inner {
                store,
                clock,
                settings,
                notifier,
                metrics,
                matcher: HealthLineMatcher::default(),
                wake: Notify::new(),
                notifications: NotificationPolicy::OFF,
                outbox_wake: None,
                pass: Mutex::new(roster),
                started: AtomicU64::new(0),
                completed: AtomicU64::new(0),
            }),
        }
    }

    /// Offers made from now on queue the messages `policy` plans, and wake the sender.
    pub fn with_outbox(self, policy: NotificationPolicy, wake: Arc<Notify>) -> Self {
        match Arc::try_unwrap(self.inner) {
            Ok(mut inner) => {
                inner.notifications = policy;
                inner.outbox_wake = Some(wake);
                Self {
                    inner: Arc::new(inner),
                }
            }
            Err(inner) => Self { inner },
        }
    }

    /// The availability an agent who never saved one has: the program defaults (AV-1) in
    /// the configured default zone.
    pub fn default_availability(&self) -> AvailabilitySettings {
        AvailabilitySettings::new(self.inner.settings.default_time_zone)
    }

    pub fn matcher(&self) -> &HealthLineMatcher {
        &self.inner.matcher
    }

    /// Asks the loop for a pass soon, without waiting for it.
    pub fn kick(&self) {
        self.inner.wake.notify_one();
    }

    /// Runs a pass and logs (never returns) a failure: for callers whose own work is done.
    pub async fn run_logged(&self) -> Option<PassReport> {
        match self.run_once().await {
            Ok(report) => Some(report),
            Err(e) => {
                tracing::error!(error = %crate::http::error::error_chain(&e), "dispatch pass failed");
                None
            }
        }
    }

    /// Makes sure a pass runs after this call and before it returns — the first caller in
    /// line runs it, and callers that were waiting meanwhile find their work done — and
    /// logs (never returns) a failure: for requests whose response should reflect the
    /// routing they caused (intake, a reject, a change of availability or preferences).
    pub async fn route_now(&self) {
        let inner = &self.inner;
        // Any pass numbered above the ones started so far starts after this point, so it
        // sees what the caller wrote.
        let wanted = inner.started.load(Ordering::Acquire) + 1;
        let mut roster = inner.pass.lock().await;
        if inner.completed.load(Ordering::Acquire) >= wanted {
            return;
        }
        if let Err(e) = self.pass(&mut roster).await {
            tracing::error!(error = %crate::http::error::error_chain(&e), "dispatch pass failed");
        }
    }

    /// One pass: expire due offers, close overdue referrals, route what is waiting.
    pub async fn run_once(&self) -> StoreResult<PassReport> {
        let mut roster = self.inner.pass.lock().await;
        self.pass(&mut roster).await
    }

    async fn pass(&self, roster: &mut Roster) -> StoreResult<PassReport> {
        let inner = &self.inner;
        let number = inner.started.fetch_add(1, Ordering::AcqRel) + 1;
        let started = std::time::Instant::now();
        let now = inner.clock.now();
        let mut report = PassReport::default();
        let miss_policy = MissPolicy {
            misses_before_suspension: inner.settings.consecutive_misses_before_suspension,
            matcher: inner.matcher.clone(),
        };

        report.expired += self.expire_due(now, &miss_policy).await?;

        let closed = inner.store.close_overdue_referrals(now, BATCH).await?;
        for id in &closed {
            inner.metrics.referral_unassigned();
            tracing::info!(referral = %id, "referral closed unassigned after the maximum wait");
        }
        report.unassigned = closed.len();

        // Every waiting referral, page by page, against the roster brought up to now.
        let preparer = Preparer {
            matcher: inner.matcher.clone(),
            default_availability: self.default_availability(),
        };
        let mut refreshed = false;
        let mut after = None;
        loop {
            let waiting = inner.store.waiting_referrals(after, BATCH).await?;
            let Some(last) = waiting.last() else {
                break;
            };
            after = Some(last.id);
            if refreshed {
                // Routing a long queue takes time: offers that came due meanwhile are
                // missed now, not after the whole queue (MR-2's lateness stays one page).
                report.expired += self.expire_due(inner.clock.now(), &miss_policy).await?;
            } else {
                roster.refresh(&inner.store, &preparer, now).await?;
                inner.metrics.set_roster_size(roster.len());
                refreshed = true;
            }
            self.route(&waiting, roster, now, &mut report).await?;
            if waiting.len() < BATCH as usize {
                break;
            }
        }
        if !refreshed {
            roster.take_notices();
        }
        if report.offered > 0 {
            // New deadlines: a timer loop asleep since before them (this pass ran
            // inline, after intake or a reject) recomputes when to wake.
            inner.wake.notify_one();
        }
        let depth = inner.store.waiting_count().await?;
        inner.metrics.set_queue_depth(depth);
        report.waiting = usize::try_from(depth).unwrap_or(usize::MAX);
        inner.completed.fetch_max(number, Ordering::AcqRel);
        let took = started.elapsed();
        inner.metrics.dispatch_pass(took);
        tracing::debug!(?report, ?took, "dispatch pass");
        Ok(report)
    }

    /// Records every offer due at `now` as missed (MR-2), in batches; how many.
    async fn expire_due(&self, now: DateTime<Utc>, miss_policy: &MissPolicy) -> StoreResult<usize> {
        let inner = &self.inner;
        let mut count = 0;
        loop {
            let expired = inner
                .store
                .expire_due_offers(now, BATCH, miss_policy)
                .await?;
            for e in &expired {
                inner.notifier.notify(e.agent, e.seq);
                let window = (e.deadline - e.offered_at).to_std().unwrap_or_default();
                inner.metrics.offer_resolved(OfferOutcome::Missed, window);
                tracing::info!(referral = %e.referral, agent = %e.agent, "offer missed (MR-2)");
                if e.suspension_seq.is_some() {
                    tracing::warn!(agent = %e.agent, "agent suspended after consecutive misses (AV-9)");
                }
            }
            count += expired.len();
            if expired.len() < BATCH as usize {
                return Ok(count);
            }
        }
    }

    async fn route(
        &self,
        waiting: &[WaitingReferral],
        roster: &mut Roster,
        now: DateTime<Utc>,
        report: &mut PassReport,
    ) -> StoreResult<()> {
        let inner = &self.inner;
        let accept_window = chrono::Duration::from_std(inner.settings.accept_window)
            .unwrap_or(chrono::Duration::minutes(15));
        // When nobody can take a referral, try again at the first moment an agent's
        // availability flips, or after the retry interval, whichever is sooner.
        let retry_interval = chrono::Duration::from_std(inner.settings.dispatch_retry_interval)
            .unwrap_or(chrono::Duration::minutes(1));
        let retry_at = roster
            .next_flip()
            .filter(|at| *at > now)
            .map_or(now + retry_interval, |at| at.min(now + retry_interval));
        let mut retry = Vec::new();
        let mut planned = Vec::new();
        for referral in waiting {
            let chosen = HealthCareGovStates::for_plan_year(PlanYear::new(referral.plan_year))
                .ok()
                .and_then(|healthcare_gov| {
                    let routing = RoutingReferral {
                        state: referral.state,
                        language: &referral.language,
                        healthcare_gov,
                    };
                    if !healthcare_gov.contains(referral.state) {
                        return None; // ST-1, whoever is available
                    }
                    let offered = &referral.offered_to;
                    // The roster's queues hold the domain's order; the rules still decide.
                    let quick = roster
                        .choose(referral.state, &referral.language, offered)
                        .filter(|a| check(&candidate(a, offered), &routing).is_ok())
                        .map(|a| a.id);
                    quick.or_else(|| {
                        // Nobody in the queues (or a choice the rules refused, which the
                        // roster's tests rule out): the rules over the state's whole queue.
                        choose_agent(
                            roster.queue(referral.state).map(|a| candidate(a, offered)),
                            &routing,
                        )
                    })
                });
            match chosen {
                Some(agent) => {
                    roster.mark_busy(agent);
                    planned.push((referral.id, agent));
                }
                // Written only when the referral's timer would not wake in time anyway.
                None if referral
                    .retry_at
                    .is_none_or(|at| at <= now || at > retry_at) =>
                {
                    retry.push(referral.id)
                }
                None => {}
            }
        }

        // The page's offers are written together, each for a distinct referral and a
        // distinct agent: on PostgreSQL in one transaction of a few statements, on SQLite
        // one transaction each, queued on the connection's thread (decision 0601).
        // The window opens when the offers are written, not when the pass began (MR-1's
        // fifteen minutes are the agent's): the roster may have seen an agent freed after
        // `now` (on PostgreSQL, another instance's commit), and an offer dated from before
        // that would open with part of its window gone, or already due (decision 0201).
        let offered_at = inner.clock.now().max(now);
        let deadline = offered_at + accept_window;
        let written = inner
            .store
            .make_offers(&planned, offered_at, deadline, &inner.notifications)
            .await;
        let mut offered = 0;
        for (&(referral, agent), made) in planned.iter().zip(written.made) {
            match made {
                Some(seq) => {
                    inner.notifier.notify(agent, seq);
                    inner.metrics.offer_made();
                    offered += 1;
                    tracing::info!(referral = %referral, agent = %agent, "offer made");
                }
                None => {
                    // Someone got there first (or the write failed); the agent is read
                    // again and the referral, if still waiting, tried in the next pass.
                    roster.mark_stale(agent);
                    report.conflicts += 1;
                }
            }
        }
        report.offered += offered;
        if offered > 0 {
            if let Some(wake) = &inner.outbox_wake {
                wake.notify_one();
            }
        }
        if let Some(error) = written.failure {
            return Err(error);
        }
        if !retry.is_empty() {
            inner.store.schedule_retry(&retry, retry_at).await?;
        }
        Ok(())
    }

    /// The timer loop: runs a pass whenever a row comes due, a pass is asked for, or the
    /// (manual) clock moves, until `shutdown` completes.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send) {
        let mut moves: Option<watch::Receiver<DateTime<Utc>>> = self.inner.clock.moves();
        tokio::pin!(shutdown);
        loop {
            let report = self.run_logged().await;
            // After a pass that changed something (or failed), look again soon: a pass on
            // another instance may have run alongside this one and left a referral for an
            // agent that only became free when both had committed.
            let settle =
                report.is_none_or(|r| r.expired + r.offered + r.unassigned + r.conflicts > 0);
            let wait = match self.inner.store.next_due().await {
                Ok(Some(due)) => {
                    let left = (due - self.inner.clock.now()).to_std().unwrap_or_default();
                    // A row already due that the pass left (another instance holds it, or
                    // a batch was full): look again shortly rather than spin.
                    left.clamp(Duration::from_millis(50), IDLE_POLL)
                }
                Ok(None) => IDLE_POLL,
                Err(e) => {
                    tracing::error!(error = %crate::http::error::error_chain(&e), "reading timers failed");
                    IDLE_POLL
                }
            };
            let moved = async {
                match moves.as_mut() {
                    Some(rx) => {
                        if rx.changed().await.is_err() {
                            std::future::pending::<()>().await;
                        }
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            let wait = if settle { wait.min(SETTLE) } else { wait };
            tokio::select! {
                () = &mut shutdown => break,
                () = tokio::time::sleep(wait) => {}
                () = self.inner.wake.notified() => {}
                () = moved => {}
            }
        }
    }
}
