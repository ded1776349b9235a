//! The change feed over a real WebSocket (`/v1/events`) and over `GET /v1/changes`.

use crate::routing_support::{assert_no_contact, TestAgent, CONSUMER_NAME};
use crate::support::{start_of_test, Backend, TestServer};
use futures_util::StreamExt;
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{connect_async, MaybeTlsStream, WebSocketStream};

crate::on_both_backends!(
    the_feed_resumes_from_a_cursor_without_loss_or_duplication,
    heartbeats_arrive_with_the_server_time,
    a_connection_that_stops_answering_is_closed,
    the_events_socket_needs_a_session,
    changes_made_by_another_instance_reach_the_socket,
);

pub type Socket = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

/// A guard against a hung test, not a wait: every expected message is already due.
const GUARD: Duration = Duration::from_secs(20);

pub async fn connect(server: &TestServer, agent: &TestAgent, after: i64) -> Socket {
    let url = format!(
        "{}/v1/events?after={after}",
        server.base.replace("http://", "ws://")
    );
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {}", agent.token).parse().unwrap(),
    );
    let (socket, _) = connect_async(request).await.unwrap();
    socket
}

/// The next server message of `kind` ("change", "heartbeat", "offer_reminder"), skipping
/// the others, within [`GUARD`] (heartbeats do not extend it).
pub async fn next_of(socket: &mut Socket, kind: &str) -> Value {
    let deadline = tokio::time::Instant::now() + GUARD;
    loop {
        let message = tokio::time::timeout_at(deadline, socket.next())
            .await
            .unwrap_or_else(|_| panic!("a {kind} message in time"))
            .expect("the socket stays open")
            .unwrap();
        if let Message::Text(text) = message {
            let value: Value = serde_json::from_str(&text).unwrap();
            if value["kind"] == kind {
                return value;
            }
        }
    }
}

async fn next_changes(socket: &mut Socket, n: usize) -> Vec<Value> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(next_of(socket, "change").await);
    }
    out
}

/// The next change whose event is of type `event`, past the others (an agent's feed opens
/// with the `profile_changed` of their license import).
pub async fn next_event(socket: &mut Socket, event: &str) -> Value {
    loop {
        let change = next_of(socket, "change").await;
        if change["event"]["type"] == event {
            return change;
        }
    }
}

fn seqs(changes: &[Value]) -> Vec<i64> {
    changes.iter().map(|c| c["seq"].as_i64().unwrap()).collect()
}

