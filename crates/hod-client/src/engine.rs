//! The facade the desktop shell uses: [`Client`].
//!
//! - [`Client::start`] with a server URL and a data folder: resumes the saved session (token
//!   from the [`TokenStore`], cache file of that agent) and starts syncing, or waits for
//!   [`Client::login`];
//! - actions (accept, reject, set status, log an attempt, save the schedule, Today's
//!   Availability, Out of Office, preferences) write to the outbox with their optimistic
//!   effect and return at once; the sender delivers them;
//! - reads go to the cache ([`Client::read`] and helpers), never to the network;
//! - [`Client::subscribe`] gives the typed [`ClientEvent`]s;
//! - [`Client::shutdown`] stops the background tasks.
//!
//! Two background tasks run per session: the sync loop (snapshot when needed, catch-up from
//! the cursor, then the live WebSocket; on any failure, offline and a reconnect after an
//! exponential backoff with jitter, reset after a healthy connection) and the outbox
//! [`Sender`].

use crate::api::{parse_server_url, Api};
use crate::backoff::Backoff;
use crate::cache::{cache_path_in, Cache, ReferralListPage, ReferralQuery, EVENT_CAPACITY};
use crate::error::{CacheError, ClientError};
use crate::events::{ClientEvent, ConnectionState};
use crate::outbox::{OutboxItem, Refusal};
use crate::sender::Sender;
use crate::server_time::{ServerClock, SystemClock, WallClock};
use crate::sync::live::LiveEnd;
use crate::sync::{catch_up, live, lock, missed_alert, snapshot, SharedCache};
use crate::token_store::{choose_token_store, AuthToken, TokenAccount, TokenStore};
use chrono::{DateTime, Utc};
use hod_domain::availability::{AgentTimeZone, WeeklySchedule};
use hod_domain::referral::StatusChange;
use hod_domain::wire::v1::{
    Availability, ContactAttemptRequest, MissedAlertView, OutOfOfficeRequest, Profile,
    ProfileUpdate, Referral, ReferralId, RejectRequest, TodayRequest,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::{broadcast, watch, Notify};
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// The intervals the sync engine runs on. The defaults suit production; tests shrink them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// The longest an HTTP request may take.
    pub request_timeout: Duration,
    /// The longest the live connection may stay silent before it is dropped and re-opened.
    /// The server sends a heartbeat every 10 s; 25 s means a half-open connection is
    /// replaced within 30 s.
    pub read_timeout: Duration,
    /// First reconnect / resend delay; doubled on each failure up to `backoff_max`.
    pub backoff_initial: Duration,
    pub backoff_max: Duration,
    /// A connection that stayed up this long was healthy: the backoff starts over.
    pub healthy_after: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(20),
            read_timeout: Duration::from_secs(25),
            backoff_initial: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
            healthy_after: Duration::from_secs(10),
        }
    }
}

/// What [`Client::start`] needs.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub server_url: String,
    /// The app-data folder: cache files, the session file, the token file fallback.
    pub data_dir: PathBuf,
    /// Where the token is kept; `None` picks the keychain, or the file fallback.
    pub token_store: Option<Arc<dyn TokenStore>>,
    /// The local clock (tests use a shifted one).
    pub clock: Arc<dyn WallClock>,
    pub timing: Timing,
}

impl ClientConfig {
    pub fn new(server_url: impl Into<String>, data_dir: impl Into<PathBuf>) -> Self {
        Self {
            server_url: server_url.into(),
            data_dir: data_dir.into(),
            token_store: None,
            clock: Arc::new(SystemClock),
            timing: Timing::default(),
        }
    }
}

/// The agent last logged in on a server: not secret (the token is elsewhere).
#[derive(Debug, Serialize, Deserialize)]
struct SavedSession {
    server_url: String,
    username: String,
}

/// Announces connection changes, once per change.
#[derive(Debug)]
struct ConnectionReporter {
    state: watch::Sender<ConnectionState>,
    events: broadcast::Sender<ClientEvent>,
}

impl ConnectionReporter {
    fn set(&self, state: ConnectionState) {
        let changed = self.state.send_if_modified(|current| {
            let changed = *current != state;
            *current = state;
            changed
        });
        if changed {
            let _ = self.events.send(ClientEvent::Connection(state));
        }
    }
}

