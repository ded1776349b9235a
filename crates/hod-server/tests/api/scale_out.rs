//! Several instances on one PostgreSQL database: an offer made by any instance reaches the
//! agent's WebSocket on whichever instance holds it at once (LISTEN/NOTIFY, decision 0701),
//! and the instances recover by themselves when PostgreSQL drops their connections.
//!
//! PostgreSQL only: an embedded SQLite database has one instance.

use crate::events::{connect, next_of};
use crate::routing_support::TestAgent;
use crate::support::{Backend, TestServer, INTAKE_KEY};
use serde_json::{json, Value};
use std::time::Duration;

/// Heartbeats (and the catch-up that rides on them) far beyond the test's guard, so only
/// the LISTEN/NOTIFY fan-out can bring a change to the socket in time.
const NO_HEARTBEAT: Duration = Duration::from_secs(3600);

async fn two_instances() -> (TestServer, TestServer, TestAgent) {
    let first = TestServer::start(Backend::Postgres).await;
    let second = first
        .another_instance_with(|s| {
            s.heartbeat_interval = NO_HEARTBEAT;
            s.heartbeat_timeout = NO_HEARTBEAT * 2;
        })
        .await;
    let agent = first.agent("alice", "1000001", &["en"], &["TX"]).await;
    // Every socket below reads the feed from after the license import's profile_changed.
    (first, second, agent)
}

fn assert_offer_of(change: &Value, id: i64) {
    assert_eq!(change["event"]["type"], "offer_made", "{change}");
    assert_eq!(change["event"]["referral"]["id"], id, "{change}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(hod_pg_tests),
    ignore = "PostgreSQL: set HOD_TEST_DATABASE_URL (scripts/with-postgres.sh)"
)]
async fn an_offer_made_by_one_instance_is_pushed_at_once_by_the_instance_holding_the_socket() {
    let (first, second, alice) = two_instances().await;
    let mut socket = connect(&second, &alice, 1).await;
    let id = first.intake("TX", "en").await["id"].as_i64().unwrap();
    assert_offer_of(&next_of(&mut socket, "change").await, id);

    // And the other way round: alice's accept on the second instance reaches a socket on
    // the first.
    let mut on_first = connect(&first, &alice, 1).await;
    assert_offer_of(&next_of(&mut on_first, "change").await, id);
    let (status, _) = second
        .send_as(
            &alice,
            "POST",
            &format!("/v1/referrals/{id}/accept"),
            None,
            None,
        )
        .await;
    assert_eq!(status, 200);
    let resolved = next_of(&mut on_first, "change").await;
    assert_eq!(resolved["event"]["type"], "offer_resolved", "{resolved}");
    assert_eq!(resolved["event"]["referral_id"], id, "{resolved}");
    assert_eq!(resolved["event"]["outcome"], "accepted", "{resolved}");
    second.stop().await;
    first.stop().await;
}

/// The app channel's reminder (issue 6) is handed over by whichever instance's sender claims
/// it, and reaches the agent's sockets on every instance: the app may be connected to any.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(hod_pg_tests),
    ignore = "PostgreSQL: set HOD_TEST_DATABASE_URL (scripts/with-postgres.sh)"
)]
async fn an_app_reminder_reaches_the_agents_sockets_on_every_instance() {
    let (first, second, alice) = two_instances().await;
    let mut on_first = connect(&first, &alice, 1).await;
    let mut on_second = connect(&second, &alice, 1).await;
    let id = first.intake("TX", "en").await["id"].as_i64().unwrap();
    // Both sockets have the offer, so both listen for reminders (they subscribe first).
    assert_offer_of(&next_of(&mut on_first, "change").await, id);
    assert_offer_of(&next_of(&mut on_second, "change").await, id);
    // Ten minutes in, five are left: the reminder is due (the clock is shared).
    first.clock.advance(chrono::Duration::minutes(10));
    for socket in [&mut on_first, &mut on_second] {
        let reminder = next_of(socket, "offer_reminder").await;
        assert_eq!(reminder["referral_id"], id, "{reminder}");
        assert_eq!(reminder["deadline"], "2026-01-05T15:15:00Z", "{reminder}");
    }
    second.stop().await;
    first.stop().await;
}

/// Ends every connection of both instances to the database, as a failover or a restart of
/// PostgreSQL would.
async fn drop_every_connection(database: &str) -> u64 {
    let (client, connection) = tokio_postgres::connect(database, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let ended = client
        .query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
            &[],
        )
        .await
        .unwrap();
    ended.len() as u64
}

/// An intake client's retry: the same idempotency key until the server answers 201. A
/// request may meet a pooled connection that PostgreSQL has just ended.
async fn intake_retrying(server: &TestServer) -> i64 {
    for attempt in 0..50 {
        let response = server
            .http
            .post(server.url("/v1/intake/referrals"))
            .header("x-api-key", INTAKE_KEY)
            .header("idempotency-key", "after-the-failover")
            .json(&json!({
                "consumer_name": "Pat Failover",
                "phone": "512-555-0199",
                "email": null,
                "state": "TX",
                "city": "Austin",
                "zip": "78701",
                "preferred_language": "en",
                "notes": null,
            }))
            .send()
            .await
            .unwrap();
        if response.status() == 201 {
            let body: Value = response.json().await.unwrap();
            return body["id"].as_i64().unwrap();
        }
        assert!(
            response.status().is_server_error(),
            "attempt {attempt}: {}",
            response.status()
        );
        tokio::time::sleep(Duration::from_millis(20 << attempt.min(5))).await;
    }
    panic!("the intake never succeeded after the connections dropped");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(hod_pg_tests),
    ignore = "PostgreSQL: set HOD_TEST_DATABASE_URL (scripts/with-postgres.sh)"
)]
async fn the_instances_recover_by_themselves_when_postgresql_drops_their_connections() {
    let (first, second, alice) = two_instances().await;
    let mut socket = connect(&second, &alice, 1).await;
    // Both pools and the second instance's LISTEN connection, at least.
    assert!(drop_every_connection(first.database()).await >= 3);

    let id = intake_retrying(&first).await;
    // The fan-out reconnected by itself (and resynchronised what it may have missed).
    assert_offer_of(&next_of(&mut socket, "change").await, id);
    // The second instance's pool serves requests again.
    let (status, body) = second.get_as(&alice, &format!("/v1/referrals/{id}")).await;
    assert_eq!(status, 200, "{body}");
    second.stop().await;
    first.stop().await;
}
