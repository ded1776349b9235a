//! Records of the routing area (referrals, offers, contact attempts, routing state) and the
//! one function that turns them into what an agent may see ([`agent_view`], MR-4).

use super::{AgentId, License, StoreError, StoreResult};
use chrono::{DateTime, Utc};
use hod_domain::availability::AvailabilitySettings;
use hod_domain::eligibility::{StateCode, StatePreferences};
use hod_domain::language::Language;
use hod_domain::referral::{
    CompletionOutcome, ContactAttempt, NotAGoodReferralReason, OfferOutcome, ProgramPolicy,
    ReferralStatus, SetStatusError,
};
use hod_domain::wire::v1::{ConsumerContact, OfferView, Referral, ReferralId, ReferralState};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// A consumer's request as intake hands it over, validated.
#[derive(Clone, PartialEq, Eq)]
pub struct NewReferral {
    pub consumer_name: String,
    pub phone: String,
    pub email: Option<String>,
    pub notes: Option<String>,
    pub state: StateCode,
    pub city: String,
    pub zip: String,
    pub language: Language,
    pub plan_year: i32,
    pub received_at: DateTime<Utc>,
    pub max_wait_until: DateTime<Utc>,
    /// The intake's `Idempotency-Key`: a second request with it creates nothing.
    pub intake_key: Option<String>,
}

/// Never prints personal data.
impl std::fmt::Debug for NewReferral {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewReferral")
            .field("state", &self.state)
            .field("language", &self.language)
            .field("received_at", &self.received_at)
            .finish_non_exhaustive()
    }
}

/// A stored referral, personal data included: handle with [`agent_view`] only.
#[derive(Clone, PartialEq, Eq)]
pub struct ReferralRecord {
    pub id: ReferralId,
    pub contact: ConsumerContact,
    pub state: StateCode,
    pub city: String,
    pub zip: String,
    pub language: Language,
    pub plan_year: i32,
    pub received_at: DateTime<Utc>,
    pub lifecycle: ReferralState,
    pub max_wait_until: DateTime<Utc>,
    pub retry_at: Option<DateTime<Utc>>,
    /// The agent who accepted.
    pub agent: Option<AgentId>,
    pub status: Option<ReferralStatus>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub completion_outcome: Option<CompletionOutcome>,
    pub not_a_good_referral_reason: Option<NotAGoodReferralReason>,
    pub updated_at: DateTime<Utc>,
}

/// Never prints personal data.
impl std::fmt::Debug for ReferralRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReferralRecord")
            .field("id", &self.id)
            .field("state", &self.state)
            .field("lifecycle", &self.lifecycle)
            .field("agent", &self.agent)
            .finish_non_exhaustive()
    }
}

/// One offer of one referral to one agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferRecord {
    pub id: i64,
    pub referral: ReferralId,
    pub agent: AgentId,
    pub offered_at: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    /// `None` while pending.
    pub outcome: Option<OfferOutcome>,
    pub resolved_at: Option<DateTime<Utc>>,
}

/// What routing reads about one agent.
#[derive(Debug, Clone)]
pub struct RoutingAgent {
    pub id: AgentId,
    pub languages: Vec<Language>,
    pub suspended: bool,
    pub licenses: Vec<License>,
    /// `None` until the agent saves: the program defaults in the default zone.
    pub availability: Option<AvailabilitySettings>,
    pub preferences: StatePreferences,
    pub holds_pending_offer: bool,
    pub last_offer_ended_at: Option<DateTime<Utc>>,
}

/// A referral waiting for an agent, with the agents it was already offered to.
#[derive(Debug, Clone)]
pub struct WaitingReferral {
    pub id: ReferralId,
    pub state: StateCode,
    pub language: Language,
    pub plan_year: i32,
    pub received_at: DateTime<Utc>,
    /// When the timer tries it again, if set.
    pub retry_at: Option<DateTime<Utc>>,
    pub offered_to: Vec<AgentId>,
}

/// What a batch of offers ([`DispatchStore::make_offers`](super::DispatchStore::make_offers))
/// wrote: the sequence number of each offer's `OfferMade`, in the order asked, `None` for an
/// offer not made (someone else got there first, or it failed); and the first failure, if
/// one stopped some of them.
#[derive(Debug, Default)]
pub struct OffersMade {
    pub made: Vec<Option<i64>>,
    pub failure: Option<StoreError>,
}

/// An offer the timer found past its deadline and recorded as missed (MR-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpiredOffer {
    pub referral: ReferralId,
    pub agent: AgentId,
    pub offered_at: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    /// The agent's feed now reaches this sequence number.
    pub seq: i64,
    /// Set when the miss completed a run that suspends the agent (AV-9): the sequence
    /// number of the `ProfileChanged` event that announces it, committed with the miss.
    pub suspension_seq: Option<i64>,
}

/// What the expiry of offers needs to suspend an agent (AV-9) and to describe the
/// suspended agent's profile in the same transaction.
#[derive(Debug, Clone)]
pub struct MissPolicy {
    /// Consecutive missed offers that suspend the agent.
    pub misses_before_suspension: u32,
    /// Decides the eligible states (ST-1) the `ProfileChanged` event carries.
    pub matcher: hod_domain::eligibility::HealthLineMatcher,
}

