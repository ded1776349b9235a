//! The change feed: every change to an agent's data, numbered by the server.
//!
//! Sequence numbers only grow. A client keeps the last one it applied (its cursor) and asks
//! for what came after it, over `GET /v1/changes?after=` or the `/v1/events` WebSocket.

use super::profile::{Availability, Profile};
use super::referral::{Referral, ReferralId};
use crate::referral::OfferOutcome;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub event: ChangeEvent,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ChangeEvent {
    /// A new offer, inside its accept window; no contact details yet.
    OfferMade {
        referral: Referral,
    },
    /// The offer ended: accepted, rejected, missed, or withdrawn by the server.
    OfferResolved {
        referral_id: ReferralId,
        outcome: OfferOutcome,
    },
    /// A referral this agent holds changed (status, attempts, contact after accept).
    ReferralChanged {
        referral: Referral,
    },
    AvailabilityChanged {
        availability: Availability,
    },
    ProfileChanged {
        profile: Profile,
    },
}

/// What the `/v1/events` WebSocket sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ServerMessage {
    Change(Box<Change>),
    /// Sent every few seconds so a half-open connection is noticed; carries the server's
    /// clock for skew estimates.
    Heartbeat {
        server_time: DateTime<Utc>,
    },
    /// The offer is still pending close to its deadline (the app channel's reminder, sent
    /// `reminder_before` the deadline when the agent's contact method includes the app).
    /// Not a change: nothing to apply, and not replayed after a reconnect.
    OfferReminder {
        referral_id: ReferralId,
        deadline: DateTime<Utc>,
    },
}
