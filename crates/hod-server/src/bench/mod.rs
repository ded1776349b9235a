//! `bench`: the server under load (issue 7).
//!
//! Bench agents are written straight into the server's database ([`seed`]); M of them hold a
//! `/v1/events` WebSocket each, spread over the servers; referrals are posted to the intake
//! API, round-robin over the servers, at a rate or as fast as `--concurrency` allows; each
//! socket answers its offers with the configured mix (accept, reject, let expire). Two
//! scenarios:
//!
//! - `load`: the first M agents (the socket holders) are available around the clock, the
//!   others are not (they are still read by every routing pass). A first offer is answered
//!   by the mix, decided from the referral id and the seed; a referral offered again (after
//!   a reject or a miss) is accepted, so every referral ends accepted. Measures routing
//!   throughput, intake → socket offer latency, and accept / reject round trips.
//! - `expiry`: every agent is available and nobody answers; the servers must expire all the
//!   pending offers at their deadlines. Measures lateness = when the miss was seen on a
//!   socket (a sample of M agents) minus the deadline, and the lateness the database records
//!   (`resolved_at - deadline`, every offer).
//!
//! Nothing personal is printed: consumers are fictional (the simulator's generator) and the
//! report holds only counts and times.

pub mod seed;
pub mod spawn;
pub mod stats;

use crate::simulate::{places, ReferralGenerator, Rng};
use anyhow::{anyhow, bail, Context};
use chrono::{DateTime, NaiveDate, Utc};
use futures_util::{SinkExt, StreamExt};
use hod_domain::eligibility::StateCode;
use hod_domain::referral::OfferOutcome;
use hod_domain::wire::v1::{ChangeEvent, IntakeReceipt, ReferralState, ServerMessage};
use serde::Serialize;
use stats::{Percentiles, SignedPercentiles};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, Semaphore};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

pub use seed::{BenchLogin, SeedOutcome, SeedPlan};

/// A request unanswered for this long counts as failed (the report names the last error).
pub const HTTP_TIMEOUT: Duration = Duration::from_secs(120);

/// What is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scenario {
    Load,
    Expiry,
}

impl FromStr for Scenario {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "load" => Ok(Self::Load),
            "expiry" => Ok(Self::Expiry),
            other => Err(format!("{other:?}: use load or expiry")),
        }
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Load => "load",
            Self::Expiry => "expiry",
        })
    }
}

/// Percentages of first offers accepted, rejected and left to expire: `70,20,10`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Mix {
    pub accept: u32,
    pub reject: u32,
    pub expire: u32,
}

impl Default for Mix {
    fn default() -> Self {
        Self {
            accept: 70,
            reject: 20,
            expire: 10,
        }
    }
}

impl FromStr for Mix {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad =
            || format!("{s:?} is not a mix such as 70,20,10 (accept, reject, expire; sums to 100)");
        let parts: Vec<u32> = s
            .split([',', '/'])
            .map(|p| p.trim().trim_end_matches('%').parse::<u32>())
            .collect::<Result<_, _>>()
            .map_err(|_| bad())?;
        let [accept, reject, expire] = parts[..] else {
            return Err(bad());
        };
        if accept + reject + expire != 100 {
            return Err(bad());
        }
        Ok(Self {
            accept,
            reject,
            expire,
        })
    }
}

impl fmt::Display for Mix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}% accept, {}% reject, {}% expire",
            self.accept, self.reject, self.expire
        )
    }
}

/// What an agent does with a first offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Accept,
    Reject,
    Expire,
}

impl Mix {
    /// The decision for a referral: a hash of its id and the seed, so every socket (on any
    /// server) decides the same way and a run can be repeated.
    pub fn decide(&self, seed: u64, referral: i64) -> Decision {
        let roll = Rng::new(seed ^ (referral as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)).below(100)
            as u32;
        if roll < self.accept {
            Decision::Accept
        } else if roll < self.accept + self.reject {
            Decision::Reject
        } else {
            Decision::Expire
        }
    }
}

/// `max` (as fast as `--concurrency` allows) or a rate: `500/s`, `6000/min`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum BenchRate {
    Max,
    PerSecond(f64),
}

impl FromStr for BenchRate {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s == "max" {
            return Ok(Self::Max);
        }
        let bad = || format!("{s:?} is not a rate such as max, 500/s or 6000/min");
        let (count, unit) = s.split_once('/').ok_or_else(bad)?;
        let count: f64 = count.trim().parse().map_err(|_| bad())?;
        let seconds = match unit.trim() {
            "s" | "sec" => 1.0,
            "m" | "min" => 60.0,
            _ => return Err(bad()),
        };
        let per_second = count / seconds;
        if !(per_second.is_finite() && per_second > 0.0) {
            return Err(format!("{s:?}: the rate must be above 0"));
        }
        Ok(Self::PerSecond(per_second))
    }
}

impl fmt::Display for BenchRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Max => f.write_str("max"),
            Self::PerSecond(r) => write!(f, "{r}/s"),
        }
    }
}

