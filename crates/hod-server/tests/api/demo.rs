//! `seed-demo`: demo agents whose printed logins work, and a re-run that changes nothing.

use crate::cli::{assert_ok, hod};
use crate::support::{Backend, TestDb, TestServer};
use chrono::Utc;
use hod_domain::eligibility::HealthCareGovStates;
use serde_json::Value;

crate::on_both_backends!(seed_demo_prints_working_logins_and_is_idempotent);

/// `(username, password)` from the table `seed-demo` prints.
fn logins(report: &str) -> Vec<(String, String)> {
    report
        .lines()
        .skip_while(|line| !line.trim_start().starts_with("username"))
        .skip(1)
        .filter(|line| !line.trim_start().starts_with("note:"))
        .map(|line| {
            let mut words = line.split_whitespace();
            let user = words.next().unwrap().to_owned();
            let password = words.next().unwrap().to_owned();
            (user, password)
        })
        .collect()
}

async fn seed_demo_prints_working_logins_and_is_idempotent(backend: Backend) {
    let db = TestDb::new(backend).await;
    let url = db.url().to_owned();

    let first = assert_ok(&hod(&url, &["seed-demo"], None));
    assert!(
        first.contains("agents: 4 created, 0 updated, 0 unchanged"),
        "{first}"
    );
    assert!(
        first.contains("4 passwords set; 4 schedules set"),
        "{first}"
    );
    let printed = logins(&first);
    assert_eq!(printed.len(), 4, "{first}");

    let again = assert_ok(&hod(&url, &["seed-demo"], None));
    assert!(
        again.contains("agents: 0 created, 0 updated, 4 unchanged"),
        "{again}"
    );
    assert!(again.contains("licenses: 0 created, 0 updated"), "{again}");
    assert!(
        again.contains("0 passwords set; 0 schedules set"),
        "{again}"
    );
    assert_eq!(logins(&again), printed, "the same logins");

    let server = TestServer::start_on(db, |_| {}).await;
    let mut languages = Vec::new();
    for (username, password) in &printed {
        let response = server.login(username, password).await;
        assert_eq!(response.status(), 200, "login as {username}");
        let body: Value = response.json().await.unwrap();
        languages.push(body["profile"]["languages"].clone());
        let agent = server
            .store
            .agent_by_username(username)
            .await
            .unwrap()
            .unwrap();
        let availability = server.store.availability(agent.id).await.unwrap().unwrap();
        assert!(
            availability.weekly.monday.enabled,
            "{username} works on Mondays"
        );
        if username == "ana" {
            // Around the clock, so the demo works at any hour.
            assert!(availability.weekly.sunday.enabled);
            assert_eq!(availability.weekly.sunday.end.to_string(), "24:00");
        }
        let licenses = server.store.licenses(agent.id).await.unwrap();
        assert!(!licenses.is_empty(), "{username} has licenses");
        // The seed ran on the real date: only that plan year's HealthCare.gov states.
        let on_platform = HealthCareGovStates::shopped_on(Utc::now().date_naive()).unwrap();
        for license in licenses {
            assert!(
                on_platform.contains(license.state.parse().unwrap()),
                "{}",
                license.state
            );
            assert_eq!(license.status, "active");
        }
    }
    assert!(
        languages.iter().any(|l| l.as_array().unwrap().len() == 2),
        "a bilingual agent"
    );
    assert!(
        languages.iter().any(|l| l == &serde_json::json!(["en"])),
        "an English-only agent"
    );
    server.stop().await;
}
