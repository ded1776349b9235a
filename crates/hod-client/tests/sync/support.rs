//! A real hod-server in this process (SQLite file, manual clock, short heartbeats), a TCP
//! proxy in front of it that can go down, go silent or swallow answers, a logged-in client,
//! and waits on events with timeouts (never sleeps).

use chrono::{DateTime, Duration as ChronoDuration, NaiveDate, TimeZone, Utc};
use hod_client::{Client, ClientConfig, ClientEvent, FileTokenStore, Timing, WallClock};
use hod_domain::wire::v1::{Change, ReferralId};
use hod_server::clock::ManualClock;
use hod_server::settings::ApiKey;
use hod_server::store::{self, DatabaseUrl, DynStore, NewLicense};
use hod_server::{serve, AppState, Services, Settings};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{broadcast, oneshot, watch};
use tokio::task::JoinHandle;

pub const ADMIN_KEY: &str = "test-admin-key-0123456789";
pub const INTAKE_KEY: &str = "test-intake-key-0123456789";
pub const PASSWORD: &str = "Sunshine#2026";
pub const CONSUMER_NAME: &str = "Rosa Delgado";
pub const CONSUMER_PHONE: &str = "5125550199";

/// Generous: the whole workspace's tests may share two cores.
pub const WAIT: Duration = Duration::from_secs(20);

/// Server heartbeat in the tests (10 s in production).
pub const HEARTBEAT: Duration = Duration::from_millis(500);

/// Monday 5 January 2026, 15:00 UTC (10:00 in New York: inside the default hours, AV-1).
pub fn start_of_test() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 15, 0, 0)
        .single()
        .expect("a valid instant")
}

/// Short intervals so reconnects and half-open detection take seconds, not minutes.
pub fn test_timing() -> Timing {
    Timing {
        request_timeout: Duration::from_secs(10),
        read_timeout: Duration::from_secs(2),
        backoff_initial: Duration::from_millis(100),
        backoff_max: Duration::from_millis(800),
        healthy_after: Duration::from_secs(2),
    }
}

/// A hod-server on 127.0.0.1:0 over a SQLite file, with a manual clock.
pub struct TestServer {
    pub addr: SocketAddr,
    pub clock: Arc<ManualClock>,
    pub store: DynStore,
    pub state: AppState,
    pub http: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<bool>>,
}

