//! The roster: what routing knows about every agent, kept in memory between passes.
//!
//! Reading and preparing every agent for every pass (licenses, State Preferences, the
//! schedule compiled into an [`AvailabilityEngine`]) costs *O(agents)* a pass. The roster
//! reads them all once and then keeps them current:
//! - **from the change feed.** Everything routing reads about an agent that the server
//!   changes (an offer made, answered or missed; a suspension; availability; State
//!   Preferences; the profile) appends to that agent's feed, and the feed's notices —
//!   this instance's, and on PostgreSQL every other instance's (decision 0701) — name the
//!   agent. Before each pass the named agents are read again, in one query.
//! - **by the clock.** Each agent's availability is recomputed when it next flips (AV-8),
//!   and the eligible states (ST-1) when the day changes, since licenses lapse by date.
//! - **by a full re-read in the background,** every [`REREAD`] (5 minutes) and whenever
//!   notices may have been missed (the cross-instance feed reconnected, or this reader fell
//!   behind): a safety net for a PostgreSQL change committed behind the feed scan's mark
//!   and for agents added on another instance (which append no change). On SQLite it reads
//!   on a connection of its own, beside the one the server's calls queue on.
//!
//! The store still checks, when it writes an offer, what must never be wrong: the referral
//! is waiting, the agent holds no pending offer, is not suspended and was never offered it.
//! A roster a moment behind can make an offer fail (the pass then looks again), not a
//! forbidden one.
//!
//! Only routable agents — not suspended, available now, holding no pending offer — are
//! queued, per effective state and per (state, language), in the order routing prefers
//! among them ("in order of arrival": longest waiting first, then the lowest id; see
//! [`hod_domain::dispatch`]). Choosing an agent for a referral is then a walk from the front
//! of its (state, language) queue, then its state's queue, past the agents it was already
//! offered to — not a scan of every agent — and the dispatcher confirms the choice with the
//! domain's [`check`](hod_domain::dispatch::check).

use crate::changes::{ChangeNotice, Notice};
use crate::profile::eligible_on;
use crate::store::{AgentId, DynStore, License, RoutingAgent, StoreResult};
use chrono::{DateTime, NaiveDate, Utc};
use hod_domain::availability::{AvailabilityEngine, AvailabilitySettings};
use hod_domain::dispatch::{waiting_since, AvailableAt};
use hod_domain::eligibility::{HealthLineMatcher, StateCode, StatePreferences};
use hod_domain::language::Language;
use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashMap, HashSet};
use std::time::{Duration, Instant};
use tokio::sync::broadcast::{self, error::TryRecvError};
use tokio::task::JoinHandle;

/// How often the whole roster is read again in the background: a safety net (the feed
/// scan sees every committed change), so rarely.
pub const REREAD: Duration = Duration::from_secs(300);

/// What turns a stored agent into a roster entry.
#[derive(Clone)]
pub struct Preparer {
    pub matcher: HealthLineMatcher,
    /// For an agent who never saved availability: the program defaults (AV-1).
    pub default_availability: AvailabilitySettings,
}

impl Preparer {
    /// The entry for `agent` at `now`; `None` when the stored availability does not
    /// validate (the agent is left out of routing, and the log says so).
    fn prepare(&self, agent: RoutingAgent, now: DateTime<Utc>) -> Option<Entry> {
        let settings = agent
            .availability
            .unwrap_or_else(|| self.default_availability.clone());
        let engine = match AvailabilityEngine::new(&settings) {
            Ok(engine) => engine,
            Err(_) => {
                tracing::warn!(agent = %agent.id, "stored availability does not validate; agent skipped");
                return None;
            }
        };
        let mut entry = Entry {
            id: agent.id,
            states: BTreeSet::new(),
            licenses: agent.licenses,
            preferences: agent.preferences,
            languages: agent.languages,
            available: AvailableAt::of(&engine, now),
            next_change: engine.next_change_after(now),
            engine,
            suspended: agent.suspended,
            busy: agent.holds_pending_offer,
            last_offer_ended_at: agent.last_offer_ended_at,
        };
        entry.states = self.effective_states(&entry, now.date_naive());
        Some(entry)
    }

