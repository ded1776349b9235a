//! The cross-instance fan-out: one connection per instance, outside the pool, LISTENs on
//! `hod_changes`, which a trigger on `changes` notifies at every commit (migration 0004,
//! decision 0701), and passes each "<agent>:<seq>" to the instance's [`ChangeNotifier`], so
//! an offer made on one instance reaches the agent's WebSocket on any other at once. It
//! also LISTENs on `hod_reminders`, where the sender that hands over an app reminder
//! publishes it ("<agent>:<referral>:<deadline in ms>"), and passes each to its sockets.
//!
//! The feed is a hint, the change rows are the truth: when the connection drops, the loop
//! reconnects with backoff and then tells every reader to read from its cursor
//! ([`ChangeNotifier::resync`]), which covers whatever was committed while nobody listened.
//! A reminder published meanwhile is lost, like one sent while the agent's app was closed.

use crate::changes::{ChangeNotifier, OfferReminder};
use crate::store::AgentId;
use chrono::DateTime;
use hod_domain::wire::v1::ReferralId;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio_postgres::{AsyncMessage, Config, NoTls};

/// The channel the trigger notifies.
const CHANNEL: &str = "hod_changes";
/// The channel app reminders are published on.
pub(super) const REMINDERS: &str = "hod_reminders";
const FIRST_RETRY: Duration = Duration::from_millis(100);
const LONGEST_RETRY: Duration = Duration::from_secs(5);

/// Follows the channel until `stop` fires.
pub(super) async fn follow(
    config: Config,
    notifier: ChangeNotifier,
    mut stop: oneshot::Receiver<()>,
) {
    let mut retry = FIRST_RETRY;
    loop {
        match listen(&config).await {
            Ok((client, mut notices)) => {
                retry = FIRST_RETRY;
                tracing::info!("following the commits of every instance (LISTEN {CHANNEL})");
                // Whatever committed before the LISTEN took effect.
                notifier.resync();
                loop {
                    tokio::select! {
                        _ = &mut stop => return,
                        notice = notices.recv() => match notice {
                            Some((channel, payload)) => pass_on(&notifier, &channel, &payload),
                            None => break,
                        },
                    }
                }
                drop(client);
                tracing::warn!(
                    "lost the connection that follows other instances' commits; reconnecting"
                );
            }
            Err(error) => {
                tracing::warn!(error = %crate::http::error::error_chain(&error), retry_in = ?retry, "cannot follow other instances' commits yet");
            }
        }
        tokio::select! {
            _ = &mut stop => return,
            _ = tokio::time::sleep(retry) => {}
        }
        retry = (retry * 2).min(LONGEST_RETRY);
    }
}

/// Hands a notice to this instance's readers: a change to the feed's readers, a reminder to
/// the sockets.
fn pass_on(notifier: &ChangeNotifier, channel: &str, payload: &str) {
    if channel == REMINDERS {
        match parse_reminder(payload) {
            Some(reminder) => {
                notifier.remind(reminder);
            }
            None => tracing::warn!("ignored a malformed notice on {REMINDERS}"),
        }
    } else {
        match parse(payload) {
            Some((agent, seq)) => notifier.notify(agent, seq),
            None => tracing::warn!("ignored a malformed notice on {CHANNEL}"),
        }
    }
}

/// A connection listening on both channels, and the (channel, payload) pairs it hears; the
/// receiver ends when the connection does.
async fn listen(
    config: &Config,
) -> Result<
    (
        tokio_postgres::Client,
        mpsc::UnboundedReceiver<(String, String)>,
    ),
    tokio_postgres::Error,
> {
    let (client, mut connection) = config.connect(NoTls).await?;
    let (sender, receiver) = mpsc::unbounded_channel();
    // The connection is driven here: it answers the client's queries and yields the
    // notifications, until it fails or closes.
    tokio::spawn(async move {
        loop {
            match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                Some(Ok(AsyncMessage::Notification(n))) => {
                    if sender
                        .send((n.channel().to_owned(), n.payload().to_owned()))
                        .is_err()
                    {
                        return;
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(error)) => {
                    tracing::debug!(%error, "the fan-out connection failed");
                    return;
                }
                None => return,
            }
        }
    });
    client
        .batch_execute(&format!("LISTEN {CHANNEL}; LISTEN {REMINDERS}"))
        .await?;
    Ok((client, receiver))
}

/// "<agent>:<seq>".
fn parse(payload: &str) -> Option<(AgentId, i64)> {
    let (agent, seq) = payload.split_once(':')?;
    Some((AgentId(agent.parse().ok()?), seq.parse().ok()?))
}

/// "<agent>:<referral>:<deadline in ms>": ids and an instant, no personal data.
pub(super) fn reminder_payload(reminder: &OfferReminder) -> String {
    format!(
        "{}:{}:{}",
        reminder.agent.0,
        reminder.referral.0,
        reminder.deadline.timestamp_millis()
    )
}

fn parse_reminder(payload: &str) -> Option<OfferReminder> {
    let mut parts = payload.split(':');
    let agent = AgentId(parts.next()?.parse().ok()?);
    let referral = ReferralId(parts.next()?.parse().ok()?);
    let deadline = DateTime::from_timestamp_millis(parts.next()?.parse().ok()?)?;
    parts.next().is_none().then_some(OfferReminder {
        agent,
        referral,
        deadline,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_name_the_agent_and_the_sequence_number() {
        assert_eq!(parse("42:7"), Some((AgentId(42), 7)));
        for bad in ["", "42", "42:", ":7", "x:7", "42:7:1", "42:y"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn reminders_name_the_agent_the_referral_and_the_deadline() {
        let reminder = OfferReminder {
            agent: AgentId(42),
            referral: ReferralId(7),
            deadline: DateTime::from_timestamp_millis(1_767_625_500_123).expect("an instant"),
        };
        let payload = reminder_payload(&reminder);
        assert_eq!(payload, "42:7:1767625500123");
        assert_eq!(parse_reminder(&payload), Some(reminder));
        for bad in [
            "",
            "42:7",
            "42:7:",
            "42:x:1",
            "42:7:1:2",
            "42:7:99999999999999999999",
        ] {
            assert_eq!(parse_reminder(bad), None, "{bad}");
        }
    }
}
