//! The missed-referral alert (MR-3) counts the trailing 7 days, so it changes without a
//! change-feed entry of its own: when an offer of this agent is missed and when a miss ages
//! out. It is read again on every (re)connect and after every miss that arrives live.

use super::{lock, SharedCache};
use crate::api::Api;
use crate::error::ClientError;
use hod_domain::referral::OfferOutcome;
use hod_domain::wire::v1::{Change, ChangeEvent};

/// Reads `/v1/missed-alert` into the cache (an event goes out when it changed).
pub async fn refresh(api: &Api, cache: &SharedCache) -> Result<(), ClientError> {
    let alert = api.missed_alert().await?;
    lock(cache).set_missed_alert(alert)?;
    Ok(())
}

/// Whether a batch holds a miss, after which the alert must be read again.
pub fn has_miss(changes: &[Change]) -> bool {
    changes.iter().any(|c| {
        matches!(
            c.event,
            ChangeEvent::OfferResolved {
                outcome: OfferOutcome::Missed,
                ..
            }
        )
    })
}
