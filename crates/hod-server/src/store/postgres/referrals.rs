//! Referrals, offers, the dispatcher's timer rows and the agents' routing state on
//! PostgreSQL, shared by several server instances.
//!
//! Races are settled by row locks: an answer locks its offer (`FOR UPDATE`), the timer
//! claims due offers with `FOR UPDATE SKIP LOCKED` (an offer being answered is left for the
//! next tick, and another instance's claims are skipped), and making an offer locks the
//! referral and relies on the one-pending-offer unique indexes.

use super::changes::{append_change, append_changes, append_profile_changed, ensure_agent_state};
use super::notifications::{queue_offer_messages, OutboxRows};
use super::statements::Prepared;
use super::PostgresStore;
use crate::notify::NotificationPolicy;
use crate::store::records::{
    from_json, from_text, lifecycle_for, opt_from_text, suspension_reason, to_json, to_text,
    Answer, Answered, ExpiredOffer, NewReferral, OfferRecord, OffersMade, ReferralError,
    ReferralFilter, ReferralRecord, RoutingAgent, Updated, WaitingReferral,
};
use crate::store::{
    agent_view, languages_from_text, AgentId, DispatchStore, License, MissPolicy, ReferralStore,
    StoreError, StoreResult,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use deadpool_postgres::{GenericClient, Transaction};
use hod_domain::eligibility::StatePreferences;
use hod_domain::referral::{
    suspension_due, ContactAttempt, Offer, OfferAction, OfferOutcome, ProgramPolicy,
    ReferralStatus, StatusChange,
};
use hod_domain::wire::v1::{ChangeEvent, ConsumerContact, Referral, ReferralId, ReferralState};
use std::collections::HashMap;
use tokio_postgres::Row;

const REFERRAL_COLUMNS: &str = "id, consumer_name, phone, email, notes, state, city, zip, \
     language, plan_year, received_at, lifecycle, max_wait_until, retry_at, agent_id, status, \
     accepted_at, completion_outcome, not_a_good_referral_reason, updated_at";

const OFFER_COLUMNS: &str = "id, referral_id, agent_id, offered_at, deadline, outcome, resolved_at";

fn referral_from_row(row: &Row) -> StoreResult<ReferralRecord> {
    let state: String = row.try_get(5)?;
    let language: String = row.try_get(8)?;
    let lifecycle: String = row.try_get(11)?;
    let agent: Option<i64> = row.try_get(14)?;
    Ok(ReferralRecord {
        id: ReferralId(row.try_get(0)?),
        contact: ConsumerContact {
            name: row.try_get(1)?,
            phone: row.try_get(2)?,
            email: row.try_get(3)?,
            notes: row.try_get(4)?,
        },
        state: from_text(&state)?,
        city: row.try_get(6)?,
        zip: row.try_get(7)?,
        language: from_text(&language)?,
        plan_year: row.try_get(9)?,
        received_at: row.try_get(10)?,
        lifecycle: from_text(&lifecycle)?,
        max_wait_until: row.try_get(12)?,
        retry_at: row.try_get(13)?,
        agent: agent.map(AgentId),
        status: opt_from_text(row.try_get(15)?)?,
        accepted_at: row.try_get(16)?,
        completion_outcome: opt_from_text(row.try_get(17)?)?,
        not_a_good_referral_reason: opt_from_text(row.try_get(18)?)?,
        updated_at: row.try_get(19)?,
    })
}

fn offer_from_row(row: &Row) -> StoreResult<OfferRecord> {
    Ok(OfferRecord {
        id: row.try_get(0)?,
        referral: ReferralId(row.try_get(1)?),
        agent: AgentId(row.try_get(2)?),
        offered_at: row.try_get(3)?,
        deadline: row.try_get(4)?,
        outcome: opt_from_text(row.try_get(5)?)?,
        resolved_at: row.try_get(6)?,
    })
}

async fn load_referral(
    client: &impl GenericClient,
    id: i64,
    lock: bool,
) -> StoreResult<Option<ReferralRecord>> {
    let lock = if lock { " FOR UPDATE" } else { "" };
    client
        .query_opt_cached(
            &format!("SELECT {REFERRAL_COLUMNS} FROM referrals WHERE id = $1{lock}"),
            &[&id],
        )
        .await?
        .as_ref()
        .map(referral_from_row)
        .transpose()
}

async fn load_offer(
    client: &impl GenericClient,
    agent: AgentId,
    referral: i64,
    lock: bool,
) -> StoreResult<Option<OfferRecord>> {
    let lock = if lock { " FOR UPDATE" } else { "" };
    client
        .query_opt_cached(
            &format!(
                "SELECT {OFFER_COLUMNS} FROM offers WHERE agent_id = $1 AND referral_id = $2{lock}"
            ),
            &[&agent.0, &referral],
        )
        .await?
        .as_ref()
        .map(offer_from_row)
        .transpose()
}

async fn load_attempts(
    client: &impl GenericClient,
    referral: i64,
) -> StoreResult<Vec<ContactAttempt>> {
    Ok(load_attempts_of(client, &[referral])
        .await?
        .remove(&referral)
        .unwrap_or_default())
}

/// The contact attempts of several referrals, each in order.
async fn load_attempts_of(
    client: &impl GenericClient,
    referrals: &[i64],
) -> StoreResult<HashMap<i64, Vec<ContactAttempt>>> {
    let mut attempts: HashMap<i64, Vec<ContactAttempt>> = HashMap::new();
    for row in client
        .query_cached(
            "SELECT referral_id, channel, outcome, at FROM contact_attempts
             WHERE referral_id = ANY($1) ORDER BY referral_id, at, id",
            &[&referrals],
        )
        .await?
    {
        let channel: String = row.try_get(1)?;
        let outcome: String = row.try_get(2)?;
        attempts
            .entry(row.try_get(0)?)
            .or_default()
            .push(ContactAttempt {
                channel: from_text(&channel)?,
                outcome: from_text(&outcome)?,
                at: row.try_get(3)?,
            });
    }
    Ok(attempts)
}

async fn view(
    client: &impl GenericClient,
    agent: AgentId,
    referral: i64,
) -> StoreResult<Option<Referral>> {
    let Some(offer) = load_offer(client, agent, referral, false).await? else {
        return Ok(None);
    };
    let Some(record) = load_referral(client, referral, false).await? else {
        return Ok(None);
    };
    let attempts = load_attempts(client, referral).await?;
    Ok(Some(agent_view(&record, &offer, &attempts)))
}

/// Appends a `ReferralChanged` event with the referral as it now stands and commits.
async fn commit_referral_change(
    tx: Transaction<'_>,
    agent: AgentId,
    referral: i64,
    now: DateTime<Utc>,
) -> Result<Updated, ReferralError> {
    let referral = required_view(&tx, agent, referral).await?;
    let seq = append_change(
        &tx,
        agent,
        now,
        &ChangeEvent::ReferralChanged {
            referral: referral.clone(),
        },
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(Updated { referral, seq })
}

async fn required_view(
    client: &impl GenericClient,
    agent: AgentId,
    referral: i64,
) -> StoreResult<Referral> {
    view(client, agent, referral)
        .await?
        .ok_or(StoreError::NotFound { what: "referral" })
}

/// The referral accepted by `agent` (locked), or why the agent may not work it.
async fn accepted_by(
    client: &impl GenericClient,
    agent: AgentId,
    referral: i64,
) -> Result<ReferralRecord, ReferralError> {
    let offer = load_offer(client, agent, referral, false)
        .await?
        .ok_or(ReferralError::NotFound)?;
    let record = load_referral(client, referral, true)
        .await?
        .ok_or(ReferralError::NotFound)?;
    if offer.outcome != Some(OfferOutcome::Accepted) || record.agent != Some(agent) {
        return Err(ReferralError::NotAccepted);
    }
    Ok(record)
}

/// A SQL condition on `o` (offers) and `r` (referrals) for the filter, with parameter $3.
fn filter_condition(filter: ReferralFilter) -> (&'static str, String) {
    match filter {
        ReferralFilter::All => ("$3 = ''", String::new()),
        ReferralFilter::Missed => ("o.outcome = 'missed' AND $3 = ''", String::new()),
        ReferralFilter::Status(ReferralStatus::Pending) => {
            ("o.outcome IS NULL AND $3 = ''", String::new())
        }
        ReferralFilter::Status(ReferralStatus::Rejected) => {
            ("o.outcome = 'rejected' AND $3 = ''", String::new())
        }
        ReferralFilter::Status(status) => (
            "o.outcome = 'accepted' AND r.agent_id = o.agent_id AND r.status = $3",
            to_text(&status),
        ),
    }
}

#[async_trait]
impl ReferralStore for PostgresStore {
    async fn create_referral(
        &self,
        r: &NewReferral,
        now: DateTime<Utc>,
    ) -> StoreResult<(ReferralRecord, bool)> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let inserted = tx
            .query_opt_cached(
                "INSERT INTO referrals (consumer_name, phone, email, notes, state, city, zip,
                     language, plan_year, received_at, lifecycle, max_wait_until, retry_at,
                     intake_key, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'waiting', $11, $10, $12, $13)
                 ON CONFLICT (intake_key) DO NOTHING
                 RETURNING id",
                &[
                    &r.consumer_name,
                    &r.phone,
                    &r.email,
                    &r.notes,
                    &r.state.code(),
                    &r.city,
                    &r.zip,
                    &r.language.code(),
                    &r.plan_year,
                    &r.received_at,
                    &r.max_wait_until,
                    &r.intake_key,
                    &now,
                ],
            )
            .await?;
        let (id, created): (i64, bool) = match inserted {
            Some(row) => (row.try_get(0)?, true),
            None => (
                tx.query_one_cached(
                    "SELECT id FROM referrals WHERE intake_key = $1",
                    &[&r.intake_key],
                )
                .await?
                .try_get(0)?,
                false,
            ),
        };
        let record = load_referral(&tx, id, false)
            .await?
            .ok_or(StoreError::NotFound { what: "referral" })?;
        tx.commit().await?;
        Ok((record, created))
    }

    async fn referral(&self, id: ReferralId) -> StoreResult<Option<ReferralRecord>> {
        let client = self.client().await?;
        load_referral(&client, id.0, false).await
    }

    async fn agent_referral(
        &self,
        agent: AgentId,
        id: ReferralId,
    ) -> StoreResult<Option<Referral>> {
        let client = self.client().await?;
        view(&client, agent, id.0).await
    }

    async fn agent_referrals(
        &self,
        agent: AgentId,
        filter: ReferralFilter,
        before: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<(i64, Referral)>> {
        let client = self.client().await?;
        let (condition, value) = filter_condition(filter);
        let rows = client
            .query_cached(
                &format!(
                    "SELECT o.id, o.referral_id FROM offers o
                     JOIN referrals r ON r.id = o.referral_id
                     WHERE o.agent_id = $1 AND o.id < $2 AND ({condition})
                     ORDER BY o.id DESC LIMIT $4"
                ),
                &[
                    &agent.0,
                    &before.unwrap_or(i64::MAX),
                    &value,
                    &i64::from(limit),
                ],
            )
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let offer: i64 = row.try_get(0)?;
            let referral: i64 = row.try_get(1)?;
            out.push((offer, required_view(&client, agent, referral).await?));
        }
        Ok(out)
    }

    async fn answer_offer(
        &self,
        agent: AgentId,
        id: ReferralId,
        answer: &Answer,
        now: DateTime<Utc>,
    ) -> Result<Answered, ReferralError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(StoreError::from)?;
        let offer = load_offer(&tx, agent, id.0, true)
            .await?
            .ok_or(ReferralError::NotFound)?;
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
        let outcome =
            window
                .resolve(action, now)
                .map_err(|closed| ReferralError::WindowClosed {
                    deadline: closed.deadline,
                })?;
        let reason = match answer {
            Answer::Reject { reason } => reason.clone(),
            Answer::Accept => None,
        };
        tx.execute_cached(
            "UPDATE offers SET outcome = $2, resolved_at = $3, reject_reason = $4 WHERE id = $1",
            &[&offer.id, &to_text(&outcome), &now, &reason],
        )
        .await
        .map_err(StoreError::from)?;
        if outcome == OfferOutcome::Accepted {
            tx.execute_cached(
                "UPDATE referrals SET lifecycle = 'accepted', agent_id = $2, status = 'accepted',
                         accepted_at = $3, retry_at = NULL, updated_at = $3
                 WHERE id = $1",
                &[&id.0, &agent.0, &now],
            )
            .await
            .map_err(StoreError::from)?;
        } else {
            tx.execute_cached(
                "UPDATE referrals SET lifecycle = 'waiting', retry_at = $2, updated_at = $2
                 WHERE id = $1",
                &[&id.0, &now],
            )
            .await
            .map_err(StoreError::from)?;
        }
        ensure_agent_state(&tx, agent).await?;
        tx.execute_cached(
            "UPDATE agent_state SET last_offer_ended_at = $2 WHERE agent_id = $1",
            &[&agent.0, &now],
        )
        .await
        .map_err(StoreError::from)?;
        let view = required_view(&tx, agent, id.0).await?;
        let mut seq = append_change(
            &tx,
            agent,
            now,
            &ChangeEvent::OfferResolved {
                referral_id: id,
                outcome,
            },
        )
        .await?;
        if outcome == OfferOutcome::Accepted {
            seq = append_change(
                &tx,
                agent,
                now,
                &ChangeEvent::ReferralChanged {
                    referral: view.clone(),
                },
            )
            .await?;
        }
        tx.commit().await.map_err(StoreError::from)?;
        Ok(Answered {
            referral: view,
            outcome,
            offered_at: offer.offered_at,
            seq,
        })
    }

    async fn set_referral_status(
        &self,
        agent: AgentId,
        id: ReferralId,
        change: &StatusChange,
        now: DateTime<Utc>,
    ) -> Result<Updated, ReferralError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(StoreError::from)?;
        let record = accepted_by(&tx, agent, id.0).await?;
        let current = record.status.unwrap_or(ReferralStatus::Accepted);
        let to = current.set_by_agent(change)?;
        tx.execute_cached(
            "UPDATE referrals SET status = $2, lifecycle = $3, completion_outcome = $4,
                     not_a_good_referral_reason = $5, updated_at = $6
             WHERE id = $1",
            &[
                &id.0,
                &to_text(&to),
                &to_text(&lifecycle_for(to)),
                &change.completion_outcome.map(|c| to_text(&c)),
                &change.not_a_good_referral_reason.map(|c| to_text(&c)),
                &now,
            ],
        )
        .await
        .map_err(StoreError::from)?;
        commit_referral_change(tx, agent, id.0, now).await
    }

    async fn log_contact_attempt(
        &self,
        agent: AgentId,
        id: ReferralId,
        attempt: &ContactAttempt,
        now: DateTime<Utc>,
        policy: &ProgramPolicy,
    ) -> Result<Updated, ReferralError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(StoreError::from)?;
        let record = accepted_by(&tx, agent, id.0).await?;
        let accepted_at = record.accepted_at.ok_or(ReferralError::NotAccepted)?;
        attempt.validate(accepted_at, now, policy)?;
        tx.execute_cached(
            "INSERT INTO contact_attempts (referral_id, agent_id, channel, outcome, at, logged_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &id.0,
                &agent.0,
                &to_text(&attempt.channel),
                &to_text(&attempt.outcome),
                &attempt.at,
                &now,
            ],
        )
        .await
        .map_err(StoreError::from)?;
        tx.execute_cached(
            "UPDATE referrals SET updated_at = $2 WHERE id = $1",
            &[&id.0, &now],
        )
        .await
        .map_err(StoreError::from)?;
        commit_referral_change(tx, agent, id.0, now).await
    }

    async fn missed_offer_deadlines(
        &self,
        agent: AgentId,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<DateTime<Utc>>> {
        let client = self.client().await?;
        client
            .query_cached(
                "SELECT deadline FROM offers
                 WHERE agent_id = $1 AND outcome = 'missed' AND deadline > $2",
                &[&agent.0, &since],
            )
            .await?
            .iter()
            .map(|row| Ok(row.try_get(0)?))
            .collect()
    }
}

