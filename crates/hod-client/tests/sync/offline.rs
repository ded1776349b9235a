//! Offline: the server goes away, the agent keeps working, the server comes back on the same
//! database → every action is applied exactly once, in order.

use crate::support::*;
use hod_domain::availability::TodaySwitch;
use hod_domain::wire::v1::{ChangeEvent, TodayRequest};
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_offline_actions_are_applied_once_each_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(hod_server::clock::ManualClock::new(start_of_test()));
    let server = TestServer::start(&dir.path().join("hod.sqlite3"), clock.clone()).await;
    server.agent("ana", "1000001", &["TX"]).await;
    let proxy = Proxy::start(server.addr).await;

    let client = client_in(&dir.path().join("app"), &proxy.url(), None).await;
    let mut events = client.subscribe();
    login_online(&client, &mut events, "ana").await;
    let baseline = client.read(hod_client::Cache::cursor).unwrap();

    // The server goes down.
    proxy.set_mode(ProxyMode::Down);
    let server_token = server.token("ana").await;
    server.stop().await;
    next_event(&mut events, "offline", is_offline).await;

    // 100 actions, each shown at once.
    for i in 0..100 {
        client
            .set_today(TodayRequest {
                on: true,
                stop_referrals_at: Some(stop_time(i)),
            })
            .unwrap();
    }
    assert_eq!(client.pending_outbox().unwrap().len(), 100);
    let shown = client.availability().unwrap().unwrap();
    assert!(matches!(
        shown.settings.today.map(|t| t.switch),
        Some(TodaySwitch::On { stop_referrals_at }) if stop_referrals_at == stop_time(99)
    ));

    // Back on the same database, on a new port behind the same address.
    let server = TestServer::start(&dir.path().join("hod.sqlite3"), clock).await;
    proxy.set_target(server.addr);
    proxy.set_mode(ProxyMode::Forward);
    until(&client, &mut events, "the outbox drained", |c| {
        c.pending_outbox().unwrap().is_empty()
    })
    .await;
    assert!(client.refusals().unwrap().is_empty());

    // Exactly the 100 saves, in the order they were made.
    let changes = server.changes_after(&server_token, baseline).await;
    let stops: Vec<_> = changes
        .iter()
        .map(|c| match &c.event {
            ChangeEvent::AvailabilityChanged { availability } => {
                match availability.settings.today.map(|t| t.switch) {
                    Some(TodaySwitch::On { stop_referrals_at }) => stop_referrals_at,
                    other => panic!("unexpected today switch {other:?}"),
                }
            }
            other => panic!("unexpected change {other:?}"),
        })
        .collect();
    let expected: Vec<_> = (0..100).map(stop_time).collect();
    assert_eq!(stops, expected);

    // And the client ends on the server's data.
    until(&client, &mut events, "the cursor caught up", |c| {
        c.read(hod_client::Cache::cursor).unwrap() >= baseline + 100
    })
    .await;
    client.shutdown().await;
    server.stop().await;
}
