//! `/v1/openapi.json` stays true: every route in the source is documented, every documented
//! operation is served, and what the server and the wire types produce matches the schemas.
//!
//! An operation being built elsewhere may be documented ahead of its handler, marked
//! `"x-hod-planned": true`; it must then *not* be served yet, so the marker cannot outlive
//! the route's arrival.

use crate::support::{error_code, Backend, TestServer, ADMIN_KEY, INTAKE_KEY, PASSWORD};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::Path;

crate::on_both_backends!(
    every_documented_operation_is_served,
    responses_match_their_schemas,
);

/// Every route `app()` serves. Adding a route means adding it here, to the document and to
/// the source; the tests below fail until all three agree.
const ROUTES: &[(&str, &str)] = &[
    ("GET", "/healthz"),
    ("GET", "/metrics"),
    ("GET", "/v1/openapi.json"),
    ("POST", "/v1/auth/login"),
    ("POST", "/v1/auth/logout"),
    ("GET", "/v1/profile"),
    ("PATCH", "/v1/profile"),
    ("POST", "/v1/admin/agents"),
    ("POST", "/v1/intake/referrals"),
    ("GET", "/v1/intake/referrals/{id}"),
    ("GET", "/v1/availability"),
    ("PUT", "/v1/availability/schedule"),
    ("POST", "/v1/availability/today"),
    ("PUT", "/v1/availability/out-of-office"),
    ("DELETE", "/v1/availability/out-of-office"),
    ("GET", "/v1/referrals"),
    ("GET", "/v1/referrals/{id}"),
    ("POST", "/v1/referrals/{id}/accept"),
    ("POST", "/v1/referrals/{id}/reject"),
    ("POST", "/v1/referrals/{id}/status"),
    ("POST", "/v1/referrals/{id}/contact-attempts"),
    ("GET", "/v1/missed-alert"),
    ("GET", "/v1/changes"),
    ("GET", "/v1/events"),
];

const METHODS: &[&str] = &["get", "post", "put", "patch", "delete"];

fn document() -> Value {
    serde_json::from_str(hod_server::http::OPENAPI_JSON).expect("the document is JSON")
}

fn listed() -> BTreeSet<(String, String)> {
    ROUTES
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect()
}

fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    operations(doc, |_| true)
}

/// Documented operations marked `x-hod-planned`: described, not served yet.
fn planned(doc: &Value) -> BTreeSet<(String, String)> {
    operations(doc, |operation| operation["x-hod-planned"] == true)
}

fn operations(doc: &Value, keep: impl Fn(&Value) -> bool) -> BTreeSet<(String, String)> {
    let mut operations = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            assert!(METHODS.contains(&method.as_str()), "{method} {path}");
            if keep(operation) {
                operations.insert((method.to_ascii_uppercase(), path.clone()));
            }
        }
    }
    operations
}

/// `(METHOD, path)` of every `.route("path", get(..).post(..))` under `src/http/`.
fn routes_in_source() -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/http");
    let mut files = vec![dir];
    while let Some(path) = files.pop() {
        if path.is_dir() {
            for entry in std::fs::read_dir(&path).unwrap() {
                files.push(entry.unwrap().path());
            }
            continue;
        }
        if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(
                !text.contains(".nest("),
                "{}: nested routers are not scanned; list their routes flat",
                path.display()
            );
            scan_routes(&text, &mut found);
        }
    }
    found
}

