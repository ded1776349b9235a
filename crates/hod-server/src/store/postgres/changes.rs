//! The agents' saved settings and change feed on PostgreSQL.

use super::agents::{find_agent, load_licenses};
use super::statements::Prepared;
use super::PostgresStore;
use crate::profile::wire_profile;
use crate::store::records::{from_json, to_json};
use crate::store::{
    languages_to_text, AgentId, AgentStateStore, ProfileChangeSet, StoreError, StoreResult,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use hod_domain::availability::AvailabilitySettings;
use hod_domain::eligibility::{HealthLineMatcher, StatePreferences};
use hod_domain::wire::v1::{Change, ChangeEvent, Profile};

/// Creates the agent's state row if it is missing.
pub(super) async fn ensure_agent_state(
    client: &impl GenericClient,
    agent: AgentId,
) -> StoreResult<()> {
    client
        .execute_cached(
            "INSERT INTO agent_state (agent_id) VALUES ($1) ON CONFLICT (agent_id) DO NOTHING",
            &[&agent.0],
        )
        .await?;
    Ok(())
}

/// Appends one change to the agent's feed inside the caller's transaction. The `UPDATE`
/// locks the agent's row until commit, so a second transaction appending for the same agent
/// (on any instance) waits, and sequence order is commit order.
pub(super) async fn append_change(
    client: &impl GenericClient,
    agent: AgentId,
    at: DateTime<Utc>,
    event: &ChangeEvent,
) -> StoreResult<i64> {
    let seqs = append_changes(client, &[agent.0], &[to_json(event)?], at, false).await?;
    seqs.into_iter()
        .next()
        .ok_or(StoreError::NotFound { what: "agent" })
}

/// Appends one change to each of several distinct agents' feeds inside the caller's
/// transaction, a statement per step for the whole batch (`append_change` for many; the
/// `UPDATE` locks the agents' rows as `append_change` says): the
/// sequence numbers, in the order of `agents`. With `offer_ended`, the agents' last offer
/// ended at `at` (order of arrival), in the same statement that takes their numbers.
pub(super) async fn append_changes(
    client: &impl GenericClient,
    agents: &[i64],
    events: &[String],
    at: DateTime<Utc>,
    offer_ended: bool,
) -> StoreResult<Vec<i64>> {
    client
        .execute_cached(
            "INSERT INTO agent_state (agent_id) SELECT unnest($1::bigint[])
             ON CONFLICT (agent_id) DO NOTHING",
            &[&agents],
        )
        .await?;
    let seqs: std::collections::HashMap<i64, i64> = client
        .query_cached(
            "UPDATE agent_state SET change_seq = change_seq + 1,
                 last_offer_ended_at = CASE WHEN $3 THEN $2 ELSE last_offer_ended_at END
             WHERE agent_id = ANY($1) RETURNING agent_id, change_seq",
            &[&agents, &at, &offer_ended],
        )
        .await?
        .iter()
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
        .collect::<StoreResult<_>>()?;
    let seqs = agents
        .iter()
        .map(|agent| {
            seqs.get(agent)
                .copied()
                .ok_or(StoreError::NotFound { what: "agent" })
        })
        .collect::<StoreResult<Vec<i64>>>()?;
    client
        .execute_cached(
            "INSERT INTO changes (agent_id, seq, at, event)
             SELECT a, s, $3, e FROM unnest($1::bigint[], $2::bigint[], $4::text[]) AS v(a, s, e)",
            &[&agents, &seqs, &at, &events],
        )
        .await?;
    Ok(seqs)
}

/// The agent's saved State Preferences; every eligible state until they save (ST-2).
async fn load_preferences(
    client: &impl GenericClient,
    agent: AgentId,
) -> StoreResult<StatePreferences> {
    let json: Option<String> = client
        .query_opt_cached(
            "SELECT state_preferences FROM agent_state WHERE agent_id = $1",
            &[&agent.0],
        )
        .await?
        .map(|row| row.try_get(0))
        .transpose()?
        .flatten();
    Ok(json
        .as_deref()
        .map(from_json)
        .transpose()?
        .unwrap_or_default())
}

/// Appends `ProfileChanged` with the profile as the caller's transaction sees it, so the
/// event commits (or not) with the change that caused it. Returns its sequence number and
/// the profile.
pub(super) async fn append_profile_changed(
    client: &impl GenericClient,
    agent: AgentId,
    at: DateTime<Utc>,
    matcher: &HealthLineMatcher,
) -> StoreResult<(i64, Profile)> {
    let record = find_agent(client, "id = $1", &agent.0)
        .await?
        .ok_or(StoreError::NotFound { what: "agent" })?;
    let licenses = load_licenses(client, agent).await?;
    let preferences = load_preferences(client, agent).await?;
    let profile = wire_profile(&record, &licenses, preferences, matcher, at.date_naive());
    let event = ChangeEvent::ProfileChanged {
        profile: profile.clone(),
    };
    let seq = append_change(client, agent, at, &event).await?;
    Ok((seq, profile))
}

async fn lock_agent(client: &impl GenericClient, agent: AgentId) -> StoreResult<()> {
    client
        .query_opt_cached("SELECT 1 FROM agents WHERE id = $1 FOR UPDATE", &[&agent.0])
        .await?
        .map(|_| ())
        .ok_or(StoreError::NotFound { what: "agent" })
}

#[async_trait]
impl AgentStateStore for PostgresStore {
    async fn availability(&self, agent: AgentId) -> StoreResult<Option<AvailabilitySettings>> {
        let client = self.client().await?;
        let json: Option<String> = client
            .query_opt_cached(
                "SELECT availability FROM agent_state WHERE agent_id = $1",
                &[&agent.0],
            )
            .await?
            .map(|row| row.try_get(0))
            .transpose()?
            .flatten();
        json.as_deref().map(from_json).transpose()
    }

    async fn save_availability(
        &self,
        agent: AgentId,
        settings: &AvailabilitySettings,
        event: &ChangeEvent,
        now: DateTime<Utc>,
    ) -> StoreResult<i64> {
        let json = to_json(settings)?;
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        lock_agent(&tx, agent).await?;
        ensure_agent_state(&tx, agent).await?;
        tx.execute_cached(
            "UPDATE agent_state SET availability = $2 WHERE agent_id = $1",
            &[&agent.0, &json],
        )
        .await?;
        let seq = append_change(&tx, agent, now, event).await?;
        tx.commit().await?;
        Ok(seq)
    }

    async fn state_preferences(&self, agent: AgentId) -> StoreResult<StatePreferences> {
        let client = self.client().await?;
        load_preferences(&client, agent).await
    }

    async fn update_profile(
        &self,
        agent: AgentId,
        update: &ProfileChangeSet,
        matcher: &HealthLineMatcher,
        now: DateTime<Utc>,
    ) -> StoreResult<(i64, Profile)> {
        let preferences = update.preferences.as_ref().map(to_json).transpose()?;
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        lock_agent(&tx, agent).await?;
        ensure_agent_state(&tx, agent).await?;
        if let Some(method) = &update.contact_method {
            tx.execute_cached(
                "UPDATE agents SET preferred_contact_method = $2, updated_at = $3 WHERE id = $1",
                &[&agent.0, method, &now],
            )
            .await?;
        }
        if let Some(languages) = &update.languages {
            tx.execute_cached(
                "UPDATE agents SET languages = $2, updated_at = $3 WHERE id = $1",
                &[&agent.0, &languages_to_text(languages), &now],
            )
            .await?;
        }
        if let Some(preferences) = &preferences {
            tx.execute_cached(
                "UPDATE agent_state SET state_preferences = $2 WHERE agent_id = $1",
                &[&agent.0, preferences],
            )
            .await?;
        }
        let saved = append_profile_changed(&tx, agent, now, matcher).await?;
        tx.commit().await?;
        Ok(saved)
    }

    async fn change_head(&self, agent: AgentId) -> StoreResult<i64> {
        let client = self.client().await?;
        Ok(client
            .query_one_cached(
                "SELECT COALESCE(MAX(seq), 0) FROM changes WHERE agent_id = $1",
                &[&agent.0],
            )
            .await?
            .try_get(0)?)
    }

    async fn changes_after(
        &self,
        agent: AgentId,
        after: i64,
        limit: u32,
    ) -> StoreResult<Vec<Change>> {
        let client = self.client().await?;
        client
            .query_cached(
                "SELECT seq, at, event FROM changes WHERE agent_id = $1 AND seq > $2
                 ORDER BY seq LIMIT $3",
                &[&agent.0, &after, &i64::from(limit)],
            )
            .await?
            .iter()
            .map(|row| {
                let event: String = row.try_get(2)?;
                Ok(Change {
                    seq: row.try_get(0)?,
                    at: row.try_get(1)?,
                    event: from_json(&event)?,
                })
            })
            .collect()
    }
}
