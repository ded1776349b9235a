//! `AgentStore` on PostgreSQL.

use super::changes::append_profile_changed;
use super::statements::Prepared;
use super::PostgresStore;
use crate::store::{
    languages_from_text, languages_to_text, unknown_npn, username_taken_by, Agent, AgentId,
    AgentStore, ImportSummary, License, NewAgent, NewLicense, RowFate, StoreError, StoreResult,
    Suspension,
};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use deadpool_postgres::GenericClient;
use hod_domain::eligibility::HealthLineMatcher;
use tokio_postgres::types::ToSql;
use tokio_postgres::Row;

const AGENT_COLUMNS: &str = "id, npn, name, username, mlms_email, mobile_phone, languages, \
     preferred_contact_method, suspended_at, suspension_reason, created_at, updated_at";

fn agent_from_row(row: &Row) -> StoreResult<Agent> {
    let suspended_at: Option<DateTime<Utc>> = row.try_get(8)?;
    let reason: Option<String> = row.try_get(9)?;
    let languages: String = row.try_get(6)?;
    Ok(Agent {
        id: AgentId(row.try_get(0)?),
        npn: row.try_get(1)?,
        name: row.try_get(2)?,
        username: row.try_get(3)?,
        mlms_email: row.try_get(4)?,
        mobile_phone: row.try_get(5)?,
        languages: languages_from_text(&languages)?,
        preferred_contact_method: row.try_get(7)?,
        suspension: match (suspended_at, reason) {
            (Some(since), Some(reason)) => Some(Suspension { reason, since }),
            _ => None,
        },
        created_at: row.try_get(10)?,
        updated_at: row.try_get(11)?,
    })
}

pub(super) async fn find_agent(
    client: &impl GenericClient,
    condition: &str,
    value: &(dyn ToSql + Sync),
) -> StoreResult<Option<Agent>> {
    client
        .query_opt_cached(
            &format!("SELECT {AGENT_COLUMNS} FROM agents WHERE {condition}"),
            &[value],
        )
        .await?
        .as_ref()
        .map(agent_from_row)
        .transpose()
}

async fn existing_agent(
    client: &impl GenericClient,
    condition: &str,
    value: &(dyn ToSql + Sync),
) -> StoreResult<Agent> {
    find_agent(client, condition, value)
        .await?
        .ok_or(StoreError::NotFound { what: "agent" })
}

async fn username_owner(
    client: &impl GenericClient,
    username: &str,
    npn: &str,
) -> StoreResult<Option<String>> {
    Ok(client
        .query_opt_cached(
            "SELECT npn FROM agents WHERE username = $1 AND npn <> $2",
            &[&username, &npn],
        )
        .await?
        .map(|row| row.get(0)))
}

async fn upsert_agent(
    client: &impl GenericClient,
    agent: &NewAgent,
    now: DateTime<Utc>,
) -> StoreResult<RowFate> {
    let languages = languages_to_text(&agent.languages);
    let fate = match find_agent(client, "npn = $1", &agent.npn).await? {
        None => RowFate::Created,
        Some(stored)
            if stored.name == agent.name
                && stored.username == agent.username
                && stored.mlms_email == agent.mlms_email
                && stored.mobile_phone == agent.mobile_phone
                && stored.languages == agent.languages =>
        {
            return Ok(RowFate::Unchanged)
        }
        Some(_) => RowFate::Updated,
    };
    client
        .execute_cached(
            "INSERT INTO agents (npn, name, username, mlms_email, mobile_phone, languages,
                                 created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
             ON CONFLICT (npn) DO UPDATE SET
                 name = excluded.name, username = excluded.username,
                 mlms_email = excluded.mlms_email, mobile_phone = excluded.mobile_phone,
                 languages = excluded.languages, updated_at = excluded.updated_at",
            &[
                &agent.npn,
                &agent.name,
                &agent.username,
                &agent.mlms_email,
                &agent.mobile_phone,
                &languages,
                &now,
            ],
        )
        .await
        .map_err(conflict_or_backend)?;
    Ok(fate)
}

