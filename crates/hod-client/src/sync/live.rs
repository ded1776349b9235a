//! Live changes over the `/v1/events` WebSocket, resumed from the cache's cursor.
//!
//! The server sends a heartbeat every `heartbeat_interval` (10 s by default). A read that
//! waits longer than `read_timeout` (25 s by default: two and a half heartbeats) means the
//! connection is silent or half-open (sleep/wake, a changed network): it is dropped and the
//! caller opens a new one, so the agent is back online within 30 s. Each heartbeat is
//! answered with a pong so the server, too, hears from us.
//!
//! Changes go through `apply_changes`: anything at or below the cursor (a replay after a
//! reconnect) is ignored, so nothing is applied twice, and the cursor only moves with the
//! data it covers, so nothing is lost. Changes that arrive together are applied in one
//! transaction.

use super::{lock, SharedCache};
use crate::api::Api;
use crate::cache::ApplyResult;
use crate::clock::ClockSample;
use crate::error::{ApiFailure, ClientError};
use crate::server_time::server_time_from;
use futures_util::{FutureExt, SinkExt, StreamExt};
use hod_domain::wire::v1::{ApiError, ErrorCode, ServerMessage};
use std::time::Duration;
use tokio::sync::{watch, Notify};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::header::AUTHORIZATION;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

/// At most this many changes already waiting in the socket are applied in one transaction.
const BATCH: usize = 500;

/// Why a live connection ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveEnd {
    /// The client is shutting down or logging out.
    Shutdown,
    /// A change skipped ahead of the cursor: catch up (or take a snapshot), then reconnect.
    Gap,
    /// Asked to refetch from the server (a refusal could not be rolled back cleanly).
    Resync,
    /// The connection failed, closed or went silent; reconnect after a backoff.
    Lost(String),
}

/// Connects from the cache's cursor and applies changes until the connection ends.
/// `on_open` runs once the handshake succeeded.
pub async fn run(
    api: &Api,
    cache: &SharedCache,
    read_timeout: Duration,
    shutdown: &mut watch::Receiver<bool>,
    resync: &Notify,
    on_open: impl FnOnce(),
) -> Result<LiveEnd, ClientError> {
    let cursor = lock(cache).cursor()?;
    let mut url = api.url(&format!("/v1/events?after={cursor}"))?;
    let scheme = if url.scheme() == "https" { "wss" } else { "ws" };
    url.set_scheme(scheme)
        .map_err(|()| ApiFailure::BadResponse("cannot make a WebSocket URL".into()))?;
    let mut request = url
        .as_str()
        .into_client_request()
        .map_err(|e| ApiFailure::BadResponse(e.to_string()))?;
    let token = api.token().ok_or(ClientError::NotLoggedIn)?;
    let bearer = HeaderValue::from_str(&format!("Bearer {}", token.expose()))
        .map_err(|_| ApiFailure::BadResponse("the token is not a valid header".into()))?;
    request.headers_mut().insert(AUTHORIZATION, bearer);

    let sent = api.clock().local_now();
    let connected =
        tokio::time::timeout(read_timeout, tokio_tungstenite::connect_async(request)).await;
    let mut socket = match connected {
        Err(_) => return Ok(LiveEnd::Lost("the WebSocket handshake timed out".into())),
        Ok(Err(WsError::Http(response))) if response.status().as_u16() == 401 => {
            return Err(ApiFailure::Status {
                status: 401,
                error: ApiError::new(ErrorCode::Unauthorized, "the session is no longer valid"),
            }
            .into());
        }
        Ok(Err(e)) => return Ok(LiveEnd::Lost(format!("WebSocket connection failed: {e}"))),
        Ok(Ok((socket, response))) => {
            if let Some(server_time) = server_time_from(response.headers()) {
                api.clock().record(ClockSample {
                    sent,
                    server_time,
                    received: api.clock().local_now(),
                });
            }
            socket
        }
    };
    on_open();

    loop {
        if *shutdown.borrow() {
            let _ = socket.close(None).await;
            return Ok(LiveEnd::Shutdown);
        }
        let next = tokio::select! {
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    let _ = socket.close(None).await;
                    return Ok(LiveEnd::Shutdown);
                }
                continue;
            }
            () = resync.notified() => return Ok(LiveEnd::Resync),
            next = tokio::time::timeout(read_timeout, socket.next()) => next,
        };
        let message = match next {
            Err(_) => {
                return Ok(LiveEnd::Lost(format!(
                    "no heartbeat for {} ms: the connection is silent",
                    read_timeout.as_millis()
                )))
            }
            Ok(None) => return Ok(LiveEnd::Lost("the server closed the connection".into())),
            Ok(Some(Err(e))) => return Ok(LiveEnd::Lost(format!("WebSocket error: {e}"))),
            Ok(Some(Ok(message))) => message,
        };
        let mut changes = Vec::new();
        let mut answer_heartbeat = false;
        let mut pending = Some(message);
        while let Some(message) = pending.take() {
            match message {
                Message::Text(text) => match serde_json::from_str::<ServerMessage>(&text) {
                    Ok(ServerMessage::Change(change)) => changes.push(*change),
                    Ok(ServerMessage::Heartbeat { .. }) => answer_heartbeat = true,
                    // The app reminds from the cached deadline itself (5 and 1 minutes left),
                    // offline too; the server's reminder adds nothing to show.
                    Ok(ServerMessage::OfferReminder { .. }) => {}
                    // A newer server may send kinds this version does not know.
                    Err(e) => tracing::warn!(
                        error = %crate::api::json_error(&e),
                        "unreadable message on the event stream"
                    ),
                },
                Message::Close(_) => {
                    return Ok(LiveEnd::Lost("the server closed the connection".into()))
                }
                _ => {}
            }
            if changes.len() < BATCH {
                // Whatever else is already waiting goes into the same transaction.
                if let Some(Some(Ok(more))) = socket.next().now_or_never() {
                    pending = Some(more);
                }
            }
        }
        if !changes.is_empty() {
            if let ApplyResult::Gap {
                cursor, next_seq, ..
            } = lock(cache).apply_changes(&changes)?
            {
                tracing::info!(cursor, next_seq, "gap in the live feed");
                return Ok(LiveEnd::Gap);
            }
            if super::missed_alert::has_miss(&changes) {
                super::missed_alert::refresh(api, cache).await?;
            }
        }
        if answer_heartbeat {
            if let Err(e) = socket.send(Message::Pong(Vec::new().into())).await {
                return Ok(LiveEnd::Lost(format!("WebSocket error: {e}")));
            }
        }
    }
}
