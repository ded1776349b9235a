//! Typed events for subscribers. The cache emits data events after each commit; the sync
//! engine emits [`ClientEvent::Connection`] and [`ClientEvent::SignedOut`].

use crate::outbox::Refusal;
use chrono::{DateTime, Utc};
use hod_domain::availability::AvailabilityStatus;
use hod_domain::referral::OfferOutcome;
use hod_domain::wire::v1::ReferralId;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionState {
    Online,
    Offline,
    Syncing,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientEvent {
    /// A new offer inside its accept window (MR-1); the deadline is by the server's clock.
    NewOffer {
        referral_id: ReferralId,
        deadline: Option<DateTime<Utc>>,
    },
    /// An offer ended: accepted, rejected, missed or withdrawn.
    OfferResolved {
        referral_id: ReferralId,
        outcome: OfferOutcome,
    },
    ReferralChanged {
        referral_id: ReferralId,
    },
    /// The settings changed; `status` is the cached status the server sent, if any.
    AvailabilityChanged {
        status: Option<AvailabilityStatus>,
    },
    ProfileChanged,
    /// The missed-referral alert changed (MR-3).
    MissedAlertChanged {
        count: u32,
    },
    /// A queued action was accepted by the server (the UI's "waiting to sync" count drops).
    OutboxDelivered {
        outbox_id: i64,
    },
    /// A queued action was refused by the server; its optimistic effect was rolled back.
    OutboxRefused(Box<Refusal>),
    Connection(ConnectionState),
    /// The server no longer accepts the session (expired or revoked): log in again. Queued
    /// actions stay in the outbox and go out after the next login.
    SignedOut,
}
