//! `AgentStore` on SQLite.

use super::changes::append_profile_changed;
use super::{date, date_text, instant, millis, write, SqliteStore};
use crate::store::{
    languages_from_text, languages_to_text, unknown_npn, username_taken_by, Agent, AgentId,
    AgentStore, ImportSummary, License, NewAgent, NewLicense, RowFate, StoreError, StoreResult,
    Suspension,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hod_domain::eligibility::HealthLineMatcher;
use rusqlite::{params, Connection, OptionalExtension, Row, ToSql};

const AGENT_COLUMNS: &str = "id, npn, name, username, mlms_email, mobile_phone, languages, \
     preferred_contact_method, suspended_at, suspension_reason, created_at, updated_at";

fn agent_from_row(row: &Row<'_>) -> rusqlite::Result<(Agent, String)> {
    let suspended_at: Option<i64> = row.get(8)?;
    let reason: Option<String> = row.get(9)?;
    let suspension = match (suspended_at, reason) {
        (Some(ms), Some(reason)) => Some(Suspension {
            reason,
            since: instant(ms, 8)?,
        }),
        _ => None,
    };
    let agent = Agent {
        id: AgentId(row.get(0)?),
        npn: row.get(1)?,
        name: row.get(2)?,
        username: row.get(3)?,
        mlms_email: row.get(4)?,
        mobile_phone: row.get(5)?,
        languages: Vec::new(),
        preferred_contact_method: row.get(7)?,
        suspension,
        created_at: instant(row.get(10)?, 10)?,
        updated_at: instant(row.get(11)?, 11)?,
    };
    Ok((agent, row.get(6)?))
}

/// The one agent matching `condition` (a SQL condition on `agents` with one parameter).
pub(super) fn find_agent(
    conn: &Connection,
    condition: &str,
    value: &dyn ToSql,
) -> StoreResult<Option<Agent>> {
    let found = conn
        .query_row(
            &format!("SELECT {AGENT_COLUMNS} FROM agents WHERE {condition}"),
            [value],
            agent_from_row,
        )
        .optional()?;
    found
        .map(|(mut agent, languages)| {
            agent.languages = languages_from_text(&languages)?;
            Ok(agent)
        })
        .transpose()
}

fn existing_agent(conn: &Connection, condition: &str, value: &dyn ToSql) -> StoreResult<Agent> {
    find_agent(conn, condition, value)?.ok_or(StoreError::NotFound { what: "agent" })
}

/// The NPN of the agent who holds `username`, if not the agent with `npn`.
fn username_owner(conn: &Connection, username: &str, npn: &str) -> StoreResult<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT npn FROM agents WHERE username = ?1 AND npn <> ?2",
            params![username, npn],
            |row| row.get(0),
        )
        .optional()?)
}

fn upsert_agent(conn: &Connection, agent: &NewAgent, now: DateTime<Utc>) -> StoreResult<RowFate> {
    let languages = languages_to_text(&agent.languages);
    let stored = find_agent(conn, "npn = ?1", &agent.npn)?;
    match stored {
        None => {
            conn.execute(
                "INSERT INTO agents (npn, name, username, mlms_email, mobile_phone, languages,
                                     created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
                params![
                    agent.npn,
                    agent.name,
                    agent.username,
                    agent.mlms_email,
                    agent.mobile_phone,
                    languages,
                    millis(now)
                ],
            )?;
            Ok(RowFate::Created)
        }
        Some(stored)
            if stored.name == agent.name
                && stored.username == agent.username
                && stored.mlms_email == agent.mlms_email
                && stored.mobile_phone == agent.mobile_phone
                && stored.languages == agent.languages =>
        {
            Ok(RowFate::Unchanged)
        }
        Some(_) => {
            conn.execute(
                "UPDATE agents SET name = ?2, username = ?3, mlms_email = ?4, mobile_phone = ?5,
                                   languages = ?6, updated_at = ?7
                 WHERE npn = ?1",
                params![
                    agent.npn,
                    agent.name,
                    agent.username,
                    agent.mlms_email,
                    agent.mobile_phone,
                    languages,
                    millis(now)
                ],
            )?;
            Ok(RowFate::Updated)
        }
    }
}

