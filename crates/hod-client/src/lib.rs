//! The Help On Demand desktop core, without Tauri.
//!
//! Everything the desktop app does that is not windows and tray icons. The shell uses
//! [`Client`] ([`engine`]); underneath:
//! - [`cache`]: the local SQLite cache — one file per server and agent — with reads for the
//!   screens, snapshot and change-feed application, and the offline [`outbox`];
//! - [`api`]: the v1 HTTP API; [`sync`]: snapshot, catch-up from the cursor and the live
//!   WebSocket; [`sender`]: delivers the outbox in order, exactly once;
//! - [`token_store`]: the session token in the OS keychain, or a user-only file;
//! - [`events`]: the typed events subscribers (the Tauri shell, tests) receive;
//! - [`clock`], [`server_time`]: the server clock-skew estimate that countdowns run on;
//! - [`backoff`]: exponential backoff with jitter for reconnects and resends;
//! - [`time_zone`]: the system's IANA zone, to pre-fill a new schedule (AV-2).
//!
//! The auth token never enters the cache: it holds agent data only.

pub mod api;
pub mod backoff;
pub mod cache;
pub mod clock;
pub mod deep_link;
pub mod engine;
pub mod error;
pub mod error_body;
pub mod events;
pub mod outbox;
pub mod presence;
pub mod sender;
pub mod server_time;
pub mod sync;
pub mod time_zone;
pub mod token_store;

pub use cache::{
    cache_path_in, default_cache_path, ApplyResult, Cache, ReferralListPage, ReferralQuery,
    ReferralSort, Snapshot, SortDirection, SCHEMA_VERSION,
};
pub use clock::{countdown, ClockSample, SkewEstimator};
pub use engine::{Client, ClientConfig, Timing};
pub use error::{ApiFailure, CacheError, ClientError};
pub use events::{ClientEvent, ConnectionState};
pub use outbox::{Method, OutboxAction, OutboxItem, OutboxState, Refusal, Rollback};
pub use server_time::{ServerClock, ShiftedClock, SystemClock, WallClock};
pub use time_zone::{detect_time_zone, DetectedTimeZone, TimeZoneFallback};
pub use token_store::{
    choose_token_store, AuthToken, FileTokenStore, KeyringTokenStore, TokenAccount, TokenStore,
};
