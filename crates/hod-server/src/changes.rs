//! Live fan-out of committed changes to the agents' open connections.
//!
//! The change feed in the store is the source of truth: every change to an agent's data is a
//! row with a per-agent sequence number, written in the same transaction as the change. After
//! the commit, the writer calls [`ChangeNotifier::notify`]; a notice carries no data, only
//! "agent A has changes up to seq N", and each WebSocket reads the rows after its cursor from
//! the store. A notice lost to a slow reader (`Lagged`) is harmless: the reader re-reads from
//! its cursor.

use crate::store::AgentId;
use tokio::sync::broadcast;

/// "This agent's feed now reaches `seq`."
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeNotice {
    pub agent: AgentId,
    pub seq: i64,
}

#[derive(Debug, Clone)]
pub struct ChangeNotifier {
    sender: broadcast::Sender<ChangeNotice>,
}

impl ChangeNotifier {
    pub fn new() -> Self {
        let (sender, _) = broadcast::channel(4096);
        Self { sender }
    }

    /// Tells every listener that `agent`'s feed reaches `seq`. Call after the commit.
    pub fn notify(&self, agent: AgentId, seq: i64) {
        // No receiver is not an error: nobody is connected.
        let _ = self.sender.send(ChangeNotice { agent, seq });
    }

    pub fn subscribe(&self) -> broadcast::Receiver<ChangeNotice> {
        self.sender.subscribe()
    }
}

impl Default for ChangeNotifier {
    fn default() -> Self {
        Self::new()
    }
}