fn upsert_license(
    conn: &Connection,
    agent: AgentId,
    license: &NewLicense,
    now: DateTime<Utc>,
) -> StoreResult<RowFate> {
    let effective = date_text(license.effective);
    let expires = license.expires.map(date_text);
    let stored: Option<(String, String, Option<String>)> = conn
        .query_row(
            "SELECT status, effective_on, expires_on FROM licenses
             WHERE agent_id = ?1 AND state = ?2 AND line_of_authority = ?3",
            params![agent.0, license.state, license.line_of_authority],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()?;
    let fate = match stored {
        None => RowFate::Created,
        Some(row) if row == (license.status.clone(), effective.clone(), expires.clone()) => {
            return Ok(RowFate::Unchanged)
        }
        Some(_) => RowFate::Updated,
    };
    conn.execute(
        "INSERT INTO licenses (agent_id, state, line_of_authority, status, effective_on,
                               expires_on, imported_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (agent_id, state, line_of_authority) DO UPDATE SET
             status = excluded.status,
             effective_on = excluded.effective_on,
             expires_on = excluded.expires_on,
             imported_at = excluded.imported_at",
        params![
            agent.0,
            license.state,
            license.line_of_authority,
            license.status,
            effective,
            expires,
            millis(now)
        ],
    )?;
    Ok(fate)
}

#[async_trait]
impl AgentStore for SqliteStore {
    async fn create_agent(&self, agent: &NewAgent, now: DateTime<Utc>) -> StoreResult<Agent> {
        let agent = agent.clone();
        self.call(move |conn| {
            let tx = write(conn)?;
            if find_agent(&tx, "npn = ?1", &agent.npn)?.is_some() {
                return Err(StoreError::Conflict {
                    field: "npn",
                    message: format!("an agent with NPN {} already exists", agent.npn),
                });
            }
            if username_owner(&tx, &agent.username, &agent.npn)?.is_some() {
                return Err(StoreError::Conflict {
                    field: "username",
                    message: format!("the username {:?} is taken", agent.username),
                });
            }
            upsert_agent(&tx, &agent, now)?;
            let created = existing_agent(&tx, "npn = ?1", &agent.npn)?;
            tx.commit()?;
            Ok(created)
        })
        .await
    }

    async fn import_agents(
        &self,
        agents: &[NewAgent],
        now: DateTime<Utc>,
    ) -> StoreResult<ImportSummary> {
        let agents = agents.to_vec();
        self.call(move |conn| {
            let tx = write(conn)?;
            let mut summary = ImportSummary::default();
            for (index, agent) in agents.iter().enumerate() {
                if let Some(owner) = username_owner(&tx, &agent.username, &agent.npn)? {
                    return Err(username_taken_by(index, &agent.username, &owner));
                }
                summary.count(upsert_agent(&tx, agent, now)?);
            }
            tx.commit()?;
            Ok(summary)
        })
        .await
    }

    async fn agent(&self, id: AgentId) -> StoreResult<Option<Agent>> {
        self.call(move |conn| find_agent(conn, "id = ?1", &id.0))
            .await
    }

    async fn agent_by_npn(&self, npn: &str) -> StoreResult<Option<Agent>> {
        let npn = npn.to_owned();
        self.call(move |conn| find_agent(conn, "npn = ?1", &npn))
            .await
    }

    async fn agent_by_username(&self, username: &str) -> StoreResult<Option<Agent>> {
        let username = username.to_owned();
        self.call(move |conn| find_agent(conn, "username = ?1", &username))
            .await
    }

    async fn suspend_agent(
        &self,
        npn: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Agent> {
        let (npn, reason) = (npn.to_owned(), reason.to_owned());
        self.call(move |conn| {
            let tx = write(conn)?;
            // A second suspension replaces the reason but keeps the original date.
            tx.execute(
                "UPDATE agents SET suspended_at = COALESCE(suspended_at, ?2),
                                   suspension_reason = ?3, updated_at = ?2
                 WHERE npn = ?1",
                params![npn, millis(now), reason],
            )?;
            let agent = existing_agent(&tx, "npn = ?1", &npn)?;
            // The agent's app learns of it from the change feed (AV-9).
            append_profile_changed(&tx, agent.id, now, &HealthLineMatcher::default())?;
            tx.commit()?;
            Ok(agent)
        })
        .await
    }

    async fn reinstate_agent(&self, npn: &str, now: DateTime<Utc>) -> StoreResult<Agent> {
        let npn = npn.to_owned();
        self.call(move |conn| {
            let tx = write(conn)?;
            let changed = tx.execute(
                "UPDATE agents SET suspended_at = NULL, suspension_reason = NULL, updated_at = ?2
                 WHERE npn = ?1 AND suspended_at IS NOT NULL",
                params![npn, millis(now)],
            )?;
            let agent = existing_agent(&tx, "npn = ?1", &npn)?;
            if changed > 0 {
                append_profile_changed(&tx, agent.id, now, &HealthLineMatcher::default())?;
            }
            tx.commit()?;
            Ok(agent)
        })
        .await
    }

    async fn import_licenses(
        &self,
        licenses: &[NewLicense],
        now: DateTime<Utc>,
    ) -> StoreResult<ImportSummary> {
        let licenses = licenses.to_vec();
        self.call(move |conn| {
            let tx = write(conn)?;
            let mut summary = ImportSummary::default();
            let mut changed = std::collections::BTreeSet::new();
            for (index, license) in licenses.iter().enumerate() {
                let agent: Option<i64> = tx
                    .query_row(
                        "SELECT id FROM agents WHERE npn = ?1",
                        [&license.npn],
                        |row| row.get(0),
                    )
                    .optional()?;
                let agent = agent.ok_or_else(|| unknown_npn(index, &license.npn))?;
                let fate = upsert_license(&tx, AgentId(agent), license, now)?;
                if fate != RowFate::Unchanged {
                    changed.insert(agent);
                }
                summary.count(fate);
            }
            // The eligible states on the agent's Profile screen (ST-1) may have changed, and
            // routing reads them again: both learn of it from the change feed.
            for agent in changed {
                append_profile_changed(&tx, AgentId(agent), now, &HealthLineMatcher::default())?;
            }
            tx.commit()?;
            Ok(summary)
        })
        .await
    }

    async fn licenses(&self, agent: AgentId) -> StoreResult<Vec<License>> {
        self.call(move |conn| load_licenses(conn, agent)).await
    }
}

/// The agent's licenses, by state and line of authority.
pub(super) fn load_licenses(conn: &Connection, agent: AgentId) -> StoreResult<Vec<License>> {
    let mut statement = conn.prepare_cached(
        "SELECT l.agent_id, a.npn, l.state, l.line_of_authority, l.status,
                l.effective_on, l.expires_on, l.imported_at
         FROM licenses l JOIN agents a ON a.id = l.agent_id
         WHERE l.agent_id = ?1
         ORDER BY l.state, l.line_of_authority",
    )?;
    let licenses = statement
        .query_map([agent.0], |row| {
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
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(licenses)
}