fn scan_routes(text: &str, found: &mut BTreeSet<(String, String)>) {
    let mut rest = text;
    while let Some(at) = rest.find(".route(") {
        rest = &rest[at + ".route(".len()..];
        let Some(open) = rest.trim_start().strip_prefix('"') else {
            continue;
        };
        let close = open.find('"').unwrap();
        let path = &open[..close];
        // The method router: everything up to the parenthesis that closes `.route(`.
        let mut depth = 1;
        let mut word = String::new();
        for c in open[close + 1..].chars() {
            match c {
                '(' => {
                    if depth == 1 && METHODS.contains(&word.as_str()) {
                        found.insert((word.to_ascii_uppercase(), path.to_owned()));
                    }
                    depth += 1;
                }
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
            if c.is_ascii_alphanumeric() || c == '_' {
                word.push(c);
            } else {
                word.clear();
            }
        }
    }
}

#[test]
fn the_document_is_openapi_3_1_and_every_reference_resolves() {
    let doc = document();
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());
    let mut ids = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let id = operation["operationId"].as_str().expect("operationId");
            assert!(ids.insert(id.to_owned()), "operationId {id} twice");
            assert!(
                !operation["responses"].as_object().unwrap().is_empty(),
                "{method} {path} has responses"
            );
            for segment in path.split('/').filter(|s| s.starts_with('{')) {
                let name = segment.trim_matches(['{', '}']);
                let declared = operation["parameters"]
                    .as_array()
                    .is_some_and(|ps| ps.iter().any(|p| p["in"] == "path" && p["name"] == name));
                assert!(declared, "{method} {path} declares path parameter {name}");
            }
        }
    }
    let text = hod_server::http::OPENAPI_JSON;
    let mut rest = text;
    while let Some(at) = rest.find("\"$ref\": \"") {
        rest = &rest[at + 9..];
        let target = &rest[..rest.find('"').unwrap()];
        let name = target
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("{target} is not a component schema"));
        assert!(doc["components"]["schemas"][name].is_object(), "{target}");
    }
}

#[test]
fn every_route_in_the_source_is_documented_and_listed() {
    let doc = document();
    let source = routes_in_source();
    let expected: BTreeSet<_> = listed().difference(&planned(&doc)).cloned().collect();
    assert_eq!(
        source, expected,
        "routes in src/http (left) vs ROUTES in this test less the x-hod-planned operations \
         (right): a route that arrived must lose its x-hod-planned marker"
    );
    assert_eq!(
        documented(&doc),
        listed(),
        "operations in openapi/v1.json (left) vs ROUTES in this test (right)"
    );
}

