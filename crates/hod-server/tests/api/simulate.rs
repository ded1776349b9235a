//! `simulate`, run as the built binary: what it posts (to a stand-in and to the real intake
//! API), and that it prints no personal data.

use crate::cli::{hod_command, stderr, stdout};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use hod_domain::eligibility::HealthCareGovStates;
use hod_domain::wire::v1::{IntakeReceipt, IntakeReferral, ReferralId, ReferralState};
use std::process::{Output, Stdio};
use std::sync::{Arc, Mutex};
use tokio::net::TcpListener;

const KEY: &str = "simulate-intake-key-0123456789";

type Received = Arc<Mutex<Vec<(HeaderMap, IntakeReferral)>>>;

/// A stand-in intake endpoint that records what it gets and answers like the real one.
async fn stub_intake(status: StatusCode) -> (String, Received) {
    let received: Received = Arc::default();
    let app = Router::new()
        .route(
            "/v1/intake/referrals",
            post(
                move |State(received): State<Received>,
                      headers: HeaderMap,
                      Json(referral): Json<IntakeReferral>| async move {
                    let mut all = received.lock().unwrap();
                    all.push((headers, referral));
                    let receipt = IntakeReceipt {
                        id: ReferralId(1000 + all.len() as i64),
                        state: ReferralState::Waiting,
                    };
                    (status, Json(receipt))
                },
            ),
        )
        .with_state(received.clone());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, received)
}

async fn simulate(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        hod_command()
            .arg("simulate")
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

fn args(base: &str, count: u32) -> Vec<String> {
    [
        "--rate",
        "100/s",
        "--count",
        &count.to_string(),
        "--seed",
        "11",
        "--server",
        base,
        "--intake-key",
        KEY,
    ]
    .map(str::to_owned)
    .to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulate_posts_valid_referrals_and_prints_no_personal_data() {
    let (base, received) = stub_intake(StatusCode::CREATED).await;
    let output = simulate(args(&base, 6)).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let printed = stdout(&output);

    let received = received.lock().unwrap();
    assert_eq!(received.len(), 6);
    let today = chrono::Utc::now().date_naive();
    let on_platform = HealthCareGovStates::shopped_on(today).unwrap();
    let mut keys = Vec::new();
    for (i, (headers, referral)) in received.iter().enumerate() {
        assert_eq!(headers["x-api-key"], KEY);
        keys.push(headers["idempotency-key"].to_str().unwrap().to_owned());
        assert!(referral.validate().is_empty(), "{:?}", referral.validate());
        assert!(on_platform.contains(referral.state));
        let line = format!(
            "referral {} {} {} waiting",
            1001 + i,
            referral.state,
            referral.preferred_language
        );
        assert!(printed.contains(&line), "{line:?} not in\n{printed}");
        for private in [
            Some(&referral.consumer_name),
            Some(&referral.phone),
            referral.email.as_ref(),
        ]
        .into_iter()
        .flatten()
        {
            assert!(!printed.contains(private.as_str()), "{private} printed");
        }
        let last_name = referral.consumer_name.split(' ').next_back().unwrap();
        assert!(!printed.contains(last_name), "{last_name} printed");
    }
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 6, "one idempotency key per referral");
    assert!(
        printed.ends_with("done: 6 submitted, 0 failed\n"),
        "{printed}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulate_stops_when_the_server_refuses_everything() {
    let (base, _) = stub_intake(StatusCode::UNAUTHORIZED).await;
    let output = simulate(args(&base, 10)).await;
    assert!(!output.status.success());
    assert!(stdout(&output).contains("failed"), "{}", stdout(&output));
    assert!(
        stderr(&output).contains("the first 3 submissions failed"),
        "{}",
        stderr(&output)
    );

    let nobody = simulate(args("http://127.0.0.1:9", 1)).await;
    assert!(!nobody.status.success());
    assert!(
        stdout(&nobody).contains("cannot reach the server"),
        "{}",
        stdout(&nobody)
    );
}

crate::on_both_backends!(simulate_feeds_the_real_intake_api);

/// Against the real server: every printed id is a referral the intake API knows, in the
/// printed state, and the metrics counted each one.
async fn simulate_feeds_the_real_intake_api(backend: crate::support::Backend) {
    let server = crate::support::TestServer::start(backend).await;
    let mut run = args(&server.base, 5);
    if let Some(key) = run.last_mut() {
        *key = crate::support::INTAKE_KEY.to_owned();
    }
    let output = simulate(run).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let printed = stdout(&output);
    let lines: Vec<&str> = printed
        .lines()
        .filter(|l| l.starts_with("referral "))
        .collect();
    assert_eq!(lines.len(), 5, "{printed}");
    for line in lines {
        let words: Vec<&str> = line.split(' ').collect();
        assert_eq!(words.len(), 5, "{line}");
        let id = words[1];
        assert!(["en", "es"].contains(&words[3]), "{line}");
        let receipt: serde_json::Value = server
            .http
            .get(server.url(&format!("/v1/intake/referrals/{id}")))
            .header("x-api-key", crate::support::INTAKE_KEY)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(receipt["id"].to_string(), id);
        assert_eq!(receipt["state"], words[4], "{line}");
    }
    let metrics = server
        .http
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("hod_referrals_received_total 5\n"),
        "{metrics}"
    );
    assert!(metrics.contains(
        "hod_http_requests_total{method=\"POST\",route=\"/v1/intake/referrals\",status=\"2xx\"} 5\n"
    ));
    server.stop().await;
}
