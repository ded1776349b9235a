//! Choosing the next agent for a referral.
//!
//! A referral goes to one agent at a time. An agent can be offered it only when all of these
//! hold, each checked by [`check`] and named by [`Ineligible`] when it fails:
//! - the consumer's state uses HealthCare.gov for the plan year being shopped (ST-1);
//! - the agent holds an active health license there and kept it in State Preferences
//!   (ST-1..ST-3) — the caller passes the agent's effective states;
//! - the agent is available now by schedule, Today's Availability and Out of Office (AV-8);
//! - the agent is not suspended (AV-9);
//! - the agent was not offered this referral before (a reject or a miss moves it on, CE-3);
//! - the agent holds no other pending offer (one answer at a time inside the window, MR-1).
//!
//! Among those, agents who speak the consumer's language come first; then the one who has
//! waited longest — since their last offer ended or since they became available, whichever is
//! later ("in order of arrival"); then the lowest id, so routing is deterministic.

use crate::availability::{AvailabilityEngine, AvailabilityReason};
use crate::eligibility::{HealthCareGovStates, StateCode};
use crate::language::Language;
use crate::Rule;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::BTreeSet;

/// What routing needs to know about a referral.
#[derive(Debug, Clone, Copy)]
pub struct RoutingReferral<'a> {
    pub state: StateCode,
    pub language: &'a Language,
    /// The HealthCare.gov states of the plan year being shopped.
    pub healthcare_gov: &'a HealthCareGovStates,
}

/// An agent's availability at the instant routing runs (AV-8): since when they have been
/// available, or why they are not. Computed once per agent for a routing pass, which asks
/// about many referrals at one instant ([`AvailableAt::of`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AvailableAt {
    Since(DateTime<Utc>),
    Not(AvailabilityReason),
}

impl AvailableAt {
    pub fn of(engine: &AvailabilityEngine, now: DateTime<Utc>) -> Self {
        match engine.available_since(now) {
            Some(since) => Self::Since(since),
            None => Self::Not(engine.status_at(now).reason),
        }
    }
}

/// What routing needs to know about one agent.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a, Id> {
    pub id: Id,
    /// Eligible states the agent kept in State Preferences (ST-1..ST-3).
    pub states: &'a BTreeSet<StateCode>,
    pub languages: &'a [Language],
    /// At the instant routing runs.
    pub availability: AvailableAt,
    pub suspended: bool,
    pub holds_pending_offer: bool,
    pub already_offered: bool,
    pub last_offer_ended_at: Option<DateTime<Utc>>,
}

/// Why an agent cannot be offered a referral now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Ineligible {
    NotAHealthCareGovState,
    StateNotSelected,
    Unavailable { why: AvailabilityReason },
    Suspended,
    AlreadyOffered,
    HoldsPendingOffer,
}

impl Ineligible {
    pub fn rule(self) -> Rule {
        match self {
            Self::NotAHealthCareGovState => Rule::St1,
            Self::StateNotSelected => Rule::St3,
            Self::Unavailable { why } => why.rule(),
            Self::Suspended => Rule::Av9,
            Self::AlreadyOffered => Rule::Ce3,
            Self::HoldsPendingOffer => Rule::Mr1,
        }
    }
}

/// An eligible agent's place in the queue; smaller goes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Priority {
    pub speaks_language: bool,
    pub waiting_since: DateTime<Utc>,
}

impl Ord for Priority {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .speaks_language
            .cmp(&self.speaks_language)
            .then(self.waiting_since.cmp(&other.waiting_since))
    }
}

impl PartialOrd for Priority {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Whether `candidate` may be offered `referral` at the instant its availability was taken
/// for, and if so their priority.
pub fn check<Id>(
    candidate: &Candidate<'_, Id>,
    referral: &RoutingReferral<'_>,
) -> Result<Priority, Ineligible> {
    if !referral.healthcare_gov.contains(referral.state) {
        return Err(Ineligible::NotAHealthCareGovState);
    }
    if !candidate.states.contains(&referral.state) {
        return Err(Ineligible::StateNotSelected);
    }
    if candidate.suspended {
        return Err(Ineligible::Suspended);
    }
    if candidate.already_offered {
        return Err(Ineligible::AlreadyOffered);
    }
    if candidate.holds_pending_offer {
        return Err(Ineligible::HoldsPendingOffer);
    }
    let available_since = match candidate.availability {
        AvailableAt::Since(since) => since,
        AvailableAt::Not(why) => return Err(Ineligible::Unavailable { why }),
    };
    let waiting_since = waiting_since(available_since, candidate.last_offer_ended_at);
    Ok(Priority {
        speaks_language: candidate.languages.contains(referral.language),
        waiting_since,
    })
}

/// Since when an available agent has been waiting for a referral, for "in order of arrival":
/// since their last offer ended or since they became available, whichever is later.
pub fn waiting_since(
    available_since: DateTime<Utc>,
    last_offer_ended_at: Option<DateTime<Utc>>,
) -> DateTime<Utc> {
    last_offer_ended_at.map_or(available_since, |ended| ended.max(available_since))
}

/// The agent to offer `referral` to, if anyone may take it at the candidates' instant.
pub fn choose_agent<'a, Id: Ord + Copy + 'a>(
    candidates: impl IntoIterator<Item = Candidate<'a, Id>>,
    referral: &RoutingReferral<'_>,
) -> Option<Id> {
    candidates
        .into_iter()
        .filter_map(|c| check(&c, referral).ok().map(|p| (p, c.id)))
        .min()
        .map(|(_, id)| id)
}

#[cfg(test)]
mod tests;
