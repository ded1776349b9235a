//! Help On Demand server: the service agents' desktop apps sync with.
//!
//! Issue 3: accounts and sessions, storage behind one trait with two backends (embedded
//! SQLite, PostgreSQL), the HTTP and WebSocket API, the dispatcher with its durable timers,
//! and the operator CLI. To extend it:
//! - storage grows by adding a trait next to the ones in [`store`] (one per area, each
//!   method one transaction) and a migration per backend;
//! - the HTTP API grows by adding a route module under [`http`] and merging it in
//!   [`http::app`].
//!
//! Modules:
//! - [`settings`]: layered configuration (defaults → TOML file → `HOD_` environment → flags);
//! - [`store`]: the storage contract and its SQLite and PostgreSQL implementations;
//! - [`dispatch`]: routing referrals to agents and the durable timers (offer deadlines,
//!   maximum waits, retries);
//! - [`profile`]: the agent's profile as the API and the change feed carry it;
//! - [`accounts`]: provisioning, passwords, login, sessions and login throttling;
//! - [`http`]: `app()`, `launch()`, the error body and the routes;
//! - [`cli`]: the `hod-server` command line;
//! - [`metrics`]: the Prometheus metrics served at `/metrics`;
//! - [`notify`]: e-mail, text and app reminders from an outbox written with each offer;
//! - [`bench`]: the load tool (`bench`): bench agents, sockets, referrals, a report;
//! - [`demo`] and [`simulate`]: demo agents (`seed-demo`) and simulated consumers
//!   (`simulate`) for a live system a person can watch.

pub mod accounts;
pub mod bench;
pub mod changes;
pub mod cli;
pub mod clock;
pub mod demo;
pub mod dispatch;
pub mod http;
pub mod import;
pub mod metrics;
pub mod notify;
pub mod profile;
pub mod settings;
pub mod simulate;
pub mod store;
pub mod telemetry;
pub mod validation;

pub use http::{app, launch, launch_with, serve, AppState, Services};
pub use settings::Settings;