    fn effective_states(&self, entry: &Entry, day: NaiveDate) -> BTreeSet<StateCode> {
        let eligible = eligible_on(&entry.licenses, &self.matcher, day);
        entry.preferences.effective_states(&eligible)
    }

    fn prepare_all(&self, agents: Vec<RoutingAgent>, now: DateTime<Utc>) -> Vec<Entry> {
        agents
            .into_iter()
            .filter_map(|agent| self.prepare(agent, now))
            .collect()
    }
}

/// One agent as routing sees them.
pub struct Entry {
    pub id: AgentId,
    /// Eligible states the agent kept in State Preferences, on the roster's day.
    pub states: BTreeSet<StateCode>,
    licenses: Vec<License>,
    preferences: StatePreferences,
    pub languages: Vec<Language>,
    engine: AvailabilityEngine,
    /// At the roster's last look; current until `next_change`.
    pub available: AvailableAt,
    next_change: Option<DateTime<Utc>>,
    pub suspended: bool,
    /// Holds a pending offer (MR-1).
    pub busy: bool,
    pub last_offer_ended_at: Option<DateTime<Utc>>,
}

impl Entry {
    /// Where the agent stands in their states' queues, when they may be offered a referral
    /// now, if eligible for it: not suspended, available, holding no pending offer.
    fn place(&self) -> Option<Place> {
        match self.available {
            AvailableAt::Since(since) if !self.suspended && !self.busy => {
                Some((waiting_since(since, self.last_offer_ended_at), self.id))
            }
            _ => None,
        }
    }
}

/// A place in a queue: longest waiting first, then the lowest id.
type Place = (DateTime<Utc>, AgentId);

/// A full re-read under way, and the agents named by notices since it started (its rows
/// may predate their changes, so they are read again once it is installed).
struct Reread {
    task: JoinHandle<StoreResult<Vec<Entry>>>,
    /// The day the entries' states are for.
    day: NaiveDate,
    noticed: HashSet<AgentId>,
}

pub struct Roster {
    agents: HashMap<AgentId, Entry>,
    /// The routable agents of each state, and of each (state, language), in routing order.
    queues: HashMap<StateCode, BTreeSet<Place>>,
    speakers: HashMap<(StateCode, Language), BTreeSet<Place>>,
    /// When agents' availability flips, earliest first; an element is stale when the
    /// agent's entry no longer names that instant.
    flips: BinaryHeap<Reverse<(DateTime<Utc>, AgentId)>>,
    day: Option<NaiveDate>,
    notices: broadcast::Receiver<Notice>,
    /// How far the change feed was read ([`agents_changed_since`](crate::store::DispatchStore::agents_changed_since)).
    feed_mark: Option<i64>,
    /// Agents named by notices or the feed, to read again before routing.
    stale: HashSet<AgentId>,
    reread: Option<Reread>,
    reread_wanted: bool,
    last_read: Option<Instant>,
}

impl Roster {
    /// An empty roster that listens to `notices` from now on; the first
    /// [`refresh`](Self::refresh) reads every agent.
    pub fn new(notices: broadcast::Receiver<Notice>) -> Self {
        Self {
            agents: HashMap::new(),
            queues: HashMap::new(),
            speakers: HashMap::new(),
            flips: BinaryHeap::new(),
            day: None,
            notices,
            feed_mark: None,
            stale: HashSet::new(),
            reread: None,
            reread_wanted: false,
            last_read: None,
        }
    }

