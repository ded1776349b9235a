//! The offline outbox: every agent action is one local transaction that queues the request
//! (with a fresh idempotency key) and applies its optimistic effect, keeping what it changed
//! so a refusal can put it back. The server is the authority; the outbox never is.

use crate::cache::store::{self, from_millis, millis, AVAILABILITY, PROFILE};
use crate::cache::Cache;
use crate::error::CacheError;
use crate::events::ClientEvent;
use chrono::{DateTime, Utc};
use hod_domain::availability::{
    AgentTimeZone, AvailabilityEngine, OutOfOffice, TodayOverride, WeeklySchedule,
};
use hod_domain::eligibility::StatePreferences;
use hod_domain::referral::{ContactAttempt, OfferOutcome, ReferralStatus, StatusChange};
use hod_domain::wire::v1::{
    ApiError, Availability, ContactAttemptRequest, OutOfOfficeRequest, Profile, ProfileUpdate,
    Referral, ReferralId, RejectRequest, TodayRequest,
};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

/// One agent action, as it will be sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum OutboxAction {
    Accept {
        referral_id: ReferralId,
    },
    Reject {
        referral_id: ReferralId,
        request: RejectRequest,
    },
    SetStatus {
        referral_id: ReferralId,
        change: StatusChange,
    },
    LogContactAttempt {
        referral_id: ReferralId,
        request: ContactAttemptRequest,
    },
    SaveSchedule {
        time_zone: AgentTimeZone,
        weekly: WeeklySchedule,
    },
    SetToday {
        request: TodayRequest,
    },
    SetOutOfOffice {
        request: OutOfOfficeRequest,
    },
    ClearOutOfOffice,
    SavePreferences {
        update: ProfileUpdate,
    },
}

/// An HTTP method, for the sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Post,
    Put,
    Patch,
    Delete,
}

impl OutboxAction {
    /// Method and path of the v1 endpoint this action goes to.
    pub fn endpoint(&self) -> (Method, String) {
        match self {
            Self::Accept { referral_id } => {
                (Method::Post, format!("/v1/referrals/{referral_id}/accept"))
            }
            Self::Reject { referral_id, .. } => {
                (Method::Post, format!("/v1/referrals/{referral_id}/reject"))
            }
            Self::SetStatus { referral_id, .. } => {
                (Method::Post, format!("/v1/referrals/{referral_id}/status"))
            }
            Self::LogContactAttempt { referral_id, .. } => (
                Method::Post,
                format!("/v1/referrals/{referral_id}/contact-attempts"),
            ),
            Self::SaveSchedule { .. } => (Method::Put, "/v1/availability/schedule".into()),
            Self::SetToday { .. } => (Method::Post, "/v1/availability/today".into()),
            Self::SetOutOfOffice { .. } => (Method::Put, "/v1/availability/out-of-office".into()),
            Self::ClearOutOfOffice => (Method::Delete, "/v1/availability/out-of-office".into()),
            Self::SavePreferences { .. } => (Method::Patch, "/v1/profile".into()),
        }
    }

    /// The JSON body, `None` for requests without one.
    pub fn body(&self) -> Result<Option<serde_json::Value>, serde_json::Error> {
        Ok(match self {
            Self::Accept { .. } | Self::ClearOutOfOffice => None,
            Self::Reject { request, .. } => Some(serde_json::to_value(request)?),
            Self::SetStatus { change, .. } => Some(serde_json::to_value(change)?),
            Self::LogContactAttempt { request, .. } => Some(serde_json::to_value(request)?),
            Self::SaveSchedule { time_zone, weekly } => Some(serde_json::json!({
                "time_zone": time_zone,
                "weekly": weekly,
            })),
            Self::SetToday { request } => Some(serde_json::to_value(request)?),
            Self::SetOutOfOffice { request } => Some(serde_json::to_value(request)?),
            Self::SavePreferences { update } => Some(serde_json::to_value(update)?),
        })
    }
}

/// What an action changed locally: the value before and after its optimistic effect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "target", rename_all = "snake_case")]
enum Undo {
    Referral {
        before: Referral,
        after: Referral,
    },
    Availability {
        before: Availability,
        after: Availability,
    },
    Profile {
        before: Profile,
        after: Profile,
    },
}

