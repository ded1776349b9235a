//! The notification outbox on SQLite (decision 0601). The single connection and `BEGIN
//! IMMEDIATE` make a claim the only writer while it runs.

use super::{instant, millis, write, SqliteStore};
use crate::notify::{
    ClaimBatch, ClaimedMessage, MessageKind, NotificationFilter, NotificationPolicy,
    NotificationRow, Settlement,
};
use crate::store::records::{from_json, from_text, to_text};
use crate::store::{languages_from_text, AgentId, NotificationStore, StoreResult};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hod_domain::availability::AvailabilitySettings;
use hod_domain::contact_preference::{Channel, PreferredContactMethod};
use hod_domain::wire::v1::ReferralId;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row};

/// Queues the messages `policy` plans for the offer, inside the offer's transaction.
pub(super) fn queue_offer_messages(
    conn: &Connection,
    offer_id: i64,
    referral: ReferralId,
    agent: AgentId,
    offered_at: DateTime<Utc>,
    deadline: DateTime<Utc>,
    policy: &NotificationPolicy,
) -> StoreResult<()> {
    if *policy == NotificationPolicy::OFF {
        return Ok(());
    }
    let method: String = conn.query_row(
        "SELECT preferred_contact_method FROM agents WHERE id = ?1",
        [agent.0],
        |row| row.get(0),
    )?;
    let method: PreferredContactMethod = from_text(&method)?;
    for planned in policy.plan(method, offered_at, deadline) {
        conn.execute(
            "INSERT INTO notifications (offer_id, referral_id, agent_id, channel, kind,
                                        created_at, next_attempt_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                offer_id,
                referral.0,
                agent.0,
                to_text(&planned.channel),
                to_text(&planned.kind),
                millis(offered_at),
                millis(planned.due_at)
            ],
        )?;
    }
    Ok(())
}

const ROW_COLUMNS: &str = "id, offer_id, referral_id, agent_id, channel, kind, state, attempts, \
     created_at, next_attempt_at, handed_over_at, finished_at, last_error";

fn raw_row(row: &Row<'_>) -> rusqlite::Result<RawRow> {
    Ok(RawRow {
        id: row.get(0)?,
        offer_id: row.get(1)?,
        referral: row.get(2)?,
        agent: row.get(3)?,
        channel: row.get(4)?,
        kind: row.get(5)?,
        state: row.get(6)?,
        attempts: row.get(7)?,
        created_at: instant(row.get(8)?, 8)?,
        next_attempt_at: instant(row.get(9)?, 9)?,
        handed_over_at: row
            .get::<_, Option<i64>>(10)?
            .map(|ms| instant(ms, 10))
            .transpose()?,
        finished_at: row
            .get::<_, Option<i64>>(11)?
            .map(|ms| instant(ms, 11))
            .transpose()?,
        last_error: row.get(12)?,
    })
}

struct RawRow {
    id: i64,
    offer_id: i64,
    referral: i64,
    agent: i64,
    channel: String,
    kind: String,
    state: String,
    attempts: i32,
    created_at: DateTime<Utc>,
    next_attempt_at: DateTime<Utc>,
    handed_over_at: Option<DateTime<Utc>>,
    finished_at: Option<DateTime<Utc>>,
    last_error: Option<String>,
}

fn decode_row(raw: RawRow) -> StoreResult<NotificationRow> {
    Ok(NotificationRow {
        id: raw.id,
        offer_id: raw.offer_id,
        referral: ReferralId(raw.referral),
        agent: AgentId(raw.agent),
        channel: from_text(&raw.channel)?,
        kind: from_text(&raw.kind)?,
        state: from_text(&raw.state)?,
        attempts: raw.attempts,
        created_at: raw.created_at,
        next_attempt_at: raw.next_attempt_at,
        handed_over_at: raw.handed_over_at,
        finished_at: raw.finished_at,
        last_error: raw.last_error,
    })
}