/// How a run is driven (the seeding is separate: [`seed::seed`]).
#[derive(Debug, Clone)]
pub struct BenchOptions {
    pub scenario: Scenario,
    /// Base URLs; intake is round-robin over them, socket i goes to server i mod n.
    pub servers: Vec<url::Url>,
    pub intake_key: String,
    pub referrals: usize,
    pub rate: BenchRate,
    /// Intake requests in flight at most.
    pub concurrency: usize,
    pub mix: Mix,
    /// How long an agent looks at an offer before answering.
    pub think: Duration,
    /// Longest wait for the outcomes after the last referral was submitted (the expiry
    /// scenario waits until the last deadline it saw, plus this).
    pub wait: Duration,
    pub seed: u64,
    /// The day referrals are for (the servers' plan year).
    pub today: NaiveDate,
    /// States the referrals come from, in turn (the bench agents' licensed states).
    pub states: Vec<StateCode>,
    /// Intake idempotency keys start with this (`bench-<run>-`): how this run's referrals
    /// are found in the database afterwards.
    pub key_prefix: String,
}

/// A first offer as the socket saw it.
#[derive(Debug, Clone, Copy)]
struct FirstOffer {
    seen: Instant,
    decision: Decision,
}

#[derive(Debug, Default)]
struct Progress {
    first_offers: HashMap<i64, FirstOffer>,
    offers_seen: usize,
    re_offers: usize,
    last_offer: Option<Instant>,
    accepted: HashSet<i64>,
    rejected: usize,
    accept_rtt: Vec<Duration>,
    reject_rtt: Vec<Duration>,
    /// Lateness (ms) of misses seen on the sockets: first offers, and all.
    lateness_first: Vec<f64>,
    missed_total: usize,
    /// Earliest and latest deadline of the first offers seen (expiry scenario: an offer
    /// made after the earliest deadline may be a second offer of a missed referral, and the
    /// wait ends after the latest).
    first_deadline: Option<DateTime<Utc>>,
    last_deadline: Option<DateTime<Utc>>,
    answer_errors: usize,
    socket_errors: usize,
    last_error: Option<String>,
}

#[derive(Debug)]
struct Shared {
    progress: Mutex<Progress>,
    changed: Notify,
    scenario: Scenario,
    mix: Mix,
    seed: u64,
    think: Duration,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Progress> {
        self.progress.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn error(&self, socket: bool, message: String) {
        let mut p = self.lock();
        if socket {
            p.socket_errors += 1;
        } else {
            p.answer_errors += 1;
        }
        p.last_error = Some(message);
        drop(p);
        self.changed.notify_waiters();
    }
}

/// One intake submission.
#[derive(Debug, Clone, Copy)]
struct Submitted {
    referral: i64,
    sent: Instant,
    answered: Instant,
    offered_inline: bool,
}

#[derive(Debug, Default)]
struct Intake {
    submitted: Vec<Submitted>,
    failures: usize,
    last_error: Option<String>,
}

/// A run in progress: sockets connected, then [`Bench::submit`], then [`Bench::finish`].
#[derive(Debug)]
pub struct Bench {
    options: BenchOptions,
    shared: Arc<Shared>,
    http: reqwest::Client,
    sockets: Vec<JoinHandle<()>>,
    connected: usize,
    connect_time: Duration,
    intake: Arc<Mutex<Intake>>,
    started: Option<Instant>,
    submit_time: Duration,
}

/// The request for `/v1/events` with a bearer token.
fn events_request(
    base: &url::Url,
    login: &BenchLogin,
) -> anyhow::Result<tokio_tungstenite::tungstenite::handshake::client::Request> {
    let mut url = base
        .join("/v1/events")
        .context("the server URL cannot take a path")?;
    let scheme = if url.scheme() == "https" { "wss" } else { "ws" };
    url.set_scheme(scheme)
        .map_err(|()| anyhow!("cannot make a WebSocket URL of {base}"))?;
    url.set_query(Some(&format!("after={}", login.after)));
    let mut request = url.as_str().into_client_request()?;
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {}", login.token)
            .parse()
            .map_err(|_| anyhow!("a bench token is not a header value"))?,
    );
    Ok(request)
}

