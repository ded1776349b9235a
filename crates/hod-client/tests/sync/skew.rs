//! Skew: with the local clock five minutes fast or slow, the offer countdown still shows the
//! time left by the server's clock (MR-1).

use crate::support::*;
use chrono::Duration;
use hod_client::{ClientEvent, ShiftedClock};
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rule_mr_1_countdown_is_right_with_the_local_clock_five_minutes_off() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(hod_server::clock::ManualClock::new(start_of_test()));
    let server = TestServer::start(&dir.path().join("hod.sqlite3"), clock).await;
    server.agent("ana", "1000001", &["TX"]).await;

    let mut clients = Vec::new();
    let first_start = std::time::Instant::now();
    for (name, shift) in [
        ("fast", Duration::minutes(5)),
        ("slow", Duration::minutes(-5)),
    ] {
        let client = client_in(
            &dir.path().join(name),
            &server.base(),
            Some(Arc::new(ShiftedClock { shift })),
        )
        .await;
        let mut events = client.subscribe();
        login_online(&client, &mut events, "ana").await;
        clients.push((client, events));
    }

    let id = server.intake("TX").await;
    let deadline = start_of_test() + Duration::minutes(15);
    for (client, events) in &mut clients {
        until(client, events, "the offer", |c| {
            c.referral(id).unwrap().is_some_and(|r| r.offer.is_some())
        })
        .await;
        let offer = client.referral(id).unwrap().unwrap().offer.unwrap();
        assert_eq!(offer.deadline, deadline);
        // The server's clock stands still at the offer time; a few seconds of real time
        // pass while the test runs.
        let remaining = client.remaining(offer.deadline);
        assert!(
            remaining <= Duration::minutes(15)
                && remaining > Duration::minutes(15) - Duration::seconds(10),
            "{remaining} left"
        );
        let _ = ClientEvent::ProfileChanged;
    }
    // Each client measured its own clock's error: the two offsets are ten minutes apart,
    // up to the real time between the two clients' measurements (the server's clock stood
    // still meanwhile; each keeps its fastest exchange, so either may be the later one),
    // give or take half a round trip.
    let gap = clients[1].0.clock_offset() - clients[0].0.clock_offset();
    let measured_within = Duration::from_std(first_start.elapsed()).unwrap();
    let error = (gap - Duration::minutes(10)).abs();
    assert!(
        error <= measured_within + Duration::milliseconds(500),
        "offsets {gap} apart, measured within {measured_within}"
    );
    for (client, _) in clients {
        client.shutdown().await;
    }
    server.stop().await;
}
