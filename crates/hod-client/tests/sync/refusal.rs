//! Refusal: an accept that reaches the server after the accept window closed is refused; its
//! optimistic effect is rolled back and the refusal is reported, never dropped.

use crate::support::*;
use hod_client::{ClientEvent, OutboxAction};
use hod_domain::referral::{OfferOutcome, ReferralStatus};
use hod_domain::wire::v1::ErrorCode;
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rule_mr_2_an_accept_after_the_deadline_is_rolled_back_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(hod_server::clock::ManualClock::new(start_of_test()));
    let server = TestServer::start(&dir.path().join("hod.sqlite3"), clock.clone()).await;
    server.agent("ana", "1000001", &["TX"]).await;
    let proxy = Proxy::start(server.addr).await;
    let client = client_in(&dir.path().join("app"), &proxy.url(), None).await;
    let mut events = client.subscribe();
    login_online(&client, &mut events, "ana").await;

    let id = server.intake("TX").await;
    next_event(
        &mut events,
        "the offer",
        |e| matches!(e, ClientEvent::NewOffer { referral_id, .. } if *referral_id == id),
    )
    .await;

    // Offline, the agent accepts: shown at once.
    proxy.set_mode(ProxyMode::Down);
    next_event(&mut events, "offline", is_offline).await;
    let item = client.accept(id).unwrap();
    assert_eq!(
        client.referral(id).unwrap().unwrap().status,
        ReferralStatus::Accepted
    );

    // Meanwhile the window closes on the server (MR-2).
    clock.advance(chrono::Duration::minutes(16));
    server.tick().await;

    proxy.set_mode(ProxyMode::Forward);
    let refused = next_event(&mut events, "the refusal", |e| {
        matches!(e, ClientEvent::OutboxRefused(_))
    })
    .await;
    let ClientEvent::OutboxRefused(refusal) = refused else {
        unreachable!()
    };
    assert_eq!(refusal.outbox_id, item.id);
    assert_eq!(refusal.action, OutboxAction::Accept { referral_id: id });
    assert!(
        matches!(
            refusal.error.code,
            ErrorCode::AcceptWindowClosed | ErrorCode::OfferNotPending
        ),
        "{:?}",
        refusal.error
    );
    until(&client, &mut events, "the miss shown", |c| {
        c.referral(id).unwrap().is_some_and(|r| {
            r.outcome == Some(OfferOutcome::Missed) && r.status != ReferralStatus::Accepted
        })
    })
    .await;
    let row = client.referral(id).unwrap().unwrap();
    assert_ne!(row.status, ReferralStatus::Accepted);
    assert!(row.contact.is_none());
    assert_eq!(client.refusals().unwrap().len(), 1);
    assert!(client.pending_outbox().unwrap().is_empty());
    client.shutdown().await;
    server.stop().await;
}
