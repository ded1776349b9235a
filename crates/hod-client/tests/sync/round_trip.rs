//! Intake on the server → offer in the client → accept → contact details in the cache; a
//! missed offer stays listed without contact details (MR-4).

use crate::support::*;
use hod_client::ClientEvent;
use hod_domain::referral::{OfferOutcome, ReferralStatus};
use hod_domain::wire::v1::MISSED_REFERRAL_NAME;
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rule_mr_1_offer_accept_rule_mr_3_alert_and_rule_mr_4_missed_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(hod_server::clock::ManualClock::new(start_of_test()));
    let server = TestServer::start(&dir.path().join("hod.sqlite3"), clock.clone()).await;
    server.agent("ana", "1000001", &["TX"]).await;

    let client = client_in(&dir.path().join("app"), &server.base(), None).await;
    let mut events = client.subscribe();
    login_online(&client, &mut events, "ana").await;
    assert_eq!(client.profile().unwrap().unwrap().username, "ana");
    assert!(client.availability().unwrap().is_some(), "snapshot loaded");

    // Intake → a new offer event, no contact details yet.
    let id = server.intake("TX").await;
    let offer = next_event(
        &mut events,
        "the new offer",
        |e| matches!(e, ClientEvent::NewOffer { referral_id, .. } if *referral_id == id),
    )
    .await;
    let ClientEvent::NewOffer { deadline, .. } = offer else {
        unreachable!()
    };
    assert_eq!(
        deadline,
        Some(start_of_test() + chrono::Duration::minutes(15))
    );
    let pending = client.referral(id).unwrap().unwrap();
    assert_eq!(pending.status, ReferralStatus::Pending);
    assert!(
        pending.contact.is_none(),
        "MR-4: nothing personal before accept"
    );

    // Accept: Accepted at once, then the server's copy brings the contact details.
    client.accept(id).unwrap();
    assert_eq!(
        client.referral(id).unwrap().unwrap().status,
        ReferralStatus::Accepted
    );
    until(&client, &mut events, "contact details after accept", |c| {
        c.referral(id)
            .unwrap()
            .and_then(|r| r.contact)
            .is_some_and(|contact| contact.name == CONSUMER_NAME)
    })
    .await;
    until(&client, &mut events, "the accept delivered", |c| {
        c.pending_outbox().unwrap().is_empty()
    })
    .await;

    // A second referral, never answered: missed when the window closes.
    let missed = server.intake("TX").await;
    next_event(
        &mut events,
        "the second offer",
        |e| matches!(e, ClientEvent::NewOffer { referral_id, .. } if *referral_id == missed),
    )
    .await;
    clock.advance(chrono::Duration::minutes(16));
    server.tick().await;
    next_event(&mut events, "the miss", |e| {
        matches!(e, ClientEvent::OfferResolved { referral_id, outcome: OfferOutcome::Missed }
            if *referral_id == missed)
    })
    .await;
    let row = client.referral(missed).unwrap().unwrap();
    assert_eq!(row.outcome, Some(OfferOutcome::Missed));
    assert!(row.contact.is_none(), "MR-4: a missed row has no contact");
    assert_eq!(row.display_name(), MISSED_REFERRAL_NAME);
    // The accepted one keeps its details.
    assert!(client.referral(id).unwrap().unwrap().contact.is_some());
    // MR-3: the alert for the trailing 7 days counts the miss, live.
    next_event(&mut events, "the MR-3 alert", |e| {
        matches!(e, ClientEvent::MissedAlertChanged { count: 1 })
    })
    .await;
    assert_eq!(client.missed_alert().unwrap().map(|a| a.count), Some(1));

    client.shutdown().await;
    server.stop().await;
}

/// A first start reads every page: more referrals than one page of the list (200) and more
/// changes than one page of the feed (500) before the client ever ran. The cursor it takes
/// is the head the server reports, not the end of a walk through the whole feed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_start_snapshot_reads_every_page_and_takes_the_cursor() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(hod_server::clock::ManualClock::new(start_of_test()));
    let server = TestServer::start(&dir.path().join("hod.sqlite3"), clock).await;
    server.agent("ana", "1000001", &["TX"]).await;
    let token = server.token("ana").await;
    const REFERRALS: usize = 260;
    for _ in 0..REFERRALS {
        let id = server.intake("TX").await;
        let accepted = server
            .http
            .post(server.url(&format!("/v1/referrals/{id}/accept")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(accepted.status(), 200);
    }
    let head = server.changes_after(&token, 0).await.last().unwrap().seq;
    assert!(head > 500, "more than one page of changes ({head})");

    let feed_reads = server.requests_served("/v1/changes").await;
    let client = client_in(&dir.path().join("app"), &server.base(), None).await;
    let mut events = client.subscribe();
    login_online(&client, &mut events, "ana").await;
    // The head (one short page) and the catch-up after the snapshot: walking the feed would
    // read its two pages of changes first.
    assert_eq!(server.requests_served("/v1/changes").await - feed_reads, 2);
    let all = client
        .referrals(&hod_client::ReferralQuery {
            limit: 1000,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(all.total, REFERRALS as u64);
    assert!(all
        .referrals
        .iter()
        .all(|r| r.status == ReferralStatus::Accepted && r.contact.is_some()));
    assert_eq!(client.read(hod_client::Cache::cursor).unwrap(), head);

    // And from there on, incremental: one more offer arrives live.
    let id = server.intake("TX").await;
    next_event(
        &mut events,
        "the next offer",
        |e| matches!(e, ClientEvent::NewOffer { referral_id, .. } if *referral_id == id),
    )
    .await;
    assert!(client.read(hod_client::Cache::cursor).unwrap() > head);
    client.shutdown().await;
    server.stop().await;
}
