//! Incremental sync: `GET /v1/changes?after=<cursor>` page by page into the cache until an
//! empty or short page. `apply_changes` ignores what is at or below the cursor and stops at
//! a gap, which is reported so the caller takes a fresh snapshot.

use super::{lock, SharedCache};
use crate::api::{Api, CHANGES_PAGE};
use crate::cache::ApplyResult;
use crate::error::ClientError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatchUp {
    /// Every change the server had is applied.
    UpToDate { cursor: i64 },
    /// The feed skipped ahead of the cursor: a snapshot is needed.
    Gap { cursor: i64, next_seq: i64 },
}

pub async fn run(api: &Api, cache: &SharedCache) -> Result<CatchUp, ClientError> {
    loop {
        let cursor = lock(cache).cursor()?;
        let changes = api.changes(cursor, CHANGES_PAGE).await?;
        if changes.is_empty() {
            return Ok(CatchUp::UpToDate { cursor });
        }
        let full = changes.len() == CHANGES_PAGE as usize;
        match lock(cache).apply_changes(&changes)? {
            ApplyResult::Gap {
                cursor, next_seq, ..
            } => return Ok(CatchUp::Gap { cursor, next_seq }),
            ApplyResult::Applied { cursor, .. } if !full => {
                return Ok(CatchUp::UpToDate { cursor });
            }
            ApplyResult::Applied { .. } => {}
        }
    }
}
