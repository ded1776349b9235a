//! The outbox's rows: which messages an offer queues (by the agent's Preferred Contact
//! Method, CP-1), what the sender claims, and how a claim is settled.
//!
//! Rows are written by the store in the transaction that makes the offer, so an offer and
//! its messages commit together or not at all (decision 0601). They hold ids, never contact
//! details or message text: the sender reads the agent's MLMS address or mobile number and
//! the referral's state, city and zip when it claims a row.

use crate::store::AgentId;
use chrono::{DateTime, Duration, Utc};
use hod_domain::availability::AgentTimeZone;
use hod_domain::contact_preference::{Channel, PreferredContactMethod};
use hod_domain::eligibility::StateCode;
use hod_domain::language::Language;
use hod_domain::wire::v1::ReferralId;
use serde::{Deserialize, Serialize};

/// What a message is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// A new referral was offered.
    Offer,
    /// The offer is still pending near its deadline.
    Reminder,
}

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Waiting for its time (first attempt or a retry).
    Queued,
    /// Claimed by a sender, being handed over.
    Sending,
    /// Handed over to the provider.
    Delivered,
    /// Not sent: the offer was no longer pending.
    Skipped,
    /// Given up after the last attempt (dead letter).
    Dead,
}

/// Which channels the server itself serves, and when reminders go out. Built from the
/// settings; the store applies it when it makes an offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotificationPolicy {
    /// E-mail is configured.
    pub email: bool,
    /// Text is configured.
    pub text: bool,
    /// Reminders on text and app this long before the deadline; `None`: off.
    pub reminder_before: Option<Duration>,
}

impl NotificationPolicy {
    /// Queues nothing (no channel configured, reminders off).
    pub const OFF: Self = Self {
        email: false,
        text: false,
        reminder_before: None,
    };

    /// The messages an offer to an agent with `method` queues: a new-referral message on
    /// e-mail and text where the method has them (the app channel's is the `OfferMade`
    /// change itself), and a reminder on text and app `reminder_before` the deadline, when
    /// that is after the offer.
    pub fn plan(
        &self,
        method: PreferredContactMethod,
        offered_at: DateTime<Utc>,
        deadline: DateTime<Utc>,
    ) -> Vec<PlannedMessage> {
        let channels = method.channels();
        let mut planned = Vec::new();
        if channels.email && self.email {
            planned.push(PlannedMessage::new(
                Channel::Email,
                MessageKind::Offer,
                offered_at,
            ));
        }
        if channels.text && self.text {
            planned.push(PlannedMessage::new(
                Channel::Text,
                MessageKind::Offer,
                offered_at,
            ));
        }
        if let Some(before) = self.reminder_before {
            let due = deadline - before;
            if due > offered_at {
                if channels.text && self.text {
                    planned.push(PlannedMessage::new(
                        Channel::Text,
                        MessageKind::Reminder,
                        due,
                    ));
                }
                if channels.app {
                    planned.push(PlannedMessage::new(
                        Channel::App,
                        MessageKind::Reminder,
                        due,
                    ));
                }
            }
        }
        planned
    }
}

/// One row the offer's transaction writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannedMessage {
    pub channel: Channel,
    pub kind: MessageKind,
    /// The first moment it may be sent.
    pub due_at: DateTime<Utc>,
}

impl PlannedMessage {
    fn new(channel: Channel, kind: MessageKind, due_at: DateTime<Utc>) -> Self {
        Self {
            channel,
            kind,
            due_at,
        }
    }
}

/// A message a sender claimed, with what it needs to write it. The agent's address and
/// number are the agent's own (CP-3); nothing of the consumer's but state, city, zip and
/// language.
#[derive(Clone)]
pub struct ClaimedMessage {
    pub id: i64,
    /// The attempt this claim is (1 for the first); settles only this claim.
    pub attempt: i32,
    pub channel: Channel,
    pub kind: MessageKind,
    pub offer_id: i64,
    pub referral: ReferralId,
    pub agent: AgentId,
    /// When the offer was made.
    pub offered_at: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    /// The agent's MLMS e-mail address (CP-3).
    pub email: String,
    /// The agent's mobile number.
    pub mobile_phone: String,
    pub agent_languages: Vec<Language>,
    /// The zone of the agent's saved availability; `None` until they save one.
    pub agent_time_zone: Option<AgentTimeZone>,
    pub state: StateCode,
    pub city: String,
    pub zip: String,
    pub language: Language,
}