    /// Brings the roster up to `now`: the first read, a finished background re-read, the
    /// agents named since the last refresh, the day, and the availability flips due.
    pub async fn refresh(
        &mut self,
        store: &DynStore,
        preparer: &Preparer,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.take_notices();
        if self.last_read.is_none() {
            // The first pass reads everyone; notices before it are covered by the read.
            self.stale.clear();
            let (_, mark) = store.agents_changed_since(None).await?;
            self.feed_mark = Some(mark);
            let agents = store.routing_agents(None).await?;
            self.install(preparer.prepare_all(agents, now), now.date_naive());
            self.last_read = Some(Instant::now());
        }
        self.install_reread().await;
        self.start_reread(store, preparer, now);

        // Changes committed by anyone, including other processes (a license import from the
        // command line), which send this instance no notice.
        let (changed, mark) = store.agents_changed_since(self.feed_mark).await?;
        self.feed_mark = Some(mark);
        if let Some(reread) = self.reread.as_mut() {
            reread.noticed.extend(changed.iter().copied());
        }
        self.stale.extend(changed);

        if !self.stale.is_empty() {
            let ids: Vec<AgentId> = self.stale.drain().collect();
            let agents = store.routing_agents(Some(&ids)).await?;
            let mut found = HashSet::with_capacity(agents.len());
            for agent in agents {
                let id = agent.id;
                found.insert(id);
                match preparer.prepare(agent, now) {
                    Some(entry) => self.upsert(entry),
                    None => self.remove(id),
                }
            }
            for id in ids.into_iter().filter(|id| !found.contains(id)) {
                self.remove(id);
            }
        }

        let today = now.date_naive();
        if self.day != Some(today) {
            // Licenses lapse and take effect by date (ST-1).
            let ids: Vec<AgentId> = self.agents.keys().copied().collect();
            for id in ids {
                if let Some(mut entry) = self.agents.remove(&id) {
                    self.unindex(&entry);
                    entry.states = preparer.effective_states(&entry, today);
                    self.index(&entry);
                    self.agents.insert(id, entry);
                }
            }
            self.day = Some(today);
        }

        while let Some(Reverse((at, id))) = self.flips.peek().copied() {
            if at > now {
                break;
            }
            self.flips.pop();
            let Some(mut entry) = self.agents.remove(&id) else {
                continue;
            };
            if entry.next_change == Some(at) {
                self.unindex(&entry);
                entry.available = AvailableAt::of(&entry.engine, now);
                entry.next_change = entry.engine.next_change_after(now);
                self.index(&entry);
                if let Some(next) = entry.next_change {
                    self.flips.push(Reverse((next, id)));
                }
            }
            self.agents.insert(id, entry);
        }
        Ok(())
    }

    /// The agent routing prefers for a referral from `state` in `language`, among the
    /// routable agents who kept `state` and were not offered it before (`offered_to`): the
    /// longest-waiting who speaks the language, else the longest-waiting of all.
    pub fn choose(
        &self,
        state: StateCode,
        language: &Language,
        offered_to: &[AgentId],
    ) -> Option<&Entry> {
        let first = |queue: Option<&BTreeSet<Place>>| {
            queue
                .into_iter()
                .flatten()
                .map(|(_, id)| *id)
                .find(|id| !offered_to.contains(id))
        };
        first(self.speakers.get(&(state, language.clone())))
            .or_else(|| first(self.queues.get(&state)))
            .and_then(|id| self.agents.get(&id))
    }

    /// Every routable agent who kept `state`, in routing order (for checking a choice).
    pub fn queue(&self, state: StateCode) -> impl Iterator<Item = &Entry> {
        self.queues
            .get(&state)
            .into_iter()
            .flatten()
            .filter_map(|(_, id)| self.agents.get(id))
    }

    /// The agent now holds a pending offer: no longer a candidate until read again.
    pub fn mark_busy(&mut self, id: AgentId) {
        if let Some(mut entry) = self.agents.remove(&id) {
            self.unindex(&entry);
            entry.busy = true;
            self.agents.insert(id, entry);
        }
    }

    /// Reads the agent again before the next pass (a write found the roster behind).
    pub fn mark_stale(&mut self, id: AgentId) {
        self.stale.insert(id);
    }

    /// The first instant after `now` at which some agent's availability flips, if any.
    pub fn next_flip(&self) -> Option<DateTime<Utc>> {
        self.flips.peek().map(|Reverse((at, _))| *at)
    }

    pub fn len(&self) -> usize {
        self.agents.len()
    }