/// The running session of one agent.
#[derive(Debug)]
struct Active {
    username: String,
    cache: SharedCache,
    wake: Arc<Notify>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

#[derive(Debug)]
struct Inner {
    server_url: String,
    data_dir: PathBuf,
    timing: Timing,
    api: Api,
    tokens: Arc<dyn TokenStore>,
    events: broadcast::Sender<ClientEvent>,
    connection: Arc<ConnectionReporter>,
    active: Mutex<Option<Active>>,
    /// Serialises login, logout and shutdown.
    lifecycle: tokio::sync::Mutex<bool>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(active) = self.active.get_mut().ok().and_then(Option::take) {
            let _ = active.shutdown.send(true);
            for task in active.tasks {
                task.abort();
            }
        }
    }
}

/// The desktop core: cache, sync and outbox behind one handle. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl Client {
    /// Opens the client for `config.server_url`. When a session was saved for that server
    /// and its token is still in the store, syncing starts at once (offline reads work
    /// right away); otherwise the client waits for [`Client::login`]. Must run inside a
    /// Tokio runtime.
    pub async fn start(config: ClientConfig) -> Result<Self, ClientError> {
        let base = parse_server_url(&config.server_url).map_err(|reason| {
            ClientError::InvalidServerUrl {
                url: config.server_url.clone(),
                reason,
            }
        })?;
        let server_url = base.as_str().trim_end_matches('/').to_owned();
        std::fs::create_dir_all(&config.data_dir).map_err(|source| ClientError::Io {
            path: config.data_dir.clone(),
            source,
        })?;
        let tokens = match config.token_store {
            Some(tokens) => tokens,
            None => {
                let dir = config.data_dir.join("auth");
                tokio::task::spawn_blocking(move || choose_token_store(&dir))
                    .await
                    .map_err(|_| ClientError::ShutDown)?
            }
        };
        let clock = ServerClock::new(config.clock);
        let api = Api::new(base, clock, config.timing.request_timeout).map_err(|reason| {
            ClientError::InvalidServerUrl {
                url: server_url.clone(),
                reason,
            }
        })?;
        let (events, _) = broadcast::channel(EVENT_CAPACITY);
        let (state, _) = watch::channel(ConnectionState::Offline);
        let client = Self {
            inner: Arc::new(Inner {
                server_url,
                data_dir: config.data_dir,
                timing: config.timing,
                api,
                tokens,
                events: events.clone(),
                connection: Arc::new(ConnectionReporter { state, events }),
                active: Mutex::new(None),
                lifecycle: tokio::sync::Mutex::new(false),
            }),
        };
        if let Some(username) = client.saved_username() {
            let account = TokenAccount::new(&client.inner.server_url, &username);
            if let Some(token) = client.load_token(account).await? {
                client.inner.api.set_token(Some(token));
                client.activate(&username)?;
            }
        }
        Ok(client)
    }

    pub fn server_url(&self) -> &str {
        &self.inner.server_url
    }

    /// Which store keeps the token ("keychain" or "file").
    pub fn token_store_kind(&self) -> &'static str {
        self.inner.tokens.kind()
    }

    /// Logs in, keeps the token in the token store (never in the cache), opens this agent's
    /// cache and starts syncing. A running session of another agent is stopped first.
    pub async fn login(&self, username: &str, password: &str) -> Result<Profile, ClientError> {
        let stopped = self.inner.lifecycle.lock().await;
        if *stopped {
            return Err(ClientError::ShutDown);
        }
        self.deactivate().await;
        let response = self.inner.api.login(username, password).await?;
        let token = AuthToken::new(response.token.clone());
        let account = TokenAccount::new(&self.inner.server_url, username);
        let tokens = self.inner.tokens.clone();
        tokio::task::spawn_blocking(move || tokens.save(&account, &token))
            .await
            .map_err(|_| ClientError::ShutDown)??;
        self.save_session(username)?;
        self.activate(username)?;
        tracing::info!(store = self.inner.tokens.kind(), "logged in");
        Ok(response.profile)
    }

    /// Stops syncing, revokes the session on the server (when it can be reached) and deletes
    /// the token. The cache file and any unsent actions stay for the next login.
    pub async fn logout(&self) -> Result<(), ClientError> {
        let _lifecycle = self.inner.lifecycle.lock().await;
        let username = self.deactivate().await.ok_or(ClientError::NotLoggedIn)?;
        match self.inner.api.logout().await {
            Ok(()) => {}
            Err(e) if e.is_unauthorized() => {}
            Err(e) => tracing::warn!(error = %e, "the server could not revoke the session"),
        }
        self.inner.api.set_token(None);
        let account = TokenAccount::new(&self.inner.server_url, &username);
        let tokens = self.inner.tokens.clone();
        tokio::task::spawn_blocking(move || tokens.delete(&account))
            .await
            .map_err(|_| ClientError::ShutDown)??;
        let path = self.session_path();
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => return Err(ClientError::Io { path, source }),
        }
        Ok(())
    }

    /// Stops the background tasks; the client accepts no more logins. Queued actions stay
    /// in the cache for the next start.
    pub async fn shutdown(&self) {
        let mut stopped = self.inner.lifecycle.lock().await;
        *stopped = true;
        self.deactivate().await;
    }

    pub fn subscribe(&self) -> broadcast::Receiver<ClientEvent> {
        self.inner.events.subscribe()
    }

    pub fn connection_state(&self) -> ConnectionState {
        *self.inner.connection.state.borrow()
    }

    /// The agent whose session is running.
    pub fn username(&self) -> Option<String> {
        self.lock_active().as_ref().map(|a| a.username.clone())
    }

    pub fn is_logged_in(&self) -> bool {
        self.lock_active().is_some()
    }

    /// The server's clock now (estimated from the exchanges so far).
    pub fn server_now(&self) -> DateTime<Utc> {
        self.inner.api.clock().server_now()
    }

    /// Server minus local clock.
    pub fn clock_offset(&self) -> chrono::Duration {
        self.inner.api.clock().offset()
    }

    /// Time left until a server deadline (an offer's accept window, MR-1), never negative.
    pub fn remaining(&self, deadline: DateTime<Utc>) -> chrono::Duration {
        self.inner.api.clock().remaining(deadline)
    }

    // ---- reads, from the cache only ----

    /// Runs a read against the cache.
    pub fn read<R>(
        &self,
        read: impl FnOnce(&Cache) -> Result<R, CacheError>,
    ) -> Result<R, ClientError> {
        let cache = self.cache()?;
        let guard = lock(&cache);
        Ok(read(&guard)?)
    }

    pub fn referrals(&self, query: &ReferralQuery) -> Result<ReferralListPage, ClientError> {
        self.read(|c| c.referrals(query))
    }

    pub fn referral(&self, id: ReferralId) -> Result<Option<Referral>, ClientError> {
        self.read(|c| c.referral(id))
    }

    pub fn pending_offers(&self) -> Result<Vec<Referral>, ClientError> {
        self.read(Cache::pending_offers)
    }

    pub fn profile(&self) -> Result<Option<Profile>, ClientError> {
        self.read(Cache::profile)
    }

    /// Whether the agent's Preferred Contact Method includes app notifications (CP-1): with
    /// Email & Text or Email Only, offers still show in the window and the tray but raise no
    /// desktop notification. True while no profile is cached yet.
    pub fn wants_app_notifications(&self) -> bool {
        match self.profile() {
            Ok(Some(profile)) => profile.preferred_contact_method.channels().app,
            _ => true,
        }
    }

    pub fn availability(&self) -> Result<Option<Availability>, ClientError> {
        self.read(Cache::availability)
    }

    pub fn missed_alert(&self) -> Result<Option<MissedAlertView>, ClientError> {
        self.read(Cache::missed_alert)
    }

    /// Actions not yet answered by the server, in order.
    pub fn pending_outbox(&self) -> Result<Vec<OutboxItem>, ClientError> {
        self.read(Cache::pending)
    }

    pub fn refusals(&self) -> Result<Vec<Refusal>, ClientError> {
        self.read(Cache::refusals)
    }

    pub fn dismiss_refusal(&self, outbox_id: i64) -> Result<(), ClientError> {
        let cache = self.cache()?;
        let mut guard = lock(&cache);
        Ok(guard.dismiss_refusal(outbox_id)?)
    }

    // ---- actions: queued with their optimistic effect, sent in the background ----

    fn act(
        &self,
        action: impl FnOnce(&mut Cache, DateTime<Utc>) -> Result<OutboxItem, CacheError>,
    ) -> Result<OutboxItem, ClientError> {
        let (cache, wake) = {
            let active = self.lock_active();
            let active = active.as_ref().ok_or(ClientError::NotLoggedIn)?;
            (active.cache.clone(), active.wake.clone())
        };
        let now = self.server_now();
        let item = action(&mut lock(&cache), now)?;
        wake.notify_one();
        Ok(item)
    }

    /// Accept a pending offer (MR-1).
    pub fn accept(&self, id: ReferralId) -> Result<OutboxItem, ClientError> {
        self.act(|c, now| c.accept(id, now))
    }

    /// Reject a pending offer (CE-3).
    pub fn reject(
        &self,
        id: ReferralId,
        request: RejectRequest,
    ) -> Result<OutboxItem, ClientError> {
        self.act(|c, now| c.reject(id, request, now))
    }

    /// Set an accepted referral's status (RS-7).
    pub fn set_status(
        &self,
        id: ReferralId,
        change: StatusChange,
    ) -> Result<OutboxItem, ClientError> {
        self.act(|c, now| c.set_status(id, change, now))
    }

    /// Log a contact attempt (CE-4).
    pub fn log_contact_attempt(
        &self,
        id: ReferralId,
        request: ContactAttemptRequest,
    ) -> Result<OutboxItem, ClientError> {
        self.act(|c, now| c.log_contact_attempt(id, request, now))
    }

    /// Save Standard Hours and zone (AV-1..AV-5).
    pub fn save_schedule(
        &self,
        time_zone: AgentTimeZone,
        weekly: WeeklySchedule,
    ) -> Result<OutboxItem, ClientError> {
        self.act(|c, now| c.save_schedule(time_zone, weekly, now))
    }

    /// Switch Today's Availability on or off (AV-6).
    pub fn set_today(&self, request: TodayRequest) -> Result<OutboxItem, ClientError> {
        self.act(|c, now| c.set_today(request, now))
    }

    /// Set Out of Office (AV-7).
    pub fn set_out_of_office(
        &self,
        request: OutOfOfficeRequest,
    ) -> Result<OutboxItem, ClientError> {
        self.act(|c, now| c.set_out_of_office(request, now))
    }

    /// Switch Out of Office off (AV-7).
    pub fn clear_out_of_office(&self) -> Result<OutboxItem, ClientError> {
        self.act(Cache::clear_out_of_office)
    }

    /// Save the Preferred Contact Method, State Preferences, languages (CP-1, ST-2, ST-3).
    pub fn save_preferences(&self, update: ProfileUpdate) -> Result<OutboxItem, ClientError> {
        self.act(|c, now| c.save_preferences(update, now))
    }

    // ---- session plumbing ----

    fn lock_active(&self) -> std::sync::MutexGuard<'_, Option<Active>> {
        self.inner
            .active
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn cache(&self) -> Result<SharedCache, ClientError> {
        self.lock_active()
            .as_ref()
            .map(|a| a.cache.clone())
            .ok_or(ClientError::NotLoggedIn)
    }

    fn session_path(&self) -> PathBuf {
        let digest = Sha256::digest(self.inner.server_url.as_bytes());
        let hash: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        self.inner.data_dir.join(format!("session-{hash}.json"))
    }

    fn saved_username(&self) -> Option<String> {
        let text = std::fs::read_to_string(self.session_path()).ok()?;
        let saved: SavedSession = serde_json::from_str(&text).ok()?;
        (saved.server_url == self.inner.server_url).then_some(saved.username)
    }

    fn save_session(&self, username: &str) -> Result<(), ClientError> {
        let path = self.session_path();
        let saved = SavedSession {
            server_url: self.inner.server_url.clone(),
            username: username.to_owned(),
        };
        let text = serde_json::to_string(&saved).map_err(CacheError::from)?;
        std::fs::write(&path, text).map_err(|source| ClientError::Io { path, source })
    }

    async fn load_token(&self, account: TokenAccount) -> Result<Option<AuthToken>, ClientError> {
        let tokens = self.inner.tokens.clone();
        Ok(tokio::task::spawn_blocking(move || tokens.load(&account))
            .await
            .map_err(|_| ClientError::ShutDown)??)
    }

    fn cache_path(&self, username: &str) -> PathBuf {
        cache_path_in(
            &self.inner.data_dir.join("cache"),
            &self.inner.server_url,
            username,
        )
    }

    /// Opens the agent's cache and starts the sync loop and the sender.
    fn activate(&self, username: &str) -> Result<(), ClientError> {
        let cache = Cache::open_with_events(&self.cache_path(username), self.inner.events.clone())?;
        if let Some(offset) = cache.server_clock_offset()? {
            self.inner.api.clock().seed(offset);
        }
        let cache: SharedCache = Arc::new(Mutex::new(cache));
        let wake = Arc::new(Notify::new());
        let resync = Arc::new(Notify::new());
        let (shutdown, shutdown_rx) = watch::channel(false);
        let timing = self.inner.timing;
        let sync = SyncLoop {
            api: self.inner.api.clone(),
            cache: cache.clone(),
            timing,
            shutdown: shutdown_rx.clone(),
            resync: resync.clone(),
            wake: wake.clone(),
            connection: self.inner.connection.clone(),
            events: self.inner.events.clone(),
        };
        let sender = Sender {
            api: self.inner.api.clone(),
            cache: cache.clone(),
            wake: wake.clone(),
            resync,
            connection: self.inner.connection.state.subscribe(),
            shutdown: shutdown_rx,
            backoff_initial: timing.backoff_initial,
            backoff_max: timing.backoff_max,
        };
        let tasks = vec![tokio::spawn(sync.run()), tokio::spawn(sender.run())];
        *self.lock_active() = Some(Active {
            username: username.to_owned(),
            cache,
            wake,
            shutdown,
            tasks,
        });
        Ok(())
    }

    /// Stops the running session's tasks; returns whose session it was.
    async fn deactivate(&self) -> Option<String> {
        let active = self.lock_active().take()?;
        let _ = active.shutdown.send(true);
        for mut task in active.tasks {
            // A task waiting on a request sees the signal when it returns; it is not worth
            // waiting for: an unanswered item stays pending and goes out again later.
            if tokio::time::timeout(Duration::from_secs(2), &mut task)
                .await
                .is_err()
            {
                task.abort();
            }
        }
        self.inner.connection.set(ConnectionState::Offline);
        Some(active.username)
    }
}

