//! Referrals, offers, the dispatcher's timer rows and the agents' routing state on SQLite.
//!
//! One connection and `BEGIN IMMEDIATE` make every method the only writer while it runs,
//! so an accept and the expiry of the same offer are serialised: whichever commits first
//! resolves the offer, the other finds it resolved.

use super::changes::{append_change, append_profile_changed, ensure_agent_state};
use super::notifications::queue_offer_messages;
use super::{date, instant, millis, write, SqliteStore};
use crate::notify::NotificationPolicy;
use crate::store::records::{
    from_json, from_text, lifecycle_for, opt_from_text, suspension_reason, to_text, Answer,
    Answered, ExpiredOffer, NewReferral, OfferRecord, ReferralError, ReferralFilter,
    ReferralRecord, RoutingAgent, Updated, WaitingReferral,
};
use crate::store::{
    agent_view, languages_from_text, AgentId, DispatchStore, License, MissPolicy, ReferralStore,
    StoreError, StoreResult,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hod_domain::eligibility::StatePreferences;
use hod_domain::referral::{
    suspension_due, ContactAttempt, Offer, OfferAction, OfferOutcome, ProgramPolicy,
    ReferralStatus, StatusChange,
};
use hod_domain::wire::v1::{ChangeEvent, ConsumerContact, Referral, ReferralId, ReferralState};
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};
use std::collections::HashMap;

const REFERRAL_COLUMNS: &str = "id, consumer_name, phone, email, notes, state, city, zip, \
     language, plan_year, received_at, lifecycle, max_wait_until, retry_at, agent_id, status, \
     accepted_at, completion_outcome, not_a_good_referral_reason, updated_at";

const OFFER_COLUMNS: &str = "id, referral_id, agent_id, offered_at, deadline, outcome, resolved_at";

struct RawReferral {
    id: i64,
    name: String,
    phone: String,
    email: Option<String>,
    notes: Option<String>,
    state: String,
    city: String,
    zip: String,
    language: String,
    plan_year: i32,
    received_at: DateTime<Utc>,
    lifecycle: String,
    max_wait_until: DateTime<Utc>,
    retry_at: Option<DateTime<Utc>>,
    agent: Option<i64>,
    status: Option<String>,
    accepted_at: Option<DateTime<Utc>>,
    completion_outcome: Option<String>,
    nagr_reason: Option<String>,
    updated_at: DateTime<Utc>,
}

fn opt_instant(ms: Option<i64>, column: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    ms.map(|ms| instant(ms, column)).transpose()
}

fn raw_referral(row: &Row<'_>) -> rusqlite::Result<RawReferral> {
    Ok(RawReferral {
        id: row.get(0)?,
        name: row.get(1)?,
        phone: row.get(2)?,
        email: row.get(3)?,
        notes: row.get(4)?,
        state: row.get(5)?,
        city: row.get(6)?,
        zip: row.get(7)?,
        language: row.get(8)?,
        plan_year: row.get(9)?,
        received_at: instant(row.get(10)?, 10)?,
        lifecycle: row.get(11)?,
        max_wait_until: instant(row.get(12)?, 12)?,
        retry_at: opt_instant(row.get(13)?, 13)?,
        agent: row.get(14)?,
        status: row.get(15)?,
        accepted_at: opt_instant(row.get(16)?, 16)?,
        completion_outcome: row.get(17)?,
        nagr_reason: row.get(18)?,
        updated_at: instant(row.get(19)?, 19)?,
    })
}

fn decode_referral(raw: RawReferral) -> StoreResult<ReferralRecord> {
    Ok(ReferralRecord {
        id: ReferralId(raw.id),
        contact: ConsumerContact {
            name: raw.name,
            phone: raw.phone,
            email: raw.email,
            notes: raw.notes,
        },
        state: from_text(&raw.state)?,
        city: raw.city,
        zip: raw.zip,
        language: from_text(&raw.language)?,
        plan_year: raw.plan_year,
        received_at: raw.received_at,
        lifecycle: from_text(&raw.lifecycle)?,
        max_wait_until: raw.max_wait_until,
        retry_at: raw.retry_at,
        agent: raw.agent.map(AgentId),
        status: opt_from_text(raw.status)?,
        accepted_at: raw.accepted_at,
        completion_outcome: opt_from_text(raw.completion_outcome)?,
        not_a_good_referral_reason: opt_from_text(raw.nagr_reason)?,
        updated_at: raw.updated_at,
    })
}