/// What happened to the optimistic effect of a refused item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Rollback {
    /// The value from before the action is back.
    Restored,
    /// The value changed again since (server data or a later action), so it was left as is;
    /// the sync engine should refetch it from the server, the authority.
    NeedsRefetch,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxState {
    Pending,
    Sent,
    Refused,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxItem {
    pub id: i64,
    /// Sent as `Idempotency-Key`; the same on every retry, so a retry is harmless.
    pub idempotency_key: String,
    pub action: OutboxAction,
    pub created_at: DateTime<Utc>,
    pub state: OutboxState,
}

/// A queued action the server refused, for the UI to list until dismissed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Refusal {
    pub outbox_id: i64,
    pub action: OutboxAction,
    pub error: ApiError,
    pub rollback: Rollback,
    pub refused_at: DateTime<Utc>,
}

/// A random (version 4) UUID from the system random source.
fn idempotency_key() -> Result<String, CacheError> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|_| CacheError::Random)?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    ))
}

fn item_from_row(row: &Row<'_>) -> rusqlite::Result<(i64, String, String, i64, String)> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
    ))
}

fn to_item(raw: (i64, String, String, i64, String)) -> Result<OutboxItem, CacheError> {
    let (id, idempotency_key, action, created_at, state) = raw;
    Ok(OutboxItem {
        id,
        idempotency_key,
        action: serde_json::from_str(&action)?,
        created_at: from_millis(created_at),
        state: serde_json::from_value(serde_json::Value::String(state))?,
    })
}

const ITEM_COLUMNS: &str = "id, idempotency_key, action, created_at, state";

fn referral_for(conn: &Connection, id: ReferralId) -> Result<Referral, CacheError> {
    store::referral(conn, id)?.ok_or(CacheError::UnknownReferral(id))
}

fn require_availability(conn: &Connection) -> Result<Availability, CacheError> {
    store::availability(conn)?.ok_or(CacheError::NotSynced("availability"))
}

/// Validates new settings and recomputes the status shown until the server answers.
fn with_settings(
    before: &Availability,
    now: DateTime<Utc>,
    change: impl FnOnce(&mut hod_domain::availability::AvailabilitySettings) -> Result<(), CacheError>,
) -> Result<Availability, CacheError> {
    let mut settings = before.settings.clone();
    change(&mut settings)?;
    settings.prune(now);
    settings.validate().finish(())?;
    let status = AvailabilityEngine::new(&settings)?.status_at(now);
    Ok(Availability { settings, status })
}

fn pending_offer(referral: &Referral) -> Result<(), CacheError> {
    if referral.status == ReferralStatus::Pending && referral.offer.is_some() {
        Ok(())
    } else {
        Err(CacheError::OfferNotPending(referral.id))
    }
}