/// The sync loop of one session.
struct SyncLoop {
    api: Api,
    cache: SharedCache,
    timing: Timing,
    shutdown: watch::Receiver<bool>,
    resync: Arc<Notify>,
    wake: Arc<Notify>,
    connection: Arc<ConnectionReporter>,
    events: broadcast::Sender<ClientEvent>,
}

impl SyncLoop {
    async fn run(mut self) {
        let mut backoff = Backoff::new(self.timing.backoff_initial, self.timing.backoff_max);
        let mut force_snapshot = false;
        loop {
            if *self.shutdown.borrow() {
                return;
            }
            self.connection.set(ConnectionState::Syncing);
            let started = Instant::now();
            let ended = self.sync_and_listen(&mut force_snapshot).await;
            let reason = match ended {
                Ok(LiveEnd::Shutdown) => return,
                Ok(LiveEnd::Gap | LiveEnd::Resync) => {
                    force_snapshot = true;
                    continue;
                }
                Ok(LiveEnd::Lost(reason)) => reason,
                Err(ClientError::Api(e)) if e.is_unauthorized() => {
                    self.connection.set(ConnectionState::Offline);
                    let _ = self.events.send(ClientEvent::SignedOut);
                    tracing::info!("the server ended the session");
                    let _ = self.shutdown.wait_for(|stop| *stop).await;
                    return;
                }
                Err(e) => e.loggable(),
            };
            self.connection.set(ConnectionState::Offline);
            if started.elapsed() >= self.timing.healthy_after {
                backoff.reset();
            }
            let delay = backoff.next_delay();
            tracing::info!(reason = %reason, retry_in_ms = delay.as_millis() as u64, "offline");
            tokio::select! {
                () = tokio::time::sleep(delay) => {}
                _ = self.shutdown.wait_for(|stop| *stop) => return,
            }
        }
    }