/// A unique violation that slipped past the checks (another instance inserted first).
fn conflict_or_backend(e: tokio_postgres::Error) -> StoreError {
    let Some(db) = e.as_db_error() else {
        return e.into();
    };
    if *db.code() != tokio_postgres::error::SqlState::UNIQUE_VIOLATION {
        return e.into();
    }
    match db.constraint() {
        Some("agents_npn_unique") => StoreError::Conflict {
            field: "npn",
            message: "an agent with this NPN already exists".into(),
        },
        Some("agents_username_unique") => StoreError::Conflict {
            field: "username",
            message: "the username is taken".into(),
        },
        _ => e.into(),
    }
}

async fn upsert_license(
    client: &impl GenericClient,
    agent: AgentId,
    license: &NewLicense,
    now: DateTime<Utc>,
) -> StoreResult<RowFate> {
    let stored = client
        .query_opt_cached(
            "SELECT status, effective_on, expires_on FROM licenses
             WHERE agent_id = $1 AND state = $2 AND line_of_authority = $3",
            &[&agent.0, &license.state, &license.line_of_authority],
        )
        .await?;
    let fate = match stored {
        None => RowFate::Created,
        Some(row) => {
            let status: String = row.try_get(0)?;
            let effective: NaiveDate = row.try_get(1)?;
            let expires: Option<NaiveDate> = row.try_get(2)?;
            if (status, effective, expires)
                == (license.status.clone(), license.effective, license.expires)
            {
                return Ok(RowFate::Unchanged);
            }
            RowFate::Updated
        }
    };
    client
        .execute_cached(
            "INSERT INTO licenses (agent_id, state, line_of_authority, status, effective_on,
                                   expires_on, imported_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (agent_id, state, line_of_authority) DO UPDATE SET
                 status = excluded.status,
                 effective_on = excluded.effective_on,
                 expires_on = excluded.expires_on,
                 imported_at = excluded.imported_at",
            &[
                &agent.0,
                &license.state,
                &license.line_of_authority,
                &license.status,
                &license.effective,
                &license.expires,
                &now,
            ],
        )
        .await?;
    Ok(fate)
}

