//! Notifications on e-mail, text and app (issue 6): the channels an agent's Preferred
//! Contact Method names (CP-1), sent reliably from an outbox.
//!
//! - [`outbox`]: which messages an offer queues; the store writes them in the offer's own
//!   transaction (decision 0601);
//! - [`message`]: the words, in the agent's language, with no consumer contact details;
//! - [`email`] (SMTP) and [`sms`] (an SMS provider's HTTP API): the handover;
//! - [`worker`]: the sender — claims due rows, sends them with a timeout each, retries with
//!   backoff and jitter, dead-letters, skips messages whose offer is no longer pending.

pub mod email;
pub mod message;
pub mod outbox;
pub mod sms;
pub mod worker;

pub use outbox::{
    ClaimBatch, ClaimedMessage, DeliveryState, MessageKind, NotificationFilter, NotificationPolicy,
    NotificationRow, PlannedMessage, Settlement,
};
pub use worker::Sender;

/// Why a handover failed: a short description (no contact details, no provider text) and
/// whether trying again can help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    pub message: String,
    /// A refusal that will not change (bad address, rejected credentials): no retry.
    pub permanent: bool,
}

impl SendError {
    pub fn transient(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            permanent: false,
        }
    }

    pub fn permanent(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            permanent: true,
        }
    }
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}