/// [`DispatchStore::make_offers`]: fills `made` once the batch has committed.
async fn offers_in_one_transaction(
    store: &PostgresStore,
    planned: &[(ReferralId, AgentId)],
    offered_at: DateTime<Utc>,
    deadline: DateTime<Utc>,
    notifications: &NotificationPolicy,
    made: &mut [Option<i64>],
) -> StoreResult<()> {
    let mut client = store.client().await?;
    let tx = client.transaction().await?;
    let referral_ids: Vec<i64> = planned.iter().map(|(r, _)| r.0).collect();
    let agent_ids: Vec<i64> = planned.iter().map(|(_, a)| a.0).collect();
    // Locks taken in id order, so two instances writing overlapping batches queue
    // rather than deadlock.
    let waiting: std::collections::HashSet<i64> = tx
        .query_cached(
            "SELECT id FROM referrals WHERE id = ANY($1) AND lifecycle = 'waiting'
             ORDER BY id FOR UPDATE",
            &[&referral_ids],
        )
        .await?
        .iter()
        .map(|row| row.try_get(0))
        .collect::<Result<_, _>>()?;
    let methods: HashMap<i64, String> = tx
        .query_cached(
            "SELECT id, preferred_contact_method FROM agents
             WHERE id = ANY($1) AND suspended_at IS NULL ORDER BY id FOR SHARE",
            &[&agent_ids],
        )
        .await?
        .iter()
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
        .collect::<StoreResult<_>>()?;
    // Agents already holding a committed pending offer are left out here rather than by the
    // unique index: inserting for them would wait on their answer's transaction, which may
    // itself wait on a referral this batch has locked (a deadlock).
    let holding: std::collections::HashSet<i64> = tx
        .query_cached(
            "SELECT agent_id FROM offers WHERE agent_id = ANY($1) AND outcome IS NULL",
            &[&agent_ids],
        )
        .await?
        .iter()
        .map(|row| row.try_get(0))
        .collect::<Result<_, _>>()?;
    let mut chosen: Vec<(i64, i64)> = planned
        .iter()
        .filter(|(r, a)| {
            waiting.contains(&r.0) && methods.contains_key(&a.0) && !holding.contains(&a.0)
        })
        .map(|(r, a)| (a.0, r.0))
        .collect();
    // Inserted in agent order: two instances offering to the same agents at once wait on
    // each other's index entries in one order, never in a cycle.
    chosen.sort_unstable();
    let (offer_agents, offer_referrals): (Vec<i64>, Vec<i64>) = chosen.into_iter().unzip();
    if offer_referrals.is_empty() {
        tx.commit().await?;
        return Ok(());
    }
    // The unique indexes refuse a second pending offer for an agent (made by another
    // instance at the same moment) or a repeated offer: those rows are not made.
    let offers = tx
        .query_cached(
            &format!(
                "INSERT INTO offers (referral_id, agent_id, offered_at, deadline)
                 SELECT r, a, $3, $4 FROM unnest($1::bigint[], $2::bigint[]) AS v(r, a)
                 ORDER BY a ON CONFLICT DO NOTHING RETURNING {OFFER_COLUMNS}"
            ),
            &[&offer_referrals, &offer_agents, &offered_at, &deadline],
        )
        .await?
        .iter()
        .map(offer_from_row)
        .collect::<StoreResult<Vec<_>>>()?;
    if offers.is_empty() {
        tx.commit().await?;
        return Ok(());
    }
    let ids: Vec<i64> = offers.iter().map(|o| o.referral.0).collect();
    let agents: Vec<i64> = offers.iter().map(|o| o.agent.0).collect();
    // The outbox rows commit with the offers, or none do (decision 0601).
    if *notifications != NotificationPolicy::OFF {
        let mut rows = OutboxRows::default();
        for offer in &offers {
            let method = methods
                .get(&offer.agent.0)
                .ok_or(StoreError::NotFound { what: "agent" })?;
            for message in notifications.plan(from_text(method)?, offered_at, deadline) {
                rows.push(offer, &message);
            }
        }
        queue_offer_messages(&tx, &rows, offered_at).await?;
    }
    tx.execute_cached(
        "UPDATE referrals SET lifecycle = 'offered', retry_at = NULL, updated_at = $2
         WHERE id = ANY($1)",
        &[&ids, &offered_at],
    )
    .await?;
    let mut records: HashMap<i64, ReferralRecord> = tx
        .query_cached(
            &format!("SELECT {REFERRAL_COLUMNS} FROM referrals WHERE id = ANY($1)"),
            &[&ids],
        )
        .await?
        .iter()
        .map(|row| referral_from_row(row).map(|r| (r.id.0, r)))
        .collect::<StoreResult<_>>()?;
    let mut attempts = load_attempts_of(&tx, &ids).await?;
    let mut events = Vec::with_capacity(offers.len());
    for offer in &offers {
        let record = records
            .remove(&offer.referral.0)
            .ok_or(StoreError::NotFound { what: "referral" })?;
        let attempts = attempts.remove(&offer.referral.0).unwrap_or_default();
        events.push(to_json(&ChangeEvent::OfferMade {
            referral: agent_view(&record, offer, &attempts),
        })?);
    }
    let seqs = append_changes(&tx, &agents, &events, offered_at, false).await?;
    for (offer, seq) in offers.iter().zip(seqs) {
        if let Some(slot) = planned
            .iter()
            .position(|(r, a)| *r == offer.referral && *a == offer.agent)
            .and_then(|i| made.get_mut(i))
        {
            *slot = Some(seq);
        }
    }
    tx.commit().await?;
    Ok(())
}

