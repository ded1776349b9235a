//! Help On Demand server: the service agents' desktop apps sync with.
//!
//! This crate is the foundation of issue 3: accounts and sessions, storage behind one trait
//! with two backends (embedded SQLite, PostgreSQL), the HTTP skeleton and the operator CLI.
//! The dispatcher, referrals, availability and the change feed build on top of it:
//! - storage grows by adding a trait next to the ones in [`store`] (one per area, each
//!   method one transaction) and a migration per backend;
//! - the HTTP API grows by adding a route module under [`http`] and merging it in
//!   [`http::app`].
//!
//! Modules:
//! - [`settings`]: layered configuration (defaults → TOML file → `HOD_` environment → flags);
//! - [`store`]: the storage contract and its SQLite and PostgreSQL implementations;
//! - [`accounts`]: provisioning, passwords, login, sessions and login throttling;
//! - [`http`]: `app()`, `launch()`, the error body and the routes;
//! - [`cli`]: the `hod-server` command line.

pub mod accounts;
pub mod changes;
pub mod cli;
pub mod clock;
pub mod http;
pub mod import;
pub mod metrics;
pub mod settings;
pub mod store;
pub mod telemetry;
pub mod validation;

pub use http::{app, launch, launch_with, AppState, Services};
pub use settings::Settings;