/// The claimed row with what the sender needs to write it.
fn load_claimed(conn: &Connection, id: i64) -> StoreResult<Option<ClaimedMessage>> {
    type Raw = (
        (i64, i32, String, String, i64, i64, i64),
        (i64, i64, String, String, String, Option<String>),
        (String, String, String, String),
    );
    let raw: Option<Raw> = conn
        .query_row(
            "SELECT n.id, n.attempts, n.channel, n.kind, n.offer_id, n.referral_id, n.agent_id,
                    o.offered_at, o.deadline, a.mlms_email, a.mobile_phone, a.languages,
                    s.availability, r.state, r.city, r.zip, r.language
             FROM notifications n
             JOIN offers o ON o.id = n.offer_id
             JOIN agents a ON a.id = n.agent_id
             JOIN referrals r ON r.id = n.referral_id
             LEFT JOIN agent_state s ON s.agent_id = n.agent_id
             WHERE n.id = ?1",
            [id],
            |row| {
                Ok((
                    (
                        row.get(0)?,
                        row.get(1)?,
                        row.get(2)?,
                        row.get(3)?,
                        row.get(4)?,
                        row.get(5)?,
                        row.get(6)?,
                    ),
                    (
                        row.get(7)?,
                        row.get(8)?,
                        row.get(9)?,
                        row.get(10)?,
                        row.get(11)?,
                        row.get(12)?,
                    ),
                    (row.get(13)?, row.get(14)?, row.get(15)?, row.get(16)?),
                ))
            },
        )
        .optional()?;
    let Some((
        (id, attempt, channel, kind, offer_id, referral, agent),
        (offered_at, deadline, email, mobile_phone, languages, availability),
        (state, city, zip, language),
    )) = raw
    else {
        return Ok(None);
    };
    let agent_time_zone = availability
        .as_deref()
        .and_then(|json| from_json::<AvailabilitySettings>(json).ok())
        .map(|a| a.time_zone);
    Ok(Some(ClaimedMessage {
        id,
        attempt,
        channel: from_text(&channel)?,
        kind: from_text(&kind)?,
        offer_id,
        referral: ReferralId(referral),
        agent: AgentId(agent),
        offered_at: instant(offered_at, 7)?,
        deadline: instant(deadline, 8)?,
        email,
        mobile_phone,
        agent_languages: languages_from_text(&languages)?,
        agent_time_zone,
        state: from_text(&state)?,
        city,
        zip,
        language: from_text(&language)?,
    }))
}

