//! `GET /v1/events?after=<seq>`: the change feed over a WebSocket.
//!
//! The socket first replays the agent's changes after the cursor, then sends each new one as
//! the [`ChangeNotifier`](crate::changes::ChangeNotifier) signals a commit. The store stays
//! the source of truth: a notice only says "read again from your cursor", so a missed or
//! lagged notice loses nothing and nothing is sent twice (the cursor only moves forward).
//! Every `heartbeat_interval` the server sends `Heartbeat {server_time}` and a ping; a
//! connection that has not answered (pong or any message) within `heartbeat_timeout` is
//! closed, so a half-open connection is noticed within 30 s. Each heartbeat also re-reads
//! from the cursor, which is how changes committed by another server instance arrive.

use super::extract::bad_query;
use super::extract::AgentSession;
use super::{AppError, AppState};
use crate::store::AgentId;
use axum::extract::rejection::QueryRejection;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use hod_domain::wire::v1::ServerMessage;
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::{interval_at, Instant, MissedTickBehavior};

pub fn routes() -> Router<AppState> {
    Router::new().route("/v1/events", get(events))
}

#[derive(Debug, Deserialize)]
struct EventsQuery {
    after: Option<i64>,
}

async fn events(
    State(state): State<AppState>,
    session: AgentSession,
    query: Result<Query<EventsQuery>, QueryRejection>,
    upgrade: WebSocketUpgrade,
) -> Result<Response, AppError> {
    let Query(query) = query.map_err(bad_query)?;
    let after = query.after.unwrap_or(0);
    if after < 0 {
        return Err(AppError::BadRequest("after must be 0 or more".into()));
    }
    let agent = session.agent;
    Ok(upgrade.on_upgrade(move |socket| async move {
        if let Err(e) = feed(state, agent, after, socket).await {
            tracing::debug!(agent = %agent, error = %e, "event stream ended");
        }
    }))
}

/// Sends every change after `cursor` that the store has, moving the cursor.
async fn catch_up(
    state: &AppState,
    agent: AgentId,
    cursor: &mut i64,
    socket: &mut WebSocket,
) -> anyhow::Result<()> {
    loop {
        let changes = state
            .store
            .changes_after(agent, *cursor, super::changes::MAX_PAGE)
            .await?;
        let full = changes.len() == super::changes::MAX_PAGE as usize;
        for change in changes {
            let seq = change.seq;
            let text = serde_json::to_string(&ServerMessage::Change(Box::new(change)))?;
            socket.send(Message::Text(text.into())).await?;
            *cursor = seq;
        }
        if !full {
            return Ok(());
        }
    }
}

async fn feed(
    state: AppState,
    agent: AgentId,
    mut cursor: i64,
    mut socket: WebSocket,
) -> anyhow::Result<()> {
    // Subscribe before replaying, so a commit between the replay and the first wait is
    // still signalled.
    let mut notices = state.notifier.watch_agent(agent);
    let mut reminders = state.notifier.subscribe_reminders();
    catch_up(&state, agent, &mut cursor, &mut socket).await?;
    let every = state.settings.heartbeat_interval;
    let timeout = state.settings.heartbeat_timeout;
    let mut heartbeat = interval_at(Instant::now() + every, every);
    heartbeat.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut last_heard = Instant::now();
    loop {
        tokio::select! {
            live = notices.changed(cursor) => {
                if !live {
                    return Ok(());
                }
                catch_up(&state, agent, &mut cursor, &mut socket).await?;
            },
            reminder = reminders.recv() => match reminder {
                Ok(r) if r.agent == agent => {
                    // Not a change: a message kind of its own, not replayed on reconnect.
                    let reminder = ServerMessage::OfferReminder {
                        referral_id: r.referral,
                        deadline: r.deadline,
                    };
                    let text = serde_json::to_string(&reminder)?;
                    socket.send(Message::Text(text.into())).await?;
                }
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return Ok(()),
            },
            _ = heartbeat.tick() => {
                if last_heard.elapsed() >= timeout {
                    tracing::info!(agent = %agent, "closing an event stream that stopped answering");
                    let _ = socket.send(Message::Close(None)).await;
                    return Ok(());
                }
                // A safety net under the cross-instance feed (decision 0701): look at the
                // store on every heartbeat too, so nothing waits longer than one interval.
                catch_up(&state, agent, &mut cursor, &mut socket).await?;
                let beat = ServerMessage::Heartbeat { server_time: state.now() };
                socket.send(Message::Text(serde_json::to_string(&beat)?.into())).await?;
                socket.send(Message::Ping(Vec::new().into())).await?;
            }
            incoming = socket.recv() => match incoming {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return Ok(()),
                Some(Ok(_)) => last_heard = Instant::now(),
            },
        }
    }
}