impl Bench {
    /// Opens one `/v1/events` socket per login (login i on server i mod n), 64 at a time.
    pub async fn connect(options: BenchOptions, logins: Vec<BenchLogin>) -> anyhow::Result<Self> {
        if options.servers.is_empty() {
            bail!("no server to bench: give --server URL or --spawn N");
        }
        let http = reqwest::Client::builder()
            .timeout(HTTP_TIMEOUT)
            .pool_max_idle_per_host(1024)
            .build()?;
        let shared = Arc::new(Shared {
            progress: Mutex::new(Progress::default()),
            changed: Notify::new(),
            scenario: options.scenario,
            mix: options.mix,
            seed: options.seed,
            think: options.think,
        });
        let started = Instant::now();
        let gate = Arc::new(Semaphore::new(64));
        let mut connecting = Vec::with_capacity(logins.len());
        for (i, login) in logins.into_iter().enumerate() {
            let base = options.servers[i % options.servers.len()].clone();
            let gate = gate.clone();
            connecting.push(tokio::spawn(async move {
                let _permit = gate.acquire_owned().await?;
                let request = events_request(&base, &login)?;
                let (socket, _) = tokio_tungstenite::connect_async(request)
                    .await
                    .with_context(|| format!("cannot open /v1/events on {base}"))?;
                anyhow::Ok((socket, base, login))
            }));
        }
        let mut sockets = Vec::with_capacity(connecting.len());
        for task in connecting {
            let (socket, base, login) = task.await??;
            sockets.push(tokio::spawn(run_socket(
                shared.clone(),
                http.clone(),
                base,
                login,
                socket,
            )));
        }
        Ok(Self {
            connected: sockets.len(),
            connect_time: started.elapsed(),
            options,
            shared,
            http,
            sockets,
            intake: Arc::new(Mutex::new(Intake::default())),
            started: None,
            submit_time: Duration::ZERO,
        })
    }

    /// Posts the referrals (round-robin over the servers) at the rate, at most
    /// `concurrency` in flight; returns when every request was answered.
    pub async fn submit(&mut self) -> anyhow::Result<()> {
        let options = &self.options;
        let mut generator = ReferralGenerator::new(options.today, options.seed)?;
        if options.states.is_empty() {
            bail!("no states to send referrals from");
        }
        let gate = Arc::new(Semaphore::new(options.concurrency.max(1)));
        let mut ticks = match options.rate {
            BenchRate::Max => None,
            BenchRate::PerSecond(r) => {
                let mut t = tokio::time::interval(Duration::from_secs_f64(1.0 / r));
                t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
                Some(t)
            }
        };
        let started = Instant::now();
        self.started = Some(started);
        let mut tasks = Vec::with_capacity(options.referrals);
        for i in 0..options.referrals {
            if let Some(t) = ticks.as_mut() {
                t.tick().await;
            }
            let permit = gate.clone().acquire_owned().await?;
            // The simulator's fictional consumer, from the bench agents' states in turn.
            let mut referral = generator.next_referral();
            let state = options.states[i % options.states.len()];
            if let Some(p) = places(state) {
                let (city, zip) = p.cities[i % p.cities.len()];
                referral.state = state;
                referral.city = city.to_owned();
                referral.zip = zip.to_owned();
            }
            let base = &options.servers[i % options.servers.len()];
            let endpoint = base
                .join("/v1/intake/referrals")
                .context("the server URL cannot take a path")?;
            let key = format!("{}{i:08}", options.key_prefix);
            let request = self
                .http
                .post(endpoint)
                .header("x-api-key", &options.intake_key)
                .header("idempotency-key", key)
                .json(&referral);
            let intake = self.intake.clone();
            tasks.push(tokio::spawn(async move {
                let sent = Instant::now();
                let outcome = match request.send().await {
                    Ok(r) if r.status().is_success() => r
                        .json::<IntakeReceipt>()
                        .await
                        .map_err(|e| format!("unreadable receipt: {e}")),
                    Ok(r) => {
                        let status = r.status();
                        let code = r
                            .json::<serde_json::Value>()
                            .await
                            .ok()
                            .and_then(|b| b["code"].as_str().map(str::to_owned))
                            .unwrap_or_default();
                        Err(format!("intake: HTTP {status} {code}"))
                    }
                    Err(e) => Err(format!("intake: {e}")),
                };
                let answered = Instant::now();
                let mut intake = intake.lock().unwrap_or_else(PoisonError::into_inner);
                match outcome {
                    Ok(receipt) => intake.submitted.push(Submitted {
                        referral: receipt.id.0,
                        sent,
                        answered,
                        offered_inline: receipt.state == ReferralState::Offered,
                    }),
                    Err(e) => {
                        intake.failures += 1;
                        intake.last_error = Some(e);
                    }
                }
                drop(permit);
            }));
        }
        for task in tasks {
            task.await?;
        }
        self.submit_time = started.elapsed();
        let intake = self.intake.lock().unwrap_or_else(PoisonError::into_inner);
        if intake.submitted.is_empty() && intake.failures > 0 {
            bail!(
                "no referral was accepted by the server ({} failed; last: {})",
                intake.failures,
                intake.last_error.as_deref().unwrap_or("?")
            );
        }
        Ok(())
    }