    /// Takes in the notices received so far (the agents they name are read at the next
    /// refresh), so a quiet stretch with nothing to route does not let them pile up.
    pub fn take_notices(&mut self) {
        loop {
            match self.notices.try_recv() {
                Ok(Notice::Change(ChangeNotice { agent, .. }) | Notice::AgentAdded(agent)) => {
                    self.stale.insert(agent);
                    if let Some(reread) = self.reread.as_mut() {
                        reread.noticed.insert(agent);
                    }
                }
                Ok(Notice::Resync) | Err(TryRecvError::Lagged(_)) => self.reread_wanted = true,
                Err(TryRecvError::Empty | TryRecvError::Closed) => return,
            }
        }
    }

    async fn install_reread(&mut self) {
        if !self.reread.as_ref().is_some_and(|r| r.task.is_finished()) {
            return;
        }
        let Some(reread) = self.reread.take() else {
            return;
        };
        match reread.task.await {
            Ok(Ok(entries)) => {
                self.install(entries, reread.day);
                self.stale.extend(reread.noticed);
                tracing::debug!(agents = self.agents.len(), "roster read again");
            }
            Ok(Err(error)) => {
                tracing::warn!(error = %crate::http::error::error_chain(&error), "reading the roster again failed; keeping the one held");
                self.reread_wanted = true;
            }
            Err(error) => {
                tracing::warn!(%error, "reading the roster again stopped");
                self.reread_wanted = true;
            }
        }
    }

    fn start_reread(&mut self, store: &DynStore, preparer: &Preparer, now: DateTime<Utc>) {
        if self.reread.is_some() {
            return;
        }
        let due = self.last_read.is_none_or(|at| at.elapsed() >= REREAD);
        if !(due || self.reread_wanted) {
            return;
        }
        self.reread_wanted = false;
        self.last_read = Some(Instant::now());
        let (store, preparer) = (store.clone(), preparer.clone());
        let task = tokio::spawn(async move {
            let agents = store.routing_agents(None).await?;
            // Compiling tens of thousands of schedules is CPU work: keep it off the
            // threads that serve requests.
            tokio::task::spawn_blocking(move || preparer.prepare_all(agents, now))
                .await
                .map_err(|e| crate::store::StoreError::Backend(Box::new(e)))
        });
        self.reread = Some(Reread {
            task,
            day: now.date_naive(),
            noticed: HashSet::new(),
        });
    }

    fn install(&mut self, entries: Vec<Entry>, day: NaiveDate) {
        self.agents.clear();
        self.queues.clear();
        self.speakers.clear();
        self.flips.clear();
        self.day = Some(day);
        for entry in entries {
            self.upsert(entry);
        }
    }

    fn upsert(&mut self, entry: Entry) {
        let old = self.agents.remove(&entry.id);
        if let Some(old) = &old {
            self.unindex(old);
        }
        self.index(&entry);
        // An agent read again after an offer or an answer usually flips at the same instant
        // as before, whose element is still in the heap: push only a new instant, so the
        // heap does not grow with every read.
        if let Some(next) = entry.next_change {
            if old.is_none_or(|old| old.next_change != Some(next)) {
                self.flips.push(Reverse((next, entry.id)));
            }
        }
        self.agents.insert(entry.id, entry);
    }

    fn remove(&mut self, id: AgentId) {
        if let Some(old) = self.agents.remove(&id) {
            self.unindex(&old);
        }
    }

    /// Queues the agent if routable. Call [`unindex`](Self::unindex) before changing any
    /// field the place depends on, so the same place is found again.
    fn index(&mut self, entry: &Entry) {
        let Some(place) = entry.place() else {
            return;
        };
        for state in &entry.states {
            self.queues.entry(*state).or_default().insert(place);
            for language in &entry.languages {
                self.speakers
                    .entry((*state, language.clone()))
                    .or_default()
                    .insert(place);
            }
        }
    }

