//! The outbox sender: sends queued actions one at a time, strictly in order, each with its
//! idempotency key, until the server answers.
//!
//! - 2xx: `mark_sent_with_state` (the server's value replaces the optimistic one);
//! - a refusal (4xx other than 401/408/429): `mark_refused` rolls the optimistic effect back
//!   and emits `OutboxRefused`; when the value changed since, the sync loop is asked to
//!   refetch from the server;
//! - no answer or a transient status: the same item is tried again after a backoff, or at
//!   once when the connection comes back;
//! - 401: the session is gone; the queue waits for the next login.
//!
//! Exactly once across crashes: an item stays `pending` in the cache until its answer is
//! recorded. If the process dies after the request left but before the answer was stored,
//! the next start sends it again with the same key, and the server answers with the stored
//! first response instead of applying it twice (server decision 0204).

use crate::api::Api;
use crate::backoff::Backoff;
use crate::error::ClientError;
use crate::events::ConnectionState;
use crate::outbox::Rollback;
use crate::sync::{lock, SharedCache};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Notify};

/// What the sender needs.
#[derive(Debug, Clone)]
pub struct Sender {
    pub api: Api,
    pub cache: SharedCache,
    /// Notified when an item is queued.
    pub wake: Arc<Notify>,
    /// Notified when a refusal could not be rolled back cleanly.
    pub resync: Arc<Notify>,
    pub connection: watch::Receiver<ConnectionState>,
    pub shutdown: watch::Receiver<bool>,
    pub backoff_initial: Duration,
    pub backoff_max: Duration,
}

/// What happened to one item.
enum Step {
    Idle,
    Answered,
    Retry,
    SessionGone,
}

impl Sender {
    /// Runs until shutdown.
    pub async fn run(mut self) {
        let mut backoff = Backoff::new(self.backoff_initial, self.backoff_max);
        loop {
            if *self.shutdown.borrow() {
                return;
            }
            let step = match self.step().await {
                Ok(step) => step,
                Err(e) => {
                    tracing::error!(error = %e.loggable(), "outbox sender failed on the local cache");
                    Step::Retry
                }
            };
            let wait = match step {
                Step::Answered => {
                    backoff.reset();
                    continue;
                }
                Step::Idle => None,
                Step::Retry => Some(backoff.next_delay()),
                Step::SessionGone => None,
            };
            if !self.wait(wait, matches!(step, Step::SessionGone)).await {
                return;
            }
        }
    }

    /// Sends the oldest pending item, if any.
    async fn step(&mut self) -> Result<Step, ClientError> {
        let Some(item) = lock(&self.cache).next_pending()? else {
            return Ok(Step::Idle);
        };
        let result = self.api.send(&item).await;
        let now = self.api.clock().server_now();
        match result {
            Ok(response) => {
                lock(&self.cache).mark_sent_with_state(item.id, &response, now)?;
                tracing::debug!(outbox = item.id, "outbox item delivered");
                Ok(Step::Answered)
            }
            Err(failure) if failure.is_refusal() => {
                let crate::error::ApiFailure::Status { error, status } = failure else {
                    return Ok(Step::Retry);
                };
                tracing::info!(outbox = item.id, status, code = ?error.code, "outbox item refused");
                let refusal = lock(&self.cache).mark_refused(item.id, error, now)?;
                if refusal.rollback == Rollback::NeedsRefetch {
                    self.resync.notify_one();
                }
                Ok(Step::Answered)
            }
            Err(failure) if failure.is_unauthorized() => Ok(Step::SessionGone),
            Err(failure) => {
                tracing::debug!(outbox = item.id, error = %failure, "outbox item not delivered yet");
                Ok(Step::Retry)
            }
        }
    }

    /// Waits for a reason to look again: a new item, the connection coming back, the delay
    /// running out. `false` on shutdown.
    async fn wait(&mut self, delay: Option<Duration>, only_reconnect: bool) -> bool {
        let sleep = async {
            match delay {
                Some(delay) => tokio::time::sleep(delay).await,
                None => std::future::pending().await,
            }
        };
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                changed = self.shutdown.changed() => {
                    if changed.is_err() || *self.shutdown.borrow() {
                        return false;
                    }
                }
                () = self.wake.notified(), if !only_reconnect => return true,
                () = &mut sleep => return true,
                changed = self.connection.changed() => {
                    if changed.is_err() {
                        return false;
                    }
                    if *self.connection.borrow() == ConnectionState::Online {
                        return true;
                    }
                }
            }
        }
    }
}
