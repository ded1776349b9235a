//! The operator CLI, run as the built binary against a fresh database.

use crate::support::{Backend, TestDb, TestServer, PASSWORD};
use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};

crate::on_both_backends!(
    migrate_import_and_set_password_make_a_working_login,
    a_bad_row_names_its_line_and_field_and_nothing_is_imported,
);

const AGENTS_CSV: &str = "\
npn,name,username,mlms_email,mobile_phone,languages
17439876,Ana Pérez,ana,ana@example.com,555-201-0123,en;es
20001234,\"Lee, Sam\",slee,sam@example.com,(555) 201-0456,en
";

const LICENSES_CSV: &str = "\
npn,state,line_of_authority,status,effective,expires
17439876,TX,Accident & Health,Active,2024-01-15,2027-01-31
17439876,FL,Health,Active,01/01/2024,
";

/// A command with a clean environment: no HOD_ variable from the developer's shell leaks in.
pub(crate) fn hod_command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hod-server"));
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

pub(crate) fn hod(database: &str, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = hod_command()
        .arg("--database")
        .arg(database)
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    child.wait_with_output().unwrap()
}

pub(crate) fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub(crate) fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[track_caller]
pub(crate) fn assert_ok(output: &Output) -> String {
    assert!(output.status.success(), "failed: {}", stderr(output));
    stdout(output)
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

async fn migrate_import_and_set_password_make_a_working_login(backend: Backend) {
    let db = TestDb::new(backend).await;
    let url = db.url().to_owned();
    let files = tempfile::tempdir().unwrap();
    let agents = write(files.path(), "agents.csv", AGENTS_CSV);
    let licenses = write(files.path(), "licenses.csv", LICENSES_CSV);

    // Every shipped migration, in order, named as `migrate` prints it.
    let expected: String = hod_server::store::migrations::SQLITE
        .iter()
        .map(|m| format!("applied {}\n", m.file.trim_end_matches(".sql")))
        .collect();
    assert!(expected.starts_with("applied 0001_accounts\napplied 0002_referrals\n"));
    assert_eq!(assert_ok(&hod(&url, &["migrate"], None)), expected);
    assert_eq!(
        assert_ok(&hod(&url, &["migrate"], None)),
        "the database is up to date\n"
    );

    let imported = assert_ok(&hod(&url, &["agents", "import", &agents], None));
    assert_eq!(imported, "agents: 2 created, 0 updated, 0 unchanged\n");
    let again = assert_ok(&hod(&url, &["agents", "import", &agents], None));
    assert_eq!(again, "agents: 0 created, 0 updated, 2 unchanged\n");
    let imported = assert_ok(&hod(&url, &["licenses", "import", &licenses], None));
    assert_eq!(imported, "licenses: 2 created, 0 updated, 0 unchanged\n");

    let weak = hod(&url, &["agents", "set-password", "ana"], Some("weak\n"));
    assert!(!weak.status.success());
    assert!(stderr(&weak).contains("password: "), "{}", stderr(&weak));
    assert!(
        stderr(&weak).contains("8 to 20 characters"),
        "{}",
        stderr(&weak)
    );
    let unknown = hod(&url, &["agents", "set-password", "nobody"], Some("x\n"));
    assert!(stderr(&unknown).contains("no agent has the username \"nobody\""));
    let set = hod(
        &url,
        &["agents", "set-password", "ANA"],
        Some(&format!("{PASSWORD}\n")),
    );
    assert_eq!(
        assert_ok(&set),
        "password set for ana; their sessions were ended\n"
    );

    let suspend = hod(
        &url,
        &[
            "agents",
            "suspend",
            "17439876",
            "--reason",
            "missed 3 referrals",
        ],
        None,
    );
    assert_eq!(
        assert_ok(&suspend),
        "suspended the agent with NPN 17439876\n"
    );
    let missing = hod(&url, &["agents", "reinstate", "999"], None);
    assert!(
        stderr(&missing).contains("no agent has NPN 999"),
        "{}",
        stderr(&missing)
    );

    let server = TestServer::start_on(db, |_| {}).await;
    let response = server.login("ana", PASSWORD).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["profile"]["name"], "Ana Pérez");
    assert_eq!(body["profile"]["suspended"]["reason"], "missed 3 referrals");
    let agent = server
        .store
        .agent_by_npn("17439876")
        .await
        .unwrap()
        .unwrap();
    let states: Vec<String> = server
        .store
        .licenses(agent.id)
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.state)
        .collect();
    assert_eq!(states, ["FL", "TX"]);

    let reinstate = hod(&url, &["agents", "reinstate", "17439876"], None);
    assert_eq!(
        assert_ok(&reinstate),
        "reinstated the agent with NPN 17439876\n"
    );
    let token = body["token"].as_str().unwrap();
    let profile: Value = server.profile(token).await.json().await.unwrap();
    assert!(profile["suspended"].is_null(), "{profile}");
    server.stop().await;
}