#[async_trait]
impl DispatchStore for PostgresStore {
    async fn waiting_referrals(
        &self,
        after: Option<ReferralId>,
        limit: u32,
    ) -> StoreResult<Vec<WaitingReferral>> {
        let after = after.map_or(0, |id| id.0);
        let client = self.client().await?;
        let rows = client
            .query_cached(
                "SELECT r.id, r.state, r.language, r.plan_year, r.received_at,
                        COALESCE(array_agg(o.agent_id) FILTER (WHERE o.agent_id IS NOT NULL),
                                 '{}'),
                        r.retry_at
                 FROM referrals r LEFT JOIN offers o ON o.referral_id = r.id
                 WHERE r.lifecycle = 'waiting' AND r.id > $2
                 GROUP BY r.id ORDER BY r.id LIMIT $1",
                &[&i64::from(limit), &after],
            )
            .await?;
        rows.iter()
            .map(|row| {
                let state: String = row.try_get(1)?;
                let language: String = row.try_get(2)?;
                let offered_to: Vec<i64> = row.try_get(5)?;
                Ok(WaitingReferral {
                    id: ReferralId(row.try_get(0)?),
                    state: from_text(&state)?,
                    language: from_text(&language)?,
                    plan_year: row.try_get(3)?,
                    received_at: row.try_get(4)?,
                    retry_at: row.try_get(6)?,
                    offered_to: offered_to.into_iter().map(AgentId).collect(),
                })
            })
            .collect()
    }

