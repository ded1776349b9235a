//! Fresh databases and in-process servers for the tests.

use chrono::{DateTime, TimeZone, Utc};
use hod_server::clock::ManualClock;
use hod_server::dispatch::PassReport;
use hod_server::settings::ApiKey;
use hod_server::store::{self, DatabaseUrl, DynStore};
use hod_server::{serve, AppState, Services, Settings};
use serde_json::{json, Value};
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub const ADMIN_KEY: &str = "test-admin-key-0123456789";
pub const INTAKE_KEY: &str = "test-intake-key-0123456789";
pub const PASSWORD: &str = "Sunshine#2026";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Monday 5 January 2026, 15:00 UTC: where every test clock starts.
pub fn start_of_test() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 15, 0, 0).single().unwrap()
}

/// A database nobody else uses, removed when dropped.
pub struct TestDb {
    url: String,
    _dir: Option<tempfile::TempDir>,
    postgres: Option<(String, String)>,
}

fn random_suffix() -> String {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).unwrap();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl TestDb {
    pub async fn new(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let path = dir.path().join("hod.sqlite3");
                Self {
                    url: format!("sqlite://{}", path.display()),
                    _dir: Some(dir),
                    postgres: None,
                }
            }
            Backend::Postgres => {
                let admin = std::env::var("HOD_TEST_DATABASE_URL")
                    .expect("HOD_TEST_DATABASE_URL must name a PostgreSQL server for this test");
                let name = format!("hod_test_{}", random_suffix());
                let (client, connection) = tokio_postgres::connect(&admin, tokio_postgres::NoTls)
                    .await
                    .expect("connect to HOD_TEST_DATABASE_URL");
                tokio::spawn(connection);
                client
                    .batch_execute(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("the test role must be allowed to create databases");
                let mut url = url::Url::parse(&admin).unwrap();
                url.set_path(&format!("/{name}"));
                Self {
                    url: url.to_string(),
                    _dir: None,
                    postgres: Some((admin, name)),
                }
            }
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn database_url(&self) -> DatabaseUrl {
        self.url.parse().unwrap()
    }

    /// A migrated store on this database.
    pub async fn store(&self) -> DynStore {
        let store = store::open(&self.database_url()).await.unwrap();
        store.migrate().await.unwrap();
        store
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((admin, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs inside the test's runtime: use a thread with its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let (client, connection) = tokio_postgres::connect(&admin, tokio_postgres::NoTls)
                    .await
                    .unwrap();
                tokio::spawn(connection);
                client
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await
                    .unwrap();
            });
        })
        .join();
        if dropped.is_err() && !std::thread::panicking() {
            panic!("could not drop the test database");
        }
    }
}

/// A server on 127.0.0.1:0 with a manual clock, driven over real HTTP.
pub struct TestServer {
    pub base: String,
    pub http: reqwest::Client,
    pub clock: Arc<ManualClock>,
    pub store: DynStore,
    /// The server's state: its dispatcher is how tests run a timer pass without sleeping.
    pub state: AppState,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
    db: Option<TestDb>,
}

impl TestServer {
    pub async fn start(backend: Backend) -> Self {
        Self::start_with(backend, |_| {}).await
    }

    pub async fn start_with(backend: Backend, tweak: impl FnOnce(&mut Settings)) -> Self {
        Self::start_on(TestDb::new(backend).await, tweak).await
    }

    /// Serves an existing database (e.g. one the CLI filled).
    pub async fn start_on(db: TestDb, tweak: impl FnOnce(&mut Settings)) -> Self {
        let clock = Arc::new(ManualClock::new(start_of_test()));
        Self::start_on_with_clock(db, tweak, clock).await
    }

    /// Serves an existing database with the given clock (a restart keeps the time).
    pub async fn start_on_with_clock(
        db: TestDb,
        tweak: impl FnOnce(&mut Settings),
        clock: Arc<ManualClock>,
    ) -> Self {
        let url = db.database_url();
        Self::start_at(url, Some(db), tweak, clock).await
    }

    /// A second server instance on this one's database, sharing its clock (scale-out).
    pub async fn another_instance(&self) -> Self {
        self.another_instance_with(|_| {}).await
    }