async fn the_feed_resumes_from_a_cursor_without_loss_or_duplication(backend: Backend) {
    let server = TestServer::start(backend).await;
    let a = server
        .agent("alice", "1000001", &["en"], &["TX", "FL"])
        .await;
    let (status, _) = server
        .send_as(
            &a,
            "PATCH",
            "/v1/profile",
            Some(json!({"preferred_contact_method": "email_app"})),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let first = server.intake("TX", "en").await["id"].as_i64().unwrap();

    // Replay from the start, in order: the license import, the profile update, the offer.
    let mut socket = connect(&server, &a, 0).await;
    let replay = next_changes(&mut socket, 3).await;
    assert_eq!(seqs(&replay), vec![1, 2, 3]);
    assert_eq!(replay[0]["event"]["type"], "profile_changed");
    assert_eq!(
        replay[0]["event"]["profile"]["eligible_states"],
        json!(["FL", "TX"])
    );
    assert_eq!(replay[1]["event"]["type"], "profile_changed");
    assert_eq!(replay[2]["event"]["type"], "offer_made");
    assert_no_contact(&replay[2].to_string());

    // Live: accepting pushes the resolution and the referral with its contact.
    server.accept(&a, first).await;
    let live = next_changes(&mut socket, 2).await;
    assert_eq!(seqs(&live), vec![4, 5]);
    assert_eq!(live[0]["event"]["outcome"], "accepted");
    assert_eq!(
        live[1]["event"]["referral"]["contact"]["name"],
        CONSUMER_NAME
    );
    drop(socket);

    // Offline: two more changes.
    let second = server.intake("FL", "en").await["id"].as_i64().unwrap();
    server.reject(&a, second).await;

    // Resume from the cursor: exactly what was missed, then live again.
    let mut socket = connect(&server, &a, 5).await;
    let (status, _) = server
        .send_as(
            &a,
            "PUT",
            "/v1/availability/schedule",
            Some(json!({
                "time_zone": "America/Chicago",
                "weekly": serde_json::to_value(hod_domain::availability::WeeklySchedule::default()).unwrap(),
            })),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let resumed = next_changes(&mut socket, 3).await;
    assert_eq!(seqs(&resumed), vec![6, 7, 8], "no loss, no duplicate");
    assert_eq!(resumed[0]["event"]["type"], "offer_made");
    assert_eq!(resumed[1]["event"]["outcome"], "rejected");
    assert_eq!(resumed[2]["event"]["type"], "availability_changed");
    assert_no_contact(&resumed[0].to_string());
    assert_no_contact(&resumed[1].to_string());

    // The same over HTTP, paged.
    let (_, page) = server.get_as(&a, "/v1/changes?after=5&limit=2").await;
    assert_eq!(seqs(page["changes"].as_array().unwrap()), vec![6, 7]);
    // Every page names the feed's head, however short the page: a first start reads it
    // from one change instead of walking the feed.
    assert_eq!(page["head"], 8);
    let (_, page) = server.get_as(&a, "/v1/changes?after=7").await;
    assert_eq!(seqs(page["changes"].as_array().unwrap()), vec![8]);
    assert_eq!(page["head"], 8);
    let (_, page) = server.get_as(&a, "/v1/changes?after=8").await;
    assert!(page["changes"].as_array().unwrap().is_empty());
    assert_eq!(page["head"], 8, "an empty page still names the head");
    let (status, _) = server.get_as(&a, "/v1/changes?after=-1").await;
    assert_eq!(status, 422);
    server.stop().await;
}

async fn heartbeats_arrive_with_the_server_time(backend: Backend) {
    let server = TestServer::start_with(backend, |s| {
        s.heartbeat_interval = Duration::from_millis(50);
    })
    .await;
    let a = server.agent("alice", "1000001", &["en"], &["TX"]).await;
    let mut socket = connect(&server, &a, 0).await;
    let beat = next_of(&mut socket, "heartbeat").await;
    assert_eq!(
        beat["server_time"],
        json!(start_of_test().to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
    );
    server.stop().await;
}

async fn the_events_socket_needs_a_session(backend: Backend) {
    let server = TestServer::start(backend).await;
    let response = server
        .http
        .get(server.url("/v1/events"))
        .header("connection", "upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    server.stop().await;
}

/// A client that never answers pings (a raw socket: no WebSocket library to pong for it) is
/// closed by the server once the heartbeat timeout passes; the test reads frames until the
/// close frame arrives.
async fn a_connection_that_stops_answering_is_closed(backend: Backend) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = TestServer::start_with(backend, |s| {
        s.heartbeat_interval = Duration::from_millis(20);
        s.heartbeat_timeout = Duration::from_millis(100);
    })
    .await;
    let a = server.agent("alice", "1000001", &["en"], &["TX"]).await;
    let address = server.base.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let handshake = format!(
        "GET /v1/events?after=0 HTTP/1.1\r\nHost: {address}\r\nConnection: Upgrade\r\n\
         Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nAuthorization: Bearer {}\r\n\r\n",
        a.token
    );
    stream.write_all(handshake.as_bytes()).await.unwrap();
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    let closed = tokio::time::timeout(GUARD, async {
        loop {
            let n = stream.read(&mut buffer).await.unwrap();
            if n == 0 {
                return received;
            }
            received.extend_from_slice(&buffer[..n]);
            if has_close_frame(&received) {
                return received;
            }
        }
    })
    .await
    .expect("the server closes a silent connection");
    let text = String::from_utf8_lossy(&closed);
    assert!(text.starts_with("HTTP/1.1 101"), "{text}");
    assert!(
        has_close_frame(&closed),
        "a close frame, not just a dropped socket"
    );
    server.stop().await;
}

/// Walks the server's (unmasked) frames after the HTTP response, looking for a close.
fn has_close_frame(bytes: &[u8]) -> bool {
    let Some(start) = bytes.windows(4).position(|w| w == b"\r\n\r\n") else {
        return false;
    };
    let mut at = start + 4;
    while at + 2 <= bytes.len() {
        let opcode = bytes[at] & 0x0f;
        let (len, header) = match bytes[at + 1] & 0x7f {
            126 if at + 4 <= bytes.len() => (
                usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]])),
                4,
            ),
            126 | 127 => return false,
            n => (usize::from(n), 2),
        };
        if opcode == 0x8 {
            return true;
        }
        at += header + len;
    }
    false
}

/// An offer made by one instance reaches a socket held by another instance (which gets no
/// in-process notice of it) by its next heartbeat at the latest — the safety net under the
/// PostgreSQL fan-out (`scale_out.rs`), and the only path between instances on one SQLite
/// file.
async fn changes_made_by_another_instance_reach_the_socket(backend: Backend) {
    let first = TestServer::start(backend).await;
    let second = first
        .another_instance_with(|s| s.heartbeat_interval = Duration::from_millis(50))
        .await;
    let a = first.agent("alice", "1000001", &["en"], &["TX"]).await;
    let mut socket = connect(&second, &a, 0).await;
    let id = first.intake("TX", "en").await["id"].as_i64().unwrap();
    let offer = next_event(&mut socket, "offer_made").await;
    assert_eq!(offer["event"]["type"], "offer_made");
    assert_eq!(offer["event"]["referral"]["id"], id);
    second.stop().await;
    first.stop().await;
}
