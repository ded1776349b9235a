//! Login, sessions, throttling and the profile, over real HTTP.

use crate::support::{error_code, start_of_test, Backend, TestServer, PASSWORD};
use chrono::Duration;
use serde_json::Value;

crate::on_both_backends!(
    healthz_answers_when_the_database_does,
    login_returns_a_token_that_opens_the_profile,
    wrong_password_and_unknown_user_get_the_same_answer,
    failed_logins_are_throttled_per_account,
    failed_logins_are_throttled_per_address,
    behind_a_trusted_proxy_the_limit_counts_the_forwarded_client,
    forwarded_addresses_from_untrusted_peers_are_ignored,
    logout_revokes_the_token,
    tokens_expire,
    the_profile_is_the_token_agents_own,
    suspended_agents_can_log_in_and_see_why,
    missing_or_malformed_tokens_are_unauthorized,
    a_new_password_logs_out_every_session,
);

async fn healthz_answers_when_the_database_does(backend: Backend) {
    let server = TestServer::start(backend).await;
    let response = server
        .http
        .get(server.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    server.stop().await;
}

async fn login_returns_a_token_that_opens_the_profile(backend: Backend) {
    let server = TestServer::start(backend).await;
    server.provision("ana", "1001").await;

    // Usernames are not case-sensitive.
    let response = server.login(" ANA ", PASSWORD).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let token = body["token"].as_str().unwrap();
    assert_eq!(token.len(), 43);
    assert_eq!(body["token_type"], "Bearer");
    let expires: chrono::DateTime<chrono::Utc> =
        body["expires_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(expires, start_of_test() + Duration::hours(12));
    assert_eq!(body["profile"]["username"], "ana");

    let profile: Value = server.profile(token).await.json().await.unwrap();
    assert_eq!(profile["npn"], "1001");
    assert_eq!(profile["name"], "Agent ana");
    assert_eq!(profile["mlms_email"], "ana@example.com");
    assert_eq!(profile["mobile_phone"], "+15552010123");
    assert_eq!(profile["languages"], serde_json::json!(["en", "es"]));
    assert_eq!(profile["preferred_contact_method"], "email_text_app");
    assert!(profile["suspended"].is_null(), "{profile}");
    assert!(profile.get("password").is_none());
    server.stop().await;
}

async fn wrong_password_and_unknown_user_get_the_same_answer(backend: Backend) {
    let server = TestServer::start(backend).await;
    server.provision("bob", "1002").await;
    for (username, password) in [("bob", "Wrong#Pass1"), ("nobody", PASSWORD)] {
        let response = server.login(username, password).await;
        assert_eq!(response.status(), 401, "{username}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "invalid_credentials");
        assert_eq!(body["message"], "the username or password is wrong");
    }
    server.stop().await;
}

async fn failed_logins_are_throttled_per_account(backend: Backend) {
    let server = TestServer::start(backend).await;
    server.provision("cyd", "1003").await;
    for attempt in 1..=5 {
        let response = server.login("cyd", "Wrong#Pass1").await;
        assert_eq!(response.status(), 401, "attempt {attempt}");
    }
    // Blocked now, even with the right password.
    let response = server.login("cyd", PASSWORD).await;
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "900");
    assert_eq!(error_code(response).await, "too_many_requests");

    server.clock.advance(Duration::minutes(10));
    let response = server.login("cyd", PASSWORD).await;
    assert_eq!(response.headers()["retry-after"], "300");

    server.clock.advance(Duration::minutes(5));
    assert_eq!(server.login("cyd", PASSWORD).await.status(), 200);
    server.stop().await;
}

async fn failed_logins_are_throttled_per_address(backend: Backend) {
    let server = TestServer::start_with(backend, |settings| {
        settings.login_throttle.per_address = 3;
    })
    .await;
    server.provision("dee", "1004").await;
    // Three different accounts from one address: none reaches its own limit of 5.
    for username in ["x1", "x2", "x3"] {
        assert_eq!(server.login(username, "Wrong#Pass1").await.status(), 401);
    }
    let response = server.login("dee", PASSWORD).await;
    assert_eq!(response.status(), 429, "the address is blocked");
    assert!(response.headers().contains_key("retry-after"));
    server.stop().await;
}

/// A login sent through a proxy, which says it came from `forwarded_for`.
async fn login_through(
    server: &TestServer,
    forwarded_for: &str,
    username: &str,
    password: &str,
) -> reqwest::Response {
    server
        .http
        .post(server.url("/v1/auth/login"))
        .header("x-forwarded-for", forwarded_for)
        .json(&serde_json::json!({ "username": username, "password": password }))
        .send()
        .await
        .unwrap()
}

/// Behind nginx every login comes from the proxy's address. With the proxy trusted, the
/// per-address limit counts the client it forwards: one office's failures do not lock out
/// every other agent, and a client cannot escape its count by writing its own header.
async fn behind_a_trusted_proxy_the_limit_counts_the_forwarded_client(backend: Backend) {
    let server = TestServer::start_with(backend, |settings| {
        settings.login_throttle.per_address = 3;
        settings.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    })
    .await;
    server.provision("dee", "1004").await;
    for username in ["x1", "x2", "x3"] {
        let response = login_through(&server, "203.0.113.7", username, "Wrong#Pass1").await;
        assert_eq!(response.status(), 401);
    }
    let blocked = login_through(&server, "203.0.113.7", "dee", PASSWORD).await;
    assert_eq!(blocked.status(), 429, "the office's address is blocked");
    let elsewhere = login_through(&server, "198.51.100.9", "dee", PASSWORD).await;
    assert_eq!(
        elsewhere.status(),
        200,
        "another agent behind the same proxy"
    );
    // What the client wrote stays left of the address the proxy appended.
    let spoofed = login_through(&server, "198.51.100.9, 203.0.113.7", "dee", PASSWORD).await;
    assert_eq!(spoofed.status(), 429);
    server.stop().await;
}

/// Without a trusted proxy the header is the client's own words: the connecting address
/// is counted, whatever it claims.
async fn forwarded_addresses_from_untrusted_peers_are_ignored(backend: Backend) {
    let server = TestServer::start_with(backend, |settings| {
        settings.login_throttle.per_address = 3;
    })
    .await;
    server.provision("dee", "1004").await;
    for (n, username) in ["x1", "x2", "x3"].into_iter().enumerate() {
        let claimed = format!("198.51.100.{n}");
        let response = login_through(&server, &claimed, username, "Wrong#Pass1").await;
        assert_eq!(response.status(), 401);
    }
    let response = login_through(&server, "192.0.2.200", "dee", PASSWORD).await;
    assert_eq!(response.status(), 429, "counted by the connecting address");
    server.stop().await;
}

async fn logout_revokes_the_token(backend: Backend) {
    let server = TestServer::start(backend).await;
    server.provision("eve", "1005").await;
    let token = server.token("eve").await;
    let other = server.token("eve").await;
    assert_eq!(server.profile(&token).await.status(), 200);

    let logout = |token: String| {
        server
            .http
            .post(server.url("/v1/auth/logout"))
            .bearer_auth(token)
            .send()
    };
    assert_eq!(logout(token.clone()).await.unwrap().status(), 204);
    let response = server.profile(&token).await;
    assert_eq!(response.status(), 401);
    assert_eq!(error_code(response).await, "unauthorized");
    assert_eq!(
        logout(token).await.unwrap().status(),
        401,
        "already logged out"
    );
    assert_eq!(
        server.profile(&other).await.status(),
        200,
        "other sessions stay"
    );
    server.stop().await;
}

async fn tokens_expire(backend: Backend) {
    let server = TestServer::start_with(backend, |settings| {
        settings.session_ttl = std::time::Duration::from_secs(3600);
    })
    .await;
    server.provision("fay", "1006").await;
    let token = server.token("fay").await;
    server.clock.advance(Duration::minutes(59));
    assert_eq!(server.profile(&token).await.status(), 200);
    server.clock.advance(Duration::minutes(1));
    assert_eq!(server.profile(&token).await.status(), 401);
    server.stop().await;
}

async fn the_profile_is_the_token_agents_own(backend: Backend) {
    let server = TestServer::start(backend).await;
    server.provision("gus", "1007").await;
    server.provision("hal", "1008").await;
    let gus = server.token("gus").await;
    let hal = server.token("hal").await;
    let gus_profile: Value = server.profile(&gus).await.json().await.unwrap();
    let hal_profile: Value = server.profile(&hal).await.json().await.unwrap();
    assert_eq!(gus_profile["npn"], "1007");
    assert_eq!(hal_profile["npn"], "1008");
    server.stop().await;
}

async fn suspended_agents_can_log_in_and_see_why(backend: Backend) {
    let server = TestServer::start(backend).await;
    server.provision("ivy", "1009").await;
    server
        .store
        .suspend_agent("1009", "3 missed referrals in a row", server.clock_now())
        .await
        .unwrap();
    let response = server.login("ivy", PASSWORD).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["profile"]["suspended"]["reason"],
        "3 missed referrals in a row"
    );

    server
        .store
        .reinstate_agent("1009", server.clock_now())
        .await
        .unwrap();
    let token = body["token"].as_str().unwrap();
    let profile: Value = server.profile(token).await.json().await.unwrap();
    assert!(profile["suspended"].is_null(), "{profile}");
    server.stop().await;
}

async fn missing_or_malformed_tokens_are_unauthorized(backend: Backend) {
    let server = TestServer::start(backend).await;
    let url = server.url("/v1/profile");
    let no_header = server.http.get(&url).send().await.unwrap();
    assert_eq!(no_header.status(), 401);
    assert_eq!(error_code(no_header).await, "unauthorized");
    let wrong_scheme = server
        .http
        .get(&url)
        .basic_auth("a", Some("b"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_scheme.status(), 401);
    let unknown = server.profile(&"A".repeat(43)).await;
    assert_eq!(unknown.status(), 401);
    let garbage = server.profile("not a token").await;
    assert_eq!(garbage.status(), 401);
    server.stop().await;
}

async fn a_new_password_logs_out_every_session(backend: Backend) {
    let server = TestServer::start(backend).await;
    let profile = server.provision("joe", "1010").await;
    assert_eq!(profile["npn"], "1010");
    let token = server.token("joe").await;
    let agent = server
        .store
        .agent_by_username("joe")
        .await
        .unwrap()
        .unwrap();
    hod_server::accounts::set_password(
        server.store.as_ref(),
        agent.id,
        "Moonlight#2027",
        server.clock_now(),
    )
    .await
    .unwrap();
    assert_eq!(server.profile(&token).await.status(), 401);
    assert_eq!(server.login("joe", PASSWORD).await.status(), 401);
    assert_eq!(server.login("joe", "Moonlight#2027").await.status(), 200);
    server.stop().await;
}

impl TestServer {
    fn clock_now(&self) -> chrono::DateTime<chrono::Utc> {
        use hod_server::clock::Clock;
        self.clock.now()
    }
}
