//! The full snapshot: profile, availability, every referral (all pages), the missed alert,
//! and the change cursor it is consistent with.
//!
//! The cursor is taken *before* the reads: the head of the change feed is read first, then
//! the data. Every read then reflects at least that change, and the catch-up that follows
//! replays from it; changes applied twice (already in a read, replayed again) are harmless
//! because each change carries the whole new value and the replay ends at the newest one.
//! No change committed between the reads and the catch-up is lost.

use super::{lock, SharedCache};
use crate::api::{Api, CHANGES_PAGE};
use crate::cache::Snapshot;
use crate::error::{ApiFailure, ClientError};

/// The newest change sequence: the head the server reports with a one-change page, or,
/// from a server that reports none, the last of the pages after `from` (on a first start,
/// the whole feed).
pub async fn head_cursor(api: &Api, from: i64) -> Result<i64, ApiFailure> {
    if let Some(head) = api.change_head(from).await? {
        return Ok(head.max(from));
    }
    let mut head = from;
    loop {
        let changes = api.changes(head, CHANGES_PAGE).await?;
        let Some(last) = changes.last() else {
            return Ok(head);
        };
        head = head.max(last.seq);
        if changes.len() < CHANGES_PAGE as usize {
            return Ok(head);
        }
    }
}

/// Reads a snapshot from the server; `from` is the cache's cursor (0 when empty).
pub async fn fetch(api: &Api, from: i64) -> Result<Snapshot, ApiFailure> {
    let cursor = head_cursor(api, from).await?;
    let profile = api.profile().await?;
    let availability = api.availability().await?;
    let referrals = api.all_referrals().await?;
    let missed_alert = api.missed_alert().await?;
    Ok(Snapshot {
        profile,
        availability,
        referrals,
        missed_alert,
        cursor,
    })
}

/// Replaces the cache with a fresh snapshot (pending outbox items are re-applied on top).
pub async fn load(api: &Api, cache: &SharedCache) -> Result<(), ClientError> {
    let from = lock(cache).cursor()?;
    let snapshot = fetch(api, from).await?;
    lock(cache).apply_snapshot(&snapshot)?;
    tracing::debug!(
        referrals = snapshot.referrals.len(),
        cursor = snapshot.cursor,
        "snapshot applied"
    );
    Ok(())
}
