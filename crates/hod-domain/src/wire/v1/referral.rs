//! A referral as the agent's app sees it.

use crate::eligibility::StateCode;
use crate::language::Language;
use crate::referral::{
    CompletionOutcome, ContactAttempt, ContactChannel, ContactOutcome, NotAGoodReferralReason,
    OfferOutcome, ReferralStatus,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What the name column reads for a missed referral (MR-4).
pub const MISSED_REFERRAL_NAME: &str = "Missed Referral";

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS,
)]
#[serde(transparent)]
pub struct ReferralId(pub i64);

impl std::fmt::Display for ReferralId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// The consumer's contact details: sent only to the agent who accepted (MR-4).
/// The URL scheme of links into the desktop app.
pub const APP_LINK_SCHEME: &str = "hod";

/// The link that opens the desktop app on a referral, as notification e-mails carry it.
pub fn referral_app_link(id: ReferralId) -> String {
    format!("{APP_LINK_SCHEME}://referral/{}", id.0)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ConsumerContact {
    pub name: String,
    pub phone: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
}

/// The accept window of a pending offer (MR-1), deadline by the server's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct OfferView {
    pub offered_at: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
}

/// One row of Manage Referrals, from this agent's side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Referral {
    pub id: ReferralId,
    /// This agent's status for the referral (RS-1..RS-6).
    pub status: ReferralStatus,
    /// How this agent's offer ended; `missed` rows carry no contact details (MR-4).
    #[serde(default)]
    pub outcome: Option<OfferOutcome>,
    pub state: StateCode,
    pub city: String,
    pub zip: String,
    pub language: Language,
    /// *Referral Assigned*: when it was offered to this agent.
    pub assigned_at: DateTime<Utc>,
    /// Present while the offer is pending.
    #[serde(default)]
    pub offer: Option<OfferView>,
    #[serde(default)]
    pub accepted_at: Option<DateTime<Utc>>,
    /// Only after this agent accepted.
    #[serde(default)]
    pub contact: Option<ConsumerContact>,
    #[serde(default)]
    pub contact_attempts: Vec<ContactAttempt>,
    #[serde(default)]
    pub completion_outcome: Option<CompletionOutcome>,
    #[serde(default)]
    pub not_a_good_referral_reason: Option<NotAGoodReferralReason>,
    pub updated_at: DateTime<Utc>,
}

impl Referral {
    /// The name column: the consumer's name once accepted, *Missed Referral* for a miss
    /// (MR-4), and empty while the consumer's identity is not this agent's to see.
    pub fn display_name(&self) -> &str {
        match (&self.contact, self.outcome) {
            (Some(contact), _) => &contact.name,
            (None, Some(OfferOutcome::Missed)) => MISSED_REFERRAL_NAME,
            (None, _) => "",
        }
    }

    /// Removes everything personal; the server calls this for every row it sends to an
    /// agent who has not accepted (pending, rejected, missed, withdrawn).
    pub fn without_contact(mut self) -> Self {
        self.contact = None;
        self.contact_attempts.clear();
        self
    }
}

/// A page of the referral list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferralPage {
    pub referrals: Vec<Referral>,
    /// Pass as `after` to get the next page; `None` on the last page.
    #[serde(default)]
    pub next: Option<String>,
}

/// Reject an offer, with an optional reason (CE-3: no penalty).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct RejectRequest {
    #[serde(default)]
    pub reason: Option<String>,
}

/// Log a contact attempt (CE-4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ContactAttemptRequest {
    pub channel: ContactChannel,
    pub outcome: ContactOutcome,
    /// When it happened; the server's now when absent.
    #[serde(default)]
    pub at: Option<DateTime<Utc>>,
}
