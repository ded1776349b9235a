//! `hod-server bench` (issue 7): the load tool's logic, in process, with tiny numbers.

use crate::support::{Backend, TestServer, INTAKE_KEY};
use hod_server::bench::stats::Percentiles;
use hod_server::bench::{
    seed, Bench, BenchOptions, BenchRate, Mix, RunContext, Scenario, SeedPlan,
};
use hod_server::clock::Clock;
use hod_server::store::DatabaseUrl;
use std::time::Duration;

crate::on_both_backends!(
    bench_routes_every_referral_and_answers_by_the_mix,
    bench_refuses_a_database_with_other_agents
);

fn ordered(p: &Percentiles, what: &str) {
    assert!(p.count > 0, "{what}: no samples");
    assert!(
        0.0 <= p.p50_ms && p.p50_ms <= p.p95_ms && p.p95_ms <= p.p99_ms && p.p99_ms <= p.max_ms,
        "{what}: {p:?}"
    );
}

async fn bench_routes_every_referral_and_answers_by_the_mix(backend: Backend) {
    let server = TestServer::start(backend).await;
    let now = server.clock.now();
    let database: DatabaseUrl = server.database().parse().unwrap();
    let sockets = 8;
    let seeded = seed::seed(
        &database,
        &SeedPlan {
            agents: 20,
            available: sockets,
            logins: (0..sockets).collect(),
            states_per_agent: None,
            force: false,
            now,
        },
    )
    .await
    .unwrap();
    assert_eq!((seeded.created, seeded.reused), (20, 0));
    assert_eq!(seeded.logins.len(), sockets);

    let referrals = 12;
    let options = BenchOptions {
        scenario: Scenario::Load,
        servers: vec![server.base.parse().unwrap()],
        intake_key: INTAKE_KEY.to_owned(),
        referrals,
        rate: BenchRate::Max,
        concurrency: 4,
        mix: Mix {
            accept: 50,
            reject: 30,
            expire: 20,
        },
        think: Duration::ZERO,
        wait: Duration::from_secs(20),
        seed: 7,
        today: now.date_naive(),
        states: seeded.states.clone(),
        key_prefix: "bench-test-".to_owned(),
    };
    let mut bench = Bench::connect(options, seeded.logins.clone())
        .await
        .unwrap();
    tokio::time::timeout(Duration::from_secs(20), bench.submit())
        .await
        .expect("submitted in time")
        .unwrap();
    assert!(
        bench.answered(Duration::from_secs(20)).await,
        "every offer answered by the mix"
    );
    // The offers left to expire: past their deadline on the server's clock, then one pass
    // (which also offers those referrals again; the bench accepts a second offer).
    server.clock.advance(chrono::Duration::minutes(16));
    server.tick().await;
    let report = tokio::time::timeout(
        Duration::from_secs(30),
        bench.finish(RunContext {
            backend: "test".into(),
            agents: 20,
            available: sockets,
            ..RunContext::default()
        }),
    )
    .await
    .expect("finished in time")
    .unwrap();
    let text = report.render();

    assert_eq!(report.submitted, referrals, "{text}");
    assert_eq!(report.intake_failures, 0, "{text}");
    assert_eq!(report.sockets, sockets);
    // Every referral was offered (to a socket), and ended accepted.
    assert_eq!(report.first_offers, referrals, "{text}");
    let planned = report.planned;
    assert_eq!(planned.accept + planned.reject + planned.expire, referrals);
    // The seed gives every kind of answer, so each path is exercised.
    assert!(
        planned.accept > 0 && planned.reject > 0 && planned.expire > 0,
        "{text}"
    );
    assert_eq!(report.accepted, referrals, "{text}");
    assert_eq!(report.rejected, planned.reject, "{text}");
    assert_eq!(report.missed_first, planned.expire, "{text}");
    assert_eq!(report.re_offers, planned.reject + planned.expire, "{text}");
    assert_eq!(report.unresolved, 0, "{text}");
    assert_eq!(report.answer_errors + report.socket_errors, 0, "{text}");
    assert!(report.offered_per_second > 0.0, "{text}");
    ordered(&report.intake_to_offer, "intake -> offer");
    ordered(&report.intake_round_trip, "intake round trip");
    ordered(&report.accept_round_trip, "accept round trip");
    assert_eq!(report.accept_round_trip.count, referrals);
    assert!(text.contains("referrals offered/s"), "{text}");
    // Counts and times only: no consumer's name, telephone or e-mail.
    let json = serde_json::to_string(&report).unwrap();
    assert!(
        !json.contains("555-01") && !json.contains("@example.org"),
        "{json}"
    );

    // A second run reuses the bench agents (and removes the first run's referrals).
    let again = seed::seed(
        &database,
        &SeedPlan {
            agents: 20,
            available: sockets,
            logins: vec![0],
            states_per_agent: Some(3),
            force: false,
            now: server.clock.now(),
        },
    )
    .await
    .unwrap();
    assert_eq!((again.created, again.reused), (0, 20));
}

async fn bench_refuses_a_database_with_other_agents(backend: Backend) {
    let server = TestServer::start(backend).await;
    server.provision("ana", "17439876").await;
    let database: DatabaseUrl = server.database().parse().unwrap();
    let plan = SeedPlan {
        agents: 3,
        available: 3,
        logins: vec![0],
        states_per_agent: Some(3),
        force: false,
        now: server.clock.now(),
    };
    let error = seed::seed(&database, &plan).await.unwrap_err().to_string();
    assert!(error.contains("--force"), "{error}");
    let forced = seed::seed(
        &database,
        &SeedPlan {
            force: true,
            ..plan
        },
    )
    .await
    .unwrap();
    assert_eq!(forced.created, 3);
}
