//! Server data into the cache: a full snapshot (first start, or after a gap) and the
//! incremental change feed. Both are single transactions; events go out after commit.

use super::store::{self, AVAILABILITY, CURSOR, MISSED_ALERT, PROFILE};
use super::Cache;
use crate::error::CacheError;
use crate::events::ClientEvent;
use hod_domain::referral::{OfferOutcome, ReferralStatus};
use hod_domain::wire::v1::{Availability, Change, ChangeEvent, MissedAlertView, Profile, Referral};
use rusqlite::Connection;

/// Everything the server holds for the agent, as of change `cursor`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub profile: Profile,
    pub availability: Availability,
    pub referrals: Vec<Referral>,
    pub missed_alert: Option<MissedAlertView>,
    /// The last change sequence the snapshot includes.
    pub cursor: i64,
}

/// What [`Cache::apply_changes`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplyResult {
    /// Every new change applied; `ignored` were at or below the cursor already.
    Applied {
        applied: usize,
        ignored: usize,
        cursor: i64,
    },
    /// A change skipped ahead of the cursor: the changes before it were applied and the
    /// cursor stops at the gap; the sync engine must refetch from `cursor`.
    Gap {
        applied: usize,
        cursor: i64,
        next_seq: i64,
    },
}

impl Cache {
    /// Replaces the whole cache with a snapshot, atomically. The outbox is left alone:
    /// queued actions are still the agent's, and their effects are re-applied on top.
    pub fn apply_snapshot(&mut self, snapshot: &Snapshot) -> Result<(), CacheError> {
        let tx = self.write_tx()?;
        tx.execute("DELETE FROM referrals", [])?;
        for referral in &snapshot.referrals {
            store::put_referral(&tx, referral)?;
        }
        store::put_meta(&tx, PROFILE, &snapshot.profile)?;
        store::put_meta(&tx, AVAILABILITY, &snapshot.availability)?;
        match &snapshot.missed_alert {
            Some(alert) => store::put_meta(&tx, MISSED_ALERT, alert)?,
            None => store::delete_meta(&tx, MISSED_ALERT)?,
        }
        store::put_meta(&tx, CURSOR, &snapshot.cursor)?;
        crate::outbox::rebase_pending(&tx)?;
        tx.commit()?;
        let mut events = vec![
            ClientEvent::ProfileChanged,
            ClientEvent::AvailabilityChanged {
                status: Some(snapshot.availability.status),
            },
            ClientEvent::MissedAlertChanged {
                count: snapshot.missed_alert.as_ref().map_or(0, |a| a.count),
            },
        ];
        for referral in &snapshot.referrals {
            if referral.status == ReferralStatus::Pending && referral.offer.is_some() {
                events.push(ClientEvent::NewOffer {
                    referral_id: referral.id,
                    deadline: referral.offer.map(|o| o.deadline),
                });
            }
        }
        self.emit(events);
        Ok(())
    }

    /// Stores the missed-referral alert (MR-3) as the server counts it now; subscribers hear
    /// of it only when it changed.
    pub fn set_missed_alert(&mut self, alert: Option<MissedAlertView>) -> Result<(), CacheError> {
        let tx = self.write_tx()?;
        let before: Option<MissedAlertView> = store::missed_alert(&tx)?;
        if before == alert {
            return Ok(());
        }
        match &alert {
            Some(alert) => store::put_meta(&tx, MISSED_ALERT, alert)?,
            None => store::delete_meta(&tx, MISSED_ALERT)?,
        }
        tx.commit()?;
        self.emit(vec![ClientEvent::MissedAlertChanged {
            count: alert.as_ref().map_or(0, |a| a.count),
        }]);
        Ok(())
    }

    /// Applies change-feed entries in sequence order, idempotently: a change at or below
    /// the cursor is ignored, a gap stops the batch and is reported. The cursor moves in the
    /// same transaction as the data.
    pub fn apply_changes(&mut self, changes: &[Change]) -> Result<ApplyResult, CacheError> {
        let mut sorted: Vec<&Change> = changes.iter().collect();
        sorted.sort_by_key(|c| c.seq);
        let tx = self.write_tx()?;
        let mut cursor = store::cursor(&tx)?;
        let (mut applied, mut ignored) = (0, 0);
        let mut events = Vec::new();
        let mut gap = None;
        for change in sorted {
            if change.seq <= cursor {
                ignored += 1;
                continue;
            }
            if change.seq > cursor + 1 {
                gap = Some(change.seq);
                break;
            }
            apply_event(&tx, &change.event, &mut events)?;
            cursor = change.seq;
            applied += 1;
        }
        store::put_meta(&tx, CURSOR, &cursor)?;
        if applied > 0 {
            crate::outbox::rebase_pending(&tx)?;
        }
        tx.commit()?;
        self.emit(events);
        Ok(match gap {
            Some(next_seq) => ApplyResult::Gap {
                applied,
                cursor,
                next_seq,
            },
            None => ApplyResult::Applied {
                applied,
                ignored,
                cursor,
            },
        })
    }
}

fn apply_event(
    conn: &Connection,
    event: &ChangeEvent,
    events: &mut Vec<ClientEvent>,
) -> Result<(), CacheError> {
    match event {
        ChangeEvent::OfferMade { referral } => {
            store::put_referral(conn, referral)?;
            events.push(ClientEvent::NewOffer {
                referral_id: referral.id,
                deadline: referral.offer.map(|o| o.deadline),
            });
        }
        ChangeEvent::OfferResolved {
            referral_id,
            outcome,
        } => {
            if let Some(mut referral) = store::referral(conn, *referral_id)? {
                referral.offer = None;
                referral.outcome = Some(*outcome);
                match outcome {
                    OfferOutcome::Accepted => referral.status = ReferralStatus::Accepted,
                    OfferOutcome::Rejected => referral.status = ReferralStatus::Rejected,
                    // No contact details on a row the agent did not accept (MR-4); the
                    // server leaves its status pending, with the outcome saying how it ended
                    // (an optimistic accept shown here is undone by this).
                    OfferOutcome::Missed | OfferOutcome::Withdrawn => {
                        referral = referral.without_contact();
                        referral.status = ReferralStatus::Pending;
                        referral.accepted_at = None;
                    }
                }
                store::put_referral(conn, &referral)?;
            }
            events.push(ClientEvent::OfferResolved {
                referral_id: *referral_id,
                outcome: *outcome,
            });
        }
        ChangeEvent::ReferralChanged { referral } => {
            store::put_referral(conn, referral)?;
            events.push(ClientEvent::ReferralChanged {
                referral_id: referral.id,
            });
        }
        ChangeEvent::AvailabilityChanged { availability } => {
            store::put_meta(conn, AVAILABILITY, availability)?;
            events.push(ClientEvent::AvailabilityChanged {
                status: Some(availability.status),
            });
        }
        ChangeEvent::ProfileChanged { profile } => {
            store::put_meta(conn, PROFILE, profile)?;
            events.push(ClientEvent::ProfileChanged);
        }
    }
    Ok(())
}