/// The agent's answer to an offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Accept,
    /// With an optional reason; no penalty (CE-3).
    Reject {
        reason: Option<String>,
    },
}

/// An answer the store recorded.
#[derive(Debug, Clone)]
pub struct Answered {
    pub referral: Referral,
    pub outcome: OfferOutcome,
    pub offered_at: DateTime<Utc>,
    pub seq: i64,
}

/// A change to an accepted referral the store recorded.
#[derive(Debug, Clone)]
pub struct Updated {
    pub referral: Referral,
    pub seq: i64,
}

/// Why an agent command on a referral was refused.
#[derive(Debug, thiserror::Error)]
pub enum ReferralError {
    /// Not this agent's referral, or no such referral (they look the same, on purpose).
    #[error("referral not found")]
    NotFound,
    /// The answer came at or after the deadline (MR-1, MR-2).
    #[error("the accept window closed at {deadline}")]
    WindowClosed { deadline: DateTime<Utc> },
    /// The offer was already answered, missed or withdrawn.
    #[error("the offer is no longer pending ({outcome:?})")]
    NotPending { outcome: Option<OfferOutcome> },
    /// Only the agent who accepted can work the referral.
    #[error("the referral was not accepted by this agent")]
    NotAccepted,
    #[error(transparent)]
    Status(#[from] SetStatusError),
    #[error(transparent)]
    Invalid(#[from] hod_domain::ValidationError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Which referrals a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferralFilter {
    All,
    Status(ReferralStatus),
    /// Offers the agent let lapse (MR-4).
    Missed,
}

/// The wire form of a snake_case enum value, as stored in TEXT columns.
pub fn to_text<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => text,
        _ => String::new(),
    }
}

pub(crate) fn from_text<T: DeserializeOwned>(text: &str) -> StoreResult<T> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|_| StoreError::corrupt(format!("stored value {text:?} does not decode")))
}

pub(crate) fn opt_from_text<T: DeserializeOwned>(text: Option<String>) -> StoreResult<Option<T>> {
    text.as_deref().map(from_text).transpose()
}

pub(crate) fn to_json<T: Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(StoreError::backend)
}

pub(crate) fn from_json<T: DeserializeOwned>(text: &str) -> StoreResult<T> {
    serde_json::from_str(text).map_err(|e| StoreError::corrupt(format!("stored JSON: {e}")))
}

/// The referral as `offer`'s agent may see it (MR-4): state, city, zip, language and when it
/// was assigned always; the consumer's contact details and the attempts only while the
/// referral is accepted by this very agent. Pending, rejected, missed and withdrawn rows never
/// carry them.
pub fn agent_view(
    record: &ReferralRecord,
    offer: &OfferRecord,
    attempts: &[ContactAttempt],
) -> Referral {
    let holds_it = offer.outcome == Some(OfferOutcome::Accepted)
        && record.agent == Some(offer.agent)
        && record.accepted_at.is_some();
    let status = match offer.outcome {
        None => ReferralStatus::Pending,
        Some(OfferOutcome::Accepted) => record.status.unwrap_or(ReferralStatus::Accepted),
        Some(OfferOutcome::Rejected) => ReferralStatus::Rejected,
        // The wire has no status of its own for these: the row stays as it was offered,
        // and `outcome` says how it ended (MR-4).
        Some(OfferOutcome::Missed | OfferOutcome::Withdrawn) => ReferralStatus::Pending,
    };
    let referral = Referral {
        id: record.id,
        status,
        outcome: offer.outcome,
        state: record.state,
        city: record.city.clone(),
        zip: record.zip.clone(),
        language: record.language.clone(),
        assigned_at: offer.offered_at,
        offer: offer.outcome.is_none().then_some(OfferView {
            offered_at: offer.offered_at,
            deadline: offer.deadline,
        }),
        accepted_at: holds_it.then_some(record.accepted_at).flatten(),
        contact: holds_it.then(|| record.contact.clone()),
        contact_attempts: if holds_it {
            attempts.to_vec()
        } else {
            Vec::new()
        },
        completion_outcome: holds_it.then_some(record.completion_outcome).flatten(),
        not_a_good_referral_reason: holds_it
            .then_some(record.not_a_good_referral_reason)
            .flatten(),
        updated_at: if holds_it {
            record.updated_at
        } else {
            offer.resolved_at.unwrap_or(offer.offered_at)
        },
    };
    if holds_it {
        referral
    } else {
        referral.without_contact()
    }
}

/// The intake's view of where a referral stands after an agent sets `status`.
pub(crate) fn lifecycle_for(status: ReferralStatus) -> ReferralState {
    match status {
        ReferralStatus::Completed => ReferralState::Completed,
        ReferralStatus::NotAGoodReferral => ReferralState::NotAGoodReferral,
        _ => ReferralState::Accepted,
    }
}

/// The reason recorded with an automatic suspension (AV-9). No personal data.
pub(crate) fn suspension_reason(policy: &ProgramPolicy) -> String {
    format!(
        "{} consecutive missed referrals (AV-9)",
        policy.consecutive_misses_before_suspension
    )
}

/// A snake_case wire value (`in_progress`) as its enum, if it is one.
pub fn from_wire_text<T: DeserializeOwned>(text: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).ok()
}