/// Computes the optimistic effect of an action against the cached data.
fn effect(
    conn: &Connection,
    action: &OutboxAction,
    now: DateTime<Utc>,
) -> Result<Undo, CacheError> {
    Ok(match action {
        OutboxAction::Accept { referral_id } => {
            let before = referral_for(conn, *referral_id)?;
            pending_offer(&before)?;
            let mut after = before.clone();
            after.status = ReferralStatus::Accepted;
            after.outcome = Some(OfferOutcome::Accepted);
            after.offer = None;
            after.accepted_at = Some(now);
            after.updated_at = now;
            Undo::Referral { before, after }
        }
        OutboxAction::Reject { referral_id, .. } => {
            let before = referral_for(conn, *referral_id)?;
            pending_offer(&before)?;
            let mut after = before.clone().without_contact();
            after.status = ReferralStatus::Rejected;
            after.outcome = Some(OfferOutcome::Rejected);
            after.offer = None;
            after.updated_at = now;
            Undo::Referral { before, after }
        }
        OutboxAction::SetStatus {
            referral_id,
            change,
        } => {
            let before = referral_for(conn, *referral_id)?;
            let mut after = before.clone();
            after.status = before.status.set_by_agent(change)?;
            after.completion_outcome = change.completion_outcome;
            after.not_a_good_referral_reason = change.not_a_good_referral_reason;
            after.updated_at = now;
            Undo::Referral { before, after }
        }
        OutboxAction::LogContactAttempt {
            referral_id,
            request,
        } => {
            let before = referral_for(conn, *referral_id)?;
            let mut after = before.clone();
            after.contact_attempts.push(ContactAttempt {
                channel: request.channel,
                at: request.at.unwrap_or(now),
                outcome: request.outcome,
            });
            after.updated_at = now;
            Undo::Referral { before, after }
        }
        OutboxAction::SaveSchedule { time_zone, weekly } => {
            let before = require_availability(conn)?;
            let after = with_settings(&before, now, |s| {
                s.time_zone = *time_zone;
                s.weekly = weekly.clone();
                Ok(())
            })?;
            Undo::Availability { before, after }
        }
        OutboxAction::SetToday { request } => {
            let before = require_availability(conn)?;
            let after = with_settings(&before, now, |s| {
                s.today = Some(if request.on {
                    TodayOverride::switch_on(s, now, request.stop_referrals_at)?
                } else {
                    TodayOverride::switch_off(s, now)
                });
                Ok(())
            })?;
            Undo::Availability { before, after }
        }
        OutboxAction::SetOutOfOffice { request } => {
            let before = require_availability(conn)?;
            let after = with_settings(&before, now, |s| {
                let period = OutOfOffice {
                    from: request.from,
                    to: request.to,
                };
                period.validate("out_of_office").finish(())?;
                s.out_of_office.push(period);
                Ok(())
            })?;
            Undo::Availability { before, after }
        }
        OutboxAction::ClearOutOfOffice => {
            let before = require_availability(conn)?;
            let after = with_settings(&before, now, |s| {
                s.end_out_of_office(now);
                Ok(())
            })?;
            Undo::Availability { before, after }
        }
        OutboxAction::SavePreferences { update } => {
            let before = store::profile(conn)?.ok_or(CacheError::NotSynced("profile"))?;
            let mut after = before.clone();
            if let Some(method) = update.preferred_contact_method {
                after.preferred_contact_method = method;
                after.contact_method_warning = method.warning();
            }
            if let Some(states) = &update.state_preferences {
                after.state_preferences = StatePreferences::save(states, &before.eligible_states)?;
            }
            if let Some(languages) = &update.languages {
                after.languages = languages.clone();
            }
            Undo::Profile { before, after }
        }
    })
}

fn write_undo_side(conn: &Connection, undo: &Undo, after: bool) -> Result<(), CacheError> {
    match (undo, after) {
        (Undo::Referral { after: v, .. }, true) | (Undo::Referral { before: v, .. }, false) => {
            store::put_referral(conn, v)
        }
        (Undo::Availability { after: v, .. }, true)
        | (Undo::Availability { before: v, .. }, false) => store::put_meta(conn, AVAILABILITY, v),
        (Undo::Profile { after: v, .. }, true) | (Undo::Profile { before: v, .. }, false) => {
            store::put_meta(conn, PROFILE, v)
        }
    }
}

/// The event the UI needs after a value changed.
fn changed_event(undo: &Undo, after: bool) -> ClientEvent {
    match undo {
        Undo::Referral { before, .. } => ClientEvent::ReferralChanged {
            referral_id: before.id,
        },
        Undo::Availability { before, after: a } => ClientEvent::AvailabilityChanged {
            status: Some(if after { a.status } else { before.status }),
        },
        Undo::Profile { .. } => ClientEvent::ProfileChanged,
    }
}

/// Whether the cached value is still the one this item wrote.
fn still_after(conn: &Connection, undo: &Undo) -> Result<bool, CacheError> {
    Ok(match undo {
        Undo::Referral { after, .. } => store::referral(conn, after.id)?.as_ref() == Some(after),
        Undo::Availability { after, .. } => store::availability(conn)?.as_ref() == Some(after),
        Undo::Profile { after, .. } => store::profile(conn)?.as_ref() == Some(after),
    })
}