    /// Waits until every referral answered by the mix (accept, or reject then accept) is
    /// accepted, and every first offer left to expire is pending; false after `timeout`.
    /// The expiries themselves are then up to the server's clock (tests move theirs).
    pub async fn answered(&self, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.shared.changed.notified();
            if self.answered_now() {
                return true;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.answered_now();
            }
        }
    }

    fn answered_now(&self) -> bool {
        let intake = self.intake.lock().unwrap_or_else(PoisonError::into_inner);
        let p = self.shared.lock();
        intake
            .submitted
            .iter()
            .all(|s| match p.first_offers.get(&s.referral) {
                Some(first) if first.decision == Decision::Expire => true,
                Some(_) => p.accepted.contains(&s.referral),
                None => false,
            })
    }

    fn done_now(&self) -> bool {
        let intake = self.intake.lock().unwrap_or_else(PoisonError::into_inner);
        let p = self.shared.lock();
        match self.options.scenario {
            Scenario::Load => intake
                .submitted
                .iter()
                .all(|s| p.accepted.contains(&s.referral)),
            // Every first offer was made (the first deadline has passed) and seen missed.
            Scenario::Expiry => {
                intake.submitted.len() + intake.failures >= self.options.referrals
                    && p.first_deadline.is_some_and(|first| Utc::now() > first)
                    && p.lateness_first.len() >= p.first_offers.len()
            }
        }
    }

    /// Waits for the outcomes (bounded by `wait`, and in the expiry scenario by the last
    /// deadline seen plus `wait`), closes the sockets and builds the report.
    pub async fn finish(self, context: RunContext) -> anyhow::Result<Report> {
        let waited = Instant::now();
        loop {
            let notified = self.shared.changed.notified();
            if self.done_now() {
                break;
            }
            // Load: `wait` after the last submission; expiry: `wait` after the latest
            // deadline of a first offer (on the servers' clock, which is this host's).
            let left = match self.options.scenario {
                Scenario::Load => self.options.wait.saturating_sub(waited.elapsed()),
                Scenario::Expiry => match self.shared.lock().last_deadline {
                    Some(last) => chrono::Duration::from_std(self.options.wait)
                        .ok()
                        .and_then(|wait| last.checked_add_signed(wait))
                        .and_then(|end| (end - Utc::now()).to_std().ok())
                        .unwrap_or_default(),
                    None => self.options.wait.saturating_sub(waited.elapsed()),
                },
            };
            if left.is_zero() {
                break;
            }
            let _ = tokio::time::timeout(left, notified).await;
        }
        let drain_time = waited.elapsed();
        for socket in &self.sockets {
            socket.abort();
        }
        let stored = match &context.database {
            Some(db) if self.options.scenario == Scenario::Expiry => {
                seed::first_offers(db, &self.options.key_prefix).await?
            }
            _ => Vec::new(),
        };
        Ok(self.report(context, drain_time, &stored))
    }

    fn report(
        &self,
        context: RunContext,
        drain_time: Duration,
        stored: &[seed::StoredOffer],
    ) -> Report {
        let o = &self.options;
        let intake = self.intake.lock().unwrap_or_else(PoisonError::into_inner);
        let p = self.shared.lock();
        let started = self.started.unwrap_or_else(Instant::now);
        let mut to_offer = Vec::new();
        let mut planned = Planned::default();
        for s in &intake.submitted {
            if let Some(first) = p.first_offers.get(&s.referral) {
                to_offer.push(first.seen.saturating_duration_since(s.sent));
                match first.decision {
                    Decision::Accept => planned.accept += 1,
                    Decision::Reject => planned.reject += 1,
                    Decision::Expire => planned.expire += 1,
                }
            }
        }
        let first_offers = to_offer.len();
        let span = p
            .last_offer
            .map(|l| l.saturating_duration_since(started))
            .unwrap_or_default();
        let per_second = |n: usize, d: Duration| {
            if d.is_zero() {
                0.0
            } else {
                n as f64 / d.as_secs_f64()
            }
        };
        let expiry = (o.scenario == Scenario::Expiry).then(|| {
            let first_deadline = stored
                .iter()
                .map(|s| s.deadline_ms)
                .fold(f64::INFINITY, f64::min);
            let first_offered = stored
                .iter()
                .map(|s| s.offered_ms)
                .fold(f64::INFINITY, f64::min);
            let last_offered = stored
                .iter()
                .map(|s| s.offered_ms)
                .fold(f64::NEG_INFINITY, f64::max);
            let recorded: Vec<f64> = stored
                .iter()
                .filter(|s| s.missed)
                .filter_map(|s| s.resolved_ms.map(|r| r - s.deadline_ms))
                .collect();
            ExpiryReport {
                offers_in_database: stored.len(),
                pending_at_first_deadline: stored
                    .iter()
                    .filter(|s| s.offered_ms < first_deadline)
                    .count(),
                offers_created_within_s: if stored.is_empty() {
                    0.0
                } else {
                    (last_offered - first_offered) / 1000.0
                },
                missed_in_database: recorded.len(),
                observed_lateness: SignedPercentiles::of(p.lateness_first.clone()),
                recorded_lateness: SignedPercentiles::of(recorded),
            }
        });
        let unresolved = match o.scenario {
            Scenario::Load => intake
                .submitted
                .iter()
                .filter(|s| !p.accepted.contains(&s.referral))
                .count(),
            Scenario::Expiry => p.first_offers.len().saturating_sub(p.lateness_first.len()),
        };
        Report {
            scenario: o.scenario,
            backend: context.backend.clone(),
            instances: o.servers.len(),
            spawned: context.spawned,
            agents: context.agents,
            available_agents: context.available,
            sockets: self.connected,
            states_per_agent: context.states_per_agent.clone(),
            referrals: o.referrals,
            rate: o.rate.to_string(),
            concurrency: o.concurrency,
            mix: o.mix,
            think_ms: o.think.as_secs_f64() * 1000.0,
            seed: o.seed,
            load_average: context.load_average.clone(),
            seeding_s: context.seeding.as_secs_f64(),
            connect_s: self.connect_time.as_secs_f64(),
            submitted: intake.submitted.len(),
            intake_failures: intake.failures,
            submit_s: self.submit_time.as_secs_f64(),
            intake_per_second: per_second(intake.submitted.len(), self.submit_time),
            offered_inline: intake.submitted.iter().filter(|s| s.offered_inline).count(),
            first_offers,
            offers_seen: p.offers_seen,
            re_offers: p.re_offers,
            routing_span_s: span.as_secs_f64(),
            offered_per_second: per_second(first_offers, span),
            intake_round_trip: Percentiles::of(
                intake
                    .submitted
                    .iter()
                    .map(|s| s.answered.saturating_duration_since(s.sent))
                    .collect(),
            ),
            intake_to_offer: Percentiles::of(to_offer),
            accept_round_trip: Percentiles::of(p.accept_rtt.clone()),
            reject_round_trip: Percentiles::of(p.reject_rtt.clone()),
            planned,
            accepted: p.accepted.len(),
            rejected: p.rejected,
            missed_first: p.lateness_first.len(),
            missed_total: p.missed_total,
            unresolved,
            answer_errors: p.answer_errors,
            socket_errors: p.socket_errors,
            last_error: p.last_error.clone().or_else(|| intake.last_error.clone()),
            drain_s: drain_time.as_secs_f64(),
            expiry,
        }
    }
}

