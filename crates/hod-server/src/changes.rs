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
//!
//! Two kinds of reader: an agent's connection watches that agent only
//! ([`ChangeNotifier::watch_agent`]), so a notice wakes the connections it concerns and not
//! every open one; the dispatcher's roster hears every notice ([`ChangeNotifier::subscribe`])
//! to keep its agents current.

use crate::store::AgentId;
use chrono::{DateTime, Utc};
use hod_domain::wire::v1::ReferralId;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{broadcast, watch};

/// How many notices a reader of every notice may fall behind before it must resync.
const ALL_NOTICES_BACKLOG: usize = 65_536;

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
    /// An agent was added, which appends no change (the dispatcher's roster reads them).
    AgentAdded(AgentId),
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
    /// The latest sequence number noticed for each agent someone watches.
    watched: Arc<Mutex<HashMap<AgentId, watch::Sender<i64>>>>,
    resyncs: broadcast::Sender<()>,
}

/// One agent's notices, for that agent's connection: [`AgentWatch::changed`] returns when
/// the agent's feed may have moved past the reader's cursor.
#[derive(Debug)]
pub struct AgentWatch {
    seq: watch::Receiver<i64>,
    resyncs: broadcast::Receiver<()>,
}

impl AgentWatch {
    /// Waits for a notice of a change after `cursor`, or for a resync (notices may have
    /// been missed): either way the reader looks at the store. Never returns `false` while
    /// the notifier lives.
    pub async fn changed(&mut self, cursor: i64) -> bool {
        tokio::select! {
            seen = self.seq.wait_for(|seq| *seq > cursor) => seen.is_ok(),
            resync = self.resyncs.recv() => !matches!(resync, Err(broadcast::error::RecvError::Closed)),
        }
    }
}

impl ChangeNotifier {
    pub fn new() -> Self {
        let (sender, _) = broadcast::channel(ALL_NOTICES_BACKLOG);
        let (reminders, _) = broadcast::channel(1024);
        let (resyncs, _) = broadcast::channel(16);
        Self {
            sender,
            reminders,
            watched: Arc::default(),
            resyncs,
        }
    }

    /// Watches one agent's notices (see [`AgentWatch`]).
    pub fn watch_agent(&self, agent: AgentId) -> AgentWatch {
        let mut watched = self.watched.lock().unwrap_or_else(|e| e.into_inner());
        let seq = watched
            .entry(agent)
            .or_insert_with(|| watch::channel(0).0)
            .subscribe();
        AgentWatch {
            seq,
            resyncs: self.resyncs.subscribe(),
        }
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
        {
            let mut watched = self.watched.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(sender) = watched.get(&agent) {
                if sender.receiver_count() == 0 {
                    // Every connection of the agent closed since it was watched.
                    watched.remove(&agent);
                } else {
                    sender.send_if_modified(|latest| {
                        let newer = seq > *latest;
                        *latest = (*latest).max(seq);
                        newer
                    });
                }
            }
        }
        // No receiver is not an error: nobody is connected.
        let _ = self
            .sender
            .send(Notice::Change(ChangeNotice { agent, seq }));
    }

    /// Tells the readers of every notice (the dispatcher) that `agent` was added.
    pub fn agent_added(&self, agent: AgentId) {
        let _ = self.sender.send(Notice::AgentAdded(agent));
    }

    /// Tells every listener to read from its cursor: notices may have been missed.
    pub fn resync(&self) {
        let _ = self.resyncs.send(());
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