    /// Snapshot if needed, catch up from the cursor, then stay on the live feed.
    async fn sync_and_listen(&mut self, force_snapshot: &mut bool) -> Result<LiveEnd, ClientError> {
        let first_start = lock(&self.cache).profile()?.is_none();
        if *force_snapshot || first_start {
            snapshot::load(&self.api, &self.cache).await?;
            *force_snapshot = false;
        }
        if self.api.clock().has_samples() {
            let offset = self.api.clock().offset();
            lock(&self.cache).set_server_clock_offset(offset)?;
        }
        // A gap right after a snapshot would mean the feed itself is broken: one retry.
        for _ in 0..2 {
            match catch_up::run(&self.api, &self.cache).await? {
                catch_up::CatchUp::UpToDate { .. } => break,
                catch_up::CatchUp::Gap { cursor, next_seq } => {
                    tracing::info!(cursor, next_seq, "gap in the change feed: new snapshot");
                    snapshot::load(&self.api, &self.cache).await?;
                }
            }
        }
        // MR-3 moves with time and with misses the feed does not count: read it again.
        missed_alert::refresh(&self.api, &self.cache).await?;
        let connection = self.connection.clone();
        let wake = self.wake.clone();
        live::run(
            &self.api,
            &self.cache,
            self.timing.read_timeout,
            &mut self.shutdown,
            &self.resync,
            move || {
                connection.set(ConnectionState::Online);
                wake.notify_one();
            },
        )
        .await
    }
}

/// The cache file the client uses for an agent on a server under `data_dir`.
pub fn cache_file_for(data_dir: &Path, server_url: &str, username: &str) -> PathBuf {
    cache_path_in(
        &data_dir.join("cache"),
        server_url.trim_end_matches('/'),
        username,
    )
}
