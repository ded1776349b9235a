//! The sender: delivers the outbox, separately from the dispatcher.
//!
//! A pass claims the due rows (a claim marks a row `sending` until a deadline, in one
//! transaction, so neither another instance nor a restart sends it meanwhile), and hands
//! each to its channel in a task of its own with a timeout, so a slow or broken SMTP server
//! or SMS provider holds up nothing but its own messages — never offers, accepts or
//! expiries, which never wait for the sender. A success marks the row delivered; a failure
//! schedules a retry (exponential backoff with jitter) or, after the last attempt or a
//! permanent refusal, dead-letters it with the error. A row whose offer is no longer pending
//! is marked skipped at claim time and not sent. A claim a stopped process never settled
//! is claimed again after its deadline: delivery to the provider is at least once in that
//! one case (decision 0601).

use super::email::Mailer;
use super::message;
use super::outbox::{ClaimedMessage, MessageKind, NotificationPolicy, Settlement};
use super::sms::SmsSender;
use super::SendError;
use crate::changes::{ChangeNotifier, OfferReminder};
use crate::clock::Clock;
use crate::metrics::{Metrics, NotificationEvent};
use crate::settings::Settings;
use crate::store::{DynStore, StoreResult};
use chrono::{DateTime, Utc};
use hod_domain::contact_preference::Channel;
use std::collections::HashSet;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{watch, Notify};
use tokio::task::JoinSet;

/// The longest the loop sleeps without looking at the outbox (rows of other instances).
pub const IDLE_POLL: Duration = Duration::from_secs(5);

/// Messages handed over at the same time, per instance.
const MAX_IN_FLIGHT: usize = 32;

/// Builds the configured channels, so a setting that cannot work stops `serve` at start.
pub fn check_channels(settings: &Settings) -> anyhow::Result<()> {
    Mailer::from_settings(&settings.notifications)?;
    SmsSender::from_settings(&settings.notifications)?;
    Ok(())
}

/// The notification sender of one server instance. Cheap to clone.
#[derive(Clone)]
pub struct Sender {
    inner: Arc<Inner>,
}

struct Inner {
    store: DynStore,
    clock: Arc<dyn Clock>,
    settings: Arc<Settings>,
    metrics: Arc<Metrics>,
    notifier: ChangeNotifier,
    mailer: Option<Mailer>,
    sms: Option<SmsSender>,
    /// Woken by new offers (the dispatcher) and by finished sends.
    wake: Arc<Notify>,
    /// Rows this instance is handing over now: never claimed twice by it, whatever the
    /// (test) clock does to the claim deadlines.
    in_flight: Mutex<HashSet<i64>>,
    tasks: tokio::sync::Mutex<JoinSet<()>>,
}

impl std::fmt::Debug for Sender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sender")
            .field("email", &self.inner.mailer.is_some())
            .field("text", &self.inner.sms.is_some())
            .finish_non_exhaustive()
    }
}

impl Sender {
    /// Builds the channels the settings configure.
    pub fn new(
        store: DynStore,
        clock: Arc<dyn Clock>,
        settings: Arc<Settings>,
        metrics: Arc<Metrics>,
        notifier: ChangeNotifier,
        wake: Arc<Notify>,
    ) -> Self {
        // `launch` checks the channels first ([`check_channels`]) and refuses to start on a
        // bad one; a server built directly (tests) runs without it, saying so.
        let mailer = Mailer::from_settings(&settings.notifications).unwrap_or_else(|e| {
            tracing::error!(error = %e, "e-mail is off: its settings do not work");
            None
        });
        let sms = SmsSender::from_settings(&settings.notifications).unwrap_or_else(|e| {
            tracing::error!(error = %e, "text is off: its settings do not work");
            None
        });
        Self {
            inner: Arc::new(Inner {
                store,
                clock,
                settings,
                metrics,
                notifier,
                mailer,
                sms,
                wake,
                in_flight: Mutex::new(HashSet::new()),
                tasks: tokio::sync::Mutex::new(JoinSet::new()),
            }),
        }
    }