    async fn routing_agents(&self, only: Option<&[AgentId]>) -> StoreResult<Vec<RoutingAgent>> {
        let client = self.client().await?;
        // Every agent when NULL.
        let only: Option<Vec<i64>> = only.map(|ids| ids.iter().map(|id| id.0).collect());
        // Two statements, not `$1 IS NULL OR …`, which would keep the planner from the
        // indexes. For a few agents (every pass) the filter is on `agents` and the pending
        // offer is looked up per agent, so both are index lookups: filtering on `licenses`
        // and `EXISTS` had the planner hash-join a scan of every agent and of every pending
        // offer (7 ms and 3 ms a call with 50,000 agents, growing with the pending offers).
        // For every agent (the background re-read) the scans are the right plan.
        let (filter, pending) = match only {
            Some(_) => (
                "WHERE a.id = ANY($1)",
                "LEFT JOIN LATERAL (SELECT true AS held FROM offers o
                                    WHERE o.agent_id = a.id AND o.outcome IS NULL LIMIT 1) p
                 ON true",
            ),
            None => (
                "WHERE $1::BIGINT[] IS NULL",
                "LEFT JOIN (SELECT DISTINCT o.agent_id, true AS held FROM offers o
                            WHERE o.outcome IS NULL) p ON p.agent_id = a.id",
            ),
        };
        let mut licenses: HashMap<i64, Vec<License>> = HashMap::new();
        for row in client
            .query_cached(
                &format!(
                    "SELECT l.agent_id, a.npn, l.state, l.line_of_authority, l.status,
                            l.effective_on, l.expires_on, l.imported_at
                     FROM agents a JOIN licenses l ON l.agent_id = a.id
                     {filter}"
                ),
                &[&only],
            )
            .await?
        {
            let license = License {
                agent: AgentId(row.try_get(0)?),
                npn: row.try_get(1)?,
                state: row.try_get(2)?,
                line_of_authority: row.try_get(3)?,
                status: row.try_get(4)?,
                effective: row.try_get(5)?,
                expires: row.try_get(6)?,
                imported_at: row.try_get(7)?,
            };
            licenses.entry(license.agent.0).or_default().push(license);
        }
        let rows = client
            .query_cached(
                &format!(
                    "SELECT a.id, a.languages, a.suspended_at IS NOT NULL, s.availability,
                            s.state_preferences, s.last_offer_ended_at, p.held IS NOT NULL
                     FROM agents a LEFT JOIN agent_state s ON s.agent_id = a.id
                     {pending}
                     {filter}
                     ORDER BY a.id"
                ),
                &[&only],
            )
            .await?;
        rows.iter()
            .map(|row| {
                let id: i64 = row.try_get(0)?;
                let languages: String = row.try_get(1)?;
                let availability: Option<String> = row.try_get(3)?;
                let preferences: Option<String> = row.try_get(4)?;
                Ok(RoutingAgent {
                    id: AgentId(id),
                    languages: languages_from_text(&languages)?,
                    suspended: row.try_get(2)?,
                    licenses: licenses.remove(&id).unwrap_or_default(),
                    availability: availability.as_deref().map(from_json).transpose()?,
                    preferences: preferences
                        .as_deref()
                        .map(from_json)
                        .transpose()?
                        .unwrap_or(StatePreferences::AllEligible),
                    holds_pending_offer: row.try_get(6)?,
                    last_offer_ended_at: row.try_get(5)?,
                })
            })
            .collect()
    }

    async fn agents_changed_since(&self, mark: Option<i64>) -> StoreResult<(Vec<AgentId>, i64)> {
        let client = self.client().await?;
        let Some(mark) = mark else {
            let last: i64 = client
                .query_one_cached("SELECT COALESCE(MAX(feed_order), 0) FROM changes", &[])
                .await?
                .try_get(0)?;
            return Ok((Vec::new(), last));
        };
        let mut last = mark;
        let mut agents = Vec::new();
        for row in client
            .query_cached(
                "SELECT feed_order, agent_id FROM changes WHERE feed_order > $1
                 ORDER BY feed_order",
                &[&mark],
            )
            .await?
        {
            last = row.try_get(0)?;
            agents.push(AgentId(row.try_get(1)?));
        }
        agents.sort_unstable();
        agents.dedup();
        Ok((agents, last))
    }

    async fn make_offer(
        &self,
        referral: ReferralId,
        agent: AgentId,
        offered_at: DateTime<Utc>,
        deadline: DateTime<Utc>,
        notifications: &NotificationPolicy,
    ) -> StoreResult<Option<i64>> {
        let written = self
            .make_offers(&[(referral, agent)], offered_at, deadline, notifications)
            .await;
        match written.failure {
            Some(error) => Err(error),
            None => Ok(written.made.into_iter().next().flatten()),
        }
    }

    async fn make_offers(
        &self,
        planned: &[(ReferralId, AgentId)],
        offered_at: DateTime<Utc>,
        deadline: DateTime<Utc>,
        notifications: &NotificationPolicy,
    ) -> OffersMade {
        let mut made = vec![None; planned.len()];
        if planned.is_empty() {
            return OffersMade::default();
        }
        // One transaction: all of them or, on a failure, none.
        match offers_in_one_transaction(
            self,
            planned,
            offered_at,
            deadline,
            notifications,
            &mut made,
        )
        .await
        {
            Ok(()) => OffersMade {
                made,
                failure: None,
            },
            Err(error) => OffersMade {
                made: vec![None; planned.len()],
                failure: Some(error),
            },
        }
    }

    async fn expire_due_offers(
        &self,
        now: DateTime<Utc>,
        limit: u32,
        miss_policy: &MissPolicy,
    ) -> StoreResult<Vec<ExpiredOffer>> {
        let misses_before_suspension = miss_policy.misses_before_suspension;
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let due = tx
            .query_cached(
                &format!(
                    "SELECT {OFFER_COLUMNS} FROM offers
                     WHERE outcome IS NULL AND deadline <= $1
                     ORDER BY deadline, id LIMIT $2
                     FOR UPDATE SKIP LOCKED"
                ),
                &[&now, &i64::from(limit)],
            )
            .await?
            .iter()
            .map(offer_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        let policy = ProgramPolicy {
            consecutive_misses_before_suspension: misses_before_suspension,
            ..ProgramPolicy::PROGRAM
        };
        // The rules decide each offer; the rows are then written a statement per step for
        // the whole batch, not a round trip per offer per step. An agent holds one pending
        // offer at most (unique index), so each agent appears once in the batch.
        let resolved: Vec<(OfferRecord, OfferOutcome)> = due
            .into_iter()
            .filter_map(|offer| {
                let window = Offer {
                    offered_at: offer.offered_at,
                    deadline: offer.deadline,
                };
                window.expire(now).map(|outcome| (offer, outcome))
            })
            .collect();
        if resolved.is_empty() {
            tx.commit().await?;
            return Ok(Vec::new());
        }
        let offer_ids: Vec<i64> = resolved.iter().map(|(o, _)| o.id).collect();
        let outcomes: Vec<String> = resolved.iter().map(|(_, out)| to_text(out)).collect();
        let referral_ids: Vec<i64> = resolved.iter().map(|(o, _)| o.referral.0).collect();
        let agent_ids: Vec<i64> = resolved.iter().map(|(o, _)| o.agent.0).collect();
        tx.execute_cached(
            "UPDATE offers SET outcome = v.outcome, resolved_at = $3
             FROM unnest($1::bigint[], $2::text[]) AS v(id, outcome) WHERE offers.id = v.id",
            &[&offer_ids, &outcomes, &now],
        )
        .await?;
        tx.execute_cached(
            "UPDATE referrals SET lifecycle = 'waiting', retry_at = $2, updated_at = $2
             WHERE id = ANY($1) AND lifecycle = 'offered'",
            &[&referral_ids, &now],
        )
        .await?;
        let events = resolved
            .iter()
            .map(|(offer, outcome)| {
                to_json(&ChangeEvent::OfferResolved {
                    referral_id: offer.referral,
                    outcome: *outcome,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let change_seqs = append_changes(&tx, &agent_ids, &events, now, true).await?;
        // AV-9: each agent's outcomes since its last suspension, in order, in one read.
        let mut history: HashMap<i64, Vec<OfferOutcome>> = HashMap::new();
        for row in tx
            .query_cached(
                "SELECT o.agent_id, o.outcome FROM offers o
                 JOIN agent_state s ON s.agent_id = o.agent_id
                 WHERE o.agent_id = ANY($1) AND o.outcome IS NOT NULL
                   AND (s.misses_counted_from IS NULL OR o.resolved_at > s.misses_counted_from)
                 ORDER BY o.agent_id, o.resolved_at, o.id",
                &[&agent_ids],
            )
            .await?
        {
            let text: String = row.try_get(1)?;
            history
                .entry(row.try_get(0)?)
                .or_default()
                .push(from_text::<OfferOutcome>(&text)?);
        }
        let mut expired = Vec::with_capacity(resolved.len());
        for ((offer, _), seq) in resolved.into_iter().zip(change_seqs) {
            let outcomes = history.remove(&offer.agent.0).unwrap_or_default();
            let suspended = suspension_due(outcomes, &policy)
                && tx
                    .execute_cached(
                        "UPDATE agents SET suspended_at = $2, suspension_reason = $3,
                                           updated_at = $2
                         WHERE id = $1 AND suspended_at IS NULL",
                        &[&offer.agent.0, &now, &suspension_reason(&policy)],
                    )
                    .await?
                    > 0;
            let mut suspension_seq = None;
            if suspended {
                tx.execute_cached(
                    "UPDATE agent_state SET misses_counted_from = $2 WHERE agent_id = $1",
                    &[&offer.agent.0, &now],
                )
                .await?;
                // The agent's app learns of the suspension from the same commit (AV-9).
                let (profile_seq, _) =
                    append_profile_changed(&tx, offer.agent, now, &miss_policy.matcher).await?;
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
        tx.commit().await?;
        Ok(expired)
    }

    async fn close_overdue_referrals(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<ReferralId>> {
        let client = self.client().await?;
        let rows = client
            .query_cached(
                "UPDATE referrals SET lifecycle = $3, retry_at = NULL, updated_at = $1
                 WHERE id IN (SELECT id FROM referrals
                              WHERE lifecycle = 'waiting' AND max_wait_until <= $1
                              ORDER BY max_wait_until, id LIMIT $2
                              FOR UPDATE SKIP LOCKED)
                 RETURNING id",
                &[
                    &now,
                    &i64::from(limit),
                    &to_text(&ReferralState::Unassigned),
                ],
            )
            .await?;
        rows.iter()
            .map(|row| Ok(ReferralId(row.try_get(0)?)))
            .collect()
    }

    async fn schedule_retry(&self, referrals: &[ReferralId], at: DateTime<Utc>) -> StoreResult<()> {
        let ids: Vec<i64> = referrals.iter().map(|id| id.0).collect();
        let client = self.client().await?;
        client
            .execute_cached(
                "UPDATE referrals SET retry_at = $2 WHERE id = ANY($1) AND lifecycle = 'waiting'",
                &[&ids, &at],
            )
            .await?;
        Ok(())
    }

    async fn next_due(&self) -> StoreResult<Option<DateTime<Utc>>> {
        let client = self.client().await?;
        Ok(client
            .query_one_cached(
                "SELECT LEAST(
                     (SELECT MIN(deadline) FROM offers WHERE outcome IS NULL),
                     (SELECT MIN(max_wait_until) FROM referrals WHERE lifecycle = 'waiting'),
                     (SELECT MIN(retry_at) FROM referrals WHERE lifecycle = 'waiting'))",
                &[],
            )
            .await?
            .try_get(0)?)
    }

    async fn waiting_count(&self) -> StoreResult<u64> {
        let client = self.client().await?;
        let n: i64 = client
            .query_one_cached(
                "SELECT COUNT(*) FROM referrals WHERE lifecycle = 'waiting'",
                &[],
            )
            .await?
            .try_get(0)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}
