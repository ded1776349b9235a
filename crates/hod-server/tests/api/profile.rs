//! The Profile screen over real HTTP: `GET /v1/profile` has everything the screen shows,
//! and `PATCH /v1/profile` saves only what the program's rules allow.

use crate::routing_support::TestAgent;
use crate::support::{Backend, TestServer};
use chrono::{NaiveDate, TimeZone, Utc};
use hod_server::store::NewLicense;
use serde_json::{json, Value};

crate::on_both_backends!(
    rule_st_1_the_profile_has_what_the_profile_screen_shows,
    rule_st_1_eligible_states_follow_the_plan_year_being_shopped,
    rule_st_3_a_state_the_agent_is_not_eligible_for_is_refused,
    rule_cp_1_preferences_and_languages_are_validated_and_saved,
);

fn license(npn: &str, state: &str, line: &str, status: &str, expires: Option<&str>) -> NewLicense {
    NewLicense {
        npn: npn.to_owned(),
        state: state.to_owned(),
        line_of_authority: line.to_owned(),
        status: status.to_owned(),
        effective: NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
        expires: expires.map(|d| d.parse().unwrap()),
    }
}

/// An agent licensed (health, active) in TX and FL, plus licenses that make no state
/// eligible: CA (not on HealthCare.gov), OH (a life-only line), UT (expired), AL (inactive).
async fn agent_with_mixed_licenses(server: &TestServer) -> TestAgent {
    let agent = server.agent("ana", "1000001", &["en", "es"], &[]).await;
    let rows = [
        license("1000001", "TX", "Accident & Health", "active", None),
        license("1000001", "FL", "Health", "active", Some("2027-12-31")),
        license("1000001", "CA", "Accident & Health", "active", None),
        license("1000001", "OH", "Life", "active", None),
        license("1000001", "UT", "Health", "expired", Some("2025-06-30")),
        license("1000001", "AL", "Health", "inactive", None),
    ];
    server
        .store
        .import_licenses(&rows, server.now())
        .await
        .unwrap();
    agent
}