impl Cache {
    /// Queues `action` and applies its optimistic effect, in one transaction. Refused
    /// locally (nothing written) when the cached data already shows it cannot apply.
    pub fn enqueue(
        &mut self,
        action: OutboxAction,
        now: DateTime<Utc>,
    ) -> Result<OutboxItem, CacheError> {
        let key = idempotency_key()?;
        let tx = self.write_tx()?;
        let undo = effect(&tx, &action, now)?;
        write_undo_side(&tx, &undo, true)?;
        tx.execute(
            "INSERT INTO outbox (idempotency_key, action, undo, created_at)
             VALUES (?1, ?2, ?3, ?4)",
            params![
                key,
                serde_json::to_string(&action)?,
                serde_json::to_string(&undo)?,
                millis(now)
            ],
        )?;
        let id = tx.last_insert_rowid();
        tx.commit()?;
        self.emit(vec![changed_event(&undo, true)]);
        Ok(OutboxItem {
            id,
            idempotency_key: key,
            action,
            created_at: now,
            state: OutboxState::Pending,
        })
    }

    /// Accept a pending offer (MR-1): the referral shows Accepted at once (RS-2).
    pub fn accept(&mut self, id: ReferralId, now: DateTime<Utc>) -> Result<OutboxItem, CacheError> {
        self.enqueue(OutboxAction::Accept { referral_id: id }, now)
    }

    /// Reject a pending offer (RS-3, CE-3).
    pub fn reject(
        &mut self,
        id: ReferralId,
        request: RejectRequest,
        now: DateTime<Utc>,
    ) -> Result<OutboxItem, CacheError> {
        self.enqueue(
            OutboxAction::Reject {
                referral_id: id,
                request,
            },
            now,
        )
    }

    /// Set the status of an accepted referral (RS-7), checked by the domain lifecycle.
    pub fn set_status(
        &mut self,
        id: ReferralId,
        change: StatusChange,
        now: DateTime<Utc>,
    ) -> Result<OutboxItem, CacheError> {
        self.enqueue(
            OutboxAction::SetStatus {
                referral_id: id,
                change,
            },
            now,
        )
    }

    /// Log a contact attempt (CE-4).
    pub fn log_contact_attempt(
        &mut self,
        id: ReferralId,
        request: ContactAttemptRequest,
        now: DateTime<Utc>,
    ) -> Result<OutboxItem, CacheError> {
        self.enqueue(
            OutboxAction::LogContactAttempt {
                referral_id: id,
                request,
            },
            now,
        )
    }

    /// Save Standard Hours and zone (AV-1..AV-5).
    pub fn save_schedule(
        &mut self,
        time_zone: AgentTimeZone,
        weekly: WeeklySchedule,
        now: DateTime<Utc>,
    ) -> Result<OutboxItem, CacheError> {
        self.enqueue(OutboxAction::SaveSchedule { time_zone, weekly }, now)
    }

    /// Switch Today's Availability (AV-6).
    pub fn set_today(
        &mut self,
        request: TodayRequest,
        now: DateTime<Utc>,
    ) -> Result<OutboxItem, CacheError> {
        self.enqueue(OutboxAction::SetToday { request }, now)
    }

    /// Set Out of Office (AV-7).
    pub fn set_out_of_office(
        &mut self,
        request: OutOfOfficeRequest,
        now: DateTime<Utc>,
    ) -> Result<OutboxItem, CacheError> {
        self.enqueue(OutboxAction::SetOutOfOffice { request }, now)
    }

    /// Switch Out of Office off (AV-7).
    pub fn clear_out_of_office(&mut self, now: DateTime<Utc>) -> Result<OutboxItem, CacheError> {
        self.enqueue(OutboxAction::ClearOutOfOffice, now)
    }

    /// Save profile preferences: contact method (CP-1), states (ST-2, ST-3), languages.
    pub fn save_preferences(
        &mut self,
        update: ProfileUpdate,
        now: DateTime<Utc>,
    ) -> Result<OutboxItem, CacheError> {
        self.enqueue(OutboxAction::SavePreferences { update }, now)
    }