fn load_referral(conn: &Connection, id: i64) -> StoreResult<Option<ReferralRecord>> {
    conn.query_row(
        &format!("SELECT {REFERRAL_COLUMNS} FROM referrals WHERE id = ?1"),
        [id],
        raw_referral,
    )
    .optional()?
    .map(decode_referral)
    .transpose()
}

fn offer_row(row: &Row<'_>) -> rusqlite::Result<(OfferRecordRaw, Option<String>)> {
    Ok((
        OfferRecordRaw {
            id: row.get(0)?,
            referral: row.get(1)?,
            agent: row.get(2)?,
            offered_at: instant(row.get(3)?, 3)?,
            deadline: instant(row.get(4)?, 4)?,
            resolved_at: opt_instant(row.get(6)?, 6)?,
        },
        row.get(5)?,
    ))
}

struct OfferRecordRaw {
    id: i64,
    referral: i64,
    agent: i64,
    offered_at: DateTime<Utc>,
    deadline: DateTime<Utc>,
    resolved_at: Option<DateTime<Utc>>,
}

fn decode_offer((raw, outcome): (OfferRecordRaw, Option<String>)) -> StoreResult<OfferRecord> {
    Ok(OfferRecord {
        id: raw.id,
        referral: ReferralId(raw.referral),
        agent: AgentId(raw.agent),
        offered_at: raw.offered_at,
        deadline: raw.deadline,
        outcome: opt_from_text(outcome)?,
        resolved_at: raw.resolved_at,
    })
}

/// The agent's offer of the referral (there is at most one: never offered twice).
fn load_offer(
    conn: &Connection,
    agent: AgentId,
    referral: i64,
) -> StoreResult<Option<OfferRecord>> {
    conn.query_row(
        &format!("SELECT {OFFER_COLUMNS} FROM offers WHERE agent_id = ?1 AND referral_id = ?2"),
        params![agent.0, referral],
        offer_row,
    )
    .optional()?
    .map(decode_offer)
    .transpose()
}

fn load_attempts(conn: &Connection, referral: i64) -> StoreResult<Vec<ContactAttempt>> {
    let mut statement = conn.prepare_cached(
        "SELECT channel, outcome, at FROM contact_attempts WHERE referral_id = ?1 ORDER BY at, id",
    )?;
    let rows = statement
        .query_map([referral], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                instant(row.get(2)?, 2)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(channel, outcome, at)| {
            Ok(ContactAttempt {
                channel: from_text(&channel)?,
                outcome: from_text(&outcome)?,
                at,
            })
        })
        .collect()
}

/// The referral as the agent sees it, from inside a transaction.
fn view(conn: &Connection, agent: AgentId, referral: i64) -> StoreResult<Option<Referral>> {
    let Some(offer) = load_offer(conn, agent, referral)? else {
        return Ok(None);
    };
    let Some(record) = load_referral(conn, referral)? else {
        return Ok(None);
    };
    let attempts = load_attempts(conn, referral)?;
    Ok(Some(agent_view(&record, &offer, &attempts)))
}

/// Appends a `ReferralChanged` event with the referral as it now stands and commits.
fn commit_referral_change(
    tx: Transaction<'_>,
    agent: AgentId,
    referral: i64,
    now: DateTime<Utc>,
) -> Result<Updated, ReferralError> {
    let referral = required_view(&tx, agent, referral)?;
    let seq = append_change(
        &tx,
        agent,
        now,
        &ChangeEvent::ReferralChanged {
            referral: referral.clone(),
        },
    )?;
    tx.commit().map_err(StoreError::from)?;
    Ok(Updated { referral, seq })
}

fn required_view(conn: &Connection, agent: AgentId, referral: i64) -> StoreResult<Referral> {
    view(conn, agent, referral)?.ok_or(StoreError::NotFound { what: "referral" })
}

