//! The admin API and the common error body, over real HTTP.

use crate::support::{agent_body, error_code, Backend, TestServer, ADMIN_KEY, INTAKE_KEY};
use serde_json::{json, Value};

crate::on_both_backends!(
    admin_calls_need_the_admin_key,
    provisioning_reports_every_bad_field,
    provisioning_refuses_a_taken_npn_or_username,
    unknown_routes_and_unreadable_bodies_get_the_error_body,
);

async fn admin_calls_need_the_admin_key(backend: Backend) {
    let server = TestServer::start(backend).await;
    let post = |key: Option<&str>| {
        let request = server
            .http
            .post(server.url("/v1/admin/agents"))
            .json(&agent_body("ana", "2001"));
        match key {
            Some(key) => request.header("x-api-key", key),
            None => request,
        }
        .send()
    };
    for key in [None, Some("wrong-key-0123456789"), Some(INTAKE_KEY)] {
        let response = post(key).await.unwrap();
        assert_eq!(response.status(), 401, "{key:?}");
        assert_eq!(error_code(response).await, "unauthorized");
    }
    assert_eq!(server.store.agent_by_npn("2001").await.unwrap(), None);
    assert_eq!(post(Some(ADMIN_KEY)).await.unwrap().status(), 201);
    assert!(server.store.agent_by_npn("2001").await.unwrap().is_some());
    server.stop().await;
}

async fn provisioning_reports_every_bad_field(backend: Backend) {
    let server = TestServer::start(backend).await;
    let response = server
        .http
        .post(server.url("/v1/admin/agents"))
        .header("x-api-key", ADMIN_KEY)
        .json(&json!({
            "npn": "12ab",
            "name": "Bo",
            "username": "bob",
            "mlms_email": "bo-at-example",
            "mobile_phone": "555-201-0123",
            "languages": ["en"],
            "password": "short",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["field"], "npn", "the first problem is summarised");
    assert_eq!(body["code"], "malformed");
    let errors = body["errors"].as_array().unwrap();
    let fields: Vec<&str> = errors
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"mlms_email"), "{fields:?}");
    assert!(fields.contains(&"password"), "{fields:?}");
    let email = errors.iter().find(|e| e["field"] == "mlms_email").unwrap();
    assert_eq!(email["rule"], "CP-3");
    let password = errors.iter().find(|e| e["field"] == "password").unwrap();
    assert!(
        password.get("rule").is_none(),
        "no program rule for passwords"
    );
    assert!(password["message"]
        .as_str()
        .unwrap()
        .contains("8 to 20 characters"));
    assert_eq!(server.store.agent_by_username("bob").await.unwrap(), None);
    server.stop().await;
}

async fn provisioning_refuses_a_taken_npn_or_username(backend: Backend) {
    let server = TestServer::start(backend).await;
    server.provision("cyd", "2003").await;
    for (body, field) in [
        (agent_body("other", "2003"), "npn"),
        (agent_body("cyd", "2004"), "username"),
    ] {
        let response = server
            .http
            .post(server.url("/v1/admin/agents"))
            .header("x-api-key", ADMIN_KEY)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 409);
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            (body["code"].as_str(), body["field"].as_str()),
            (Some("conflict"), Some(field))
        );
    }
    server.stop().await;
}

async fn unknown_routes_and_unreadable_bodies_get_the_error_body(backend: Backend) {
    let server = TestServer::start(backend).await;
    let response = server
        .http
        .get(server.url("/v1/nothing-here"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(error_code(response).await, "not_found");

    let response = server
        .http
        .post(server.url("/v1/auth/login"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(error_code(response).await, "bad_request");

    let response = server
        .http
        .post(server.url("/v1/auth/login"))
        .json(&json!({ "username": "x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400, "a missing field");
    server.stop().await;
}