/// Never prints the agent's address or number, or the place.
impl std::fmt::Debug for ClaimedMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClaimedMessage")
            .field("id", &self.id)
            .field("attempt", &self.attempt)
            .field("channel", &self.channel)
            .field("kind", &self.kind)
            .field("referral", &self.referral)
            .field("agent", &self.agent)
            .finish_non_exhaustive()
    }
}

/// What one claim found.
#[derive(Debug, Clone, Default)]
pub struct ClaimBatch {
    pub claimed: Vec<ClaimedMessage>,
    /// Rows marked skipped because their offer was no longer pending.
    pub skipped: Vec<(i64, Channel, MessageKind)>,
}

/// How a claim ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settlement {
    Delivered {
        at: DateTime<Utc>,
    },
    /// Failed; try again at `retry_at`.
    Retry {
        at: DateTime<Utc>,
        retry_at: DateTime<Utc>,
        error: String,
    },
    /// Failed for the last time (dead letter).
    Dead {
        at: DateTime<Utc>,
        error: String,
    },
}

/// One row as operators see it (`hod-server notifications list`): ids, channel, times and
/// the last error; no contact details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotificationRow {
    pub id: i64,
    pub offer_id: i64,
    pub referral: ReferralId,
    pub agent: AgentId,
    pub channel: Channel,
    pub kind: MessageKind,
    pub state: DeliveryState,
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
    pub next_attempt_at: DateTime<Utc>,
    pub handed_over_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

/// Which rows to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotificationFilter {
    All,
    /// Dead letters, and queued rows whose last attempt failed.
    Failed,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 5, 15, minute, 0)
            .single()
            .expect("valid")
    }

    fn channels(policy: &NotificationPolicy, method: PreferredContactMethod) -> Vec<String> {
        policy
            .plan(method, at(0), at(15))
            .iter()
            .map(|p| format!("{:?}/{:?}", p.channel, p.kind))
            .collect()
    }

    #[test]
    fn rule_cp_1_each_method_queues_exactly_its_channels() {
        let all = NotificationPolicy {
            email: true,
            text: true,
            reminder_before: Some(Duration::minutes(5)),
        };
        use PreferredContactMethod::*;
        assert_eq!(
            channels(&all, EmailTextApp),
            ["Email/Offer", "Text/Offer", "Text/Reminder", "App/Reminder"]
        );
        assert_eq!(
            channels(&all, EmailText),
            ["Email/Offer", "Text/Offer", "Text/Reminder"]
        );
        assert_eq!(channels(&all, EmailApp), ["Email/Offer", "App/Reminder"]);
        assert_eq!(channels(&all, EmailOnly), ["Email/Offer"]);
        let reminder = all.plan(EmailTextApp, at(0), at(15));
        assert_eq!(reminder[2].due_at, at(10), "5 minutes before the deadline");
    }

    #[test]
    fn unconfigured_channels_and_reminders_off_queue_nothing() {
        use PreferredContactMethod::*;
        assert!(channels(&NotificationPolicy::OFF, EmailTextApp).is_empty());
        let no_reminders = NotificationPolicy {
            email: true,
            text: true,
            reminder_before: None,
        };
        assert_eq!(
            channels(&no_reminders, EmailTextApp),
            ["Email/Offer", "Text/Offer"]
        );
        // A window shorter than the reminder lead: no reminder.
        let long_lead = NotificationPolicy {
            reminder_before: Some(Duration::minutes(20)),
            ..no_reminders
        };
        assert_eq!(
            channels(&long_lead, EmailTextApp),
            ["Email/Offer", "Text/Offer"]
        );
    }
}