async fn a_bad_row_names_its_line_and_field_and_nothing_is_imported(backend: Backend) {
    let db = TestDb::new(backend).await;
    let url = db.url().to_owned();
    let files = tempfile::tempdir().unwrap();
    let bad_agents = write(
        files.path(),
        "agents.csv",
        &format!("{AGENTS_CSV}30001234,Kim,kim,kim-at-example,555-201-0789,en\n"),
    );
    let output = hod(&url, &["agents", "import", &bad_agents], None);
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(message.contains("nothing was written"), "{message}");
    assert!(message.contains("line 4: mlms_email: "), "{message}");

    let unknown_npn = write(
        files.path(),
        "licenses.csv",
        "npn,state,line_of_authority,status,effective,expires\n\
         55555,TX,Health,active,2024-01-01,\n",
    );
    let output = hod(&url, &["licenses", "import", &unknown_npn], None);
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(message.contains("nothing was imported"), "{message}");
    assert!(
        message.contains("line 2: npn: no agent has NPN 55555"),
        "{message}"
    );

    let store = db.store().await;
    assert_eq!(store.agent_by_npn("17439876").await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_takes_hod_variables_prints_its_address_and_stops_gracefully() {
    let db = TestDb::new(Backend::Sqlite).await;
    let mut child = hod_command()
        .env("HOD_DATABASE", db.url())
        .env("HOD_LISTEN", "127.0.0.1:0")
        .env("HOD_ADMIN_API_KEYS", "serve-test-admin-key-0123")
        .args(["serve", "--accept-window", "20s"])
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let mut first_line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first_line)
        .unwrap();
    let base = first_line
        .trim_end()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first_line:?}"))
        .to_owned();
    let port: u16 = base
        .strip_prefix("http://127.0.0.1:")
        .unwrap()
        .parse()
        .unwrap();
    assert_ne!(port, 0);

    let health = reqwest::get(format!("{base}/healthz")).await.unwrap();
    assert_eq!(health.status(), 200);
    let admin = reqwest::Client::new()
        .post(format!("{base}/v1/admin/agents"))
        .header("x-api-key", "serve-test-admin-key-0123")
        .json(&crate::support::agent_body("ana", "1001"))
        .send()
        .await
        .unwrap();
    assert_eq!(admin.status(), 201, "the key came from HOD_ADMIN_API_KEYS");

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "exit after SIGTERM: {:?}",
        output.status
    );
    let logs = stderr(&output);
    assert!(logs.contains("shutting down"), "{logs}");
    assert!(
        !logs.contains("serve-test-admin-key-0123"),
        "a secret was logged: {logs}"
    );
}

/// Starts `hod-server serve` on a free port with `envs` and `args`; returns the child and
/// its base URL, read from the line it prints once bound.
pub(crate) fn spawn_serve(envs: &[(&str, &str)], args: &[&str]) -> (std::process::Child, String) {
    let mut child = hod_command()
        .envs(envs.iter().copied())
        .arg("serve")
        .args(args)
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let mut first_line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first_line)
        .unwrap();
    let base = first_line
        .trim_end()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first_line:?}"))
        .to_owned();
    (child, base)
}