/// Probes each documented operation without credentials: it must reach a handler, never
/// the router's fallback (404 `route`) or a 405 — and an `x-hod-planned` one must not.
async fn every_documented_operation_is_served(backend: Backend) {
    let server = TestServer::start(backend).await;
    let served = server
        .http
        .get(server.url("/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(served.headers()["content-type"], "application/json");
    let doc: Value = served.json().await.unwrap();
    assert_eq!(doc, document());

    let planned = planned(&doc);
    let mut missing = Vec::new();
    for (method, path) in documented(&doc) {
        let is_planned = planned.contains(&(method.clone(), path.clone()));
        let concrete = path.replace("{id}", "1");
        let method: reqwest::Method = method.parse().unwrap();
        let response = server
            .http
            .request(method.clone(), server.url(&concrete))
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        let unserved = status == 405 || (status == 404 && body["message"] == "route not found");
        if unserved != is_planned {
            missing.push(format!("{method} {path} → {status}, planned: {is_planned}"));
        }
    }
    assert!(
        missing.is_empty(),
        "documented but not served, or served but still marked x-hod-planned:\n{}",
        missing.join("\n")
    );
    server.stop().await;
}

async fn responses_match_their_schemas(backend: Backend) {
    let doc = document();
    let server = TestServer::start(backend).await;
    let provisioned = server.provision("ana", "1001").await;
    check(&doc, "Profile", &provisioned);
    let login = server.login("ana", PASSWORD).await;
    assert_eq!(login.status(), 200);
    let login: Value = login.json().await.unwrap();
    check(&doc, "LoginResponse", &login);
    let token = login["token"].as_str().unwrap();
    let profile: Value = server.profile(token).await.json().await.unwrap();
    check(&doc, "Profile", &profile);

    let unauthorized = server.profile("nope").await;
    assert_eq!(unauthorized.status(), 401);
    check(&doc, "Error", &unauthorized.json().await.unwrap());
    let invalid = server
        .http
        .post(server.url("/v1/admin/agents"))
        .header("x-api-key", ADMIN_KEY)
        .json(
            &json!({"npn": "x", "name": "", "username": "b", "mlms_email": "b",
                      "mobile_phone": "1", "languages": ["en"], "password": "short"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(invalid.status(), 422);
    check(&doc, "Error", &invalid.json().await.unwrap());
    let taken = server
        .http
        .post(server.url("/v1/admin/agents"))
        .header("x-api-key", ADMIN_KEY)
        .json(&crate::support::agent_body("ana", "1001"))
        .send()
        .await
        .unwrap();
    assert_eq!(taken.status(), 409);
    check(&doc, "Error", &taken.json().await.unwrap());
    let unknown = server
        .http
        .get(server.url("/v1/nothing"))
        .send()
        .await
        .unwrap();
    check(&doc, "Error", &unknown.json().await.unwrap());
    let health = server
        .http
        .get(server.url("/healthz"))
        .send()
        .await
        .unwrap();
    check(&doc, "Health", &health.json().await.unwrap());
    agent_flow_matches_the_schemas(&doc, &server, token).await;

    let logout = server
        .http
        .post(server.url("/v1/auth/logout"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), 204);
    let again = server.profile(token).await;
    assert_eq!(error_code(again).await, "unauthorized");
    server.stop().await;
}

/// A referral from intake to contact attempts, every response checked against the
/// document: what the document promises is what the agent's app will get.
async fn agent_flow_matches_the_schemas(doc: &Value, server: &TestServer, token: &str) {
    use hod_server::clock::Clock;
    let now = server.clock.now();
    let licence = hod_server::store::NewLicense {
        npn: "1001".into(),
        state: "TX".into(),
        line_of_authority: "Accident & Health".into(),
        status: "active".into(),
        effective: chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
        expires: None,
    };
    server.store.import_licenses(&[licence], now).await.unwrap();

    let call = |method: reqwest::Method, path: &str, body: Option<Value>| {
        let request = server
            .http
            .request(method, server.url(path))
            .bearer_auth(token);
        let request = match body {
            Some(body) => request.json(&body),
            None => request,
        };
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let body = if status == 204 {
                Value::Null
            } else {
                response.json::<Value>().await.unwrap()
            };
            (status, body)
        }
    };
    use reqwest::Method;

    let (status, body) = call(Method::GET, "/v1/availability", None).await;
    assert_eq!(status, 200, "{body}");
    check(doc, "Availability", &body);
    let weekly = body["settings"]["weekly"].clone();
    let schedule = json!({"time_zone": "America/Chicago", "weekly": weekly});
    check(doc, "ScheduleRequest", &schedule);
    let (status, body) = call(Method::PUT, "/v1/availability/schedule", Some(schedule)).await;
    assert_eq!(status, 200, "{body}");
    check(doc, "Availability", &body);
    let (status, body) = call(
        Method::POST,
        "/v1/availability/today",
        Some(json!({"on": false})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    check(doc, "Availability", &body);
    let (status, body) = call(
        Method::POST,
        "/v1/availability/today",
        Some(json!({"on": true})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    check(doc, "Availability", &body);
    let away = json!({"from": now + chrono::Duration::days(30)});
    let (status, body) = call(Method::PUT, "/v1/availability/out-of-office", Some(away)).await;
    assert_eq!(status, 200, "{body}");
    check(doc, "Availability", &body);
    let (status, body) = call(Method::DELETE, "/v1/availability/out-of-office", None).await;
    assert_eq!(status, 200, "{body}");
    check(doc, "Availability", &body);

    let update = json!({"preferred_contact_method": "email_text", "languages": ["en", "es"]});
    check(doc, "ProfileUpdate", &update);
    let (status, body) = call(Method::PATCH, "/v1/profile", Some(update)).await;
    assert_eq!(status, 200, "{body}");
    check(doc, "Profile", &body);

    let intake = json!({
        "consumer_name": "Mary Smith", "phone": "(512) 555-0142", "email": "mary@example.org",
        "state": "TX", "city": "Austin", "zip": "78701", "preferred_language": "en",
    });
    check(doc, "IntakeReferral", &intake);
    let submitted = server
        .http
        .post(server.url("/v1/intake/referrals"))
        .header("x-api-key", INTAKE_KEY)
        .header("idempotency-key", "openapi-test-1")
        .json(&intake)
        .send()
        .await
        .unwrap();
    assert_eq!(submitted.status(), 201);
    let receipt: Value = submitted.json().await.unwrap();
    check(doc, "IntakeReceipt", &receipt);
    let id = receipt["id"].as_i64().unwrap();
    let read = server
        .http
        .get(server.url(&format!("/v1/intake/referrals/{id}")))
        .header("x-api-key", INTAKE_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), 200);
    check(doc, "IntakeReceipt", &read.json().await.unwrap());

    let (status, page) = call(Method::GET, "/v1/referrals?limit=10", None).await;
    assert_eq!(status, 200, "{page}");
    check(doc, "ReferralPage", &page);
    assert_eq!(
        page["referrals"][0]["id"], id,
        "offered to the only agent: {page}"
    );
    let (status, body) = call(Method::GET, &format!("/v1/referrals/{id}"), None).await;
    assert_eq!(status, 200, "{body}");
    check(doc, "Referral", &body);
    let (status, body) = call(Method::POST, &format!("/v1/referrals/{id}/accept"), None).await;
    assert_eq!(status, 200, "{body}");
    check(doc, "Referral", &body);
    let (status, body) = call(Method::POST, &format!("/v1/referrals/{id}/reject"), None).await;
    assert_eq!(status, 409, "{body}");
    check(doc, "Error", &body);
    let attempt = json!({"channel": "phone", "outcome": "left_message"});
    check(doc, "ContactAttemptRequest", &attempt);
    let (status, body) = call(
        Method::POST,
        &format!("/v1/referrals/{id}/contact-attempts"),
        Some(attempt),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    check(doc, "Referral", &body);
    let change = json!({"to": "completed", "completion_outcome": "enrolled_in_qhp"});
    check(doc, "StatusChange", &change);
    let (status, body) = call(
        Method::POST,
        &format!("/v1/referrals/{id}/status"),
        Some(change),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    check(doc, "Referral", &body);

    let (status, _) = call(Method::GET, "/v1/missed-alert", None).await;
    assert_eq!(status, 204, "nothing missed");
    let (status, body) = call(Method::GET, "/v1/changes?after=0", None).await;
    assert_eq!(status, 200, "{body}");
    check(doc, "ChangePage", &body);
    let kinds: BTreeSet<&str> = body["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["event"]["type"].as_str().unwrap())
        .collect();
    for kind in [
        "availability_changed",
        "profile_changed",
        "offer_made",
        "referral_changed",
    ] {
        assert!(kinds.contains(kind), "{kind} in {kinds:?}");
    }
}

/// The wire types, serialised by their own serde code, fit the document's schemas.
#[test]
fn wire_types_match_their_schemas() {
    use chrono::{TimeZone, Utc};
    use hod_domain::availability::{AgentTimeZone, AvailabilitySettings};
    use hod_domain::referral::{ContactAttempt, ContactChannel, ContactOutcome, OfferOutcome};
    use hod_domain::wire::v1 as wire;

    let doc = document();
    let at = Utc.with_ymd_and_hms(2026, 11, 28, 15, 0, 0).unwrap();
    let mut generator = hod_server::simulate::ReferralGenerator::new(at.date_naive(), 3).unwrap();
    for _ in 0..50 {
        check(
            &doc,
            "IntakeReferral",
            &serde_json::to_value(generator.next_referral()).unwrap(),
        );
    }
    for state in [
        wire::ReferralState::Waiting,
        wire::ReferralState::NotAGoodReferral,
    ] {
        let receipt = wire::IntakeReceipt {
            id: wire::ReferralId(7),
            state,
        };
        check(
            &doc,
            "IntakeReceipt",
            &serde_json::to_value(receipt).unwrap(),
        );
    }
    let pending = wire::Referral {
        id: wire::ReferralId(7),
        status: hod_domain::referral::ReferralStatus::Pending,
        outcome: None,
        state: hod_domain::eligibility::StateCode::TX,
        city: "Austin".into(),
        zip: "78701".into(),
        language: hod_domain::language::Language::spanish(),
        assigned_at: at,
        offer: Some(wire::OfferView {
            offered_at: at,
            deadline: at,
        }),
        accepted_at: None,
        contact: None,
        contact_attempts: Vec::new(),
        completion_outcome: None,
        not_a_good_referral_reason: None,
        updated_at: at,
    };
    let accepted = wire::Referral {
        status: hod_domain::referral::ReferralStatus::InProgress,
        outcome: Some(OfferOutcome::Accepted),
        offer: None,
        accepted_at: Some(at),
        contact: Some(wire::ConsumerContact {
            name: "Mary Smith".into(),
            phone: "5125550100".into(),
            email: Some("mary@example.org".into()),
            notes: None,
        }),
        contact_attempts: vec![ContactAttempt {
            channel: ContactChannel::Phone,
            at,
            outcome: ContactOutcome::LeftMessage,
        }],
        ..pending.clone()
    };
    for referral in [&pending, &accepted] {
        check(&doc, "Referral", &serde_json::to_value(referral).unwrap());
    }
    let page = wire::ReferralPage {
        referrals: vec![pending.clone()],
        next: Some("abc".into()),
    };
    check(&doc, "ReferralPage", &serde_json::to_value(page).unwrap());

    let zone = AgentTimeZone::parse("time_zone", "America/Chicago").unwrap();
    let settings = AvailabilitySettings::new(zone);
    let availability = json!({
        "settings": serde_json::to_value(&settings).unwrap(),
        "status": {"available": true, "reason": "standard_hours", "until": at},
    });
    check(&doc, "Availability", &availability);

    let changes = [
        wire::ChangeEvent::OfferMade {
            referral: pending.clone(),
        },
        wire::ChangeEvent::OfferResolved {
            referral_id: wire::ReferralId(7),
            outcome: OfferOutcome::Missed,
        },
        wire::ChangeEvent::ReferralChanged { referral: accepted },
    ];
    for (seq, event) in changes.into_iter().enumerate() {
        let change = wire::Change {
            seq: seq as i64 + 1,
            at,
            event,
        };
        check(&doc, "Change", &serde_json::to_value(&change).unwrap());
        let message = wire::ServerMessage::Change(Box::new(change));
        check(
            &doc,
            "ServerMessage",
            &serde_json::to_value(&message).unwrap(),
        );
    }
    let heartbeat = wire::ServerMessage::Heartbeat { server_time: at };
    check(
        &doc,
        "ServerMessage",
        &serde_json::to_value(&heartbeat).unwrap(),
    );
    let reminder = wire::ServerMessage::OfferReminder {
        referral_id: wire::ReferralId(7),
        deadline: at,
    };
    check(
        &doc,
        "ServerMessage",
        &serde_json::to_value(&reminder).unwrap(),
    );

    let requests = [
        (
            "TodayRequest",
            serde_json::to_value(wire::TodayRequest {
                on: true,
                stop_referrals_at: Some(at),
            }),
        ),
        (
            "OutOfOfficeRequest",
            serde_json::to_value(wire::OutOfOfficeRequest { from: at, to: None }),
        ),
        (
            "RejectRequest",
            serde_json::to_value(wire::RejectRequest {
                reason: Some("busy".into()),
            }),
        ),
        (
            "ContactAttemptRequest",
            serde_json::to_value(wire::ContactAttemptRequest {
                channel: ContactChannel::Text,
                outcome: ContactOutcome::NoAnswer,
                at: None,
            }),
        ),
        (
            "MissedAlert",
            serde_json::to_value(wire::MissedAlertView {
                count: 2,
                message: "Alert!".into(),
            }),
        ),
    ];
    for (schema, value) in requests {
        check(&doc, schema, &value.unwrap());
    }
    let update = wire::ProfileUpdate {
        preferred_contact_method: Some(
            hod_domain::contact_preference::PreferredContactMethod::EmailOnly,
        ),
        state_preferences: Some(vec![hod_domain::eligibility::StateCode::FL]),
        languages: None,
    };
    let mut update = serde_json::to_value(update).unwrap();
    // Absent and null mean the same to serde's Option; the document says "absent".
    update.as_object_mut().unwrap().retain(|_, v| !v.is_null());
    check(&doc, "ProfileUpdate", &update);
}

#[test]
fn the_validator_catches_drift() {
    let doc = document();
    let receipt = json!({"id": 1, "state": "waiting"});
    assert!(validate(&doc, &schema_ref("IntakeReceipt"), &receipt, "$").is_empty());
    for wrong in [
        json!({"id": 1}),
        json!({"id": "1", "state": "waiting"}),
        json!({"id": 1, "state": "lost"}),
        json!({"id": 1, "state": "waiting", "agent": 3}),
    ] {
        assert!(
            !validate(&doc, &schema_ref("IntakeReceipt"), &wrong, "$").is_empty(),
            "{wrong}"
        );
    }
}

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

#[track_caller]
fn check(doc: &Value, schema: &str, value: &Value) {
    let problems = validate(doc, &schema_ref(schema), value, "$");
    assert!(
        problems.is_empty(),
        "{schema} does not describe\n{value:#}\n{}",
        problems.join("\n")
    );
}

/// The subset of JSON Schema the document uses: `$ref`, `type` (one or a list), `const`,
/// `enum`, `properties`,
/// `required`, `additionalProperties: false`, `items`, `oneOf` (`pattern` and `format`
/// are not checked).
fn validate(doc: &Value, schema: &Value, value: &Value, at: &str) -> Vec<String> {
    if let Some(target) = schema["$ref"].as_str() {
        let name = target.trim_start_matches("#/components/schemas/");
        return validate(doc, &doc["components"]["schemas"][name], value, at);
    }
    let mut problems = Vec::new();
    if let Some(options) = schema["oneOf"].as_array() {
        let matching = options
            .iter()
            .filter(|option| validate(doc, option, value, at).is_empty())
            .count();
        if matching != 1 {
            problems.push(format!("{at}: {matching} of oneOf match {value}"));
        }
        return problems;
    }
    if let Some(expected) = schema.get("const") {
        if value != expected {
            problems.push(format!("{at}: {value} is not {expected}"));
        }
    }
    if let Some(values) = schema["enum"].as_array() {
        if !values.contains(value) {
            problems.push(format!("{at}: {value} is not one of {values:?}"));
        }
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !types.is_empty() {
        let actual = match value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        let fits = types.contains(&actual) || (actual == "integer" && types.contains(&"number"));
        if !fits {
            problems.push(format!("{at}: {actual} where {types:?} is expected"));
            return problems;
        }
    }
    if let Value::Object(fields) = value {
        let properties = schema["properties"].as_object();
        for required in schema["required"].as_array().into_iter().flatten() {
            let name = required.as_str().unwrap();
            if !fields.contains_key(name) {
                problems.push(format!("{at}: missing {name}"));
            }
        }
        for (name, field) in fields {
            match properties.and_then(|p| p.get(name)) {
                Some(property) => {
                    problems.extend(validate(doc, property, field, &format!("{at}.{name}")))
                }
                None if schema["additionalProperties"] == false => {
                    problems.push(format!("{at}: {name} is not in the schema"))
                }
                None => {}
            }
        }
    }
    if let (Value::Array(items), Some(item)) = (value, schema.get("items")) {
        for (i, element) in items.iter().enumerate() {
            problems.extend(validate(doc, item, element, &format!("{at}[{i}]")));
        }
    }
    problems
}
