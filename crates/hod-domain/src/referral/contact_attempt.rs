//! Contacting the consumer after accepting (CE-1..CE-4), and what the app suggests from it.
//!
//! CMS expects contact "as soon as possible, preferably within 15 minutes" of accepting (CE-1), and
//! never more than 30 minutes later (CE-2). If the consumer does not answer, the agent makes three
//! attempts, and after three failed attempts sets *Not a Good Referral* (CE-4). A message left
//! while waiting to connect is what *In Progress* means (RS-4).
//!
//! Decisions:
//! - First contact is the first *attempt*, whatever its outcome: the agent controls reaching out,
//!   not whether the consumer picks up (CE-4 covers that).
//! - Every deadline is exclusive, like the accept window: an attempt at exactly
//!   `accepted_at + 15 min` is no longer "within 15 minutes".
//! - A failed attempt is any attempt that did not reach the consumer, a left message included
//!   (the consumer "does not answer").

use super::duration::saturating_add;
use super::policy::ProgramPolicy;
use super::status::{NotAGoodReferralReason, ReferralStatus};
use crate::{Rule, ValidationCode, ValidationError, ValidationErrors};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How the agent tried to reach the consumer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ContactChannel {
    Phone,
    Text,
    Email,
}

/// What came of one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ContactOutcome {
    /// Spoke or wrote with the consumer.
    Reached,
    /// Voicemail left, or a text/e-mail sent with no reply yet (RS-4).
    LeftMessage,
    /// Nobody answered and no message could be left.
    NoAnswer,
    /// The number belongs to someone else or does not work (RS-5, wrong contact details).
    WrongNumber,
    /// The text or e-mail bounced (RS-5, wrong contact details).
    Undeliverable,
}

impl ContactOutcome {
    /// Did this attempt fail to reach the consumer (CE-4)?
    pub const fn is_failed(self) -> bool {
        !matches!(self, Self::Reached)
    }

    /// Does it show the contact details are wrong (RS-5)?
    pub const fn shows_wrong_details(self) -> bool {
        matches!(self, Self::WrongNumber | Self::Undeliverable)
    }
}

/// One logged attempt to contact the consumer. Carries no contact details itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
pub struct ContactAttempt {
    pub channel: ContactChannel,
    pub at: DateTime<Utc>,
    pub outcome: ContactOutcome,
}

impl ContactAttempt {
    /// An attempt must fall after the acceptance (contact follows accepting, CE-1) and not in the
    /// future beyond the policy's clock-skew tolerance. Errors name the field `at`.
    pub fn validate(
        &self,
        accepted_at: DateTime<Utc>,
        now: DateTime<Utc>,
        policy: &ProgramPolicy,
    ) -> Result<(), ValidationError> {
        let message = if self.at < accepted_at {
            "a contact attempt cannot be earlier than the acceptance of the referral"
        } else if self.at > saturating_add(now, policy.clock_skew_tolerance) {
            "a contact attempt cannot be in the future"
        } else {
            return Ok(());
        };
        Err(ValidationError::new(
            "at",
            Rule::Ce1,
            ValidationCode::OutOfRange,
            message,
        ))
    }
}

/// When, relative to CE-1 and CE-2, the first attempt was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactTiming {
    /// Before the preferred deadline (CE-1).
    WithinPreferred,
    /// After the preferred deadline but before the required one (CE-2).
    WithinRequired,
    /// At or after the required deadline: CE-2 was broken.
    Late,
}

/// Where the first contact stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum FirstContact {
    /// No attempt yet; the preferred time (CE-1) is still ahead.
    WithinPreferred,
    /// No attempt yet; the preferred time has passed and the 30-minute limit (CE-2) is near.
    DueSoon,
    /// No attempt yet and the 30-minute limit (CE-2) has passed.
    Overdue,
    /// The first attempt was made.
    Done {
        at: DateTime<Utc>,
        timing: ContactTiming,
    },
}

/// A status the app proposes to the agent; the agent decides (RS-7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StatusSuggestion {
    pub status: ReferralStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<NotAGoodReferralReason>,
    /// The rule behind the suggestion (RS-4 or CE-4).
    pub rule: Rule,
}