    fn unindex(&mut self, entry: &Entry) {
        let Some(place) = entry.place() else {
            return;
        };
        for state in &entry.states {
            if let Some(queue) = self.queues.get_mut(state) {
                queue.remove(&place);
            }
            for language in &entry.languages {
                if let Some(queue) = self.speakers.get_mut(&(*state, language.clone())) {
                    queue.remove(&place);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::changes::ChangeNotifier;
    use chrono::TimeZone;
    use hod_domain::dispatch::{choose_agent, Candidate, RoutingReferral};
    use hod_domain::eligibility::{HealthCareGovStates, PlanYear};

    /// A small deterministic generator (xorshift), so a failure can be replayed.
    struct Rolls(u64);
    impl Rolls {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
    }

    fn preparer() -> Preparer {
        Preparer {
            matcher: HealthLineMatcher::default(),
            default_availability: AvailabilitySettings::new(
                hod_domain::availability::AgentTimeZone::new(chrono_tz::America::New_York),
            ),
        }
    }

    fn agent(id: i64, rolls: &mut Rolls, now: DateTime<Utc>) -> RoutingAgent {
        let states = ["TX", "FL", "GA"];
        let licenses = states
            .iter()
            .filter(|_| rolls.below(3) > 0)
            .map(|state| License {
                agent: AgentId(id),
                npn: format!("{id}"),
                state: (*state).to_owned(),
                line_of_authority: "Accident & Health".to_owned(),
                status: "active".to_owned(),
                effective: NaiveDate::from_ymd_opt(2020, 1, 1).expect("a date"),
                expires: None,
                imported_at: now,
            })
            .collect();
        let languages = match rolls.below(3) {
            0 => vec![Language::english()],
            1 => vec![Language::spanish()],
            _ => vec![Language::english(), Language::spanish()],
        };
        RoutingAgent {
            id: AgentId(id),
            languages,
            suspended: rolls.below(10) == 0,
            licenses,
            availability: None,
            preferences: StatePreferences::AllEligible,
            holds_pending_offer: rolls.below(5) == 0,
            // Ties on purpose: the lowest id breaks them.
            last_offer_ended_at: match rolls.below(4) {
                0 => None,
                n => Some(now - chrono::Duration::minutes(7 * n as i64)),
            },
        }
    }

    /// The roster's queues give exactly the domain's choice (`choose_agent` over every agent,
    /// busy and suspended ones included), for random agents, referrals and offer histories,
    /// also after agents are marked busy one by one.
    #[test]
    fn the_queues_choose_what_the_rules_choose() {
        // Monday 10:00 in New York: agents on the program defaults are available (AV-1).
        let now = Utc.with_ymd_and_hms(2026, 1, 5, 15, 0, 0).unwrap();
        let healthcare_gov =
            HealthCareGovStates::for_plan_year(PlanYear::shopped_on(now.date_naive()))
                .expect("plan year on record");
        let preparer = preparer();
        for seed in 1..40u64 {
            let mut rolls = Rolls(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let agents: Vec<RoutingAgent> = (1..=60).map(|id| agent(id, &mut rolls, now)).collect();
            let mut roster = Roster::new(ChangeNotifier::new().subscribe());
            roster.install(preparer.prepare_all(agents, now), now.date_naive());
            for _ in 0..30 {
                let state: StateCode = ["TX", "FL", "GA"][rolls.below(3) as usize]
                    .parse()
                    .expect("a state");
                let language = if rolls.below(2) == 0 {
                    Language::english()
                } else {
                    Language::spanish()
                };
                let offered_to: Vec<AgentId> = (0..rolls.below(20))
                    .map(|_| AgentId(rolls.below(60) as i64 + 1))
                    .collect();
                let routing = RoutingReferral {
                    state,
                    language: &language,
                    healthcare_gov,
                };
                let by_rules = choose_agent(
                    roster.agents.values().map(|a| Candidate {
                        id: a.id,
                        states: &a.states,
                        languages: &a.languages,
                        availability: a.available,
                        suspended: a.suspended,
                        holds_pending_offer: a.busy,
                        already_offered: offered_to.contains(&a.id),
                        last_offer_ended_at: a.last_offer_ended_at,
                    }),
                    &routing,
                );
                let by_queues = roster.choose(state, &language, &offered_to).map(|a| a.id);
                assert_eq!(by_queues, by_rules, "seed {seed}, {state} {language}");
                if let Some(chosen) = by_queues {
                    roster.mark_busy(chosen);
                }
            }
        }
    }
}