    /// What offers queue under these settings: the configured channels, the reminders.
    pub fn policy(settings: &Settings) -> NotificationPolicy {
        let n = &settings.notifications;
        NotificationPolicy {
            email: n.email_on(),
            text: n.text_on(),
            reminder_before: n
                .reminder_before
                .and_then(|d| chrono::Duration::from_std(d).ok()),
        }
    }

    /// Asks for a pass soon.
    pub fn kick(&self) {
        self.inner.wake.notify_one();
    }

    fn in_flight(&self) -> std::sync::MutexGuard<'_, HashSet<i64>> {
        self.inner
            .in_flight
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// How long a claim lasts: the send's timeout with room to settle it.
    fn claim_for(&self) -> chrono::Duration {
        let timeout = self.inner.settings.notifications.send_timeout;
        chrono::Duration::from_std(timeout * 3 + Duration::from_secs(30))
            .unwrap_or(chrono::Duration::minutes(2))
    }

    /// Claims the due rows and starts handing them over; returns how many it started. The
    /// sends go on in the background (one task each).
    pub async fn run_once(&self) -> StoreResult<usize> {
        let inner = &self.inner;
        let now = inner.clock.now();
        let exclude: Vec<i64> = self.in_flight().iter().copied().collect();
        let room = MAX_IN_FLIGHT.saturating_sub(exclude.len());
        if room == 0 {
            return Ok(0);
        }
        let batch = inner
            .store
            .claim_notifications(now, self.claim_for(), room as u32, &exclude)
            .await?;
        for (id, channel, kind) in &batch.skipped {
            inner
                .metrics
                .notification(*channel, NotificationEvent::Skipped);
            tracing::info!(notification = id, channel = ?channel, kind = ?kind, "message skipped: the offer is no longer pending");
        }
        let started = batch.claimed.len();
        let mut tasks = inner.tasks.lock().await;
        // Reap the finished ones.
        while tasks.try_join_next().is_some() {}
        for message in batch.claimed {
            self.in_flight().insert(message.id);
            let this = self.clone();
            tasks.spawn(async move {
                let id = message.id;
                this.deliver(message).await;
                this.in_flight().remove(&id);
                this.inner.wake.notify_one();
            });
        }
        Ok(started)
    }