/// What the report needs besides the run itself.
#[derive(Debug, Clone, Default)]
pub struct RunContext {
    pub backend: String,
    pub spawned: bool,
    pub agents: usize,
    pub available: usize,
    pub states_per_agent: String,
    pub seeding: Duration,
    pub load_average: String,
    /// For the expiry scenario's recorded lateness.
    pub database: Option<crate::store::DatabaseUrl>,
}

/// Decisions taken for the first offers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Planned {
    pub accept: usize,
    pub reject: usize,
    pub expire: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExpiryReport {
    pub offers_in_database: usize,
    /// Offers made before the first deadline: all pending at that moment.
    pub pending_at_first_deadline: usize,
    pub offers_created_within_s: f64,
    pub missed_in_database: usize,
    /// Socket time of the `offer_resolved` (missed) change minus the deadline, first offers
    /// of the sampled agents.
    pub observed_lateness: SignedPercentiles,
    /// `offers.resolved_at - deadline` as stored (the expiring pass's clock reading).
    pub recorded_lateness: SignedPercentiles,
}

/// Everything a run measured; printed as text, written as JSON with `--json`.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub scenario: Scenario,
    pub backend: String,
    pub instances: usize,
    pub spawned: bool,
    pub agents: usize,
    pub available_agents: usize,
    pub sockets: usize,
    pub states_per_agent: String,
    pub referrals: usize,
    pub rate: String,
    pub concurrency: usize,
    pub mix: Mix,
    pub think_ms: f64,
    pub seed: u64,
    pub load_average: String,
    pub seeding_s: f64,
    pub connect_s: f64,
    pub submitted: usize,
    pub intake_failures: usize,
    pub submit_s: f64,
    pub intake_per_second: f64,
    /// Intake answers that said `offered` (routed by the request's own pass).
    pub offered_inline: usize,
    /// Referrals whose first offer reached a socket.
    pub first_offers: usize,
    pub offers_seen: usize,
    pub re_offers: usize,
    pub routing_span_s: f64,
    /// First offers seen on sockets per second, from the first intake request to the last
    /// first offer.
    pub offered_per_second: f64,
    pub intake_round_trip: Percentiles,
    pub intake_to_offer: Percentiles,
    pub accept_round_trip: Percentiles,
    pub reject_round_trip: Percentiles,
    pub planned: Planned,
    pub accepted: usize,
    pub rejected: usize,
    pub missed_first: usize,
    pub missed_total: usize,
    /// Load: referrals not accepted when the wait ended; expiry: first offers whose miss
    /// was not seen.
    pub unresolved: usize,
    pub answer_errors: usize,
    pub socket_errors: usize,
    pub last_error: Option<String>,
    pub drain_s: f64,
    pub expiry: Option<ExpiryReport>,
}

