//! A connection that goes silent without closing (sleep/wake, a network change) is noticed
//! by the missing heartbeats, dropped, and re-opened when the network is back.

use crate::support::*;
use hod_client::ClientEvent;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_half_open_connection_is_detected_and_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(hod_server::clock::ManualClock::new(start_of_test()));
    let server = TestServer::start(&dir.path().join("hod.sqlite3"), clock).await;
    server.agent("ana", "1000001", &["TX"]).await;
    let proxy = Proxy::start(server.addr).await;
    let client = client_in(&dir.path().join("app"), &proxy.url(), None).await;
    let mut events = client.subscribe();
    login_online(&client, &mut events, "ana").await;

    // Nothing goes through any more, and nothing is closed.
    proxy.set_mode(ProxyMode::Silent);
    let silent_since = Instant::now();
    next_event(&mut events, "the silent connection dropped", |e| {
        matches!(e, ClientEvent::Connection(state) if *state != hod_client::ConnectionState::Online)
    })
    .await;
    let noticed = silent_since.elapsed();
    let read_timeout = test_timing().read_timeout;
    assert!(
        noticed >= read_timeout.saturating_sub(HEARTBEAT * 2) && noticed < read_timeout * 4,
        "noticed after {noticed:?} with a read timeout of {read_timeout:?}"
    );

    // The network is back: a new connection, and live changes flow again.
    proxy.set_mode(ProxyMode::Forward);
    next_event(&mut events, "online again", is_online).await;
    let id = server.intake("TX").await;
    next_event(
        &mut events,
        "an offer over the new connection",
        |e| matches!(e, ClientEvent::NewOffer { referral_id, .. } if *referral_id == id),
    )
    .await;
    assert!(
        silent_since.elapsed() < Duration::from_secs(30) + read_timeout,
        "back within the issue's 30 s"
    );
    client.shutdown().await;
    server.stop().await;
}
