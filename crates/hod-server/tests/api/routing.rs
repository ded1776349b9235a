//! Routing stories over real HTTP: intake → offer → accept / reject / expire → next agent,
//! every eligibility rule, language preference, idempotent retries, isolation, privacy,
//! restarts, the accept-versus-expiry race, suspension and the maximum wait.
//!
//! The test clock starts Monday 5 January 2026, 15:00 UTC (10:00 in New York, the default
//! zone): agents who never saved a schedule are available (AV-1). Timer passes run with
//! `server.tick()` after moving the manual clock: nothing sleeps.

use crate::events::{connect, next_event};
use crate::routing_support::{
    assert_no_contact, texas_referral, TestAgent, CONSUMER_EMAIL, CONSUMER_NAME,
};
use crate::support::{misses, start_of_test, Backend, TestServer};
use chrono::{Duration, TimeZone, Utc};
use hod_domain::wire::v1::ReferralId;
use hod_server::store::Answer;
use serde_json::{json, Value};
use std::sync::Arc;

crate::on_both_backends!(
    intake_offers_to_the_first_agent_and_accept_reveals_the_contact,
    reject_moves_the_referral_to_the_next_agent_at_once,
    expiry_records_a_miss_without_contact_and_moves_on,
    an_answer_at_the_deadline_is_refused,
    accept_racing_the_expiry_has_exactly_one_winner,
    a_restart_keeps_pending_offers_and_their_expiry,
    the_timer_loop_wakes_when_the_clock_moves,
    two_instances_on_one_database_never_double_offer,
    an_offer_window_opens_when_the_offer_is_written,
    unlicensed_state_gets_no_offer,
    deselected_state_gets_no_offer_and_preferences_must_be_eligible,
    a_state_off_healthcare_gov_for_the_plan_year_gets_no_offer,
    outside_hours_waits_until_the_schedule_opens,
    todays_availability_on_and_off,
    out_of_office_set_and_cleared,
    suspended_agents_get_no_offer_until_reinstated,
    spanish_speakers_come_first_for_spanish_consumers,
    retries_with_the_same_idempotency_key_change_nothing,
    another_agents_referral_is_not_found,
    consecutive_misses_suspend_the_agent,
    a_referral_nobody_takes_closes_unassigned,
    accepted_referrals_are_worked_through_the_lifecycle,
    intake_checks_its_key_and_the_consumer_details,
    the_referral_list_pages_newest_first,
    a_saved_schedule_is_validated_and_takes_effect,
    rule_st_1_a_license_lapsing_overnight_ends_offers_in_that_state,
    intakes_arriving_together_each_answer_with_their_own_offer,
);

/// Sessions that outlive the day the test moves through.
fn long_sessions(settings: &mut hod_server::Settings) {
    settings.session_ttl = std::time::Duration::from_secs(7 * 24 * 3600);
}

async fn two_agents(server: &TestServer) -> (TestAgent, TestAgent) {
    let a = server.agent("alice", "1000001", &["en"], &["TX"]).await;
    let b = server.agent("bruno", "1000002", &["en"], &["TX"]).await;
    (a, b)
}

fn id_of(receipt: &Value) -> i64 {
    receipt["id"].as_i64().unwrap()
}

async fn intake_offers_to_the_first_agent_and_accept_reveals_the_contact(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (a, b) = two_agents(&server).await;
    let receipt = server.intake("TX", "en").await;
    assert_eq!(receipt["state"], "offered");
    let id = id_of(&receipt);

    // MR-4: before acceptance, state, city, zip, language and assigned time only.
    let (status, pending) = server.get_as(&a, &format!("/v1/referrals/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(pending["status"], "pending");
    assert_eq!(pending["state"], "TX");
    assert_eq!(pending["city"], "Springfield");
    assert_eq!(pending["zip"], "78701");
    assert_eq!(pending["language"], "en");
    assert_eq!(pending["assigned_at"], "2026-01-05T15:00:00Z");
    assert_eq!(pending["offer"]["deadline"], "2026-01-05T15:15:00Z");
    assert!(pending["contact"].is_null());
    assert_no_contact(&pending.to_string());
    assert!(
        server.pending_of(&b).await.is_empty(),
        "one agent at a time"
    );

    server.clock.advance(Duration::minutes(3));
    let (status, accepted) = server.accept(&a, id).await;
    assert_eq!(status, 200, "{accepted}");
    assert_eq!(accepted["status"], "accepted");
    assert_eq!(accepted["contact"]["name"], CONSUMER_NAME);
    assert_eq!(accepted["contact"]["email"], CONSUMER_EMAIL);
    assert_eq!(accepted["accepted_at"], "2026-01-05T15:03:00Z");
    assert_eq!(server.intake_state(id).await, "accepted");

    // The intake side never learns who has it.
    let (_, intake_view) = (0, server.intake("TX", "en").await);
    assert!(intake_view.get("agent").is_none());
    server.stop().await;
}

async fn reject_moves_the_referral_to_the_next_agent_at_once(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (a, b) = two_agents(&server).await;
    let id = id_of(&server.intake("TX", "en").await);
    assert_eq!(server.pending_of(&a).await, vec![id]);

    let (status, rejected) = server.reject(&a, id).await;
    assert_eq!(status, 200, "{rejected}");
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(rejected["outcome"], "rejected");
    assert_no_contact(&rejected.to_string());
    assert_eq!(
        server.pending_of(&b).await,
        vec![id],
        "CE-3: next agent at once"
    );

    // A cannot take it back.
    let (status, body) = server.accept(&a, id).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("offer_not_pending"))
    );
    server.stop().await;
}