    /// The oldest item not yet answered: items go out strictly in order.
    pub fn next_pending(&self) -> Result<Option<OutboxItem>, CacheError> {
        let raw = self
            .conn()
            .query_row(
                &format!(
                    "SELECT {ITEM_COLUMNS} FROM outbox WHERE state = 'pending' ORDER BY id LIMIT 1"
                ),
                [],
                item_from_row,
            )
            .optional()?;
        raw.map(to_item).transpose()
    }

    /// Every unanswered item, in order.
    pub fn pending(&self) -> Result<Vec<OutboxItem>, CacheError> {
        let mut stmt = self.conn().prepare(&format!(
            "SELECT {ITEM_COLUMNS} FROM outbox WHERE state = 'pending' ORDER BY id"
        ))?;
        let rows = stmt
            .query_map([], item_from_row)?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().map(to_item).collect()
    }

    /// The server accepted item `id`; its response body is kept for diagnosis.
    pub fn mark_sent(
        &mut self,
        id: i64,
        response: &serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<(), CacheError> {
        let tx = self.write_tx()?;
        let changed = tx.execute(
            "UPDATE outbox SET state = 'sent', response = ?2, resolved_at = ?3
             WHERE id = ?1 AND state = 'pending'",
            params![id, serde_json::to_string(response)?, millis(now)],
        )?;
        if changed == 0 {
            return Err(missing_or_answered(&tx, id)?);
        }
        tx.commit()?;
        Ok(())
    }

    /// The server accepted item `id` and answered with the new value (the referral, the
    /// availability or the profile). The item is marked sent and, when the cached value is
    /// still this item's optimistic effect, the server's value replaces it (an accept brings
    /// the consumer's contact details at once) and later pending items are re-applied on top.
    /// When something newer already replaced it (the change feed, a later action), it is
    /// left alone: the feed is the authority on order. Returns whether the value was written.
    pub fn mark_sent_with_state(
        &mut self,
        id: i64,
        response: &serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<bool, CacheError> {
        let tx = self.write_tx()?;
        let row: Option<(String, String)> = tx
            .query_row("SELECT undo, state FROM outbox WHERE id = ?1", [id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        let (undo, state) = row.ok_or(CacheError::UnknownOutboxItem(id))?;
        if state != "pending" {
            return Err(CacheError::OutboxItemNotPending(id));
        }
        let undo: Undo = serde_json::from_str(&undo)?;
        let server_value = match &undo {
            Undo::Referral { before, .. } => serde_json::from_value::<Referral>(response.clone())
                .ok()
                .filter(|r| r.id == before.id)
                .map(|after| Undo::Referral {
                    before: before.clone(),
                    after,
                }),
            Undo::Availability { before, .. } => {
                serde_json::from_value::<Availability>(response.clone())
                    .ok()
                    .map(|after| Undo::Availability {
                        before: before.clone(),
                        after,
                    })
            }
            Undo::Profile { before, .. } => serde_json::from_value::<Profile>(response.clone())
                .ok()
                .map(|after| Undo::Profile {
                    before: before.clone(),
                    after,
                }),
        };
        tx.execute(
            "UPDATE outbox SET state = 'sent', response = ?2, resolved_at = ?3 WHERE id = ?1",
            params![id, serde_json::to_string(response)?, millis(now)],
        )?;
        let written = match server_value {
            Some(server) if still_after(&tx, &undo)? => {
                write_undo_side(&tx, &server, true)?;
                rebase_pending(&tx)?;
                Some(server)
            }
            _ => None,
        };
        tx.commit()?;
        let mut events = Vec::new();
        if let Some(server) = &written {
            events.push(changed_event(server, true));
        }
        events.push(ClientEvent::OutboxDelivered { outbox_id: id });
        self.emit(events);
        Ok(written.is_some())
    }

    /// The server refused item `id`: its optimistic effect is rolled back (when nothing
    /// changed the value since) and the refusal is recorded for the UI and announced.
    pub fn mark_refused(
        &mut self,
        id: i64,
        error: ApiError,
        now: DateTime<Utc>,
    ) -> Result<Refusal, CacheError> {
        let tx = self.write_tx()?;
        let row: Option<(String, String, String)> = tx
            .query_row(
                "SELECT action, undo, state FROM outbox WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let (action, undo, state) = row.ok_or(CacheError::UnknownOutboxItem(id))?;
        if state != "pending" {
            return Err(CacheError::OutboxItemNotPending(id));
        }
        let action: OutboxAction = serde_json::from_str(&action)?;
        let undo: Undo = serde_json::from_str(&undo)?;
        let rollback = if still_after(&tx, &undo)? {
            write_undo_side(&tx, &undo, false)?;
            Rollback::Restored
        } else {
            Rollback::NeedsRefetch
        };
        let refusal = Refusal {
            outbox_id: id,
            action,
            error,
            rollback,
            refused_at: now,
        };
        tx.execute(
            "UPDATE outbox SET state = 'refused', refusal = ?2, rollback = ?3, resolved_at = ?4
             WHERE id = ?1",
            params![
                id,
                serde_json::to_string(&refusal.error)?,
                serde_json::to_string(&rollback)?,
                millis(now)
            ],
        )?;
        tx.commit()?;
        let mut events = Vec::new();
        if rollback == Rollback::Restored {
            events.push(changed_event(&undo, false));
        }
        events.push(ClientEvent::OutboxRefused(Box::new(refusal.clone())));
        self.emit(events);
        Ok(refusal)
    }

    /// Refusals the agent has not dismissed yet, oldest first.
    pub fn refusals(&self) -> Result<Vec<Refusal>, CacheError> {
        let mut stmt = self.conn().prepare(
            "SELECT id, action, refusal, rollback, resolved_at FROM outbox
             WHERE state = 'refused' AND dismissed = 0 ORDER BY id",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(id, action, error, rollback, at)| {
                Ok(Refusal {
                    outbox_id: id,
                    action: serde_json::from_str(&action)?,
                    error: serde_json::from_str(&error)?,
                    rollback: serde_json::from_str(&rollback)?,
                    refused_at: from_millis(at),
                })
            })
            .collect()
    }

    /// The agent has seen a refusal; it leaves the list.
    pub fn dismiss_refusal(&mut self, id: i64) -> Result<(), CacheError> {
        let changed = self.conn().execute(
            "UPDATE outbox SET dismissed = 1 WHERE id = ?1 AND state = 'refused'",
            [id],
        )?;
        if changed == 0 {
            return Err(CacheError::UnknownOutboxItem(id));
        }
        Ok(())
    }
}

fn missing_or_answered(conn: &Connection, id: i64) -> Result<CacheError, CacheError> {
    let exists: Option<i64> = conn
        .query_row("SELECT id FROM outbox WHERE id = ?1", [id], |r| r.get(0))
        .optional()?;
    Ok(match exists {
        Some(_) => CacheError::OutboxItemNotPending(id),
        None => CacheError::UnknownOutboxItem(id),
    })
}

/// Re-applies the optimistic effect of every pending item, in order, on top of server data
/// just written (snapshot or change feed), so the agent's unsent actions stay visible. Each
/// item's `before` becomes the server's value, so a later refusal restores the server's view.
/// An item whose effect no longer applies (the offer was resolved meanwhile) is left for the
/// server to answer.
/// Each effect is recomputed as of the moment the agent acted.
pub(crate) fn rebase_pending(conn: &Connection) -> Result<(), CacheError> {
    let mut stmt = conn
        .prepare("SELECT id, action, created_at FROM outbox WHERE state = 'pending' ORDER BY id")?;
    let items = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    for (id, action, created_at) in items {
        let action: OutboxAction = serde_json::from_str(&action)?;
        let undo = match effect(conn, &action, from_millis(created_at)) {
            Ok(undo) => undo,
            Err(e @ (CacheError::Sqlite(_) | CacheError::Corrupt(_))) => return Err(e),
            Err(_) => continue,
        };
        write_undo_side(conn, &undo, true)?;
        conn.execute(
            "UPDATE outbox SET undo = ?2 WHERE id = ?1",
            params![id, serde_json::to_string(&undo)?],
        )?;
    }
    Ok(())
}