#[async_trait]
impl NotificationStore for SqliteStore {
    async fn claim_notifications(
        &self,
        now: DateTime<Utc>,
        claim_for: chrono::Duration,
        limit: u32,
        exclude: &[i64],
    ) -> StoreResult<ClaimBatch> {
        let exclude = exclude.to_vec();
        self.call(move |conn| {
            let tx = write(conn)?;
            let placeholders = (0..exclude.len())
                .map(|i| format!("?{}", i + 3))
                .collect::<Vec<_>>()
                .join(",");
            let excluded = if exclude.is_empty() {
                String::new()
            } else {
                format!("AND n.id NOT IN ({placeholders})")
            };
            let sql = format!(
                "SELECT n.id, n.channel, n.kind,
                        o.outcome IS NULL AND o.deadline > ?1 AS live
                 FROM notifications n JOIN offers o ON o.id = n.offer_id
                 WHERE ((n.state = 'queued' AND n.next_attempt_at <= ?1)
                        OR (n.state = 'sending' AND n.claimed_until <= ?1))
                   {excluded}
                 ORDER BY n.next_attempt_at, n.id LIMIT ?2"
            );
            let mut values: Vec<i64> = vec![millis(now), i64::from(limit)];
            values.extend(&exclude);
            let due: Vec<(i64, String, String, bool)> = tx
                .prepare_cached(&sql)?
                .query_map(params_from_iter(values.iter()), |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
                })?
                .collect::<Result<_, _>>()?;
            let mut batch = ClaimBatch::default();
            let mut claimed_ids = Vec::new();
            for (id, channel, kind, live) in due {
                if live {
                    tx.execute(
                        "UPDATE notifications SET state = 'sending', attempts = attempts + 1,
                                claimed_until = ?2
                         WHERE id = ?1",
                        params![id, millis(now + claim_for)],
                    )?;
                    claimed_ids.push(id);
                } else {
                    tx.execute(
                        "UPDATE notifications SET state = 'skipped', claimed_until = NULL,
                                finished_at = ?2
                         WHERE id = ?1",
                        params![id, millis(now)],
                    )?;
                    batch.skipped.push((
                        id,
                        from_text::<Channel>(&channel)?,
                        from_text::<MessageKind>(&kind)?,
                    ));
                }
            }
            for id in claimed_ids {
                if let Some(message) = load_claimed(&tx, id)? {
                    batch.claimed.push(message);
                }
            }
            tx.commit()?;
            Ok(batch)
        })
        .await
    }

    async fn settle_notification(
        &self,
        id: i64,
        attempt: i32,
        settlement: &Settlement,
    ) -> StoreResult<bool> {
        let settlement = settlement.clone();
        self.call(move |conn| {
            let changed = match &settlement {
                Settlement::Delivered { at } => conn.execute(
                    "UPDATE notifications SET state = 'delivered', claimed_until = NULL,
                            handed_over_at = ?3, finished_at = ?3
                     WHERE id = ?1 AND attempts = ?2 AND state = 'sending'",
                    params![id, attempt, millis(*at)],
                )?,
                Settlement::Retry {
                    retry_at, error, ..
                } => conn.execute(
                    "UPDATE notifications SET state = 'queued', claimed_until = NULL,
                            next_attempt_at = ?3, last_error = ?4
                     WHERE id = ?1 AND attempts = ?2 AND state = 'sending'",
                    params![id, attempt, millis(*retry_at), error],
                )?,
                Settlement::Dead { at, error } => conn.execute(
                    "UPDATE notifications SET state = 'dead', claimed_until = NULL,
                            finished_at = ?3, last_error = ?4
                     WHERE id = ?1 AND attempts = ?2 AND state = 'sending'",
                    params![id, attempt, millis(*at), error],
                )?,
            };
            Ok(changed == 1)
        })
        .await
    }

    async fn notifications(
        &self,
        filter: NotificationFilter,
        limit: u32,
    ) -> StoreResult<Vec<NotificationRow>> {
        self.call(move |conn| {
            let condition = match filter {
                NotificationFilter::All => "1 = 1",
                NotificationFilter::Failed => {
                    "state = 'dead' OR (state = 'queued' AND last_error IS NOT NULL)"
                }
            };
            conn.prepare_cached(&format!(
                "SELECT {ROW_COLUMNS} FROM notifications WHERE {condition}
                 ORDER BY id DESC LIMIT ?1"
            ))?
            .query_map([limit], raw_row)?
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .map(decode_row)
            .collect()
        })
        .await
    }

    async fn next_notification_due(&self) -> StoreResult<Option<DateTime<Utc>>> {
        self.call(move |conn| {
            let ms: Option<i64> = conn.query_row(
                "SELECT MIN(due) FROM (
                     SELECT MIN(next_attempt_at) AS due FROM notifications WHERE state = 'queued'
                     UNION ALL
                     SELECT MIN(claimed_until) FROM notifications WHERE state = 'sending'
                 )",
                [],
                |row| row.get(0),
            )?;
            Ok(ms.map(|ms| instant(ms, 0)).transpose()?)
        })
        .await
    }
}

/// Keeps the state names in one place for the SQL above.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::DeliveryState;

    #[test]
    fn state_names_match_the_sql() {
        for (state, text) in [
            (DeliveryState::Queued, "queued"),
            (DeliveryState::Sending, "sending"),
            (DeliveryState::Delivered, "delivered"),
            (DeliveryState::Skipped, "skipped"),
            (DeliveryState::Dead, "dead"),
        ] {
            assert_eq!(to_text(&state), text);
        }
        assert_eq!(to_text(&Channel::Text), "text");
        assert_eq!(to_text(&MessageKind::Reminder), "reminder");
    }
}
