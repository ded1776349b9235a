//! The HTTP API: [`app`] builds the router, [`launch`] serves it until shutdown.
//!
//! Routes live in one module per area and are merged here; every handler returns
//! `Result<_, AppError>` so clients always get the same error body.

mod admin;
mod auth;
pub mod error;
pub mod extract;
mod health;
mod profile;

pub use error::AppError;
pub use profile::ProfileView;

use crate::changes::ChangeNotifier;
use crate::clock::{Clock, SystemClock};
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
}

impl AppState {
    pub fn new(services: Services, settings: Settings) -> Self {
        Self {
            store: services.store,
            clock: services.clock,
            settings: Arc::new(settings),
            notifier: ChangeNotifier::new(),
            metrics: Arc::new(Metrics::new()),
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
    Router::new()
        .merge(health::routes())
        .merge(auth::routes())
        .merge(profile::routes())
        .merge(admin::routes())
        .fallback(|| async { AppError::NotFound("route") })
        .with_state(state)
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
    tracing::info!(
        address = %local,
        database = %settings.database,
        accept_window = %humantime::format_duration(settings.accept_window),
        admin_api_keys = settings.admin_api_keys.len(),
        intake_api_keys = settings.intake_api_keys.len(),
        "serving"
    );
    let router = app(AppState::new(services, settings));
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await?;
    tracing::info!("stopped");
    Ok(())
}