impl Report {
    /// The plain-text report.
    pub fn render(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "hod-server bench — scenario {}, {} backend, {} instance(s){}",
            self.scenario,
            self.backend,
            self.instances,
            if self.spawned { " (spawned)" } else { "" }
        );
        let _ = writeln!(
            out,
            "  agents {} ({} available), sockets {}, states per agent {}, referrals {}, \
             rate {}, concurrency {}, mix {}, think {:.0} ms, seed {}",
            self.agents,
            self.available_agents,
            self.sockets,
            self.states_per_agent,
            self.referrals,
            self.rate,
            self.concurrency,
            self.mix,
            self.think_ms,
            self.seed
        );
        let _ = writeln!(out, "  load average at start: {}", self.load_average);
        let _ = writeln!(
            out,
            "  seeding {:.1} s, sockets connected in {:.1} s",
            self.seeding_s, self.connect_s
        );
        let _ = writeln!(
            out,
            "intake: {} submitted ({} failed) in {:.2} s = {:.0}/s; {} offered by the request's own pass",
            self.submitted, self.intake_failures, self.submit_s, self.intake_per_second, self.offered_inline
        );
        let _ = writeln!(
            out,
            "  intake round trip:        {}",
            self.intake_round_trip.line()
        );
        let _ = writeln!(
            out,
            "routing: {} first offers in {:.2} s = {:.0} referrals offered/s ({} offers seen, {} re-offers)",
            self.first_offers, self.routing_span_s, self.offered_per_second, self.offers_seen, self.re_offers
        );
        let _ = writeln!(
            out,
            "  intake -> socket offer:   {}",
            self.intake_to_offer.line()
        );
        if self.scenario == Scenario::Load {
            let _ = writeln!(
                out,
                "  accept round trip:        {}",
                self.accept_round_trip.line()
            );
            let _ = writeln!(
                out,
                "  reject round trip:        {}",
                self.reject_round_trip.line()
            );
            let _ = writeln!(
                out,
                "outcomes: planned {} accept / {} reject / {} expire; {} referrals accepted, \
                 {} offers rejected, {} first offers missed ({} misses in all); {} not accepted \
                 after {:.1} s",
                self.planned.accept,
                self.planned.reject,
                self.planned.expire,
                self.accepted,
                self.rejected,
                self.missed_first,
                self.missed_total,
                self.unresolved,
                self.drain_s
            );
        }
        if let Some(e) = &self.expiry {
            let _ = writeln!(
                out,
                "expiry: {} first offers in the database, made within {:.1} s; {} pending at the \
                 first deadline; {} missed",
                e.offers_in_database,
                e.offers_created_within_s,
                e.pending_at_first_deadline,
                e.missed_in_database
            );
            let _ = writeln!(
                out,
                "  lateness seen on sockets: {}",
                e.observed_lateness.line()
            );
            let _ = writeln!(
                out,
                "  lateness recorded:        {}",
                e.recorded_lateness.line()
            );
            let _ = writeln!(
                out,
                "  {} sampled first offers not seen missed after {:.1} s",
                self.unresolved, self.drain_s
            );
        }
        if self.answer_errors + self.socket_errors > 0 {
            let _ = writeln!(
                out,
                "errors: {} answers, {} sockets; last: {}",
                self.answer_errors,
                self.socket_errors,
                self.last_error.as_deref().unwrap_or("-")
            );
        } else if let Some(e) = &self.last_error {
            let _ = writeln!(out, "last error: {e}");
        }
        out
    }
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// One agent's socket: records offers, answers them by the mix, notes misses.
async fn run_socket(
    shared: Arc<Shared>,
    http: reqwest::Client,
    base: url::Url,
    login: BenchLogin,
    mut socket: Socket,
) {
    // Deadlines of this agent's offers, for the lateness of a miss.
    let mut deadlines: HashMap<i64, (DateTime<Utc>, bool)> = HashMap::new();
    while let Some(message) = socket.next().await {
        let text = match message {
            Ok(Message::Text(text)) => text,
            Ok(Message::Ping(payload)) => {
                let _ = socket.send(Message::Pong(payload)).await;
                continue;
            }
            Ok(Message::Close(_)) => break,
            Ok(_) => continue,
            Err(e) => {
                shared.error(true, format!("socket of agent {}: {e}", login.index + 1));
                return;
            }
        };
        let now = Instant::now();
        let Ok(ServerMessage::Change(change)) = serde_json::from_str::<ServerMessage>(&text) else {
            continue;
        };
        match change.event {
            ChangeEvent::OfferMade { referral } => {
                let id = referral.id.0;
                let deadline = referral.offer.map(|o| o.deadline);
                let offered_at = referral.offer.map(|o| o.offered_at);
                let mut p = shared.lock();
                p.offers_seen += 1;
                // In the expiry scenario nobody answers, so an offer made once a deadline
                // has passed may be a referral offered again after its miss.
                let late = shared.scenario == Scenario::Expiry
                    && matches!((offered_at, p.first_deadline), (Some(at), Some(first)) if at >= first);
                let first = !late && !p.first_offers.contains_key(&id);
                if first {
                    p.last_offer = Some(now);
                    if let Some(d) = deadline {
                        p.first_deadline = Some(p.first_deadline.map_or(d, |f| f.min(d)));
                        p.last_deadline = Some(p.last_deadline.map_or(d, |l| l.max(d)));
                    }
                }
                let decision = match (first, shared.scenario) {
                    (_, Scenario::Expiry) => Decision::Expire,
                    (true, Scenario::Load) => shared.mix.decide(shared.seed, id),
                    (false, Scenario::Load) => Decision::Accept,
                };
                if first {
                    p.first_offers.insert(
                        id,
                        FirstOffer {
                            seen: now,
                            decision,
                        },
                    );
                } else {
                    p.re_offers += 1;
                }
                drop(p);
                if let Some(d) = deadline {
                    deadlines.insert(id, (d, first));
                }
                shared.changed.notify_waiters();
                if decision != Decision::Expire {
                    tokio::spawn(answer(
                        shared.clone(),
                        http.clone(),
                        base.clone(),
                        login.token.clone(),
                        id,
                        decision,
                    ));
                }
            }
            ChangeEvent::OfferResolved {
                referral_id,
                outcome: OfferOutcome::Missed,
            } => {
                let seen = Utc::now();
                let mut p = shared.lock();
                p.missed_total += 1;
                if let Some((deadline, true)) = deadlines.remove(&referral_id.0) {
                    let late = (seen - deadline).num_microseconds().unwrap_or(i64::MAX);
                    p.lateness_first.push(late as f64 / 1000.0);
                }
                drop(p);
                shared.changed.notify_waiters();
            }
            ChangeEvent::OfferResolved { referral_id, .. } => {
                deadlines.remove(&referral_id.0);
            }
            _ => {}
        }
    }
}