impl StatusSuggestion {
    /// Whether proposing it makes sense from `current`: a different status the table allows.
    pub fn applies_to(&self, current: ReferralStatus) -> bool {
        current != self.status && current.can_move_to(self.status)
    }
}

/// The contact guidance for one accepted referral at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactProgress {
    /// `accepted_at + contact_preferred_within` (CE-1).
    pub preferred_deadline: DateTime<Utc>,
    /// `accepted_at + contact_required_within` (CE-2).
    pub required_deadline: DateTime<Utc>,
    pub first_contact: FirstContact,
    pub attempts: usize,
    /// Attempts that did not reach the consumer (CE-4).
    pub failed_attempts: usize,
    /// Whether any attempt reached the consumer.
    pub reached: bool,
    pub suggestion: Option<StatusSuggestion>,
}

impl ContactProgress {
    /// The next contact deadline still ahead with no attempt made (for a reminder), if any.
    pub fn next_deadline(&self) -> Option<DateTime<Utc>> {
        match self.first_contact {
            FirstContact::WithinPreferred => Some(self.preferred_deadline),
            FirstContact::DueSoon => Some(self.required_deadline),
            FirstContact::Overdue | FirstContact::Done { .. } => None,
        }
    }
}

/// The contact guidance for a referral accepted at `accepted_at`, given its logged `attempts`
/// (any order) at `now`. Attempts that fail [`ContactAttempt::validate`] are reported with the
/// field `attempts[i].at`.
pub fn contact_progress(
    accepted_at: DateTime<Utc>,
    attempts: &[ContactAttempt],
    now: DateTime<Utc>,
    policy: &ProgramPolicy,
) -> Result<ContactProgress, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    for (i, attempt) in attempts.iter().enumerate() {
        if let Err(mut error) = attempt.validate(accepted_at, now, policy) {
            error.field = format!("attempts[{i}].at");
            errors.push(error);
        }
    }
    let preferred_deadline = saturating_add(accepted_at, policy.contact_preferred_within);
    let required_deadline = saturating_add(accepted_at, policy.contact_required_within);

    let first_contact = match attempts.iter().map(|a| a.at).min() {
        Some(at) => FirstContact::Done {
            at,
            timing: if at < preferred_deadline {
                ContactTiming::WithinPreferred
            } else if at < required_deadline {
                ContactTiming::WithinRequired
            } else {
                ContactTiming::Late
            },
        },
        None if now < preferred_deadline => FirstContact::WithinPreferred,
        None if now < required_deadline => FirstContact::DueSoon,
        None => FirstContact::Overdue,
    };

    let failed: Vec<ContactOutcome> = attempts
        .iter()
        .map(|a| a.outcome)
        .filter(|o| o.is_failed())
        .collect();
    let reached = failed.len() < attempts.len();
    let suggestion = suggest(reached, &failed, policy);

    errors.finish(ContactProgress {
        preferred_deadline,
        required_deadline,
        first_contact,
        attempts: attempts.len(),
        failed_attempts: failed.len(),
        reached,
        suggestion,
    })
}

fn suggest(
    reached: bool,
    failed: &[ContactOutcome],
    policy: &ProgramPolicy,
) -> Option<StatusSuggestion> {
    if reached {
        return None;
    }
    let enough = usize::try_from(policy.failed_attempts_before_not_good).unwrap_or(usize::MAX);
    if failed.len() >= enough {
        let reason = if failed.iter().all(|o| o.shows_wrong_details()) {
            NotAGoodReferralReason::WrongContactDetails
        } else {
            NotAGoodReferralReason::NoResponseAfterThreeAttempts
        };
        return Some(StatusSuggestion {
            status: ReferralStatus::NotAGoodReferral,
            reason: Some(reason),
            rule: Rule::Ce4,
        });
    }
    failed
        .contains(&ContactOutcome::LeftMessage)
        .then_some(StatusSuggestion {
            status: ReferralStatus::InProgress,
            reason: None,
            rule: Rule::Rs4,
        })
}

#[cfg(test)]
mod tests;
