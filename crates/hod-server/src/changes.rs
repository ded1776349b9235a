//! Live fan-out of committed changes to the agents' open connections.
//!
//! The change feed in the store is the source of truth: every change to an agent's data is a
//! row with a per-agent sequence number, written in the same transaction as the change. After
//! the commit, the writer calls [`ChangeNotifier::notify`]; a notice carries no data, only
//! "agent A has changes up to seq N", and each WebSocket reads the rows after its cursor from
//! the store. A notice lost to a slow reader (`Lagged`) is harmless: the reader re-reads from
//! its cursor.
//!
//! With several instances on one PostgreSQL database, each instance also hears the commits
//! of the others through LISTEN/NOTIFY (`store::postgres::fan_out`, decision 0701) and passes
//! them on here; when that feed reconnects it calls [`ChangeNotifier::resync`], and every
//! reader looks at the store, since notices may have been missed meanwhile.

use crate::store::AgentId;
use chrono::{DateTime, Utc};
use hod_domain::wire::v1::ReferralId;
use tokio::sync::broadcast;

/// "This agent's feed now reaches `seq`."
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeNotice {
    pub agent: AgentId,
    pub seq: i64,
}

/// What the notifier broadcasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    Change(ChangeNotice),
    /// Notices may have been missed (the cross-instance feed reconnected): every reader
    /// reads from its cursor.
    Resync,
}

/// "Remind this agent that this offer is still pending" (the app channel's reminder,
/// issue 6): sent on the agent's open WebSockets as `{"kind":"offer_reminder", …}`, a
/// message kind older apps skip. Not part of the change feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfferReminder {
    pub agent: AgentId,
    pub referral: ReferralId,
    pub deadline: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct ChangeNotifier {
    sender: broadcast::Sender<Notice>,
    reminders: broadcast::Sender<OfferReminder>,
}

impl ChangeNotifier {
    pub fn new() -> Self {
        let (sender, _) = broadcast::channel(4096);
        let (reminders, _) = broadcast::channel(1024);
        Self { sender, reminders }
    }

    /// Reminds the agent's open connections on this instance; how many were listening.
    pub fn remind(&self, reminder: OfferReminder) -> usize {
        self.reminders.send(reminder).unwrap_or(0)
    }

    pub fn subscribe_reminders(&self) -> broadcast::Receiver<OfferReminder> {
        self.reminders.subscribe()
    }

    /// Tells every listener that `agent`'s feed reaches `seq`. Call after the commit.
    pub fn notify(&self, agent: AgentId, seq: i64) {
        // No receiver is not an error: nobody is connected.
        let _ = self
            .sender
            .send(Notice::Change(ChangeNotice { agent, seq }));
    }

    /// Tells every listener to read from its cursor: notices may have been missed.
    pub fn resync(&self) {
        let _ = self.sender.send(Notice::Resync);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Notice> {
        self.sender.subscribe()
    }
}

impl Default for ChangeNotifier {
    fn default() -> Self {
        Self::new()
    }
}