/// Accepts or rejects one offer after the think time, timing the round trip.
async fn answer(
    shared: Arc<Shared>,
    http: reqwest::Client,
    base: url::Url,
    token: String,
    referral: i64,
    decision: Decision,
) {
    if !shared.think.is_zero() {
        tokio::time::sleep(shared.think).await;
    }
    let verb = if decision == Decision::Accept {
        "accept"
    } else {
        "reject"
    };
    let Ok(url) = base.join(&format!("/v1/referrals/{referral}/{verb}")) else {
        return;
    };
    let mut request = http.post(url).bearer_auth(&token);
    if decision == Decision::Reject {
        request = request.json(&serde_json::json!({}));
    }
    let sent = Instant::now();
    match request.send().await {
        Ok(r) if r.status().is_success() => {
            let rtt = sent.elapsed();
            let mut p = shared.lock();
            if decision == Decision::Accept {
                p.accept_rtt.push(rtt);
                p.accepted.insert(referral);
            } else {
                p.reject_rtt.push(rtt);
                p.rejected += 1;
            }
            drop(p);
            shared.changed.notify_waiters();
        }
        Ok(r) => {
            let status = r.status();
            let code = r
                .json::<serde_json::Value>()
                .await
                .ok()
                .and_then(|b| b["code"].as_str().map(str::to_owned))
                .unwrap_or_default();
            shared.error(false, format!("{verb}: HTTP {status} {code}"));
        }
        Err(e) => shared.error(false, format!("{verb}: {e}")),
    }
}

/// A fresh run id for the intake keys (`bench-<16 hex>-`).
pub fn key_prefix(seed: u64) -> String {
    let mut rng = Rng::new(seed ^ Utc::now().timestamp_micros() as u64);
    format!("{}{:016x}-", seed::PREFIX, rng.next_u64())
}

/// `/proc/loadavg`'s first three figures, or "unknown".
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "unknown".to_owned())
}

/// Flags of `hod-server bench`, checked together (each error names its flag).
#[derive(Debug, Clone)]
pub struct BenchCommand {
    pub scenario: Scenario,
    pub servers: Vec<url::Url>,
    pub spawn: Option<usize>,
    pub accept_window: Duration,
    pub intake_key: Option<String>,
    pub agents: usize,
    pub sockets: usize,
    pub referrals: Option<usize>,
    pub rate: BenchRate,
    pub concurrency: usize,
    pub mix: Mix,
    pub think: Duration,
    pub states_per_agent: Option<usize>,
    pub wait: Duration,
    pub seed: Option<u64>,
    pub force: bool,
    pub json: Option<std::path::PathBuf>,
}

