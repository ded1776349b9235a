//! The storage story: the same assertions against every backend, so they cannot drift.

use crate::support::{misses, start_of_test, Backend, TestDb};
use chrono::{Duration, NaiveDate};
use hod_domain::language::Language;
use hod_domain::wire::v1::ChangeEvent;
use hod_server::notify::NotificationPolicy;
use hod_server::store::{
    AgentId, DynStore, FailureWindow, ImportSummary, NewAgent, NewLicense, NewSession, StoreError,
    StoredResponse, TokenHash,
};

crate::on_both_backends!(
    migrations_apply_once,
    agents_are_created_found_and_unique,
    agent_import_is_idempotent_and_all_or_nothing,
    suspension_keeps_its_first_date_and_reinstatement_clears_it,
    license_import_upserts_by_natural_key_and_needs_the_agent,
    sessions_expire_and_can_be_revoked,
    a_new_password_ends_every_session,
    login_failures_count_in_fixed_windows,
    idempotency_keys_keep_the_first_response,
    referrals_offers_and_the_change_feed,
    a_page_of_offers_is_written_together,
);

fn agent(npn: &str, username: &str) -> NewAgent {
    NewAgent {
        npn: npn.to_owned(),
        name: format!("Agent {username}"),
        username: username.to_owned(),
        mlms_email: format!("{username}@example.com"),
        mobile_phone: "+15552010123".to_owned(),
        languages: vec![Language::english(), Language::spanish()],
    }
}

fn license(npn: &str, state: &str, status: &str) -> NewLicense {
    NewLicense {
        npn: npn.to_owned(),
        state: state.to_owned(),
        line_of_authority: "Accident & Health".to_owned(),
        status: status.to_owned(),
        effective: NaiveDate::from_ymd_opt(2024, 1, 15).unwrap(),
        expires: NaiveDate::from_ymd_opt(2027, 1, 31),
    }
}

async fn fresh(backend: Backend) -> (TestDb, DynStore) {
    let db = TestDb::new(backend).await;
    let store = db.store().await;
    (db, store)
}

async fn migrations_apply_once(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = hod_server::store::open(&db.database_url()).await.unwrap();
    let first = store.migrate().await.unwrap();
    assert_eq!(first.len(), hod_server::store::migrations::SQLITE.len());
    assert_eq!(first[0].name, "accounts");
    assert!(
        store.migrate().await.unwrap().is_empty(),
        "second run applies nothing"
    );
    store.ping().await.unwrap();
}

async fn agents_are_created_found_and_unique(backend: Backend) {
    let (_db, store) = fresh(backend).await;
    let now = start_of_test();
    let created = store
        .create_agent(&agent("1001", "ana"), now)
        .await
        .unwrap();
    assert_eq!(created.npn, "1001");
    assert_eq!(
        created.languages,
        vec![Language::english(), Language::spanish()]
    );
    assert_eq!(created.preferred_contact_method, "email_text_app");
    assert_eq!(created.suspension, None);
    assert_eq!(created.created_at, now);

    assert_eq!(
        store.agent(created.id).await.unwrap(),
        Some(created.clone())
    );
    assert_eq!(
        store.agent_by_npn("1001").await.unwrap(),
        Some(created.clone())
    );
    assert_eq!(
        store.agent_by_username("ana").await.unwrap(),
        Some(created.clone())
    );
    assert_eq!(store.agent_by_username("nobody").await.unwrap(), None);
    assert_eq!(
        store.agent(AgentId(created.id.0 + 1000)).await.unwrap(),
        None
    );

    let same_npn = store.create_agent(&agent("1001", "other"), now).await;
    assert!(
        matches!(same_npn, Err(StoreError::Conflict { field: "npn", .. })),
        "{same_npn:?}"
    );
    let same_username = store.create_agent(&agent("1002", "ana"), now).await;
    assert!(
        matches!(
            same_username,
            Err(StoreError::Conflict {
                field: "username",
                ..
            })
        ),
        "{same_username:?}"
    );
}

