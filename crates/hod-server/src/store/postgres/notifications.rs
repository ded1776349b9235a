//! The notification outbox on PostgreSQL (decision 0601). Claims lock the rows they take
//! (`FOR UPDATE … SKIP LOCKED`), so instances sharing the database never claim the same row.

use super::statements::Prepared;
use super::{fan_out, PostgresStore};
use crate::changes::OfferReminder;
use crate::notify::{
    ClaimBatch, ClaimedMessage, MessageKind, NotificationFilter, NotificationRow, PlannedMessage,
    Settlement,
};
use crate::store::records::OfferRecord;
use crate::store::records::{from_json, from_text, to_text};
use crate::store::{languages_from_text, AgentId, NotificationStore, StoreResult};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use hod_domain::availability::AvailabilitySettings;
use hod_domain::contact_preference::Channel;
use hod_domain::wire::v1::ReferralId;
use tokio_postgres::Row;

/// The outbox rows of a batch of offers, as columns for one `INSERT … SELECT unnest`.
#[derive(Debug, Default)]
pub(super) struct OutboxRows {
    offer_ids: Vec<i64>,
    referral_ids: Vec<i64>,
    agent_ids: Vec<i64>,
    channels: Vec<String>,
    kinds: Vec<String>,
    due_at: Vec<DateTime<Utc>>,
}

impl OutboxRows {
    pub(super) fn push(&mut self, offer: &OfferRecord, message: &PlannedMessage) {
        self.offer_ids.push(offer.id);
        self.referral_ids.push(offer.referral.0);
        self.agent_ids.push(offer.agent.0);
        self.channels.push(to_text(&message.channel));
        self.kinds.push(to_text(&message.kind));
        self.due_at.push(message.due_at);
    }
}

/// Queues the messages planned for a batch of offers, inside the offers' transaction.
pub(super) async fn queue_offer_messages(
    client: &impl GenericClient,
    rows: &OutboxRows,
    offered_at: DateTime<Utc>,
) -> StoreResult<()> {
    if rows.offer_ids.is_empty() {
        return Ok(());
    }
    client
        .execute_cached(
            "INSERT INTO notifications (offer_id, referral_id, agent_id, channel, kind,
                                        created_at, next_attempt_at)
             SELECT o, r, a, c, k, $6, d
             FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::text[],
                         $7::timestamptz[]) AS v(o, r, a, c, k, d)",
            &[
                &rows.offer_ids,
                &rows.referral_ids,
                &rows.agent_ids,
                &rows.channels,
                &rows.kinds,
                &offered_at,
                &rows.due_at,
            ],
        )
        .await?;
    Ok(())
}

const ROW_COLUMNS: &str = "id, offer_id, referral_id, agent_id, channel, kind, state, attempts, \
     created_at, next_attempt_at, handed_over_at, finished_at, last_error";

fn decode_row(row: &Row) -> StoreResult<NotificationRow> {
    let channel: String = row.try_get(4)?;
    let kind: String = row.try_get(5)?;
    let state: String = row.try_get(6)?;
    Ok(NotificationRow {
        id: row.try_get(0)?,
        offer_id: row.try_get(1)?,
        referral: ReferralId(row.try_get(2)?),
        agent: AgentId(row.try_get(3)?),
        channel: from_text(&channel)?,
        kind: from_text(&kind)?,
        state: from_text(&state)?,
        attempts: row.try_get(7)?,
        created_at: row.try_get(8)?,
        next_attempt_at: row.try_get(9)?,
        handed_over_at: row.try_get(10)?,
        finished_at: row.try_get(11)?,
        last_error: row.try_get(12)?,
    })
}

fn decode_claimed(row: &Row) -> StoreResult<ClaimedMessage> {
    let channel: String = row.try_get(2)?;
    let kind: String = row.try_get(3)?;
    let languages: String = row.try_get(11)?;
    let availability: Option<String> = row.try_get(12)?;
    let state: String = row.try_get(13)?;
    let language: String = row.try_get(16)?;
    Ok(ClaimedMessage {
        id: row.try_get(0)?,
        attempt: row.try_get(1)?,
        channel: from_text(&channel)?,
        kind: from_text(&kind)?,
        offer_id: row.try_get(4)?,
        referral: ReferralId(row.try_get(5)?),
        agent: AgentId(row.try_get(6)?),
        offered_at: row.try_get(7)?,
        deadline: row.try_get(8)?,
        email: row.try_get(9)?,
        mobile_phone: row.try_get(10)?,
        agent_languages: languages_from_text(&languages)?,
        agent_time_zone: availability
            .as_deref()
            .and_then(|json| from_json::<AvailabilitySettings>(json).ok())
            .map(|a| a.time_zone),
        state: from_text(&state)?,
        city: row.try_get(14)?,
        zip: row.try_get(15)?,
        language: from_text(&language)?,
    })
}