/// Runs `hod-server bench` on a migrated database: seed, (spawn), connect, submit, report.
pub async fn run_command(
    command: BenchCommand,
    database: &crate::store::DatabaseUrl,
    now: DateTime<Utc>,
    out: &mut (dyn std::io::Write + Send),
) -> anyhow::Result<Report> {
    let c = command;
    if c.agents == 0 {
        bail!("--agents must be at least 1");
    }
    if c.sockets > c.agents {
        bail!(
            "--sockets ({}) must not exceed --agents ({})",
            c.sockets,
            c.agents
        );
    }
    if c.scenario == Scenario::Load && c.sockets == 0 {
        bail!("--sockets must be at least 1 in the load scenario (the sockets answer the offers)");
    }
    if c.concurrency == 0 {
        bail!("--concurrency must be at least 1");
    }
    if c.spawn == Some(0) {
        bail!("--spawn must be at least 1");
    }
    if c.spawn.is_some() && !c.servers.is_empty() {
        bail!("give either --server or --spawn, not both");
    }
    if c.spawn.is_none() && c.servers.is_empty() {
        bail!("give the servers to bench with --server URL (repeatable), or --spawn N");
    }
    let referrals = c.referrals.unwrap_or(match c.scenario {
        Scenario::Load => 10_000,
        Scenario::Expiry => c.agents,
    });
    if referrals == 0 {
        bail!("--referrals must be at least 1");
    }
    if c.scenario == Scenario::Expiry && referrals > c.agents {
        bail!(
            "--referrals ({referrals}) must not exceed --agents ({}) in the expiry scenario: \
             one pending offer per agent",
            c.agents
        );
    }
    let seed = match c.seed {
        Some(seed) => seed,
        None => {
            let mut bytes = [0u8; 8];
            getrandom::fill(&mut bytes).map_err(|e| anyhow!("no random seed: {e}"))?;
            u64::from_le_bytes(bytes)
        }
    };
    let intake_key = match (&c.intake_key, c.spawn) {
        (Some(key), _) => key.clone(),
        (None, Some(_)) => format!("bench-intake-{seed:016x}"),
        (None, None) => {
            bail!("--intake-key is required with --server (one of the server's intake keys)")
        }
    };
    let load_average = load_average();
    let (available, logins): (usize, Vec<usize>) = match c.scenario {
        // The socket holders are the available agents: every offer reaches a socket.
        Scenario::Load => (c.sockets, (0..c.sockets).collect()),
        // Everyone is available; the sockets are a sample spread over them.
        Scenario::Expiry => (
            c.agents,
            (0..c.sockets)
                .map(|i| i * c.agents / c.sockets.max(1))
                .collect(),
        ),
    };
    writeln!(out, "seeding {} bench agents into {database} …", c.agents)?;
    out.flush()?;
    let seeded = seed::seed(
        database,
        &SeedPlan {
            agents: c.agents,
            available,
            logins,
            states_per_agent: c.states_per_agent,
            force: c.force,
            now,
        },
    )
    .await?;
    writeln!(
        out,
        "seeded in {:.1} s: {} created, {} reused, {} licenses (plan year {})",
        seeded.elapsed.as_secs_f64(),
        seeded.created,
        seeded.reused,
        seeded.licenses,
        seeded.plan_year
    )?;
    let per_agent = c
        .states_per_agent
        .unwrap_or(seeded.states.len())
        .min(seeded.states.len());
    if available * per_agent < seeded.states.len() {
        writeln!(
            out,
            "warning: {available} available agents with {per_agent} state(s) each do not cover \
             the {} HealthCare.gov states: some referrals will wait",
            seeded.states.len()
        )?;
    }
    let spawned = match c.spawn {
        Some(count) => {
            let s = spawn::spawn(spawn::SpawnOptions {
                count,
                database: match database {
                    crate::store::DatabaseUrl::Postgres(_) => database.expose_secret().to_owned(),
                    crate::store::DatabaseUrl::Sqlite(_) => database.to_string(),
                },
                intake_key: intake_key.clone(),
                accept_window: c.accept_window,
                log_dir: std::env::temp_dir(),
            })
            .await?;
            writeln!(
                out,
                "spawned {count} server(s) with a {} accept window: {} (logs: {})",
                humantime::format_duration(c.accept_window),
                s.urls
                    .iter()
                    .map(url::Url::as_str)
                    .collect::<Vec<_>>()
                    .join(" "),
                s.logs
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(" ")
            )?;
            Some(s)
        }
        None => None,
    };
    let servers = spawned
        .as_ref()
        .map_or_else(|| c.servers.clone(), |s| s.urls.clone());
    let options = BenchOptions {
        scenario: c.scenario,
        servers,
        intake_key,
        referrals,
        rate: c.rate,
        concurrency: c.concurrency,
        mix: c.mix,
        think: c.think,
        wait: c.wait,
        seed,
        today: now.date_naive(),
        states: seeded.states.clone(),
        key_prefix: key_prefix(seed),
    };
    writeln!(out, "connecting {} sockets …", c.sockets)?;
    out.flush()?;
    let mut bench = Bench::connect(options, seeded.logins.clone()).await?;
    writeln!(out, "submitting {referrals} referrals at {} …", c.rate)?;
    out.flush()?;
    bench.submit().await?;
    writeln!(out, "submitted; waiting for the outcomes …")?;
    out.flush()?;
    let context = RunContext {
        backend: match database {
            crate::store::DatabaseUrl::Sqlite(_) => "sqlite".to_owned(),
            crate::store::DatabaseUrl::Postgres(_) => "postgres".to_owned(),
        },
        spawned: spawned.is_some(),
        agents: c.agents,
        available,
        states_per_agent: c
            .states_per_agent
            .map_or_else(|| "all".to_owned(), |k| k.to_string()),
        seeding: seeded.elapsed,
        load_average,
        database: Some(database.clone()),
    };
    let report = bench.finish(context).await?;
    drop(spawned);
    write!(out, "{}", report.render())?;
    if let Some(path) = &c.json {
        std::fs::write(path, serde_json::to_string_pretty(&report)?)
            .with_context(|| format!("cannot write --json {}", path.display()))?;
    }
    Ok(report)
}