    /// Hands one message to its channel and settles the claim.
    async fn deliver(&self, message: ClaimedMessage) {
        let inner = &self.inner;
        let timeout = inner.settings.notifications.send_timeout;
        let result = match tokio::time::timeout(timeout, self.hand_over(&message)).await {
            Ok(result) => result,
            Err(_) => Err(SendError::transient(format!(
                "no answer within {}",
                humantime::format_duration(timeout)
            ))),
        };
        let now = inner.clock.now();
        let settlement = match &result {
            Ok(()) => Settlement::Delivered { at: now },
            Err(e) => {
                inner
                    .metrics
                    .notification(message.channel, NotificationEvent::Failed);
                let max = inner.settings.notifications.max_attempts;
                if e.permanent || u32::try_from(message.attempt).unwrap_or(u32::MAX) >= max {
                    Settlement::Dead {
                        at: now,
                        error: e.message.clone(),
                    }
                } else {
                    Settlement::Retry {
                        at: now,
                        retry_at: now + self.backoff(message.attempt),
                        error: e.message.clone(),
                    }
                }
            }
        };
        match inner
            .store
            .settle_notification(message.id, message.attempt, &settlement)
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!(
                    notification = message.id,
                    "claim was taken over before it was settled"
                );
                return;
            }
            Err(e) => {
                // The claim expires and the row is sent again: at least once (0601).
                tracing::error!(notification = message.id, error = %crate::http::error::error_chain(&e), "settling a message failed");
                return;
            }
        }
        let channel = message.channel;
        match settlement {
            Settlement::Delivered { at } => {
                inner.metrics.notification(channel, NotificationEvent::Sent);
                if message.kind == MessageKind::Offer {
                    let after = (at - message.offered_at).to_std().unwrap_or_default();
                    inner.metrics.notification_handed_over(channel, after);
                }
                tracing::info!(notification = message.id, channel = ?channel, kind = ?message.kind, referral = %message.referral, agent = %message.agent, "message handed over");
            }
            Settlement::Retry {
                retry_at, error, ..
            } => {
                inner
                    .metrics
                    .notification(channel, NotificationEvent::Retried);
                tracing::warn!(notification = message.id, channel = ?channel, attempt = message.attempt, %error, %retry_at, "message failed; will retry");
            }
            Settlement::Dead { error, .. } => {
                inner
                    .metrics
                    .notification(channel, NotificationEvent::DeadLettered);
                tracing::error!(notification = message.id, channel = ?channel, attempt = message.attempt, %error, "message given up (dead letter)");
            }
        }
    }

    async fn hand_over(&self, message: &ClaimedMessage) -> Result<(), SendError> {
        let inner = &self.inner;
        let zone = message
            .agent_time_zone
            .unwrap_or(inner.settings.default_time_zone);
        match message.channel {
            Channel::Email => {
                let mailer = inner
                    .mailer
                    .as_ref()
                    .ok_or_else(|| SendError::permanent("e-mail is not configured"))?;
                // CP-3: only ever to the MLMS address.
                mailer
                    .send(&message.email, &message::email(message, zone))
                    .await
            }
            Channel::Text => {
                let sms = inner
                    .sms
                    .as_ref()
                    .ok_or_else(|| SendError::permanent("text is not configured"))?;
                sms.send(&message.mobile_phone, &message::text(message, zone))
                    .await
            }
            Channel::App => {
                let reminder = OfferReminder {
                    agent: message.agent,
                    referral: message.referral,
                    deadline: message.deadline,
                };
                // The agent's sockets may be on any instance: on PostgreSQL the reminder
                // goes through the database's notifications to all of them.
                let published = inner
                    .store
                    .publish_reminder(&reminder)
                    .await
                    .map_err(|e| SendError::transient(crate::http::error::error_chain(&e)))?;
                if !published {
                    inner.notifier.remind(reminder);
                }
                Ok(())
            }
        }
    }

    /// Exponential backoff with equal jitter: half the doubled delay, plus a random part of
    /// the other half, capped at `retry_max`.
    fn backoff(&self, attempt: i32) -> chrono::Duration {
        let n = &self.inner.settings.notifications;
        let exponent = u32::try_from(attempt.saturating_sub(1))
            .unwrap_or(0)
            .min(20);
        let full = n
            .retry_initial
            .saturating_mul(2u32.saturating_pow(exponent))
            .min(n.retry_max);
        let half = full / 2;
        let mut bytes = [0u8; 8];
        let random = if getrandom::fill(&mut bytes).is_ok() {
            u64::from_le_bytes(bytes)
        } else {
            0
        };
        let jitter_ms = u64::try_from(half.as_millis()).unwrap_or(u64::MAX);
        let jitter = Duration::from_millis(random % jitter_ms.saturating_add(1));
        chrono::Duration::from_std(half + jitter).unwrap_or(chrono::Duration::seconds(1))
    }

    /// The loop: a pass whenever a row comes due, a send finishes, an offer is made or the
    /// (manual) clock moves, until `shutdown`; then waits for the sends in flight (each
    /// bounded by its timeout).
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send) {
        let mut moves: Option<watch::Receiver<DateTime<Utc>>> = self.inner.clock.moves();
        tokio::pin!(shutdown);
        loop {
            if let Err(e) = self.run_once().await {
                tracing::error!(error = %crate::http::error::error_chain(&e), "notification pass failed");
            }
            let wait = match self.inner.store.next_notification_due().await {
                Ok(Some(due)) => (due - self.inner.clock.now())
                    .to_std()
                    .unwrap_or_default()
                    .clamp(Duration::from_millis(50), IDLE_POLL),
                Ok(None) => IDLE_POLL,
                Err(_) => IDLE_POLL,
            };
            let moved = async {
                match moves.as_mut() {
                    Some(rx) => {
                        if rx.changed().await.is_err() {
                            std::future::pending::<()>().await;
                        }
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = &mut shutdown => break,
                () = tokio::time::sleep(wait) => {}
                () = self.inner.wake.notified() => {}
                () = moved => {}
            }
        }
        let mut tasks = self.inner.tasks.lock().await;
        while tasks.join_next().await.is_some() {}
    }
}
