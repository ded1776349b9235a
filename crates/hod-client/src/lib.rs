//! The Help On Demand desktop core, without Tauri.
//!
//! This crate is the offline half of the desktop app: everything that works with no network.
//! - [`cache`]: the local SQLite cache — one file per server and agent — with reads for the
//!   screens, snapshot and change-feed application, and the offline [`outbox`];
//! - [`events`]: the typed events subscribers (the Tauri shell, tests) receive;
//! - [`clock`]: the server clock-skew estimate that countdowns run on;
//! - [`time_zone`]: the system's IANA zone, to pre-fill a new schedule (AV-2).
//!
//! The auth token never enters this crate's storage: the cache holds agent data only.

pub mod cache;
pub mod clock;
pub mod error;
pub mod events;
pub mod outbox;
pub mod time_zone;

pub use cache::{
    cache_path_in, default_cache_path, ApplyResult, Cache, ReferralListPage, ReferralQuery,
    ReferralSort, Snapshot, SortDirection, SCHEMA_VERSION,
};
pub use clock::{countdown, ClockSample, SkewEstimator};
pub use error::CacheError;
pub use events::{ClientEvent, ConnectionState};
pub use outbox::{Method, OutboxAction, OutboxItem, OutboxState, Refusal, Rollback};
pub use time_zone::{detect_time_zone, DetectedTimeZone, TimeZoneFallback};
