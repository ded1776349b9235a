//! The HTTP API: [`app`] builds the router, [`launch`] serves it until shutdown.
//!
//! Routes live in one module per area and are merged here; every handler returns
//! `Result<_, AppError>` so clients always get the same error body.

mod admin;
mod auth;
mod availability;
mod changes;
pub mod error;
mod events;
pub mod extract;
pub mod forwarded;
mod health;
mod idempotency;
mod intake;
mod metrics;
mod openapi;
mod profile;
mod referrals;
mod server_time;

pub use error::AppError;
pub use openapi::OPENAPI_JSON;

use crate::changes::ChangeNotifier;
use crate::clock::{Clock, SystemClock};
use crate::dispatch::Dispatcher;
use crate::metrics::Metrics;
use crate::settings::Settings;
use crate::store::{self, DynStore};
use axum::extract::Request;
use axum::Router;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

/// What the handlers share.
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: DynStore,
    pub clock: Arc<dyn Clock>,
    pub settings: Arc<Settings>,
    /// Wakes the agents' WebSockets after a commit that appended changes.
    pub notifier: ChangeNotifier,
    pub metrics: Arc<Metrics>,
    /// Routes referrals and drives the timers.
    pub dispatcher: Dispatcher,
    /// Sends the notification outbox (e-mail, text, app reminders).
    pub sender: crate::notify::Sender,
}

impl AppState {
    pub fn new(services: Services, settings: Settings) -> Self {
        let settings = Arc::new(settings);
        let notifier = ChangeNotifier::new();
        let metrics = Arc::new(Metrics::new());
        let outbox_wake = Arc::new(tokio::sync::Notify::new());
        let dispatcher = Dispatcher::new(
            services.store.clone(),
            services.clock.clone(),
            settings.clone(),
            notifier.clone(),
            metrics.clone(),
        )
        .with_outbox(
            crate::notify::Sender::policy(&settings),
            outbox_wake.clone(),
        );
        let sender = crate::notify::Sender::new(
            services.store.clone(),
            services.clock.clone(),
            settings.clone(),
            metrics.clone(),
            notifier.clone(),
            outbox_wake,
        );
        Self {
            store: services.store,
            clock: services.clock,
            settings,
            notifier,
            metrics,
            dispatcher,
            sender,
        }
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }
}

/// The server's collaborators, made by [`launch`] or handed in by tests.
#[derive(Debug, Clone)]
pub struct Services {
    pub store: DynStore,
    pub clock: Arc<dyn Clock>,
}

/// The whole API.
pub fn app(state: AppState) -> Router {
    let metrics = state.metrics.clone();
    let clock = state.clock.clone();
    Router::new()
        .merge(health::routes())
        .merge(auth::routes())
        .merge(profile::routes())
        .merge(intake::routes())
        .merge(referrals::routes())
        .merge(availability::routes())
        .merge(changes::routes())
        .merge(events::routes())
        .merge(admin::routes())
        .merge(metrics::routes())
        .merge(openapi::routes())
        .fallback(|| async { AppError::NotFound("route") })
        .with_state(state)
        // The server's clock on every response, for the clients' skew estimates.
        .layer(axum::middleware::from_fn_with_state(
            clock,
            server_time::stamp,
        ))
        // Counts requests by route template: layered on the router, so routing has matched.
        .layer(axum::middleware::from_fn_with_state(
            metrics,
            metrics::count_requests,
        ))
        // Spans name the method and path only: no query strings, headers or bodies.
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request| {
            tracing::info_span!("http", method = %request.method(), path = %request.uri().path())
        }))
}

/// Opens and migrates the configured database, then serves until `shutdown` completes.
pub async fn launch(
    settings: Settings,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let store = store::open(&settings.database).await?;
    store.migrate().await?;
    let services = Services {
        store,
        clock: Arc::new(SystemClock),
    };
    launch_with(services, settings, listener, shutdown).await
}

/// Serves with the given services until `shutdown` completes, then lets requests in flight
/// finish.
pub async fn launch_with(
    services: Services,
    settings: Settings,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let local = listener.local_addr()?;
    crate::notify::worker::check_channels(&settings)?;
    let n = &settings.notifications;
    if !n.email_on() {
        tracing::warn!("e-mail notifications are off: no smtp_host / mail_from configured");
    }
    if !n.text_on() {
        tracing::warn!("text notifications are off: no SMS provider configured");
    }
    tracing::info!(
        address = %local,
        database = %settings.database,
        accept_window = %humantime::format_duration(settings.accept_window),
        admin_api_keys = settings.admin_api_keys.len(),
        intake_api_keys = settings.intake_api_keys.len(),
        email = n.email_on(),
        text = n.text_on(),
        reminders = n.reminder_before.is_some(),
        "serving"
    );
    serve(AppState::new(services, settings), listener, shutdown).await
}

/// Serves `state` (and runs its dispatcher's timer loop) until `shutdown` completes. Tests
/// call this to keep a handle on the state (and so on the dispatcher).
pub async fn serve(
    state: AppState,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let (stop_timers, timers_stopped) = tokio::sync::oneshot::channel::<()>();
    let timers = tokio::spawn(state.dispatcher.clone().run(async move {
        let _ = timers_stopped.await;
    }));
    // The sender runs beside the dispatcher, never inside it: delivery never delays
    // routing (decision 0601).
    let (stop_sender, sender_stopped) = tokio::sync::oneshot::channel::<()>();
    let sender = tokio::spawn(state.sender.clone().run(async move {
        let _ = sender_stopped.await;
    }));
    // Other instances' commits, pushed to this instance's sockets (PostgreSQL, 0701).
    let (stop_fan_out, fan_out_stopped) = tokio::sync::oneshot::channel::<()>();
    let fan_out = state
        .store
        .follow_commits(state.notifier.clone(), fan_out_stopped);
    let router = app(state);
    let served = axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    let _ = stop_timers.send(());
    let _ = stop_sender.send(());
    let _ = stop_fan_out.send(());
    timers.await?;
    sender.await?;
    if let Some(fan_out) = fan_out {
        fan_out.await?;
    }
    served?;
    tracing::info!("stopped");
    Ok(())
}