impl TestServer {
    pub async fn start(db_path: &Path, clock: Arc<ManualClock>) -> Self {
        hod_server::telemetry::init_for_tests();
        let url: DatabaseUrl = format!("sqlite://{}", db_path.display())
            .parse()
            .expect("database URL");
        let store = store::open(&url).await.expect("open the store");
        store.migrate().await.expect("migrate");
        let mut settings = Settings::defaults();
        settings.database = url;
        settings.admin_api_keys = vec![ApiKey::new(ADMIN_KEY).expect("key")];
        settings.intake_api_keys = vec![ApiKey::new(INTAKE_KEY).expect("key")];
        settings.heartbeat_interval = HEARTBEAT;
        settings.heartbeat_timeout = HEARTBEAT * 6;
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let (shutdown, stop) = oneshot::channel::<()>();
        let services = Services {
            store: store.clone(),
            clock: clock.clone(),
        };
        let state = AppState::new(services, settings);
        // Bound already: requests queue until the server accepts them.
        let task = tokio::spawn({
            let state = state.clone();
            async move {
                serve(state, listener, async move {
                    let _ = stop.await;
                })
                .await
                .is_ok()
            }
        });
        Self {
            addr,
            clock,
            store,
            state,
            http: reqwest::Client::new(),
            shutdown: Some(shutdown),
            task: Some(task),
        }
    }

    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            let stopped = tokio::time::timeout(WAIT, task).await;
            assert!(
                matches!(stopped, Ok(Ok(true))),
                "the server did not stop cleanly"
            );
        }
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base())
    }

    pub fn now(&self) -> DateTime<Utc> {
        use hod_server::clock::Clock;
        self.clock.now()
    }

    /// Runs one dispatcher pass (expiries, routing) now.
    pub async fn tick(&self) {
        self.state
            .dispatcher
            .run_once()
            .await
            .expect("dispatch pass");
    }

    /// Provisions an agent licensed (health line, active) in `states`.
    pub async fn agent(&self, username: &str, npn: &str, states: &[&str]) {
        let response = self
            .http
            .post(self.url("/v1/admin/agents"))
            .header("x-api-key", ADMIN_KEY)
            .json(&json!({
                "npn": npn,
                "name": format!("Agent {username}"),
                "username": username,
                "mlms_email": format!("{username}@example.com"),
                "mobile_phone": "555-201-0123",
                "languages": ["en", "es"],
                "password": PASSWORD,
            }))
            .send()
            .await
            .expect("provision");
        assert_eq!(response.status(), 201, "provisioning {username}");
        let rows: Vec<NewLicense> = states
            .iter()
            .map(|state| NewLicense {
                npn: npn.to_owned(),
                state: (*state).to_owned(),
                line_of_authority: "Accident & Health".to_owned(),
                status: "active".to_owned(),
                effective: NaiveDate::from_ymd_opt(2020, 1, 1).expect("date"),
                expires: None,
            })
            .collect();
        self.store
            .import_licenses(&rows, self.now())
            .await
            .expect("licenses");
    }

    /// A consumer's request; the referral id.
    pub async fn intake(&self, state: &str) -> ReferralId {
        let response = self
            .http
            .post(self.url("/v1/intake/referrals"))
            .header("x-api-key", INTAKE_KEY)
            .json(&json!({
                "consumer_name": CONSUMER_NAME,
                "phone": CONSUMER_PHONE,
                "email": "rosa.delgado@example.org",
                "state": state,
                "city": "Springfield",
                "zip": "78701",
                "preferred_language": "en",
                "notes": "Call after 5pm",
            }))
            .send()
            .await
            .expect("intake");
        assert!(response.status().is_success(), "intake");
        let body: Value = response.json().await.expect("receipt");
        ReferralId(body["id"].as_i64().expect("id"))
    }

    /// A session of our own for `username`, to look at the server's side.
    pub async fn token(&self, username: &str) -> String {
        let response = self
            .http
            .post(self.url("/v1/auth/login"))
            .json(&json!({ "username": username, "password": PASSWORD }))
            .send()
            .await
            .expect("login");
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.expect("login body");
        body["token"].as_str().expect("token").to_owned()
    }

    /// How many `GET` requests on `route` (a route template) the server has answered with a
    /// 2xx status, from its Prometheus counters.
    pub async fn requests_served(&self, route: &str) -> u64 {
        let text = self
            .http
            .get(self.url("/metrics"))
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("metrics body");
        let series =
            format!("hod_http_requests_total{{method=\"GET\",route=\"{route}\",status=\"2xx\"}} ");
        text.lines()
            .find_map(|line| line.strip_prefix(&series))
            .map_or(0, |n| n.trim().parse().expect("a count"))
    }

    /// The agent's change feed after `after`, straight from the server.
    pub async fn changes_after(&self, token: &str, after: i64) -> Vec<Change> {
        let mut all = Vec::new();
        let mut cursor = after;
        loop {
            let response = self
                .http
                .get(self.url(&format!("/v1/changes?after={cursor}&limit=500")))
                .bearer_auth(token)
                .send()
                .await
                .expect("changes");
            assert_eq!(response.status(), 200);
            let page: Value = response.json().await.expect("changes body");
            let changes: Vec<Change> =
                serde_json::from_value(page["changes"].clone()).expect("changes");
            let Some(last) = changes.last() else {
                return all;
            };
            cursor = last.seq;
            all.extend(changes);
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// What the proxy does with traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyMode {
    Forward,
    /// Existing connections are cut; new ones are closed at once (server down).
    Down,
    /// Connections stay open but nothing goes through, either way (half-open).
    Silent,
    /// Requests reach the server, answers are dropped (the answer is lost).
    SwallowAnswers,
}

/// A TCP proxy at a fixed address in front of a server whose address may change.
pub struct Proxy {
    pub addr: SocketAddr,
    target: Arc<Mutex<SocketAddr>>,
    mode: watch::Sender<ProxyMode>,
    cut: watch::Sender<u64>,
    swallowed: broadcast::Sender<String>,
    task: JoinHandle<()>,
}

impl Proxy {
    pub async fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy address");
        let target = Arc::new(Mutex::new(target));
        let (mode, _) = watch::channel(ProxyMode::Forward);
        let (cut, _) = watch::channel(0u64);
        let (swallowed, _) = broadcast::channel(256);
        let task = tokio::spawn({
            let target = target.clone();
            let mode = mode.subscribe();
            let cut = cut.subscribe();
            let swallowed = swallowed.clone();
            async move {
                loop {
                    let Ok((client, _)) = listener.accept().await else {
                        return;
                    };
                    let now = *mode.borrow();
                    if now == ProxyMode::Down {
                        drop(client);
                        continue;
                    }
                    let to = *target.lock().expect("target");
                    tokio::spawn(relay(
                        client,
                        to,
                        now,
                        mode.clone(),
                        cut.clone(),
                        swallowed.clone(),
                    ));
                }
            }
        });
        Self {
            addr,
            target,
            mode,
            cut,
            swallowed,
            task,
        }
    }

    /// The request line of each request whose answer the proxy dropped
    /// ([`ProxyMode::SwallowAnswers`]): proof the server answered it.
    pub fn swallowed_answers(&self) -> broadcast::Receiver<String> {
        self.swallowed.subscribe()
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn set_target(&self, to: SocketAddr) {
        *self.target.lock().expect("target") = to;
    }

    pub fn set_mode(&self, mode: ProxyMode) {
        self.mode.send_replace(mode);
        if mode == ProxyMode::Down {
            self.cut.send_modify(|generation| *generation += 1);
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
        self.cut.send_modify(|generation| *generation += 1);
    }
}

async fn relay(
    client: TcpStream,
    to: SocketAddr,
    mode_at_accept: ProxyMode,
    mode: watch::Receiver<ProxyMode>,
    mut cut: watch::Receiver<u64>,
    swallowed: broadcast::Sender<String>,
) {
    cut.borrow_and_update();
    if mode_at_accept == ProxyMode::Silent {
        // Accepted, and then nothing: a connection into a black hole.
        let (mut read, _write) = client.into_split();
        let mut sink = [0u8; 4096];
        tokio::select! {
            _ = async { while matches!(read.read(&mut sink).await, Ok(n) if n > 0) {} } => {}
            _ = cut.changed() => {}
        }
        return;
    }
    let Ok(server) = TcpStream::connect(to).await else {
        return;
    };
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    let last_request = Arc::new(Mutex::new(String::new()));
    let up = Pump {
        mode: mode.clone(),
        upstream: true,
        last_request: last_request.clone(),
        swallowed: swallowed.clone(),
    };
    let down = Pump {
        mode,
        upstream: false,
        last_request,
        swallowed,
    };
    tokio::select! {
        () = up.run(client_read, server_write) => {}
        () = down.run(server_read, client_write) => {}
        _ = cut.changed() => {}
    }
}

struct Pump {
    mode: watch::Receiver<ProxyMode>,
    upstream: bool,
    last_request: Arc<Mutex<String>>,
    swallowed: broadcast::Sender<String>,
}

impl Pump {
    async fn run(self, mut from: OwnedReadHalf, mut to: OwnedWriteHalf) {
        let mut buffer = vec![0u8; 16 * 1024];
        loop {
            let n = match from.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            let chunk = &buffer[..n];
            if self.upstream {
                let text = String::from_utf8_lossy(chunk);
                let line = text.lines().next().unwrap_or_default();
                if line.ends_with("HTTP/1.1") {
                    *self.last_request.lock().expect("request line") = line.to_owned();
                }
            }
            let forward = match *self.mode.borrow() {
                ProxyMode::Forward => true,
                ProxyMode::SwallowAnswers => self.upstream,
                ProxyMode::Down | ProxyMode::Silent => false,
            };
            if forward {
                if to.write_all(chunk).await.is_err() {
                    return;
                }
            } else if !self.upstream {
                let line = self.last_request.lock().expect("request line").clone();
                let _ = self.swallowed.send(line);
            }
        }
    }
}

/// A client on `server_url` keeping its files in `dir`, the token in a file store.
pub async fn client_in(dir: &Path, server_url: &str, clock: Option<Arc<dyn WallClock>>) -> Client {
    let mut config = ClientConfig::new(server_url, dir);
    config.token_store = Some(Arc::new(FileTokenStore::new(dir.join("auth"))));
    config.timing = test_timing();
    if let Some(clock) = clock {
        config.clock = clock;
    }
    Client::start(config).await.expect("start the client")
}

/// Waits for an event matching `wanted`; panics with `what` after [`WAIT`].
pub async fn next_event(
    events: &mut broadcast::Receiver<ClientEvent>,
    what: &str,
    mut wanted: impl FnMut(&ClientEvent) -> bool,
) -> ClientEvent {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Err(_) => panic!("timed out waiting for {what}"),
            Ok(Ok(event)) if wanted(&event) => return event,
            Ok(Ok(_)) | Ok(Err(broadcast::error::RecvError::Lagged(_))) => {}
            Ok(Err(broadcast::error::RecvError::Closed)) => panic!("events closed: {what}"),
        }
    }
}