async fn agent_import_is_idempotent_and_all_or_nothing(backend: Backend) {
    let (_db, store) = fresh(backend).await;
    let now = start_of_test();
    let rows = vec![agent("2001", "bo"), agent("2002", "cy")];
    let summary = store.import_agents(&rows, now).await.unwrap();
    assert_eq!(
        summary,
        ImportSummary {
            created: 2,
            updated: 0,
            unchanged: 0
        }
    );

    let again = store
        .import_agents(&rows, now + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(
        again,
        ImportSummary {
            created: 0,
            updated: 0,
            unchanged: 2
        }
    );
    let bo = store.agent_by_npn("2001").await.unwrap().unwrap();
    assert_eq!(bo.updated_at, now, "an unchanged row is not written");

    let mut renamed = agent("2001", "bo");
    renamed.name = "Bo Renamed".into();
    let later = now + Duration::hours(2);
    let summary = store.import_agents(&[renamed], later).await.unwrap();
    assert_eq!(
        summary,
        ImportSummary {
            created: 0,
            updated: 1,
            unchanged: 0
        }
    );
    let bo = store.agent_by_npn("2001").await.unwrap().unwrap();
    assert_eq!(
        (bo.name.as_str(), bo.updated_at, bo.created_at),
        ("Bo Renamed", later, now)
    );

    // Row 1 takes a username that belongs to another NPN: nothing is written, not even row 0.
    let bad = vec![agent("2003", "dee"), agent("2004", "cy")];
    match store.import_agents(&bad, now).await {
        Err(StoreError::Row {
            index: 1,
            field: "username",
            ..
        }) => {}
        other => panic!("expected a row error, got {other:?}"),
    }
    assert_eq!(store.agent_by_npn("2003").await.unwrap(), None);
}

async fn suspension_keeps_its_first_date_and_reinstatement_clears_it(backend: Backend) {
    let (_db, store) = fresh(backend).await;
    let now = start_of_test();
    store
        .create_agent(&agent("3001", "eve"), now)
        .await
        .unwrap();

    let suspended = store
        .suspend_agent("3001", "missed 3 referrals", now)
        .await
        .unwrap();
    let suspension = suspended.suspension.unwrap();
    assert_eq!(
        (suspension.reason.as_str(), suspension.since),
        ("missed 3 referrals", now)
    );

    let later = now + Duration::days(1);
    let again = store
        .suspend_agent("3001", "reviewed: still suspended", later)
        .await
        .unwrap();
    let suspension = again.suspension.unwrap();
    assert_eq!(suspension.reason, "reviewed: still suspended");
    assert_eq!(suspension.since, now, "the first date stays");

    let reinstated = store.reinstate_agent("3001", later).await.unwrap();
    assert_eq!(reinstated.suspension, None);
    assert_eq!(
        store
            .reinstate_agent("3001", later)
            .await
            .unwrap()
            .suspension,
        None
    );

    // The agent's app hears of each real change on its feed (AV-9): two suspensions and one
    // reinstatement; the reinstatement of an agent not suspended changes nothing.
    let feed = store.changes_after(reinstated.id, 0, 10).await.unwrap();
    let suspended_flags: Vec<bool> = feed
        .iter()
        .map(|change| match &change.event {
            ChangeEvent::ProfileChanged { profile } => profile.suspended.is_some(),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(suspended_flags, [true, true, false]);

    assert!(matches!(
        store.suspend_agent("9999", "x", now).await,
        Err(StoreError::NotFound { what: "agent" })
    ));
    assert!(matches!(
        store.reinstate_agent("9999", now).await,
        Err(StoreError::NotFound { .. })
    ));
}

async fn license_import_upserts_by_natural_key_and_needs_the_agent(backend: Backend) {
    let (_db, store) = fresh(backend).await;
    let now = start_of_test();
    let fay = store
        .create_agent(&agent("4001", "fay"), now)
        .await
        .unwrap();

    let mut florida = license("4001", "FL", "active");
    florida.expires = None;
    let rows = vec![license("4001", "TX", "active"), florida];
    assert_eq!(
        store.import_licenses(&rows, now).await.unwrap(),
        ImportSummary {
            created: 2,
            updated: 0,
            unchanged: 0
        }
    );
    assert_eq!(
        store.import_licenses(&rows, now).await.unwrap(),
        ImportSummary {
            created: 0,
            updated: 0,
            unchanged: 2
        }
    );
    let changed = vec![license("4001", "TX", "inactive")];
    assert_eq!(
        store.import_licenses(&changed, now).await.unwrap(),
        ImportSummary {
            created: 0,
            updated: 1,
            unchanged: 0
        }
    );

    let licenses = store.licenses(fay.id).await.unwrap();
    let seen: Vec<(&str, &str, Option<NaiveDate>)> = licenses
        .iter()
        .map(|l| (l.state.as_str(), l.status.as_str(), l.expires))
        .collect();
    assert_eq!(
        seen,
        vec![
            ("FL", "active", None),
            ("TX", "inactive", NaiveDate::from_ymd_opt(2027, 1, 31)),
        ]
    );
    assert!(licenses
        .iter()
        .all(|l| l.npn == "4001" && l.agent == fay.id));

    let orphan = vec![
        license("4001", "OH", "active"),
        license("4999", "OH", "active"),
    ];
    match store.import_licenses(&orphan, now).await {
        Err(StoreError::Row {
            index: 1,
            field: "npn",
            ..
        }) => {}
        other => panic!("expected a row error, got {other:?}"),
    }
    assert_eq!(
        store.licenses(fay.id).await.unwrap().len(),
        2,
        "nothing was written"
    );
}

async fn sessions_expire_and_can_be_revoked(backend: Backend) {
    let (_db, store) = fresh(backend).await;
    let now = start_of_test();
    let gus = store
        .create_agent(&agent("5001", "gus"), now)
        .await
        .unwrap();
    let token = TokenHash([7; 32]);
    let session = store
        .create_session(&NewSession {
            agent: gus.id,
            token,
            created_at: now,
            expires_at: now + Duration::hours(12),
        })
        .await
        .unwrap();
    assert_eq!(session.agent, gus.id);
    assert_eq!(session.revoked_at, None);

    let found = store
        .active_session(&token, now + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(found, Some(session.clone()));
    assert_eq!(
        store
            .active_session(&TokenHash([8; 32]), now)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .active_session(&token, now + Duration::hours(12))
            .await
            .unwrap(),
        None,
        "expired at expires_at"
    );

    assert!(store.revoke_session(&token, now).await.unwrap());
    assert!(
        !store.revoke_session(&token, now).await.unwrap(),
        "already revoked"
    );
    assert_eq!(store.active_session(&token, now).await.unwrap(), None);
}

async fn a_new_password_ends_every_session(backend: Backend) {
    let (_db, store) = fresh(backend).await;
    let now = start_of_test();
    let hal = store
        .create_agent(&agent("6001", "hal"), now)
        .await
        .unwrap();
    assert_eq!(store.password_hash(hal.id).await.unwrap(), None);
    for byte in [1u8, 2] {
        store
            .create_session(&NewSession {
                agent: hal.id,
                token: TokenHash([byte; 32]),
                created_at: now,
                expires_at: now + Duration::hours(1),
            })
            .await
            .unwrap();
    }
    store
        .set_password_hash(hal.id, "$argon2id$first", now)
        .await
        .unwrap();
    assert_eq!(
        store.password_hash(hal.id).await.unwrap().as_deref(),
        Some("$argon2id$first")
    );
    assert_eq!(
        store
            .active_session(&TokenHash([1; 32]), now)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .active_session(&TokenHash([2; 32]), now)
            .await
            .unwrap(),
        None
    );

    store
        .set_password_hash(hal.id, "$argon2id$second", now)
        .await
        .unwrap();
    assert_eq!(
        store.password_hash(hal.id).await.unwrap().as_deref(),
        Some("$argon2id$second")
    );
    assert!(matches!(
        store
            .set_password_hash(AgentId(hal.id.0 + 1000), "x", now)
            .await,
        Err(StoreError::NotFound { .. })
    ));

    store
        .create_session(&NewSession {
            agent: hal.id,
            token: TokenHash([3; 32]),
            created_at: now,
            expires_at: now + Duration::hours(1),
        })
        .await
        .unwrap();
    assert_eq!(store.revoke_agent_sessions(hal.id, now).await.unwrap(), 1);
}

async fn login_failures_count_in_fixed_windows(backend: Backend) {
    let (_db, store) = fresh(backend).await;
    let now = start_of_test();
    let window = std::time::Duration::from_secs(900);
    let subject = "account:ivy";
    assert_eq!(store.login_failures(subject).await.unwrap(), None);

    for (i, minutes) in [0, 1, 14].into_iter().enumerate() {
        let counted = store
            .record_login_failure(subject, now + Duration::minutes(minutes), window)
            .await
            .unwrap();
        assert_eq!(
            counted,
            FailureWindow {
                failures: i as u32 + 1,
                started_at: now
            }
        );
    }
    // Exactly one window later, the count starts over.
    let later = now + Duration::minutes(15);
    let restarted = store
        .record_login_failure(subject, later, window)
        .await
        .unwrap();
    assert_eq!(
        restarted,
        FailureWindow {
            failures: 1,
            started_at: later
        }
    );
    assert_eq!(
        store.login_failures(subject).await.unwrap(),
        Some(restarted)
    );

    store
        .record_login_failure("address:10.0.0.1", now, window)
        .await
        .unwrap();
    store.clear_login_failures(subject).await.unwrap();
    assert_eq!(store.login_failures(subject).await.unwrap(), None);
    assert!(
        store
            .login_failures("address:10.0.0.1")
            .await
            .unwrap()
            .is_some(),
        "others stay"
    );
}

async fn idempotency_keys_keep_the_first_response(backend: Backend) {
    let (_db, store) = fresh(backend).await;
    let now = start_of_test();
    let jo = store.create_agent(&agent("7001", "jo"), now).await.unwrap();
    let kim = store
        .create_agent(&agent("7002", "kim"), now)
        .await
        .unwrap();
    let first = StoredResponse {
        request_fingerprint: [1; 32],
        status: 201,
        body: r#"{"status":"accepted"}"#.to_owned(),
    };
    let second = StoredResponse {
        request_fingerprint: [1; 32],
        status: 409,
        body: "{}".to_owned(),
    };
    assert_eq!(
        store.idempotent_response(jo.id, "key-1").await.unwrap(),
        None
    );
    assert_eq!(
        store
            .remember_response(jo.id, "key-1", &first, now)
            .await
            .unwrap(),
        first
    );
    assert_eq!(
        store
            .remember_response(jo.id, "key-1", &second, now)
            .await
            .unwrap(),
        first
    );
    assert_eq!(
        store.idempotent_response(jo.id, "key-1").await.unwrap(),
        Some(first)
    );
    // Keys belong to one agent.
    assert_eq!(
        store.idempotent_response(kim.id, "key-1").await.unwrap(),
        None
    );
    assert_eq!(
        store
            .remember_response(kim.id, "key-1", &second, now)
            .await
            .unwrap(),
        second
    );
}

fn new_referral(
    key: Option<&str>,
    at: chrono::DateTime<chrono::Utc>,
) -> hod_server::store::NewReferral {
    hod_server::store::NewReferral {
        consumer_name: "Rosa Delgado".into(),
        phone: "5125550199".into(),
        email: None,
        notes: None,
        state: hod_domain::eligibility::StateCode::TX,
        city: "Austin".into(),
        zip: "78701".into(),
        language: Language::english(),
        plan_year: 2026,
        received_at: at,
        max_wait_until: at + Duration::hours(1),
        intake_key: key.map(str::to_owned),
    }
}

async fn referrals_offers_and_the_change_feed(backend: Backend) {
    use hod_domain::referral::OfferOutcome;
    use hod_domain::wire::v1::ReferralState;
    use hod_server::store::{Answer, ReferralError};
    let (_db, store) = fresh(backend).await;
    let now = start_of_test();
    let a = store
        .create_agent(&agent("1000001", "alice"), now)
        .await
        .unwrap();
    let b = store
        .create_agent(&agent("1000002", "bruno"), now)
        .await
        .unwrap();

    // Intake is idempotent on its key.
    let (first, created) = store
        .create_referral(&new_referral(Some("k1"), now), now)
        .await
        .unwrap();
    assert!(created);
    assert_eq!(first.lifecycle, ReferralState::Waiting);
    let (again, created) = store
        .create_referral(&new_referral(Some("k1"), now), now)
        .await
        .unwrap();
    assert_eq!((again.id, created), (first.id, false));
    let (other, _) = store
        .create_referral(&new_referral(None, now), now)
        .await
        .unwrap();
    assert_eq!(store.waiting_referrals(None, 10).await.unwrap().len(), 2);
    assert_eq!(
        store.next_due().await.unwrap(),
        Some(now),
        "retry due at intake"
    );

    // One pending offer per agent, never the same referral twice.
    let deadline = now + Duration::minutes(15);
    assert_eq!(
        store
            .make_offer(first.id, a.id, now, deadline, &NotificationPolicy::OFF)
            .await
            .unwrap(),
        Some(1)
    );
    assert_eq!(
        store
            .make_offer(other.id, a.id, now, deadline, &NotificationPolicy::OFF)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .make_offer(first.id, b.id, now, deadline, &NotificationPolicy::OFF)
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.waiting_count().await.unwrap(), 1);
    let feed = store.changes_after(a.id, 0, 10).await.unwrap();
    assert_eq!(feed.len(), 1);
    match &feed[0].event {
        ChangeEvent::OfferMade { referral } => assert!(referral.contact.is_none()),
        other => panic!("{other:?}"),
    }

    // The deadline belongs to the expiry.
    let late = store
        .answer_offer(a.id, first.id, &Answer::Accept, deadline)
        .await;
    assert!(
        matches!(late, Err(ReferralError::WindowClosed { .. })),
        "{late:?}"
    );
    assert!(store
        .expire_due_offers(deadline - Duration::milliseconds(1), 10, &misses(3))
        .await
        .unwrap()
        .is_empty());
    let expired = store
        .expire_due_offers(deadline, 10, &misses(1))
        .await
        .unwrap();
    assert_eq!(expired.len(), 1);
    assert_eq!(
        (expired[0].agent, expired[0].seq, expired[0].suspension_seq),
        (a.id, 3, Some(3))
    );
    // The miss and the suspension's ProfileChanged are one commit (AV-9).
    let feed = store.changes_after(a.id, 1, 10).await.unwrap();
    match feed.iter().map(|c| (c.seq, &c.event)).collect::<Vec<_>>()[..] {
        [(2, ChangeEvent::OfferResolved { outcome, .. }), (3, ChangeEvent::ProfileChanged { profile })] =>
        {
            assert_eq!(*outcome, OfferOutcome::Missed);
            assert!(profile.suspended.as_ref().unwrap().reason.contains("AV-9"));
        }
        _ => panic!("{feed:?}"),
    }
    assert!(
        store
            .expire_due_offers(deadline, 10, &misses(1))
            .await
            .unwrap()
            .is_empty(),
        "once"
    );
    assert!(
        store
            .agent(a.id)
            .await
            .unwrap()
            .unwrap()
            .suspension
            .is_some(),
        "AV-9"
    );
    assert_eq!(
        store.missed_offer_deadlines(a.id, now).await.unwrap(),
        vec![deadline]
    );

    // B accepts in time and sees the contact; A's row stays without it.
    store
        .make_offer(
            first.id,
            b.id,
            deadline,
            deadline + Duration::minutes(15),
            &NotificationPolicy::OFF,
        )
        .await
        .unwrap();
    let answered = store
        .answer_offer(
            b.id,
            first.id,
            &Answer::Accept,
            deadline + Duration::minutes(1),
        )
        .await
        .unwrap();
    assert_eq!(answered.outcome, OfferOutcome::Accepted);
    assert_eq!(answered.referral.contact.unwrap().name, "Rosa Delgado");
    let missed = store.agent_referral(a.id, first.id).await.unwrap().unwrap();
    assert_eq!(
        (missed.outcome, missed.contact),
        (Some(OfferOutcome::Missed), None)
    );
    let b_feed = store.changes_after(b.id, 0, 10).await.unwrap();
    assert_eq!(
        b_feed.iter().map(|c| c.seq).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );

    // The maximum wait closes what nobody took.
    let closed = store
        .close_overdue_referrals(now + Duration::hours(1), 10)
        .await
        .unwrap();
    assert_eq!(closed, vec![other.id]);
    assert_eq!(
        store.referral(other.id).await.unwrap().unwrap().lifecycle,
        ReferralState::Unassigned
    );
}

/// The dispatcher writes a page of offers at once (`make_offers`): each is made exactly as
/// `make_offer` would make it, and the ones that may not be made are left out, not failed.
async fn a_page_of_offers_is_written_together(backend: Backend) {
    use hod_domain::wire::v1::ReferralState;
    use hod_server::notify::NotificationFilter;
    let (_db, store) = fresh(backend).await;
    let now = start_of_test();
    let mut agents = Vec::new();
    for (npn, name) in [
        ("2000001", "alma"),
        ("2000002", "beto"),
        ("2000003", "cora"),
        ("2000004", "dario"),
        ("2000005", "eva"),
    ] {
        agents.push(store.create_agent(&agent(npn, name), now).await.unwrap().id);
    }
    let [alma, beto, cora, dario, eva] = agents[..] else {
        unreachable!()
    };
    store
        .suspend_agent("2000003", "AV-9: three consecutive misses", now)
        .await
        .unwrap();
    let mut referrals = Vec::new();
    for _ in 0..5 {
        referrals.push(
            store
                .create_referral(&new_referral(None, now), now)
                .await
                .unwrap()
                .0
                .id,
        );
    }
    let [r0, r1, r2, r3, r4] = referrals[..] else {
        unreachable!()
    };
    let deadline = now + Duration::minutes(15);
    let email = NotificationPolicy {
        email: true,
        text: false,
        reminder_before: None,
    };
    // Dario already holds r0.
    assert_eq!(
        store
            .make_offer(r0, dario, now, deadline, &NotificationPolicy::OFF)
            .await
            .unwrap(),
        Some(1)
    );

    let written = store
        .make_offers(
            &[
                (r1, alma),  // made
                (r2, cora),  // suspended (AV-9): not made
                (r0, beto),  // r0 is no longer waiting: not made
                (r3, dario), // Dario holds a pending offer: not made
                (r4, eva),   // made
            ],
            now,
            deadline,
            &email,
        )
        .await;
    assert!(written.failure.is_none(), "{:?}", written.failure);
    assert_eq!(written.made, vec![Some(1), None, None, None, Some(1)]);

    // The offers, their feeds and their messages committed; the rest is still waiting.
    for (referral, holder) in [(r1, alma), (r4, eva)] {
        assert_eq!(
            store.referral(referral).await.unwrap().unwrap().lifecycle,
            ReferralState::Offered
        );
        let feed = store.changes_after(holder, 0, 10).await.unwrap();
        match &feed[..] {
            [change] => match &change.event {
                ChangeEvent::OfferMade { referral: view } => {
                    assert_eq!(view.id, referral);
                    assert!(view.contact.is_none(), "no contact before accepting (MR-4)");
                }
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        }
    }
    for referral in [r2, r3] {
        assert_eq!(
            store.referral(referral).await.unwrap().unwrap().lifecycle,
            ReferralState::Waiting
        );
    }
    for left_out in [beto, cora] {
        let feed = store.changes_after(left_out, 0, 10).await.unwrap();
        assert!(
            !feed
                .iter()
                .any(|c| matches!(c.event, ChangeEvent::OfferMade { .. })),
            "{feed:?}"
        );
    }
    let mut queued: Vec<_> = store
        .notifications(NotificationFilter::All, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|row| (row.referral, row.agent))
        .collect();
    queued.sort();
    assert_eq!(
        queued,
        vec![(r1, alma), (r4, eva)],
        "one e-mail per offer made"
    );

    // An empty page writes nothing.
    let empty = store.make_offers(&[], now, deadline, &email).await;
    assert!(empty.made.is_empty() && empty.failure.is_none());
}