#[async_trait]
impl NotificationStore for PostgresStore {
    async fn claim_notifications(
        &self,
        now: DateTime<Utc>,
        claim_for: chrono::Duration,
        limit: u32,
        exclude: &[i64],
    ) -> StoreResult<ClaimBatch> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let exclude = exclude.to_vec();
        let due = tx
            .query_cached(
                "SELECT n.id, n.channel, n.kind,
                        (o.outcome IS NULL AND o.deadline > $1) AS live
                 FROM notifications n JOIN offers o ON o.id = n.offer_id
                 WHERE ((n.state = 'queued' AND n.next_attempt_at <= $1)
                        OR (n.state = 'sending' AND n.claimed_until <= $1))
                   AND n.id <> ALL($3)
                 ORDER BY n.next_attempt_at, n.id LIMIT $2
                 FOR UPDATE OF n SKIP LOCKED",
                &[&now, &i64::from(limit), &exclude],
            )
            .await?;
        let mut batch = ClaimBatch::default();
        let mut claimed_ids: Vec<i64> = Vec::new();
        for row in &due {
            let id: i64 = row.try_get(0)?;
            let live: bool = row.try_get(3)?;
            if live {
                tx.execute_cached(
                    "UPDATE notifications SET state = 'sending', attempts = attempts + 1,
                            claimed_until = $2
                     WHERE id = $1",
                    &[&id, &(now + claim_for)],
                )
                .await?;
                claimed_ids.push(id);
            } else {
                tx.execute_cached(
                    "UPDATE notifications SET state = 'skipped', claimed_until = NULL,
                            finished_at = $2
                     WHERE id = $1",
                    &[&id, &now],
                )
                .await?;
                let channel: String = row.try_get(1)?;
                let kind: String = row.try_get(2)?;
                batch.skipped.push((
                    id,
                    from_text::<Channel>(&channel)?,
                    from_text::<MessageKind>(&kind)?,
                ));
            }
        }
        if !claimed_ids.is_empty() {
            let rows = tx
                .query_cached(
                    "SELECT n.id, n.attempts, n.channel, n.kind, n.offer_id, n.referral_id,
                            n.agent_id, o.offered_at, o.deadline, a.mlms_email, a.mobile_phone,
                            a.languages, s.availability, r.state, r.city, r.zip, r.language
                     FROM notifications n
                     JOIN offers o ON o.id = n.offer_id
                     JOIN agents a ON a.id = n.agent_id
                     JOIN referrals r ON r.id = n.referral_id
                     LEFT JOIN agent_state s ON s.agent_id = n.agent_id
                     WHERE n.id = ANY($1)
                     ORDER BY n.next_attempt_at, n.id",
                    &[&claimed_ids],
                )
                .await?;
            for row in &rows {
                batch.claimed.push(decode_claimed(row)?);
            }
        }
        tx.commit().await?;
        Ok(batch)
    }

    async fn settle_notification(
        &self,
        id: i64,
        attempt: i32,
        settlement: &Settlement,
    ) -> StoreResult<bool> {
        let client = self.client().await?;
        let changed = match settlement {
            Settlement::Delivered { at } => {
                client
                    .execute_cached(
                        "UPDATE notifications SET state = 'delivered', claimed_until = NULL,
                                handed_over_at = $3, finished_at = $3
                         WHERE id = $1 AND attempts = $2 AND state = 'sending'",
                        &[&id, &attempt, at],
                    )
                    .await?
            }
            Settlement::Retry {
                retry_at, error, ..
            } => {
                client
                    .execute_cached(
                        "UPDATE notifications SET state = 'queued', claimed_until = NULL,
                                next_attempt_at = $3, last_error = $4
                         WHERE id = $1 AND attempts = $2 AND state = 'sending'",
                        &[&id, &attempt, retry_at, error],
                    )
                    .await?
            }
            Settlement::Dead { at, error } => {
                client
                    .execute_cached(
                        "UPDATE notifications SET state = 'dead', claimed_until = NULL,
                                finished_at = $3, last_error = $4
                         WHERE id = $1 AND attempts = $2 AND state = 'sending'",
                        &[&id, &attempt, at, error],
                    )
                    .await?
            }
        };
        Ok(changed == 1)
    }

    async fn notifications(
        &self,
        filter: NotificationFilter,
        limit: u32,
    ) -> StoreResult<Vec<NotificationRow>> {
        let client = self.client().await?;
        let condition = match filter {
            NotificationFilter::All => "TRUE",
            NotificationFilter::Failed => {
                "state = 'dead' OR (state = 'queued' AND last_error IS NOT NULL)"
            }
        };
        let rows = client
            .query_cached(
                &format!(
                    "SELECT {ROW_COLUMNS} FROM notifications WHERE {condition}
                     ORDER BY id DESC LIMIT $1"
                ),
                &[&i64::from(limit)],
            )
            .await?;
        rows.iter().map(decode_row).collect()
    }

    async fn next_notification_due(&self) -> StoreResult<Option<DateTime<Utc>>> {
        let client = self.client().await?;
        let row = client
            .query_one_cached(
                "SELECT LEAST(
                     (SELECT MIN(next_attempt_at) FROM notifications WHERE state = 'queued'),
                     (SELECT MIN(claimed_until) FROM notifications WHERE state = 'sending'))",
                &[],
            )
            .await?;
        Ok(row.try_get(0)?)
    }

    async fn publish_reminder(&self, reminder: &OfferReminder) -> StoreResult<bool> {
        let client = self.client().await?;
        client
            .execute_cached(
                "SELECT pg_notify($1, $2)",
                &[&fan_out::REMINDERS, &fan_out::reminder_payload(reminder)],
            )
            .await?;
        Ok(true)
    }
}
