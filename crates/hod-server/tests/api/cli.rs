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

    assert_eq!(
        assert_ok(&hod(&url, &["migrate"], None)),
        "applied 0001_accounts\napplied 0002_referrals\n"
    );
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
    assert_eq!(
        body["profile"]["suspension"]["reason"],
        "missed 3 referrals"
    );
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
    assert_eq!(profile["suspended"], false);
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