async fn expiry_records_a_miss_without_contact_and_moves_on(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (a, b) = two_agents(&server).await;
    let id = id_of(&server.intake("TX", "en").await);

    server.clock.advance(Duration::minutes(15));
    server.tick().await;
    assert_eq!(server.pending_of(&b).await, vec![id]);

    let (status, missed) = server.get_as(&a, &format!("/v1/referrals/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(missed["outcome"], "missed");
    assert_eq!(missed["assigned_at"], "2026-01-05T15:00:00Z");
    assert_no_contact(&missed.to_string());
    let (_, missed_list) = server.get_as(&a, "/v1/referrals?status=missed").await;
    assert_eq!(missed_list["referrals"].as_array().unwrap().len(), 1);

    // MR-3: the alert counts it; B has none.
    let (status, alert) = server.get_as(&a, "/v1/missed-alert").await;
    assert_eq!(status, 200);
    assert_eq!(alert["count"], 1);
    assert!(alert["message"]
        .as_str()
        .unwrap()
        .contains("missed 1 referral"));
    assert_eq!(server.get_as(&b, "/v1/missed-alert").await.0, 204);

    // The change feed of the agent who missed it carries no contact details either.
    let (_, feed) = server.get_as(&a, "/v1/changes?after=0").await;
    assert_no_contact(&feed.to_string());
    let (status, body) = server.accept(&a, id).await;
    assert_eq!((status, body["rule"].as_str()), (409, Some("MR-2")));

    // B accepts: B sees the contact, A still does not.
    let (status, accepted) = server.accept(&b, id).await;
    assert_eq!(status, 200);
    assert_eq!(accepted["contact"]["name"], CONSUMER_NAME);
    let (_, still_missed) = server.get_as(&a, &format!("/v1/referrals/{id}")).await;
    assert_no_contact(&still_missed.to_string());
    server.stop().await;
}

async fn an_answer_at_the_deadline_is_refused(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (a, _b) = two_agents(&server).await;
    let id = id_of(&server.intake("TX", "en").await);
    server.clock.advance(Duration::minutes(15));
    let (status, body) = server.accept(&a, id).await;
    assert_eq!(status, 409, "{body}");
    // Refused by the window itself, or because the timer (woken by the clock) already
    // recorded the miss: either way the deadline belongs to the expiry.
    assert!(
        body["code"] == "accept_window_closed" || body["code"] == "offer_not_pending",
        "{body}"
    );
    assert_eq!(body["rule"], "MR-2");
    server.tick().await;
    let (_, row) = server.get_as(&a, &format!("/v1/referrals/{id}")).await;
    assert_eq!(row["outcome"], "missed");
    server.stop().await;
}

/// The accept and the expiry race at the deadline: the agent's accept arrives in the last
/// millisecond of the window while the timer, reading the deadline instant, expires the
/// offer in another transaction. Whichever commits first wins; exactly one does, every time.
async fn accept_racing_the_expiry_has_exactly_one_winner(backend: Backend) {
    let server = TestServer::start_with(backend, |s| {
        s.accept_window = std::time::Duration::from_secs(20);
        s.consecutive_misses_before_suspension = 1000;
    })
    .await;
    let a = server.agent("alice", "1000001", &["en"], &["TX"]).await;
    let server = Arc::new(server);
    let (mut accepted, mut missed) = (0, 0);
    for round in 0..50 {
        let id = id_of(&server.intake("TX", "en").await);
        assert_eq!(server.pending_of(&a).await, vec![id], "round {round}");
        let deadline = server.now() + Duration::seconds(20);
        server.clock.set(deadline - Duration::milliseconds(1));
        let racer = server.clone();
        let agent = a.clone();
        let agent_id = server.store.agent_by_npn(&a.npn).await.unwrap().unwrap().id;
        let last_moment = deadline - Duration::milliseconds(1);
        let accept = tokio::spawn(async move {
            if round % 2 == 0 {
                racer.accept(&agent, id).await
            } else {
                // Half the rounds race the two transactions head to head, without HTTP.
                let answer = racer
                    .store
                    .answer_offer(agent_id, ReferralId(id), &Answer::Accept, last_moment)
                    .await;
                (if answer.is_ok() { 200 } else { 409 }, Value::Null)
            }
        });
        let timer = server.store.clone();
        let expiry =
            tokio::spawn(async move { timer.expire_due_offers(deadline, 10, &misses(1000)).await });
        let (status, _) = accept.await.unwrap();
        let expired = expiry.await.unwrap().unwrap();
        server.clock.set(deadline);
        server.tick().await;
        let (_, row) = server.get_as(&a, &format!("/v1/referrals/{id}")).await;
        match (status, expired.len(), row["outcome"].as_str()) {
            (200, 0, Some("accepted")) => accepted += 1,
            (409, 1, Some("missed")) => missed += 1,
            other => panic!("round {round}: two winners or none: {other:?}"),
        }
    }
    eprintln!("race: {accepted} accepted, {missed} expired");
    assert_eq!(accepted + missed, 50);
}

async fn a_restart_keeps_pending_offers_and_their_expiry(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (a, b) = two_agents(&server).await;
    let id = id_of(&server.intake("TX", "en").await);
    assert_eq!(server.pending_of(&a).await, vec![id]);
    let clock = server.clock.clone();
    let db = server.stop_keeping_db().await;

    clock.advance(Duration::minutes(16));
    let server = TestServer::start_on_with_clock(db, |_| {}, clock).await;
    let a = TestAgent {
        token: server.token("alice").await,
        ..a
    };
    let b = TestAgent {
        token: server.token("bruno").await,
        ..b
    };
    // The new instance's timer loop reads the due row it never saw being written, on its
    // own (no tick): B's feed delivers the offer.
    let mut socket = connect(&server, &b, 0).await;
    let offer = next_event(&mut socket, "offer_made").await;
    assert_eq!(offer["event"]["referral"]["id"], id);
    assert_eq!(server.pending_of(&b).await, vec![id]);
    let (_, row) = server.get_as(&a, &format!("/v1/referrals/{id}")).await;
    assert_eq!(row["outcome"], "missed");
    server.stop().await;
}

/// Moving the manual clock wakes the timer loop: the expiry fires and the next agent's
/// socket gets the offer, with no explicit pass and no sleep.
async fn the_timer_loop_wakes_when_the_clock_moves(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (a, b) = two_agents(&server).await;
    let id = id_of(&server.intake("TX", "en").await);
    assert_eq!(server.pending_of(&a).await, vec![id]);
    let mut socket = connect(&server, &b, 0).await;
    server.clock.advance(Duration::minutes(15));
    let offer = next_event(&mut socket, "offer_made").await;
    assert_eq!(offer["event"]["referral"]["id"], id);
    server.stop().await;
}

/// Two instances share one database and one clock; both route and expire at the same
/// moments. No agent ever holds two pending offers and no referral is pending twice.
async fn two_instances_on_one_database_never_double_offer(backend: Backend) {
    let first = TestServer::start(backend).await;
    let second = first.another_instance().await;
    let mut agents = Vec::new();
    for i in 0..5 {
        agents.push(
            first
                .agent(
                    &format!("agent{i}"),
                    &format!("200000{i}"),
                    &["en"],
                    &["TX"],
                )
                .await,
        );
    }
    let intakes = (0..8).map(|i| {
        let server = if i % 2 == 0 { &first } else { &second };
        server.intake("TX", "en")
    });
    futures_util::future::join_all(intakes).await;
    for round in 0..3 {
        let mut pending = Vec::new();
        for agent in &agents {
            let mine = first.pending_of(agent).await;
            assert!(mine.len() <= 1, "round {round}: {mine:?}");
            pending.extend(mine);
        }
        let distinct: std::collections::BTreeSet<_> = pending.iter().collect();
        assert_eq!(distinct.len(), pending.len(), "round {round}: {pending:?}");
        assert_eq!(pending.len(), 5, "round {round}: every agent busy");
        first.clock.advance(Duration::minutes(15));
        tokio::join!(first.tick(), second.tick());
        // Passes that ran side by side may each have seen the other's offers uncommitted;
        // the next pass (the loops run one right after a busy pass) sees them all.
        first.tick().await;
    }
    second.stop().await;
    first.stop().await;
}

/// A clock that moves on a minute each time it is read, from `start`.
#[derive(Debug)]
struct MinuteEachRead {
    start: chrono::DateTime<Utc>,
    reads: std::sync::atomic::AtomicI64,
}

impl hod_server::clock::Clock for MinuteEachRead {
    fn now(&self) -> chrono::DateTime<Utc> {
        let reads = self.reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.start + Duration::minutes(reads)
    }
}

/// MR-1: the agent's fifteen minutes start when the offer is written, not when the pass
/// that made it began. Between the two a pass reads the agents, and on PostgreSQL it may
/// see one freed by another instance after the pass began (the clock has moved on by then);
/// an offer dated from the pass's start would open with part of its window gone.
async fn an_offer_window_opens_when_the_offer_is_written(backend: Backend) {
    use hod_server::changes::ChangeNotifier;
    use hod_server::dispatch::Dispatcher;
    use hod_server::metrics::Metrics;

    let server = TestServer::start(backend).await;
    server.agent("alice", "1000001", &["en"], &["TX"]).await;
    let db = server.stop_keeping_db().await;
    let store = db.store().await;
    let received = start_of_test();
    let (referral, _) = store
        .create_referral(
            &texas_referral(CONSUMER_NAME.to_owned(), received),
            received,
        )
        .await
        .unwrap();

    let pass_began = received + Duration::minutes(1);
    let clock = Arc::new(MinuteEachRead {
        start: pass_began,
        reads: 0.into(),
    });
    let dispatcher = Dispatcher::new(
        store.clone(),
        clock,
        Arc::new(hod_server::Settings::defaults()),
        ChangeNotifier::new(),
        Arc::new(Metrics::new()),
    );
    let report = dispatcher.run_once().await.unwrap();
    assert_eq!(report.offered, 1, "{report:?}");

    let alice = store.routing_agents(None).await.unwrap()[0].id;
    let row = store
        .agent_referral(alice, referral.id)
        .await
        .unwrap()
        .expect("alice holds the offer");
    let offer = row.offer.expect("a pending offer");
    assert!(
        offer.offered_at > pass_began,
        "the offer is dated from the start of its pass: {offer:?}"
    );
    assert_eq!(row.assigned_at, offer.offered_at);
    assert_eq!(offer.deadline - offer.offered_at, Duration::minutes(15));
}

async fn unlicensed_state_gets_no_offer(backend: Backend) {
    let server = TestServer::start(backend).await;
    let a = server.agent("alice", "1000001", &["en"], &["TX"]).await;
    let id = id_of(&server.intake("FL", "en").await);
    assert_eq!(server.intake_state(id).await, "waiting");
    assert!(server.referrals_of(&a).await.is_empty());
    // Licensed later (ST-1): the next pass offers it.
    server.license(&a.npn, &["FL"]).await;
    server.tick().await;
    assert_eq!(server.pending_of(&a).await, vec![id]);
    server.stop().await;
}

async fn deselected_state_gets_no_offer_and_preferences_must_be_eligible(backend: Backend) {
    let server = TestServer::start(backend).await;
    let a = server
        .agent("alice", "1000001", &["en"], &["TX", "FL"])
        .await;
    let (status, body) = server
        .send_as(
            &a,
            "PATCH",
            "/v1/profile",
            Some(json!({"state_preferences": ["FL", "CA"]})),
            None,
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["field"], "state_preferences[1]");
    assert_eq!(body["rule"], "ST-3");

    let (status, body) = server
        .send_as(
            &a,
            "PATCH",
            "/v1/profile",
            Some(json!({"state_preferences": ["FL"]})),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let tx = id_of(&server.intake("TX", "en").await);
    assert_eq!(server.intake_state(tx).await, "waiting");
    let fl = id_of(&server.intake("FL", "en").await);
    assert_eq!(server.pending_of(&a).await, vec![fl]);
    server.stop().await;
}

async fn a_state_off_healthcare_gov_for_the_plan_year_gets_no_offer(backend: Backend) {
    let server = TestServer::start(backend).await;
    // Thursday 5 November 2026, 10:00 in New York: consumers shop plan year 2027, and Oregon
    // runs its own exchange from 2027.
    server.clock.set(
        Utc.with_ymd_and_hms(2026, 11, 5, 15, 0, 0)
            .single()
            .unwrap(),
    );
    let a = server
        .agent("alice", "1000001", &["en"], &["OR", "TX"])
        .await;
    let oregon = id_of(&server.intake("OR", "en").await);
    assert_eq!(server.intake_state(oregon).await, "waiting");
    assert!(server.referrals_of(&a).await.is_empty());
    let texas = id_of(&server.intake("TX", "en").await);
    assert_eq!(server.pending_of(&a).await, vec![texas]);
    server.stop().await;
}

async fn outside_hours_waits_until_the_schedule_opens(backend: Backend) {
    let server = TestServer::start_with(backend, long_sessions).await;
    // 18:00 in New York: after the default 8:00–17:00 (AV-1).
    server.clock.set(start_of_test() + Duration::hours(8));
    let a = server.agent("alice", "1000001", &["en"], &["TX"]).await;
    let id = id_of(&server.intake("TX", "en").await);
    assert_eq!(server.intake_state(id).await, "waiting");
    // Tuesday 8:00 in New York: the retry timer offers it.
    server
        .clock
        .set(Utc.with_ymd_and_hms(2026, 1, 6, 13, 0, 0).single().unwrap());
    server.tick().await;
    assert_eq!(server.pending_of(&a).await, vec![id]);
    server.stop().await;
}

async fn todays_availability_on_and_off(backend: Backend) {
    let server = TestServer::start_with(backend, long_sessions).await;
    server.clock.set(start_of_test() + Duration::hours(8));
    let a = server.agent("alice", "1000001", &["en"], &["TX"]).await;
    let id = id_of(&server.intake("TX", "en").await);
    assert_eq!(server.intake_state(id).await, "waiting");

    // AV-6 On: referrals start before/after the standard hours, at once.
    let (status, body) = server
        .send_as(
            &a,
            "POST",
            "/v1/availability/today",
            Some(json!({"on": true})),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"]["available"], true);
    assert_eq!(server.pending_of(&a).await, vec![id]);
    server.accept(&a, id).await;

    // Next morning at 10:00: switched Off, nothing arrives.
    server
        .clock
        .set(Utc.with_ymd_and_hms(2026, 1, 6, 15, 0, 0).single().unwrap());
    let (status, body) = server
        .send_as(
            &a,
            "POST",
            "/v1/availability/today",
            Some(json!({"on": false})),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"]["available"], false);
    let waiting = id_of(&server.intake("TX", "en").await);
    assert_eq!(server.intake_state(waiting).await, "waiting");
    server.stop().await;
}

async fn out_of_office_set_and_cleared(backend: Backend) {
    let server = TestServer::start(backend).await;
    let a = server.agent("alice", "1000001", &["en"], &["TX"]).await;
    let (status, body) = server
        .send_as(
            &a,
            "PUT",
            "/v1/availability/out-of-office",
            Some(json!({"from": "2026-01-05T14:00:00Z"})),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"]["available"], false);
    let id = id_of(&server.intake("TX", "en").await);
    assert_eq!(server.intake_state(id).await, "waiting");

    let (status, body) = server
        .send_as(&a, "DELETE", "/v1/availability/out-of-office", None, None)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        server.pending_of(&a).await,
        vec![id],
        "AV-5: takes effect at once"
    );

    let (status, body) = server
        .send_as(
            &a,
            "PUT",
            "/v1/availability/out-of-office",
            Some(json!({"from": "2026-01-09T00:00:00Z", "to": "2026-01-08T00:00:00Z"})),
            None,
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["rule"], "AV-7");
    server.stop().await;
}

async fn suspended_agents_get_no_offer_until_reinstated(backend: Backend) {
    let server = TestServer::start(backend).await;
    let a = server.agent("alice", "1000001", &["en"], &["TX"]).await;
    let now = server.now();
    server
        .store
        .suspend_agent(&a.npn, "operator", now)
        .await
        .unwrap();
    let id = id_of(&server.intake("TX", "en").await);
    assert_eq!(server.intake_state(id).await, "waiting");
    server.store.reinstate_agent(&a.npn, now).await.unwrap();
    server.tick().await;
    assert_eq!(server.pending_of(&a).await, vec![id]);
    server.stop().await;
}

async fn spanish_speakers_come_first_for_spanish_consumers(backend: Backend) {
    let server = TestServer::start(backend).await;
    let english = server.agent("alice", "1000001", &["en"], &["TX"]).await;
    let bilingual = server
        .agent("bruno", "1000002", &["en", "es"], &["TX"])
        .await;
    let spanish = id_of(&server.intake("TX", "es").await);
    assert_eq!(server.pending_of(&bilingual).await, vec![spanish]);
    let english_consumer = id_of(&server.intake("TX", "en").await);
    assert_eq!(server.pending_of(&english).await, vec![english_consumer]);
    server.stop().await;
}

async fn retries_with_the_same_idempotency_key_change_nothing(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (a, _b) = two_agents(&server).await;
    let (first_status, first) = server
        .intake_with_key("TX", "en", Some("consumer-42"))
        .await;
    let (again_status, again) = server
        .intake_with_key("TX", "en", Some("consumer-42"))
        .await;
    assert_eq!((first_status, again_status), (201, 201));
    assert_eq!(first["id"], again["id"]);
    let id = id_of(&first);
    assert_eq!(server.referrals_of(&a).await.len(), 1);

    let path = format!("/v1/referrals/{id}/accept");
    let (s1, r1) = server
        .send_as(&a, "POST", &path, None, Some("accept-1"))
        .await;
    server.clock.advance(Duration::minutes(1));
    let (s2, r2) = server
        .send_as(&a, "POST", &path, None, Some("accept-1"))
        .await;
    assert_eq!((s1, s2), (200, 200));
    assert_eq!(r1, r2, "the first response, unchanged");
    let (_, feed) = server.get_as(&a, "/v1/changes?after=0").await;
    let resolved = feed["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["event"]["type"] == "offer_resolved")
        .count();
    assert_eq!(resolved, 1);

    let attempt = json!({"channel": "phone", "outcome": "left_message"});
    let path = format!("/v1/referrals/{id}/contact-attempts");
    let (s1, r1) = server
        .send_as(&a, "POST", &path, Some(attempt.clone()), Some("try-1"))
        .await;
    let (s2, r2) = server
        .send_as(&a, "POST", &path, Some(attempt), Some("try-1"))
        .await;
    assert_eq!((s1, s2), (200, 200), "{r1}");
    assert_eq!(r2["contact_attempts"].as_array().unwrap().len(), 1);

    // The same key on a different request is refused, not answered with the wrong body.
    let (status, body) = server
        .send_as(
            &a,
            "POST",
            &format!("/v1/referrals/{id}/reject"),
            None,
            Some("accept-1"),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("idempotency_conflict"))
    );
    server.stop().await;
}

async fn another_agents_referral_is_not_found(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (a, b) = two_agents(&server).await;
    let id = id_of(&server.intake("TX", "en").await);
    for (method, path, body) in [
        ("GET", format!("/v1/referrals/{id}"), None),
        ("POST", format!("/v1/referrals/{id}/accept"), None),
        ("POST", format!("/v1/referrals/{id}/reject"), None),
        (
            "POST",
            format!("/v1/referrals/{id}/status"),
            Some(json!({"to": "in_progress"})),
        ),
        (
            "POST",
            format!("/v1/referrals/{id}/contact-attempts"),
            Some(json!({"channel": "phone", "outcome": "no_answer"})),
        ),
    ] {
        let (status, response) = server.send_as(&b, method, &path, body, None).await;
        assert_eq!(status, 404, "{method} {path}: {response}");
        assert_no_contact(&response.to_string());
    }
    assert_eq!(server.pending_of(&a).await, vec![id], "untouched");
    let (status, body) = server.get_as(&b, "/v1/referrals/not-a-number").await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
    let (status, body) = server.get_as(&b, "/v1/referrals?limit=many").await;
    assert_eq!((status, body["code"].as_str()), (400, Some("bad_request")));
    server.stop().await;
}

async fn consecutive_misses_suspend_the_agent(backend: Backend) {
    let server = TestServer::start(backend).await;
    let a = server.agent("alice", "1000001", &["en"], &["TX"]).await;
    for _ in 0..3 {
        let id = id_of(&server.intake("TX", "en").await);
        assert_eq!(server.pending_of(&a).await, vec![id]);
        server.clock.advance(Duration::minutes(15));
        server.tick().await;
    }
    let profile: Value = server.profile(&a.token).await.json().await.unwrap();
    assert!(
        profile["suspended"]["reason"]
            .as_str()
            .unwrap()
            .contains("AV-9"),
        "{profile}"
    );
    // The app learns it from the feed, too.
    let (_, feed) = server.get_as(&a, "/v1/changes?after=0").await;
    let last = feed["changes"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["event"]["type"], "profile_changed", "{last}");
    assert!(last["event"]["profile"]["suspended"]["reason"]
        .as_str()
        .unwrap()
        .contains("AV-9"));
    let id = id_of(&server.intake("TX", "en").await);
    assert_eq!(server.intake_state(id).await, "waiting");
    assert!(server.pending_of(&a).await.is_empty());

    // An operator reinstates: the old misses no longer count, new offers arrive.
    server
        .store
        .reinstate_agent(&a.npn, server.now())
        .await
        .unwrap();
    server.tick().await;
    assert_eq!(server.pending_of(&a).await, vec![id]);
    server.clock.advance(Duration::minutes(15));
    server.tick().await;
    let profile: Value = server.profile(&a.token).await.json().await.unwrap();
    assert!(
        profile["suspended"].is_null(),
        "one miss after reinstatement: {profile}"
    );
    server.stop().await;
}

async fn a_referral_nobody_takes_closes_unassigned(backend: Backend) {
    let server = TestServer::start_with(backend, |s| {
        s.referral_max_wait = std::time::Duration::from_secs(3600);
    })
    .await;
    let id = id_of(&server.intake("WY", "en").await);
    assert_eq!(server.intake_state(id).await, "waiting");
    server.clock.advance(Duration::minutes(59));
    server.tick().await;
    assert_eq!(server.intake_state(id).await, "waiting");
    server.clock.advance(Duration::minutes(1));
    server.tick().await;
    assert_eq!(server.intake_state(id).await, "unassigned");
    server.stop().await;
}

async fn accepted_referrals_are_worked_through_the_lifecycle(backend: Backend) {
    let server = TestServer::start(backend).await;
    let a = server.agent("alice", "1000001", &["en"], &["TX"]).await;
    let id = id_of(&server.intake("TX", "en").await);
    let (status, _) = server
        .send_as(
            &a,
            "POST",
            &format!("/v1/referrals/{id}/status"),
            Some(json!({"to": "in_progress"})),
            None,
        )
        .await;
    assert_eq!(status, 409, "not accepted yet");
    server.accept(&a, id).await;
    let status_path = format!("/v1/referrals/{id}/status");
    let (status, body) = server
        .send_as(
            &a,
            "POST",
            &status_path,
            Some(json!({"to": "accepted"})),
            None,
        )
        .await;
    assert_eq!((status, body["rule"].as_str()), (422, Some("RS-7")));
    let (status, body) = server
        .send_as(
            &a,
            "POST",
            &status_path,
            Some(json!({"to": "in_progress"})),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "in_progress");
    let (status, body) = server
        .send_as(
            &a,
            "POST",
            &status_path,
            Some(json!({"to": "completed"})),
            None,
        )
        .await;
    assert_eq!(status, 422, "RS-6 needs an outcome: {body}");
    let (status, body) = server
        .send_as(
            &a,
            "POST",
            &status_path,
            Some(json!({"to": "completed", "completion_outcome": "enrolled_in_qhp"})),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(server.intake_state(id).await, "completed");
    let (status, body) = server
        .send_as(
            &a,
            "POST",
            &status_path,
            Some(json!({"to": "in_progress"})),
            None,
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("illegal_transition"))
    );
    let (status, body) = server
        .send_as(
            &a,
            "POST",
            &format!("/v1/referrals/{id}/contact-attempts"),
            Some(json!({"channel": "phone", "outcome": "reached", "at": "2026-01-06T15:00:00Z"})),
            None,
        )
        .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (422, Some("at")),
        "{body}"
    );
    assert_eq!(body["rule"], "CE-1");
    let (_, page) = server.get_as(&a, "/v1/referrals?status=completed").await;
    assert_eq!(page["referrals"].as_array().unwrap().len(), 1);
    let (status, _) = server.get_as(&a, "/v1/referrals?status=bogus").await;
    assert_eq!(status, 422);
    server.stop().await;
}

async fn intake_checks_its_key_and_the_consumer_details(backend: Backend) {
    let server = TestServer::start(backend).await;
    let response = server
        .http
        .post(server.url("/v1/intake/referrals"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401, "no intake key");
    let response = server
        .http
        .post(server.url("/v1/intake/referrals"))
        .header("x-api-key", crate::support::INTAKE_KEY)
        .json(&json!({
            "consumer_name": " ",
            "phone": "555-CALL-NOW",
            "state": "TX",
            "city": "Austin",
            "zip": "787",
            "preferred_language": "es",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["field"], "consumer_name");
    assert_eq!(body["rule"], "RS-5");
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["consumer_name", "phone", "zip"]);
    let response = server
        .http
        .get(server.url("/v1/intake/referrals/999"))
        .header("x-api-key", crate::support::INTAKE_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    server.stop().await;
}

async fn the_referral_list_pages_newest_first(backend: Backend) {
    let server = TestServer::start(backend).await;
    let a = server.agent("alice", "1000001", &["en"], &["TX"]).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        let id = id_of(&server.intake("TX", "en").await);
        server.reject(&a, id).await;
        ids.push(id);
    }
    let (status, page) = server.get_as(&a, "/v1/referrals?limit=2").await;
    assert_eq!(status, 200);
    let first: Vec<i64> = page["referrals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(first, vec![ids[2], ids[1]]);
    let next = page["next"].as_str().unwrap().to_owned();
    let (_, page) = server
        .get_as(&a, &format!("/v1/referrals?limit=2&after={next}"))
        .await;
    let rest: Vec<i64> = page["referrals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(rest, vec![ids[0]]);
    assert!(page["next"].is_null());
    let (_, rejected) = server.get_as(&a, "/v1/referrals?status=rejected").await;
    assert_eq!(rejected["referrals"].as_array().unwrap().len(), 3);
    assert_no_contact(&rejected.to_string());
    let (status, _) = server.get_as(&a, "/v1/referrals?limit=0").await;
    assert_eq!(status, 422);
    server.stop().await;
}

async fn a_saved_schedule_is_validated_and_takes_effect(backend: Backend) {
    let server = TestServer::start(backend).await;
    let a = server.agent("alice", "1000001", &["en"], &["TX"]).await;
    let weekly = serde_json::to_value(hod_domain::availability::WeeklySchedule::default()).unwrap();
    let (status, body) = server
        .send_as(
            &a,
            "PUT",
            "/v1/availability/schedule",
            Some(json!({"time_zone": "Mars/Olympus", "weekly": weekly})),
            None,
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        (body["field"].as_str(), body["rule"].as_str()),
        (Some("time_zone"), Some("AV-2"))
    );

    // 8:00–17:00 in Los Angeles: at 15:00 UTC it is 7:00 there.
    let (status, body) = server
        .send_as(
            &a,
            "PUT",
            "/v1/availability/schedule",
            Some(json!({"time_zone": "America/Los_Angeles", "weekly": weekly})),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["settings"]["time_zone"], "America/Los_Angeles");
    assert_eq!(body["status"]["available"], false);
    let (_, read) = server.get_as(&a, "/v1/availability").await;
    assert_eq!(read, body, "AV-5: what was saved is what is read");
    let id = id_of(&server.intake("TX", "en").await);
    assert_eq!(server.intake_state(id).await, "waiting");
    server.clock.advance(Duration::hours(1));
    server.tick().await;
    assert_eq!(server.pending_of(&a).await, vec![id]);
    server.stop().await;
}

/// Eligibility is by date (ST-1): the dispatcher's roster works out each agent's states again
/// when the day changes, so a license that lapses overnight ends offers in its state without
/// any write announcing it.
async fn rule_st_1_a_license_lapsing_overnight_ends_offers_in_that_state(backend: Backend) {
    let server = TestServer::start_with(backend, long_sessions).await;
    let a = server.agent("alice", "1000001", &["en"], &["TX"]).await;
    let today = server.now().date_naive();
    server
        .store
        .import_licenses(
            &[hod_server::store::NewLicense {
                npn: a.npn.clone(),
                state: "FL".to_owned(),
                line_of_authority: "Accident & Health".to_owned(),
                status: "active".to_owned(),
                effective: chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
                expires: Some(today),
            }],
            server.now(),
        )
        .await
        .unwrap();
    let first = id_of(&server.intake("FL", "en").await);
    assert_eq!(server.pending_of(&a).await, vec![first]);
    server.accept(&a, first).await;
    // A referral nobody can take keeps passes routing, so the roster takes in the accept
    // today, and nothing about the agent is written between now and tomorrow's intake.
    let georgia = id_of(&server.intake("GA", "en").await);
    server.tick().await;
    assert_eq!(server.intake_state(georgia).await, "waiting");

    // The next morning, 10:00 in New York: the FL license has lapsed, TX has not.
    server.clock.advance(Duration::days(1));
    let florida = id_of(&server.intake("FL", "en").await);
    assert_eq!(server.intake_state(florida).await, "waiting");
    let texas = id_of(&server.intake("TX", "en").await);
    assert_eq!(server.pending_of(&a).await, vec![texas]);
    server.stop().await;
}

/// Intake requests that arrive together share routing passes, and each response still
/// reports the routing its referral got: every one of them is offered at once.
async fn intakes_arriving_together_each_answer_with_their_own_offer(backend: Backend) {
    let server = Arc::new(TestServer::start(backend).await);
    let mut agents = Vec::new();
    for i in 0..12 {
        let name = format!("agent{i:02}");
        let npn = format!("{}", 2_000_000 + i);
        agents.push(server.agent(&name, &npn, &["en"], &["TX"]).await);
    }
    let intakes = (0..12).map(|_| {
        let server = Arc::clone(&server);
        tokio::spawn(async move { server.intake("TX", "en").await })
    });
    let mut states = Vec::new();
    for intake in intakes {
        states.push(intake.await.unwrap()["state"].as_str().unwrap().to_owned());
    }
    assert_eq!(states, vec!["offered"; 12]);
    // One offer each: nobody holds two (MR-1).
    for agent in &agents {
        assert_eq!(server.pending_of(agent).await.len(), 1, "{}", agent.npn);
    }
    Arc::try_unwrap(server).ok().unwrap().stop().await;
}