async fn profile(server: &TestServer, agent: &TestAgent) -> Value {
    let (status, body) = server.get_as(agent, "/v1/profile").await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn patch(server: &TestServer, agent: &TestAgent, body: Value) -> (u16, Value) {
    server
        .send_as(agent, "PATCH", "/v1/profile", Some(body), None)
        .await
}

async fn rule_st_1_the_profile_has_what_the_profile_screen_shows(backend: Backend) {
    let server = TestServer::start(backend).await;
    let ana = agent_with_mixed_licenses(&server).await;
    let body = profile(&server, &ana).await;
    assert_eq!(body["npn"], "1000001");
    assert_eq!(body["mlms_email"], "ana@example.com", "CP-3");
    assert_eq!(body["preferred_contact_method"], "email_text_app", "CP-2");
    assert!(body["contact_method_warning"].is_null());
    assert_eq!(body["languages"], json!(["en", "es"]));
    // Licenses, read-only: every imported row, eligible or not.
    let states: Vec<&str> = body["licenses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["AL", "CA", "FL", "OH", "TX", "UT"]);
    assert_eq!(
        body["licenses"][4]["line_of_authority"],
        "Accident & Health"
    );
    assert_eq!(body["licenses"][4]["status"], "active");
    // Eligible today: HealthCare.gov states with an active health license (ST-1).
    assert_eq!(body["eligible_states"], json!(["FL", "TX"]));
    // Nothing saved yet: every eligible state is selected (ST-2).
    assert_eq!(body["state_preferences"], "all_eligible");
    assert!(body["suspended"].is_null());

    // The login response carries the same profile.
    let login: Value = server
        .login("ana", crate::support::PASSWORD)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(login["profile"], body);

    // A suspension shows with its reason and date (AV-9).
    server
        .store
        .suspend_agent("1000001", "missed 3 referrals in a row", server.now())
        .await
        .unwrap();
    let body = profile(&server, &ana).await;
    assert_eq!(body["suspended"]["reason"], "missed 3 referrals in a row");
    assert_eq!(
        body["suspended"]["since"]
            .as_str()
            .unwrap()
            .parse::<chrono::DateTime<Utc>>()
            .unwrap(),
        server.now()
    );
    server.stop().await;
}

async fn rule_st_1_eligible_states_follow_the_plan_year_being_shopped(backend: Backend) {
    let server = TestServer::start_with(backend, |s| {
        s.session_ttl = std::time::Duration::from_secs(365 * 24 * 3600);
    })
    .await;
    let ana = server
        .agent("ana", "1000001", &["en"], &["OR", "OK", "TX"])
        .await;
    // January 2026: plan year 2026, when Oregon is on HealthCare.gov.
    assert_eq!(
        profile(&server, &ana).await["eligible_states"],
        json!(["OK", "OR", "TX"])
    );
    // From November 1, 2026 consumers shop plan year 2027: Oregon runs its own exchange.
    server.clock.set(
        Utc.with_ymd_and_hms(2026, 11, 5, 15, 0, 0)
            .single()
            .unwrap(),
    );
    let body = profile(&server, &ana).await;
    assert_eq!(body["eligible_states"], json!(["OK", "TX"]));
    let (status, refused) = patch(&server, &ana, json!({"state_preferences": ["OR"]})).await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["field"], "state_preferences[0]");
    assert_eq!(refused["rule"], "ST-3");
    server.stop().await;
}

async fn rule_st_3_a_state_the_agent_is_not_eligible_for_is_refused(backend: Backend) {
    let server = TestServer::start(backend).await;
    let ana = agent_with_mixed_licenses(&server).await;
    let (_, feed_before) = server.get_as(&ana, "/v1/changes?after=0").await;

    // Licensed in CA, but CA is not on HealthCare.gov; OH holds no health line; ZZ is no
    // state. Every problem is listed, each with its field and rule.
    let (status, body) = patch(
        &server,
        &ana,
        json!({"state_preferences": ["TX", "CA", "zz", "OH"]}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["code"], "state_not_eligible");
    assert_eq!(body["field"], "state_preferences[1]");
    assert_eq!(body["rule"], "ST-3");
    assert!(
        body["message"].as_str().unwrap().contains("California"),
        "{body}"
    );
    let errors: Vec<(&str, &str, &str)> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap(),
                e["rule"].as_str().unwrap(),
                e["code"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        errors,
        [
            ("state_preferences[1]", "ST-3", "state_not_eligible"),
            ("state_preferences[2]", "ST-1", "unknown_state"),
            ("state_preferences[3]", "ST-3", "state_not_eligible"),
        ]
    );
    // Nothing was saved, and the feed did not move.
    assert_eq!(
        profile(&server, &ana).await["state_preferences"],
        "all_eligible"
    );
    let (_, feed_after) = server.get_as(&ana, "/v1/changes?after=0").await;
    assert_eq!(feed_after, feed_before);

    // Deselecting a state the agent is eligible in is allowed (ST-2, ST-3).
    let (status, saved) = patch(&server, &ana, json!({"state_preferences": ["tx"]})).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["state_preferences"], json!({"selected": ["TX"]}));
    assert_eq!(saved["eligible_states"], json!(["FL", "TX"]));
    assert_eq!(profile(&server, &ana).await, saved);
    // The change feed carries the profile as saved.
    let (_, feed) = server.get_as(&ana, "/v1/changes?after=0").await;
    let last = feed["changes"].as_array().unwrap().last().unwrap();
    assert_eq!(last["event"]["type"], "profile_changed");
    assert_eq!(last["event"]["profile"], saved);
    server.stop().await;
}

async fn rule_cp_1_preferences_and_languages_are_validated_and_saved(backend: Backend) {
    let server = TestServer::start(backend).await;
    let ana = agent_with_mixed_licenses(&server).await;
    let (status, body) = patch(
        &server,
        &ana,
        json!({"preferred_contact_method": "carrier_pigeon", "languages": []}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["field"], "preferred_contact_method");
    assert_eq!(body["rule"], "CP-1");
    assert_eq!(body["errors"][1]["field"], "languages");
    let (status, body) = patch(&server, &ana, json!({"languages": ["en", "e5"]})).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["field"], "languages[1]");
    let (status, body) = patch(&server, &ana, json!({"mlms_email": "me@example.com"})).await;
    assert_eq!(status, 400, "the MLMS e-mail is read-only (CP-3): {body}");

    // Email Only is allowed, with the warning (CP-2).
    let (status, body) = patch(
        &server,
        &ana,
        json!({"preferred_contact_method": "email_only", "languages": ["ES", "en", "es"]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["preferred_contact_method"], "email_only");
    assert_eq!(body["contact_method_warning"], "email_only_may_delay");
    assert_eq!(body["languages"], json!(["es", "en"]));
    assert_eq!(body["mlms_email"], "ana@example.com");
    assert_eq!(profile(&server, &ana).await, body);
    server.stop().await;
}