/// The routing settings reach the server from `HOD_` variables, and a flag beats its
/// variable: with `HOD_CONSECUTIVE_MISSES_BEFORE_SUSPENSION=1`, one missed offer suspends
/// the agent (AV-9) once the accept window `--accept-window 1s` (over
/// `HOD_ACCEPT_WINDOW=1h`) has passed; `HOD_DEFAULT_TIME_ZONE` is the zone of an agent who
/// never saved a schedule.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rule_av_9_hod_variables_reach_the_running_server() {
    use futures_util::StreamExt;
    use hod_domain::eligibility::{HealthCareGovStates, StateCode};
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    use tokio_tungstenite::tungstenite::Message;

    let today = chrono::Utc::now().date_naive();
    assert!(
        HealthCareGovStates::shopped_on(today)
            .unwrap()
            .contains(StateCode::TX),
        "Texas uses HealthCare.gov"
    );
    let db = TestDb::new(Backend::Sqlite).await;
    let (admin_key, intake_key) = ("cli-test-admin-key-0123", "cli-test-intake-key-0123");
    let (mut child, base) = spawn_serve(
        &[
            ("HOD_DATABASE", db.url()),
            ("HOD_LISTEN", "127.0.0.1:0"),
            ("HOD_ADMIN_API_KEYS", admin_key),
            ("HOD_INTAKE_API_KEYS", intake_key),
            ("HOD_ACCEPT_WINDOW", "1h"),
            ("HOD_CONSECUTIVE_MISSES_BEFORE_SUSPENSION", "1"),
            ("HOD_DEFAULT_TIME_ZONE", "America/Chicago"),
        ],
        &["--accept-window", "1s"],
    );
    let http = reqwest::Client::new();
    let provisioned = http
        .post(format!("{base}/v1/admin/agents"))
        .header("x-api-key", admin_key)
        .json(&crate::support::agent_body("ana", "17439876"))
        .send()
        .await
        .unwrap();
    assert_eq!(provisioned.status(), 201);
    let files = tempfile::tempdir().unwrap();
    let licenses = write(
        files.path(),
        "licenses.csv",
        "npn,state,line_of_authority,status,effective,expires\n\
         17439876,TX,Accident & Health,Active,2024-01-15,\n",
    );
    assert_ok(&hod(db.url(), &["licenses", "import", &licenses], None));
    let login: Value = http
        .post(format!("{base}/v1/auth/login"))
        .json(&serde_json::json!({"username": "ana", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["token"].as_str().unwrap().to_owned();

    let availability: Value = http
        .get(format!("{base}/v1/availability"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        availability["settings"]["time_zone"], "America/Chicago",
        "HOD_DEFAULT_TIME_ZONE: {availability}"
    );
    // Around the clock, so the test does not depend on the hour it runs at.
    let weekly =
        serde_json::to_value(hod_server::demo::DemoHours::AroundTheClock.weekly()).unwrap();
    let saved = http
        .put(format!("{base}/v1/availability/schedule"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"time_zone": "America/Chicago", "weekly": weekly}))
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), 200);

    let mut request = format!("{}/v1/events?after=0", base.replace("http://", "ws://"))
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let intake = http
        .post(format!("{base}/v1/intake/referrals"))
        .header("x-api-key", intake_key)
        .json(&serde_json::json!({
            "consumer_name": "Mary Smith", "phone": "(512) 555-0142",
            "email": "mary@example.org", "state": "TX", "city": "Austin", "zip": "78701",
            "preferred_language": "en",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(intake.status(), 201);

    // The feed tells the agent's app: offered, missed after the 1 s window, suspended.
    let mut kinds = Vec::new();
    let suspension = loop {
        let message = tokio::time::timeout(std::time::Duration::from_secs(30), socket.next())
            .await
            .expect("the suspension within the guard time")
            .expect("the socket stays open")
            .unwrap();
        let Message::Text(text) = message else {
            continue;
        };
        let message: Value = serde_json::from_str(&text).unwrap();
        if message["kind"] != "change" {
            continue;
        }
        let event = &message["event"];
        kinds.push(event["type"].as_str().unwrap().to_owned());
        if event["type"] == "profile_changed" && !event["profile"]["suspended"].is_null() {
            break event["profile"]["suspended"].clone();
        }
    };
    assert!(
        kinds.ends_with(&[
            "offer_made".into(),
            "offer_resolved".into(),
            "profile_changed".into()
        ]),
        "{kinds:?}"
    );
    assert!(
        suspension["reason"].as_str().unwrap().contains("AV-9"),
        "{suspension}"
    );
    let profile: Value = http
        .get(format!("{base}/v1/profile"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(profile["suspended"], suspension);

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    assert!(child.wait().unwrap().success());
}

#[test]
fn bad_settings_are_refused_before_anything_runs() {
    let output = hod_command()
        .args([
            "--database",
            "sqlite:///nonexistent/x.sqlite3",
            "serve",
            "--accept-window",
            "soon",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "a usage error");
    assert!(
        stderr(&output).contains("not a duration such as 15m"),
        "{}",
        stderr(&output)
    );

    let output = hod_command()
        .args(["--database", "mysql://db/hod", "migrate"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(stderr(&output).contains("database URL must be sqlite://PATH or postgres://"));
}
