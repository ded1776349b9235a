//! Keeping the cache in step with the server: a full [`snapshot`] on first start (and after
//! a gap), incremental [`catch_up`] from the cursor over `GET /v1/changes`, then [`live`]
//! changes over the `/v1/events` WebSocket. The loop that runs them, reconnecting with
//! backoff, is in [`crate::engine`].

pub mod catch_up;
pub mod live;
pub mod missed_alert;
pub mod snapshot;

use crate::cache::Cache;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// The cache, shared by the sync loop, the sender and the facade's reads and actions.
/// Each use holds the lock for one short local transaction, never across an `await`.
pub type SharedCache = Arc<Mutex<Cache>>;

pub(crate) fn lock(cache: &SharedCache) -> MutexGuard<'_, Cache> {
    cache.lock().unwrap_or_else(PoisonError::into_inner)
}
