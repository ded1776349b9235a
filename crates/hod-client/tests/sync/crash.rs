//! Crash: a client process killed with SIGKILL while its outbox is not empty, and while the
//! server has applied the first item but its answer never reached the client. The next start
//! delivers the queue, and the server applies every item exactly once.
//!
//! The child is this test binary run again on one test (`child_queues_actions_then_hangs`),
//! which does nothing unless the parent set its environment variables.

use crate::support::*;
use hod_client::{ClientConfig, FileTokenStore};
use hod_domain::availability::TodaySwitch;
use hod_domain::wire::v1::{ChangeEvent, TodayRequest};
use std::io::Write;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};

const CHILD_DIR: &str = "HOD_CLIENT_CRASH_CHILD_DIR";
const CHILD_URL: &str = "HOD_CLIENT_CRASH_CHILD_URL";
const ITEMS: usize = 10;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outbox_killed_with_sigkill_is_delivered_exactly_once_on_the_next_start() {
    if std::env::var_os(CHILD_DIR).is_some() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(hod_server::clock::ManualClock::new(start_of_test()));
    let server = TestServer::start(&dir.path().join("hod.sqlite3"), clock).await;
    server.agent("ana", "1000001", &["TX"]).await;
    let proxy = Proxy::start(server.addr).await;
    let app = dir.path().join("app");

    // A first run logs in and syncs, then quits.
    let client = client_in(&app, &proxy.url(), None).await;
    let mut events = client.subscribe();
    login_online(&client, &mut events, "ana").await;
    let baseline = client.read(hod_client::Cache::cursor).unwrap();
    client.shutdown().await;
    let server_token = server.token("ana").await;

    // From now on the server gets the requests but its answers are lost.
    proxy.set_mode(ProxyMode::SwallowAnswers);
    let mut swallowed = proxy.swallowed_answers();
    let mut child = tokio::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "crash::child_queues_actions_then_hangs",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_DIR, &app)
        .env(CHILD_URL, proxy.url())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    tokio::time::timeout(WAIT, async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if line.contains(&format!("QUEUED {ITEMS}")) {
                return;
            }
        }
        panic!("the child ended before queueing");
    })
    .await
    .expect("the child queued its actions");

    // The first item reached the server, which applied it and answered; the answer was
    // lost on the way back. Now the child dies.
    tokio::time::timeout(WAIT, async {
        loop {
            let line = swallowed.recv().await.expect("proxy");
            if line.starts_with("POST /v1/availability/today") {
                return;
            }
        }
    })
    .await
    .expect("the first item was answered by the server");
    child.start_kill().unwrap();
    let status = tokio::time::timeout(WAIT, child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(!status.success(), "killed, not finished");
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(status.signal(), Some(9), "SIGKILL");
    }

    // The next start, still offline, resumes the session from the token file with the
    // whole queue (online, its sender could deliver the first item before the count), and
    // sends it once the server is reachable again.
    proxy.set_mode(ProxyMode::Down);
    let client = client_in(&app, &proxy.url(), None).await;
    let mut events = client.subscribe();
    assert!(client.is_logged_in(), "the session survived");
    assert_eq!(client.pending_outbox().unwrap().len(), ITEMS);
    proxy.set_mode(ProxyMode::Forward);
    until(&client, &mut events, "the queue delivered", |c| {
        c.pending_outbox().unwrap().is_empty()
    })
    .await;
    assert!(client.refusals().unwrap().is_empty());

    let changes = server.changes_after(&server_token, baseline).await;
    let stops: Vec<_> = changes
        .iter()
        .map(|c| match &c.event {
            ChangeEvent::AvailabilityChanged { availability } => {
                match availability.settings.today.map(|t| t.switch) {
                    Some(TodaySwitch::On { stop_referrals_at }) => stop_referrals_at,
                    other => panic!("unexpected today switch {other:?}"),
                }
            }
            other => panic!("unexpected change {other:?}"),
        })
        .collect();
    let expected: Vec<_> = (0..ITEMS).map(stop_time).collect();
    assert_eq!(stops, expected, "each item applied once, in order");
    client.shutdown().await;
    server.stop().await;
}

/// The child's part: resume the saved session, queue the actions, say so, and wait to be
/// killed. Does nothing in an ordinary test run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn child_queues_actions_then_hangs() {
    let (Some(dir), Some(url)) = (std::env::var_os(CHILD_DIR), std::env::var(CHILD_URL).ok())
    else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    let mut config = ClientConfig::new(url, &dir);
    config.token_store = Some(Arc::new(FileTokenStore::new(dir.join("auth"))));
    config.timing = test_timing();
    // The answer never comes; the parent kills this process long before.
    config.timing.request_timeout = Duration::from_secs(120);
    let client = hod_client::Client::start(config).await.unwrap();
    assert!(client.is_logged_in());
    for i in 0..ITEMS {
        client
            .set_today(TodayRequest {
                on: true,
                stop_referrals_at: Some(stop_time(i)),
            })
            .unwrap();
    }
    println!("QUEUED {ITEMS}");
    std::io::stdout().flush().unwrap();
    std::future::pending::<()>().await;
}