/// The referral accepted by `agent`, or why the agent may not work it.
fn accepted_by(
    conn: &Connection,
    agent: AgentId,
    referral: i64,
) -> Result<ReferralRecord, ReferralError> {
    let offer = load_offer(conn, agent, referral)?.ok_or(ReferralError::NotFound)?;
    let record = load_referral(conn, referral)?.ok_or(ReferralError::NotFound)?;
    if offer.outcome != Some(OfferOutcome::Accepted) || record.agent != Some(agent) {
        return Err(ReferralError::NotAccepted);
    }
    Ok(record)
}

#[async_trait]
impl ReferralStore for SqliteStore {
    async fn create_referral(
        &self,
        referral: &NewReferral,
        now: DateTime<Utc>,
    ) -> StoreResult<(ReferralRecord, bool)> {
        let r = referral.clone();
        self.call(move |conn| {
            let tx = write(conn)?;
            if let Some(key) = &r.intake_key {
                let existing: Option<i64> = tx
                    .query_row(
                        "SELECT id FROM referrals WHERE intake_key = ?1",
                        [key],
                        |row| row.get(0),
                    )
                    .optional()?;
                if let Some(id) = existing {
                    let record =
                        load_referral(&tx, id)?.ok_or(StoreError::NotFound { what: "referral" })?;
                    return Ok((record, false));
                }
            }
            tx.execute(
                "INSERT INTO referrals (consumer_name, phone, email, notes, state, city, zip,
                     language, plan_year, received_at, lifecycle, max_wait_until, retry_at,
                     intake_key, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'waiting', ?11, ?10, ?12, ?13)",
                params![
                    r.consumer_name,
                    r.phone,
                    r.email,
                    r.notes,
                    r.state.code(),
                    r.city,
                    r.zip,
                    r.language.code(),
                    r.plan_year,
                    millis(r.received_at),
                    millis(r.max_wait_until),
                    r.intake_key,
                    millis(now),
                ],
            )?;
            let id = tx.last_insert_rowid();
            let record =
                load_referral(&tx, id)?.ok_or(StoreError::NotFound { what: "referral" })?;
            tx.commit()?;
            Ok((record, true))
        })
        .await
    }

    async fn referral(&self, id: ReferralId) -> StoreResult<Option<ReferralRecord>> {
        self.call(move |conn| load_referral(conn, id.0)).await
    }

    async fn agent_referral(
        &self,
        agent: AgentId,
        id: ReferralId,
    ) -> StoreResult<Option<Referral>> {
        self.call(move |conn| view(conn, agent, id.0)).await
    }

    async fn agent_referrals(
        &self,
        agent: AgentId,
        filter: ReferralFilter,
        before: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<(i64, Referral)>> {
        self.call(move |conn| {
            let (condition, value) = filter_condition(filter);
            let sql = format!(
                "SELECT o.id, o.referral_id FROM offers o JOIN referrals r ON r.id = o.referral_id
                 WHERE o.agent_id = ?1 AND o.id < ?2 AND ({condition})
                 ORDER BY o.id DESC LIMIT ?4"
            );
            let ids: Vec<(i64, i64)> = conn
                .prepare_cached(&sql)?
                .query_map(
                    params![agent.0, before.unwrap_or(i64::MAX), value, limit],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )?
                .collect::<Result<_, _>>()?;
            ids.into_iter()
                .map(|(offer, referral)| Ok((offer, required_view(conn, agent, referral)?)))
                .collect()
        })
        .await
    }

    async fn answer_offer(
        &self,
        agent: AgentId,
        id: ReferralId,
        answer: &Answer,
        now: DateTime<Utc>,
    ) -> Result<Answered, ReferralError> {
        let answer = answer.clone();
        let result = self
            .call(move |conn| Ok(answer_in(conn, agent, id.0, &answer, now)))
            .await;
        result?
    }

    async fn set_referral_status(
        &self,
        agent: AgentId,
        id: ReferralId,
        change: &StatusChange,
        now: DateTime<Utc>,
    ) -> Result<Updated, ReferralError> {
        let change = *change;
        let result = self
            .call(move |conn| {
                Ok((|| {
                    let tx = write(conn)?;
                    let record = accepted_by(&tx, agent, id.0)?;
                    let current = record.status.unwrap_or(ReferralStatus::Accepted);
                    let to = current.set_by_agent(&change)?;
                    tx.execute(
                        "UPDATE referrals SET status = ?2, lifecycle = ?3, completion_outcome = ?4,
                                 not_a_good_referral_reason = ?5, updated_at = ?6
                         WHERE id = ?1",
                        params![
                            id.0,
                            to_text(&to),
                            to_text(&lifecycle_for(to)),
                            change.completion_outcome.map(|c| to_text(&c)),
                            change.not_a_good_referral_reason.map(|c| to_text(&c)),
                            millis(now)
                        ],
                    )
                    .map_err(StoreError::from)?;
                    commit_referral_change(tx, agent, id.0, now)
                })())
            })
            .await;
        result?
    }

    async fn log_contact_attempt(
        &self,
        agent: AgentId,
        id: ReferralId,
        attempt: &ContactAttempt,
        now: DateTime<Utc>,
        policy: &ProgramPolicy,
    ) -> Result<Updated, ReferralError> {
        let attempt = *attempt;
        let policy = *policy;
        let result = self
            .call(move |conn| {
                Ok((|| {
                    let tx = write(conn)?;
                    let record = accepted_by(&tx, agent, id.0)?;
                    let accepted_at = record.accepted_at.ok_or(ReferralError::NotAccepted)?;
                    attempt.validate(accepted_at, now, &policy)?;
                    tx.execute(
                        "INSERT INTO contact_attempts (referral_id, agent_id, channel, outcome, at,
                                                       logged_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                        params![
                            id.0,
                            agent.0,
                            to_text(&attempt.channel),
                            to_text(&attempt.outcome),
                            millis(attempt.at),
                            millis(now)
                        ],
                    )
                    .map_err(StoreError::from)?;
                    tx.execute(
                        "UPDATE referrals SET updated_at = ?2 WHERE id = ?1",
                        params![id.0, millis(now)],
                    )
                    .map_err(StoreError::from)?;
                    commit_referral_change(tx, agent, id.0, now)
                })())
            })
            .await;
        result?
    }

    async fn missed_offer_deadlines(
        &self,
        agent: AgentId,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<DateTime<Utc>>> {
        self.call(move |conn| {
            let rows: Vec<i64> = conn
                .prepare_cached(
                    "SELECT deadline FROM offers
                     WHERE agent_id = ?1 AND outcome = 'missed' AND deadline > ?2",
                )?
                .query_map(params![agent.0, millis(since)], |row| row.get(0))?
                .collect::<Result<_, _>>()?;
            Ok(rows
                .into_iter()
                .map(|ms| instant(ms, 0))
                .collect::<Result<_, _>>()?)
        })
        .await
    }
}

/// A SQL condition on `o` (offers) and `r` (referrals) for the filter, with parameter ?3.
fn filter_condition(filter: ReferralFilter) -> (&'static str, String) {
    match filter {
        ReferralFilter::All => ("?3 = ''", String::new()),
        ReferralFilter::Missed => ("o.outcome = 'missed' AND ?3 = ''", String::new()),
        ReferralFilter::Status(ReferralStatus::Pending) => {
            ("o.outcome IS NULL AND ?3 = ''", String::new())
        }
        ReferralFilter::Status(ReferralStatus::Rejected) => {
            ("o.outcome = 'rejected' AND ?3 = ''", String::new())
        }
        ReferralFilter::Status(status) => (
            "o.outcome = 'accepted' AND r.agent_id = o.agent_id AND r.status = ?3",
            to_text(&status),
        ),
    }
}

fn answer_in(
    conn: &mut Connection,
    agent: AgentId,
    referral: i64,
    answer: &Answer,
    now: DateTime<Utc>,
) -> Result<Answered, ReferralError> {
    let tx = write(conn)?;
    let offer = load_offer(&tx, agent, referral)?.ok_or(ReferralError::NotFound)?;
    if offer.outcome.is_some() {
        return Err(ReferralError::NotPending {
            outcome: offer.outcome,
        });
    }
    let window = Offer {
        offered_at: offer.offered_at,
        deadline: offer.deadline,
    };
    let action = match answer {
        Answer::Accept => OfferAction::Accept,
        Answer::Reject { .. } => OfferAction::Reject,
    };
    let outcome = window
        .resolve(action, now)
        .map_err(|closed| ReferralError::WindowClosed {
            deadline: closed.deadline,
        })?;
    let reason = match answer {
        Answer::Reject { reason } => reason.clone(),
        Answer::Accept => None,
    };
    tx.execute(
        "UPDATE offers SET outcome = ?2, resolved_at = ?3, reject_reason = ?4 WHERE id = ?1",
        params![offer.id, to_text(&outcome), millis(now), reason],
    )
    .map_err(StoreError::from)?;
    if outcome == OfferOutcome::Accepted {
        tx.execute(
            "UPDATE referrals SET lifecycle = 'accepted', agent_id = ?2, status = 'accepted',
                     accepted_at = ?3, retry_at = NULL, updated_at = ?3
             WHERE id = ?1",
            params![referral, agent.0, millis(now)],
        )
        .map_err(StoreError::from)?;
    } else {
        tx.execute(
            "UPDATE referrals SET lifecycle = 'waiting', retry_at = ?2, updated_at = ?2
             WHERE id = ?1",
            params![referral, millis(now)],
        )
        .map_err(StoreError::from)?;
    }
    ensure_agent_state(&tx, agent)?;
    tx.execute(
        "UPDATE agent_state SET last_offer_ended_at = ?2 WHERE agent_id = ?1",
        params![agent.0, millis(now)],
    )
    .map_err(StoreError::from)?;
    let view = required_view(&tx, agent, referral)?;
    let mut seq = append_change(
        &tx,
        agent,
        now,
        &ChangeEvent::OfferResolved {
            referral_id: ReferralId(referral),
            outcome,
        },
    )?;
    if outcome == OfferOutcome::Accepted {
        seq = append_change(
            &tx,
            agent,
            now,
            &ChangeEvent::ReferralChanged {
                referral: view.clone(),
            },
        )?;
    }
    tx.commit().map_err(StoreError::from)?;
    Ok(Answered {
        referral: view,
        outcome,
        offered_at: offer.offered_at,
        seq,
    })
}

#[async_trait]
impl DispatchStore for SqliteStore {
    async fn waiting_referrals(
        &self,
        after: Option<ReferralId>,
        limit: u32,
    ) -> StoreResult<Vec<WaitingReferral>> {
        let after = after.map_or(0, |id| id.0);
        self.call(move |conn| {
            type Row = (i64, String, String, i32, i64, Option<i64>);
            let rows: Vec<Row> = conn
                .prepare_cached(
                    "SELECT id, state, language, plan_year, received_at, retry_at FROM referrals
                     WHERE lifecycle = 'waiting' AND id > ?2 ORDER BY id LIMIT ?1",
                )?
                .query_map(rusqlite::params![limit, after], |row| {
                    Ok((
                        row.get(0)?,
                        row.get(1)?,
                        row.get(2)?,
                        row.get(3)?,
                        row.get(4)?,
                        row.get(5)?,
                    ))
                })?
                .collect::<Result<_, _>>()?;
            let mut statement =
                conn.prepare_cached("SELECT agent_id FROM offers WHERE referral_id = ?1")?;
            let mut waiting = Vec::with_capacity(rows.len());
            for (id, state, language, plan_year, received_at, retry_at) in rows {
                let offered_to = statement
                    .query_map([id], |row| Ok(AgentId(row.get(0)?)))?
                    .collect::<Result<_, _>>()?;
                waiting.push(WaitingReferral {
                    id: ReferralId(id),
                    state: from_text(&state)?,
                    language: from_text(&language)?,
                    plan_year,
                    received_at: instant(received_at, 4)?,
                    retry_at: opt_instant(retry_at, 5)?,
                    offered_to,
                });
            }
            Ok(waiting)
        })
        .await
    }

    async fn routing_agents(&self, only: Option<&[AgentId]>) -> StoreResult<Vec<RoutingAgent>> {
        // The chosen agents as a JSON array, read through json_each; every agent when NULL.
        let only: Option<String> = only.map(|ids| {
            let ids: Vec<i64> = ids.iter().map(|id| id.0).collect();
            serde_json::Value::from(ids).to_string()
        });
        // Two statements, not `?1 IS NULL OR …`, which would keep SQLite from the indexes.
        let (license_filter, agent_filter) = match only {
            Some(_) => (
                "WHERE l.agent_id IN (SELECT value FROM json_each(?1))",
                "WHERE a.id IN (SELECT value FROM json_each(?1))",
            ),
            None => ("WHERE ?1 IS NULL", "WHERE ?1 IS NULL"),
        };
        let every_agent = only.is_none();
        let read = move |conn: &mut rusqlite::Connection| {
            let mut licenses: HashMap<i64, Vec<License>> = HashMap::new();
            {
                let mut statement = conn.prepare_cached(&format!(
                    "SELECT l.agent_id, a.npn, l.state, l.line_of_authority, l.status,
                            l.effective_on, l.expires_on, l.imported_at
                     FROM licenses l JOIN agents a ON a.id = l.agent_id
                     {license_filter}"
                ))?;
                let rows = statement.query_map([&only], |row| {
                    let expires: Option<String> = row.get(6)?;
                    Ok(License {
                        agent: AgentId(row.get(0)?),
                        npn: row.get(1)?,
                        state: row.get(2)?,
                        line_of_authority: row.get(3)?,
                        status: row.get(4)?,
                        effective: date(&row.get::<_, String>(5)?, 5)?,
                        expires: expires.as_deref().map(|d| date(d, 6)).transpose()?,
                        imported_at: instant(row.get(7)?, 7)?,
                    })
                })?;
                for license in rows {
                    let license = license?;
                    licenses.entry(license.agent.0).or_default().push(license);
                }
            }
            let rows: Vec<RawRouting> = conn
                .prepare_cached(&format!(
                    "SELECT a.id, a.languages, a.suspended_at IS NOT NULL, s.availability,
                            s.state_preferences, s.last_offer_ended_at,
                            EXISTS (SELECT 1 FROM offers o
                                    WHERE o.agent_id = a.id AND o.outcome IS NULL)
                     FROM agents a LEFT JOIN agent_state s ON s.agent_id = a.id
                     {agent_filter}
                     ORDER BY a.id"
                ))?
                .query_map([&only], |row| {
                    Ok(RawRouting {
                        id: row.get(0)?,
                        languages: row.get(1)?,
                        suspended: row.get(2)?,
                        availability: row.get(3)?,
                        preferences: row.get(4)?,
                        last_offer_ended_at: opt_instant(row.get(5)?, 5)?,
                        holds_pending_offer: row.get(6)?,
                    })
                })?
                .collect::<Result<_, _>>()?;
            rows.into_iter()
                .map(|raw| {
                    Ok(RoutingAgent {
                        id: AgentId(raw.id),
                        languages: languages_from_text(&raw.languages)?,
                        suspended: raw.suspended,
                        licenses: licenses.remove(&raw.id).unwrap_or_default(),
                        availability: raw.availability.as_deref().map(from_json).transpose()?,
                        preferences: raw
                            .preferences
                            .as_deref()
                            .map(from_json)
                            .transpose()?
                            .unwrap_or(StatePreferences::AllEligible),
                        holds_pending_offer: raw.holds_pending_offer,
                        last_offer_ended_at: raw.last_offer_ended_at,
                    })
                })
                .collect()
        };
        if every_agent {
            // Every agent: seconds on a big roster, kept off the main connection.
            self.read_aside(read).await
        } else {
            self.call(read).await
        }
    }

    async fn agents_changed_since(&self, mark: Option<i64>) -> StoreResult<(Vec<AgentId>, i64)> {
        self.call(move |conn| {
            let Some(mark) = mark else {
                let last: i64 =
                    conn.query_row("SELECT COALESCE(MAX(rowid), 0) FROM changes", [], |row| {
                        row.get(0)
                    })?;
                return Ok((Vec::new(), last));
            };
            let mut last = mark;
            let mut agents = Vec::new();
            let mut statement = conn.prepare_cached(
                "SELECT rowid, agent_id FROM changes WHERE rowid > ?1 ORDER BY rowid",
            )?;
            let mut rows = statement.query([mark])?;
            while let Some(row) = rows.next()? {
                last = row.get(0)?;
                agents.push(AgentId(row.get(1)?));
            }
            agents.sort_unstable();
            agents.dedup();
            Ok((agents, last))
        })
        .await
    }

    async fn make_offer(
        &self,
        referral: ReferralId,
        agent: AgentId,
        offered_at: DateTime<Utc>,
        deadline: DateTime<Utc>,
        notifications: &NotificationPolicy,
    ) -> StoreResult<Option<i64>> {
        let notifications = *notifications;
        self.call(move |conn| {
            let tx = write(conn)?;
            let still_waiting: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM referrals WHERE id = ?1 AND lifecycle = 'waiting')
                    AND NOT EXISTS (SELECT 1 FROM offers WHERE agent_id = ?2
                                    AND (outcome IS NULL OR referral_id = ?1))
                    AND EXISTS (SELECT 1 FROM agents WHERE id = ?2 AND suspended_at IS NULL)",
                params![referral.0, agent.0],
                |row| row.get(0),
            )?;
            if !still_waiting {
                return Ok(None);
            }
            tx.execute(
                "INSERT INTO offers (referral_id, agent_id, offered_at, deadline)
                 VALUES (?1, ?2, ?3, ?4)",
                params![referral.0, agent.0, millis(offered_at), millis(deadline)],
            )?;
            let offer_id = tx.last_insert_rowid();
            // The outbox rows commit with the offer, or neither does (decision 0601).
            queue_offer_messages(
                &tx,
                offer_id,
                referral,
                agent,
                offered_at,
                deadline,
                &notifications,
            )?;
            tx.execute(
                "UPDATE referrals SET lifecycle = 'offered', retry_at = NULL, updated_at = ?2
                 WHERE id = ?1",
                params![referral.0, millis(offered_at)],
            )?;
            let view = required_view(&tx, agent, referral.0)?;
            let seq = append_change(
                &tx,
                agent,
                offered_at,
                &ChangeEvent::OfferMade { referral: view },
            )?;
            tx.commit()?;
            Ok(Some(seq))
        })
        .await
    }

    async fn expire_due_offers(
        &self,
        now: DateTime<Utc>,
        limit: u32,
        policy: &MissPolicy,
    ) -> StoreResult<Vec<ExpiredOffer>> {
        let MissPolicy {
            misses_before_suspension,
            matcher,
        } = policy.clone();
        self.call(move |conn| {
            let tx = write(conn)?;
            let due: Vec<OfferRecord> = tx
                .prepare_cached(&format!(
                    "SELECT {OFFER_COLUMNS} FROM offers
                     WHERE outcome IS NULL AND deadline <= ?1 ORDER BY deadline, id LIMIT ?2"
                ))?
                .query_map(params![millis(now), limit], offer_row)?
                .collect::<Result<Vec<_>, _>>()?
                .into_iter()
                .map(decode_offer)
                .collect::<StoreResult<_>>()?;
            let policy = ProgramPolicy {
                consecutive_misses_before_suspension: misses_before_suspension,
                ..ProgramPolicy::PROGRAM
            };
            let mut expired = Vec::with_capacity(due.len());
            for offer in due {
                let window = Offer {
                    offered_at: offer.offered_at,
                    deadline: offer.deadline,
                };
                let Some(outcome) = window.expire(now) else {
                    continue;
                };
                tx.execute(
                    "UPDATE offers SET outcome = ?2, resolved_at = ?3 WHERE id = ?1",
                    params![offer.id, to_text(&outcome), millis(now)],
                )?;
                tx.execute(
                    "UPDATE referrals SET lifecycle = 'waiting', retry_at = ?2, updated_at = ?2
                     WHERE id = ?1 AND lifecycle = 'offered'",
                    params![offer.referral.0, millis(now)],
                )?;
                ensure_agent_state(&tx, offer.agent)?;
                tx.execute(
                    "UPDATE agent_state SET last_offer_ended_at = ?2 WHERE agent_id = ?1",
                    params![offer.agent.0, millis(now)],
                )?;
                let seq = append_change(
                    &tx,
                    offer.agent,
                    now,
                    &ChangeEvent::OfferResolved {
                        referral_id: offer.referral,
                        outcome,
                    },
                )?;
                let outcomes: Vec<String> = tx
                    .prepare_cached(
                        "SELECT o.outcome FROM offers o JOIN agent_state s ON s.agent_id = o.agent_id
                         WHERE o.agent_id = ?1 AND o.outcome IS NOT NULL
                           AND (s.misses_counted_from IS NULL
                                OR o.resolved_at > s.misses_counted_from)
                         ORDER BY o.resolved_at, o.id",
                    )?
                    .query_map([offer.agent.0], |row| row.get(0))?
                    .collect::<Result<_, _>>()?;
                let outcomes = outcomes
                    .iter()
                    .map(|o| from_text::<OfferOutcome>(o))
                    .collect::<StoreResult<Vec<_>>>()?;
                let suspended = suspension_due(outcomes, &policy)
                    && tx.execute(
                        "UPDATE agents SET suspended_at = ?2, suspension_reason = ?3,
                                           updated_at = ?2
                         WHERE id = ?1 AND suspended_at IS NULL",
                        params![offer.agent.0, millis(now), suspension_reason(&policy)],
                    )? > 0;
                let mut suspension_seq = None;
                if suspended {
                    tx.execute(
                        "UPDATE agent_state SET misses_counted_from = ?2 WHERE agent_id = ?1",
                        params![offer.agent.0, millis(now)],
                    )?;
                    // The agent's app learns of the suspension from the same commit (AV-9).
                    let (profile_seq, _) = append_profile_changed(&tx, offer.agent, now, &matcher)?;
                    suspension_seq = Some(profile_seq);
                }
                expired.push(ExpiredOffer {
                    referral: offer.referral,
                    agent: offer.agent,
                    offered_at: offer.offered_at,
                    deadline: offer.deadline,
                    seq: suspension_seq.unwrap_or(seq),
                    suspension_seq,
                });
            }
            tx.commit()?;
            Ok(expired)
        })
        .await
    }

    async fn close_overdue_referrals(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<ReferralId>> {
        self.call(move |conn| {
            let tx = write(conn)?;
            let ids: Vec<i64> = tx
                .prepare_cached(
                    "SELECT id FROM referrals WHERE lifecycle = 'waiting' AND max_wait_until <= ?1
                     ORDER BY max_wait_until, id LIMIT ?2",
                )?
                .query_map(params![millis(now), limit], |row| row.get(0))?
                .collect::<Result<_, _>>()?;
            for id in &ids {
                tx.execute(
                    "UPDATE referrals SET lifecycle = ?2, retry_at = NULL, updated_at = ?3
                     WHERE id = ?1",
                    params![id, to_text(&ReferralState::Unassigned), millis(now)],
                )?;
            }
            tx.commit()?;
            Ok(ids.into_iter().map(ReferralId).collect())
        })
        .await
    }

    async fn schedule_retry(&self, referrals: &[ReferralId], at: DateTime<Utc>) -> StoreResult<()> {
        let referrals = referrals.to_vec();
        self.call(move |conn| {
            let tx = write(conn)?;
            {
                let mut statement = tx.prepare_cached(
                    "UPDATE referrals SET retry_at = ?2 WHERE id = ?1 AND lifecycle = 'waiting'",
                )?;
                for referral in referrals {
                    statement.execute(params![referral.0, millis(at)])?;
                }
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn next_due(&self) -> StoreResult<Option<DateTime<Utc>>> {
        self.call(move |conn| {
            let ms: Option<i64> = conn.query_row(
                "SELECT MIN(due) FROM (
                     SELECT MIN(deadline) AS due FROM offers WHERE outcome IS NULL
                     UNION ALL
                     SELECT MIN(max_wait_until) FROM referrals WHERE lifecycle = 'waiting'
                     UNION ALL
                     SELECT MIN(retry_at) FROM referrals WHERE lifecycle = 'waiting'
                 )",
                [],
                |row| row.get(0),
            )?;
            Ok(opt_instant(ms, 0)?)
        })
        .await
    }

    async fn waiting_count(&self) -> StoreResult<u64> {
        self.call(move |conn| {
            let n: i64 = conn.query_row(
                "SELECT COUNT(*) FROM referrals WHERE lifecycle = 'waiting'",
                [],
                |row| row.get(0),
            )?;
            Ok(u64::try_from(n).unwrap_or(0))
        })
        .await
    }
}

struct RawRouting {
    id: i64,
    languages: String,
    suspended: bool,
    availability: Option<String>,
    preferences: Option<String>,
    last_offer_ended_at: Option<DateTime<Utc>>,
    holds_pending_offer: bool,
}