    pub async fn another_instance_with(&self, tweak: impl FnOnce(&mut Settings)) -> Self {
        let url = self.db.as_ref().unwrap().database_url();
        Self::start_at(url, None, tweak, self.clock.clone()).await
    }

    async fn start_at(
        url: DatabaseUrl,
        db: Option<TestDb>,
        tweak: impl FnOnce(&mut Settings),
        clock: Arc<ManualClock>,
    ) -> Self {
        hod_server::telemetry::init_for_tests();
        let store = store::open(&url).await.unwrap();
        store.migrate().await.unwrap();
        let mut settings = Settings::defaults();
        settings.database = url;
        settings.admin_api_keys = vec![ApiKey::new(ADMIN_KEY).unwrap()];
        settings.intake_api_keys = vec![ApiKey::new(INTAKE_KEY).unwrap()];
        tweak(&mut settings);

        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (shutdown, stop) = oneshot::channel::<()>();
        let services = Services {
            store: store.clone(),
            clock: clock.clone(),
        };
        let state = AppState::new(services, settings);
        // The listener is bound already: requests queue until the server accepts them.
        let task = tokio::spawn(serve(state.clone(), listener, async move {
            let _ = stop.await;
        }));
        Self {
            base,
            http: reqwest::Client::new(),
            clock,
            store,
            state,
            shutdown: Some(shutdown),
            task: Some(task),
            db,
        }
    }

    /// Runs one dispatcher pass now (expiries, maximum waits, routing) and waits for it.
    pub async fn tick(&self) -> PassReport {
        self.state.dispatcher.run_once().await.unwrap()
    }

    /// Stops gracefully and hands back the database, for a restart on it.
    pub async fn stop_keeping_db(mut self) -> TestDb {
        let db = self.db.take().unwrap();
        self.shutdown_and_wait().await;
        db
    }

    async fn shutdown_and_wait(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap().unwrap();
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The URL of the database this server was started on (not of another instance's).
    pub fn database(&self) -> &str {
        self.db
            .as_ref()
            .expect("the first instance holds the database")
            .url()
    }

    /// Provisions an agent through the admin API, with [`PASSWORD`].
    pub async fn provision(&self, username: &str, npn: &str) -> Value {
        let response = self
            .http
            .post(self.url("/v1/admin/agents"))
            .header("x-api-key", ADMIN_KEY)
            .json(&agent_body(username, npn))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201, "provisioning {username}");
        response.json().await.unwrap()
    }

    pub async fn login(&self, username: &str, password: &str) -> reqwest::Response {
        self.http
            .post(self.url("/v1/auth/login"))
            .json(&json!({ "username": username, "password": password }))
            .send()
            .await
            .unwrap()
    }

    /// Logs in with [`PASSWORD`] and returns the token.
    pub async fn token(&self, username: &str) -> String {
        let response = self.login(username, PASSWORD).await;
        assert_eq!(response.status(), 200, "login as {username}");
        let body: Value = response.json().await.unwrap();
        body["token"].as_str().unwrap().to_owned()
    }

    pub async fn profile(&self, token: &str) -> reqwest::Response {
        self.http
            .get(self.url("/v1/profile"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    /// Stops gracefully and checks the server ended without error.
    pub async fn stop(mut self) {
        self.shutdown_and_wait().await;
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// A valid provisioning body with [`PASSWORD`].
pub fn agent_body(username: &str, npn: &str) -> Value {
    json!({
        "npn": npn,
        "name": format!("Agent {username}"),
        "username": username,
        "mlms_email": format!("{username}@example.com"),
        "mobile_phone": "555-201-0123",
        "languages": ["en", "es"],
        "password": PASSWORD,
    })
}

/// The expiry's policy with `n` misses before suspension and the default health lines.
pub fn misses(n: u32) -> hod_server::store::MissPolicy {
    hod_server::store::MissPolicy {
        misses_before_suspension: n,
        matcher: hod_domain::eligibility::HealthLineMatcher::default(),
    }
}

/// The error body's `code`.
pub async fn error_code(response: reqwest::Response) -> String {
    let body: Value = response.json().await.unwrap();
    body["code"].as_str().unwrap_or_default().to_owned()
}
