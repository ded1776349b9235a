//! `GET /metrics` over real HTTP: Prometheus text, requests counted by route template,
//! never a raw path, an id or personal data.

use crate::support::{Backend, TestServer, PASSWORD};

crate::on_both_backends!(
    metrics_count_requests_by_route_template_without_ids_or_personal_data,
    an_accepted_offer_is_counted_and_timed_without_the_consumer,
);

fn sample<'a>(text: &'a str, series: &str) -> Option<&'a str> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
}

async fn metrics_count_requests_by_route_template_without_ids_or_personal_data(backend: Backend) {
    let server = TestServer::start(backend).await;
    server.provision("zoe.private", "31415926").await;
    let _token = server.token("zoe.private").await;
    assert_eq!(
        server.login("zoe.private", "Wrong#Pass1").await.status(),
        401
    );
    let health = server
        .http
        .get(server.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let unknown = server
        .http
        .get(server.url("/v1/no-such-thing/271828"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);

    let response = server
        .http
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let text = response.text().await.unwrap();

    let count = |series: &str| sample(&text, series).unwrap_or_else(|| panic!("{series}\n{text}"));
    assert_eq!(
        count(r#"hod_http_requests_total{method="POST",route="/v1/admin/agents",status="2xx"}"#),
        "1"
    );
    assert_eq!(
        count(r#"hod_http_requests_total{method="POST",route="/v1/auth/login",status="2xx"}"#),
        "1"
    );
    assert_eq!(
        count(r#"hod_http_requests_total{method="POST",route="/v1/auth/login",status="4xx"}"#),
        "1"
    );
    assert_eq!(
        count(r#"hod_http_requests_total{method="GET",route="/healthz",status="2xx"}"#),
        "1"
    );
    assert_eq!(
        count(r#"hod_http_requests_total{method="GET",route="unmatched",status="4xx"}"#),
        "1"
    );
    assert_eq!(
        count(r#"hod_http_request_duration_seconds_count{method="POST",route="/v1/auth/login"}"#),
        "2"
    );
    for series in [
        "hod_referrals_received_total",
        "hod_offers_total",
        r#"hod_offers_resolved_total{outcome="missed"}"#,
        r#"hod_time_to_accept_seconds_bucket{le="+Inf"}"#,
        "hod_queue_depth",
        "hod_roster_agents",
    ] {
        assert!(sample(&text, series).is_some(), "{series} missing:\n{text}");
    }
    for private in [
        "zoe",
        "31415926",
        "271828",
        "no-such-thing",
        PASSWORD,
        "example.com",
    ] {
        assert!(
            !text.contains(private),
            "{private:?} leaked into /metrics:\n{text}"
        );
    }
    server.stop().await;
}

/// Intake → offer → accept 42 s later, over real HTTP: the dispatcher's and the handlers'
/// calls land in the counters and the time-to-accept histogram, and nothing of the consumer
/// does.
async fn an_accepted_offer_is_counted_and_timed_without_the_consumer(backend: Backend) {
    use crate::support::INTAKE_KEY;
    use hod_server::clock::Clock;
    let server = TestServer::start(backend).await;
    server.provision("ana", "1001").await;
    let licence = hod_server::store::NewLicense {
        npn: "1001".into(),
        state: "TX".into(),
        line_of_authority: "Accident & Health".into(),
        status: "active".into(),
        effective: chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
        expires: None,
    };
    server
        .store
        .import_licenses(&[licence], server.clock.now())
        .await
        .unwrap();
    let token = server.token("ana").await;
    let receipt: serde_json::Value = server
        .http
        .post(server.url("/v1/intake/referrals"))
        .header("x-api-key", INTAKE_KEY)
        .json(&serde_json::json!({
            "consumer_name": "Quentin Marsh", "phone": "512-555-0177",
            "email": "quentin.marsh@example.org", "state": "TX", "city": "Austin",
            "zip": "78701", "preferred_language": "en", "notes": "Prefers mornings",
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(receipt["state"], "offered", "{receipt}");
    server.clock.advance(chrono::Duration::seconds(42));
    let accepted = server
        .http
        .post(server.url(&format!("/v1/referrals/{}/accept", receipt["id"])))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), 200);

    let text = server
        .http
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let value = |series: &str| sample(&text, series).unwrap_or_else(|| panic!("{series}\n{text}"));
    assert_eq!(value("hod_referrals_received_total"), "1");
    assert_eq!(value("hod_offers_total"), "1");
    assert_eq!(
        value(r#"hod_offers_resolved_total{outcome="accepted"}"#),
        "1"
    );
    assert_eq!(value(r#"hod_time_to_accept_seconds_bucket{le="30"}"#), "0");
    assert_eq!(value(r#"hod_time_to_accept_seconds_bucket{le="60"}"#), "1");
    assert_eq!(value("hod_time_to_accept_seconds_sum"), "42");
    assert_eq!(value("hod_time_to_accept_seconds_count"), "1");
    assert_eq!(
        value(
            r#"hod_http_requests_total{method="POST",route="/v1/referrals/{id}/accept",status="2xx"}"#
        ),
        "1"
    );
    for private in [
        "Quentin",
        "Marsh",
        "5550177",
        "555-0177",
        "example.org",
        "Austin",
        "78701",
        "mornings",
    ] {
        assert!(!text.contains(private), "{private:?} leaked into /metrics");
    }
    let id = receipt["id"].to_string();
    assert!(
        !text.contains(&format!("/v1/referrals/{id}")),
        "a referral id leaked into a route label"
    );
    server.stop().await;
}