/// Waits until `done` holds, checking again after every event; panics after [`WAIT`].
pub async fn until(
    client: &Client,
    events: &mut broadcast::Receiver<ClientEvent>,
    what: &str,
    mut done: impl FnMut(&Client) -> bool,
) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if done(client) {
            return;
        }
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Err(_) => panic!("timed out waiting for {what}"),
            Ok(Ok(_)) | Ok(Err(broadcast::error::RecvError::Lagged(_))) => {}
            Ok(Err(broadcast::error::RecvError::Closed)) => panic!("events closed: {what}"),
        }
    }
}

pub fn is_online(event: &ClientEvent) -> bool {
    matches!(
        event,
        ClientEvent::Connection(hod_client::ConnectionState::Online)
    )
}

pub fn is_offline(event: &ClientEvent) -> bool {
    matches!(
        event,
        ClientEvent::Connection(hod_client::ConnectionState::Offline)
    )
}

/// Logs `username` in and waits until the client is online with its snapshot.
pub async fn login_online(
    client: &Client,
    events: &mut broadcast::Receiver<ClientEvent>,
    username: &str,
) {
    client.login(username, PASSWORD).await.expect("login");
    next_event(events, "online after login", is_online).await;
}

/// A Stop Referrals time for action `i` of a series: distinct, increasing, later today.
pub fn stop_time(i: usize) -> DateTime<Utc> {
    start_of_test() + ChronoDuration::minutes(60 + i64::try_from(i).expect("small"))
}