#[async_trait]
impl AgentStore for PostgresStore {
    async fn create_agent(&self, agent: &NewAgent, now: DateTime<Utc>) -> StoreResult<Agent> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        if find_agent(&tx, "npn = $1", &agent.npn).await?.is_some() {
            return Err(StoreError::Conflict {
                field: "npn",
                message: format!("an agent with NPN {} already exists", agent.npn),
            });
        }
        if username_owner(&tx, &agent.username, &agent.npn)
            .await?
            .is_some()
        {
            return Err(StoreError::Conflict {
                field: "username",
                message: format!("the username {:?} is taken", agent.username),
            });
        }
        // A plain insert: a racing creation elsewhere must fail here, not be overwritten.
        tx.execute_cached(
            "INSERT INTO agents (npn, name, username, mlms_email, mobile_phone, languages,
                                 created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
            &[
                &agent.npn,
                &agent.name,
                &agent.username,
                &agent.mlms_email,
                &agent.mobile_phone,
                &languages_to_text(&agent.languages),
                &now,
            ],
        )
        .await
        .map_err(conflict_or_backend)?;
        let created = existing_agent(&tx, "npn = $1", &agent.npn).await?;
        tx.commit().await?;
        Ok(created)
    }

    async fn import_agents(
        &self,
        agents: &[NewAgent],
        now: DateTime<Utc>,
    ) -> StoreResult<ImportSummary> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let mut summary = ImportSummary::default();
        for (index, agent) in agents.iter().enumerate() {
            if let Some(owner) = username_owner(&tx, &agent.username, &agent.npn).await? {
                return Err(username_taken_by(index, &agent.username, &owner));
            }
            summary.count(upsert_agent(&tx, agent, now).await?);
        }
        tx.commit().await?;
        Ok(summary)
    }

    async fn agent(&self, id: AgentId) -> StoreResult<Option<Agent>> {
        find_agent(&self.client().await?, "id = $1", &id.0).await
    }

    async fn agent_by_npn(&self, npn: &str) -> StoreResult<Option<Agent>> {
        find_agent(&self.client().await?, "npn = $1", &npn).await
    }

    async fn agent_by_username(&self, username: &str) -> StoreResult<Option<Agent>> {
        find_agent(&self.client().await?, "username = $1", &username).await
    }

    async fn suspend_agent(
        &self,
        npn: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Agent> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // A second suspension replaces the reason but keeps the original date.
        tx.execute_cached(
            "UPDATE agents SET suspended_at = COALESCE(suspended_at, $2),
                               suspension_reason = $3, updated_at = $2
             WHERE npn = $1",
            &[&npn, &now, &reason],
        )
        .await?;
        let agent = existing_agent(&tx, "npn = $1", &npn).await?;
        // The agent's app learns of it from the change feed (AV-9).
        append_profile_changed(&tx, agent.id, now, &HealthLineMatcher::default()).await?;
        tx.commit().await?;
        Ok(agent)
    }

    async fn reinstate_agent(&self, npn: &str, now: DateTime<Utc>) -> StoreResult<Agent> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let changed = tx
            .execute_cached(
                "UPDATE agents SET suspended_at = NULL, suspension_reason = NULL, updated_at = $2
                 WHERE npn = $1 AND suspended_at IS NOT NULL",
                &[&npn, &now],
            )
            .await?;
        let agent = existing_agent(&tx, "npn = $1", &npn).await?;
        if changed > 0 {
            append_profile_changed(&tx, agent.id, now, &HealthLineMatcher::default()).await?;
        }
        tx.commit().await?;
        Ok(agent)
    }

    async fn import_licenses(
        &self,
        licenses: &[NewLicense],
        now: DateTime<Utc>,
    ) -> StoreResult<ImportSummary> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let mut summary = ImportSummary::default();
        let mut changed = std::collections::BTreeSet::new();
        for (index, license) in licenses.iter().enumerate() {
            let agent = tx
                .query_opt_cached("SELECT id FROM agents WHERE npn = $1", &[&license.npn])
                .await?
                .map(|row| AgentId(row.get(0)))
                .ok_or_else(|| unknown_npn(index, &license.npn))?;
            let fate = upsert_license(&tx, agent, license, now).await?;
            if fate != RowFate::Unchanged {
                changed.insert(agent);
            }
            summary.count(fate);
        }
        // The eligible states on the agent's Profile screen (ST-1) may have changed, and
        // routing reads them again: both learn of it from the change feed.
        for agent in changed {
            append_profile_changed(&tx, agent, now, &HealthLineMatcher::default()).await?;
        }
        tx.commit().await?;
        Ok(summary)
    }

    async fn licenses(&self, agent: AgentId) -> StoreResult<Vec<License>> {
        let client = self.client().await?;
        load_licenses(&client, agent).await
    }
}

/// The agent's licenses, by state and line of authority.
pub(super) async fn load_licenses(
    client: &impl GenericClient,
    agent: AgentId,
) -> StoreResult<Vec<License>> {
    client
        .query_cached(
            "SELECT l.agent_id, a.npn, l.state, l.line_of_authority, l.status,
                    l.effective_on, l.expires_on, l.imported_at
             FROM licenses l JOIN agents a ON a.id = l.agent_id
             WHERE l.agent_id = $1
             ORDER BY l.state, l.line_of_authority",
            &[&agent.0],
        )
        .await?
        .iter()
        .map(|row| {
            Ok(License {
                agent: AgentId(row.try_get(0)?),
                npn: row.try_get(1)?,
                state: row.try_get(2)?,
                line_of_authority: row.try_get(3)?,
                status: row.try_get(4)?,
                effective: row.try_get(5)?,
                expires: row.try_get(6)?,
                imported_at: row.try_get(7)?,
            })
        })
        .collect()
}
