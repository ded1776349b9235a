//! The agents' saved settings and change feed on SQLite.

use super::agents::{find_agent, load_licenses};
use super::{instant, millis, write, SqliteStore};
use crate::profile::wire_profile;
use crate::store::records::{from_json, to_json};
use crate::store::{
    languages_to_text, AgentId, AgentStateStore, ProfileChangeSet, StoreError, StoreResult,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hod_domain::availability::AvailabilitySettings;
use hod_domain::eligibility::{HealthLineMatcher, StatePreferences};
use hod_domain::wire::v1::{Change, ChangeEvent, Profile};
use rusqlite::{params, Connection, OptionalExtension};

/// Creates the agent's state row if it is missing.
pub(super) fn ensure_agent_state(conn: &Connection, agent: AgentId) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO agent_state (agent_id) VALUES (?1) ON CONFLICT (agent_id) DO NOTHING",
        [agent.0],
    )?;
    Ok(())
}

/// Appends one change to the agent's feed inside the caller's write transaction; the
/// sequence number comes from the agent's row, so it only grows in commit order.
pub(super) fn append_change(
    conn: &Connection,
    agent: AgentId,
    at: DateTime<Utc>,
    event: &ChangeEvent,
) -> StoreResult<i64> {
    ensure_agent_state(conn, agent)?;
    let seq: i64 = conn.query_row(
        "UPDATE agent_state SET change_seq = change_seq + 1 WHERE agent_id = ?1
         RETURNING change_seq",
        [agent.0],
        |row| row.get(0),
    )?;
    conn.execute(
        "INSERT INTO changes (agent_id, seq, at, event) VALUES (?1, ?2, ?3, ?4)",
        params![agent.0, seq, millis(at), to_json(event)?],
    )?;
    Ok(seq)
}

/// The agent's saved State Preferences; every eligible state until they save (ST-2).
fn load_preferences(conn: &Connection, agent: AgentId) -> StoreResult<StatePreferences> {
    let json: Option<Option<String>> = conn
        .query_row(
            "SELECT state_preferences FROM agent_state WHERE agent_id = ?1",
            [agent.0],
            |row| row.get(0),
        )
        .optional()?;
    Ok(json
        .flatten()
        .as_deref()
        .map(from_json)
        .transpose()?
        .unwrap_or_default())
}

/// Appends `ProfileChanged` with the profile as the caller's transaction sees it, so the
/// event commits (or not) with the change that caused it. Returns its sequence number and
/// the profile.
pub(super) fn append_profile_changed(
    conn: &Connection,
    agent: AgentId,
    at: DateTime<Utc>,
    matcher: &HealthLineMatcher,
) -> StoreResult<(i64, Profile)> {
    let record =
        find_agent(conn, "id = ?1", &agent.0)?.ok_or(StoreError::NotFound { what: "agent" })?;
    let licenses = load_licenses(conn, agent)?;
    let preferences = load_preferences(conn, agent)?;
    let profile = wire_profile(&record, &licenses, preferences, matcher, at.date_naive());
    let event = ChangeEvent::ProfileChanged {
        profile: profile.clone(),
    };
    let seq = append_change(conn, agent, at, &event)?;
    Ok((seq, profile))
}

fn agent_exists(conn: &Connection, agent: AgentId) -> StoreResult<()> {
    conn.query_row("SELECT 1 FROM agents WHERE id = ?1", [agent.0], |_| Ok(()))
        .optional()?
        .ok_or(StoreError::NotFound { what: "agent" })
}

#[async_trait]
impl AgentStateStore for SqliteStore {
    async fn availability(&self, agent: AgentId) -> StoreResult<Option<AvailabilitySettings>> {
        self.call(move |conn| {
            let json: Option<Option<String>> = conn
                .query_row(
                    "SELECT availability FROM agent_state WHERE agent_id = ?1",
                    [agent.0],
                    |row| row.get(0),
                )
                .optional()?;
            json.flatten().as_deref().map(from_json).transpose()
        })
        .await
    }

    async fn save_availability(
        &self,
        agent: AgentId,
        settings: &AvailabilitySettings,
        event: &ChangeEvent,
        now: DateTime<Utc>,
    ) -> StoreResult<i64> {
        let json = to_json(settings)?;
        let event = event.clone();
        self.call(move |conn| {
            let tx = write(conn)?;
            agent_exists(&tx, agent)?;
            ensure_agent_state(&tx, agent)?;
            tx.execute(
                "UPDATE agent_state SET availability = ?2 WHERE agent_id = ?1",
                params![agent.0, json],
            )?;
            let seq = append_change(&tx, agent, now, &event)?;
            tx.commit()?;
            Ok(seq)
        })
        .await
    }

    async fn state_preferences(&self, agent: AgentId) -> StoreResult<StatePreferences> {
        self.call(move |conn| load_preferences(conn, agent)).await
    }

    async fn update_profile(
        &self,
        agent: AgentId,
        update: &ProfileChangeSet,
        matcher: &HealthLineMatcher,
        now: DateTime<Utc>,
    ) -> StoreResult<(i64, Profile)> {
        let update = update.clone();
        let preferences = update.preferences.as_ref().map(to_json).transpose()?;
        let matcher = matcher.clone();
        self.call(move |conn| {
            let tx = write(conn)?;
            agent_exists(&tx, agent)?;
            ensure_agent_state(&tx, agent)?;
            if let Some(method) = &update.contact_method {
                tx.execute(
                    "UPDATE agents SET preferred_contact_method = ?2, updated_at = ?3
                     WHERE id = ?1",
                    params![agent.0, method, millis(now)],
                )?;
            }
            if let Some(languages) = &update.languages {
                tx.execute(
                    "UPDATE agents SET languages = ?2, updated_at = ?3 WHERE id = ?1",
                    params![agent.0, languages_to_text(languages), millis(now)],
                )?;
            }
            if let Some(preferences) = &preferences {
                tx.execute(
                    "UPDATE agent_state SET state_preferences = ?2 WHERE agent_id = ?1",
                    params![agent.0, preferences],
                )?;
            }
            let saved = append_profile_changed(&tx, agent, now, &matcher)?;
            tx.commit()?;
            Ok(saved)
        })
        .await
    }

    async fn change_head(&self, agent: AgentId) -> StoreResult<i64> {
        self.call(move |conn| {
            Ok(conn
                .prepare_cached("SELECT COALESCE(MAX(seq), 0) FROM changes WHERE agent_id = ?1")?
                .query_row(params![agent.0], |row| row.get(0))?)
        })
        .await
    }

    async fn changes_after(
        &self,
        agent: AgentId,
        after: i64,
        limit: u32,
    ) -> StoreResult<Vec<Change>> {
        self.call(move |conn| {
            let rows: Vec<(i64, i64, String)> = conn
                .prepare_cached(
                    "SELECT seq, at, event FROM changes WHERE agent_id = ?1 AND seq > ?2
                     ORDER BY seq LIMIT ?3",
                )?
                .query_map(params![agent.0, after, limit], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                })?
                .collect::<Result<_, _>>()?;
            rows.into_iter()
                .map(|(seq, at, event)| {
                    Ok(Change {
                        seq,
                        at: instant(at, 1)?,
                        event: from_json(&event)?,
                    })
                })
                .collect()
        })
        .await
    }
}
