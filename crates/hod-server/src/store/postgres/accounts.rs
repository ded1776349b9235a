//! Credentials, sessions, login throttling and idempotency keys on PostgreSQL.

use super::statements::Prepared;
use super::PostgresStore;
use crate::store::{
    AgentId, CredentialStore, FailureWindow, IdempotencyStore, LoginThrottleStore, NewSession,
    Session, SessionStore, StoreError, StoreResult, StoredResponse, TokenHash,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::time::Duration;
use tokio_postgres::Row;

const SESSION_COLUMNS: &str = "id, agent_id, created_at, expires_at, revoked_at";

fn session_from_row(row: &Row) -> StoreResult<Session> {
    Ok(Session {
        id: row.try_get(0)?,
        agent: AgentId(row.try_get(1)?),
        created_at: row.try_get(2)?,
        expires_at: row.try_get(3)?,
        revoked_at: row.try_get(4)?,
    })
}

fn failure_window_from_row(row: &Row) -> StoreResult<FailureWindow> {
    let failures: i32 = row.try_get(0)?;
    Ok(FailureWindow {
        failures: u32::try_from(failures)
            .map_err(|_| StoreError::corrupt("negative failure count"))?,
        started_at: row.try_get(1)?,
    })
}

fn response_from_row(row: &Row) -> StoreResult<StoredResponse> {
    let fingerprint: Vec<u8> = row.try_get(0)?;
    let status: i32 = row.try_get(1)?;
    Ok(StoredResponse {
        request_fingerprint: fingerprint
            .try_into()
            .map_err(|_| StoreError::corrupt("a request fingerprint is 32 bytes"))?,
        status: u16::try_from(status).map_err(|_| StoreError::corrupt("bad HTTP status"))?,
        body: row.try_get(2)?,
    })
}

#[async_trait]
impl CredentialStore for PostgresStore {
    async fn set_password_hash(
        &self,
        agent: AgentId,
        phc: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        if tx
            .query_opt_cached(
                "SELECT id FROM agents WHERE id = $1 FOR UPDATE",
                &[&agent.0],
            )
            .await?
            .is_none()
        {
            return Err(StoreError::NotFound { what: "agent" });
        }
        tx.execute_cached(
            "INSERT INTO agent_passwords (agent_id, phc, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (agent_id) DO UPDATE SET phc = excluded.phc,
                                                  updated_at = excluded.updated_at",
            &[&agent.0, &phc, &now],
        )
        .await?;
        tx.execute_cached(
            "UPDATE sessions SET revoked_at = $2 WHERE agent_id = $1 AND revoked_at IS NULL",
            &[&agent.0, &now],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn password_hash(&self, agent: AgentId) -> StoreResult<Option<String>> {
        let client = self.client().await?;
        Ok(client
            .query_opt_cached(
                "SELECT phc FROM agent_passwords WHERE agent_id = $1",
                &[&agent.0],
            )
            .await?
            .map(|row| row.get(0)))
    }
}

#[async_trait]
impl SessionStore for PostgresStore {
    async fn create_session(&self, session: &NewSession) -> StoreResult<Session> {
        let client = self.client().await?;
        let row = client
            .query_one_cached(
                &format!(
                    "INSERT INTO sessions (agent_id, token_sha256, created_at, expires_at)
                     VALUES ($1, $2, $3, $4) RETURNING {SESSION_COLUMNS}"
                ),
                &[
                    &session.agent.0,
                    &session.token.0.as_slice(),
                    &session.created_at,
                    &session.expires_at,
                ],
            )
            .await?;
        session_from_row(&row)
    }

    async fn active_session(
        &self,
        token: &TokenHash,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Session>> {
        let client = self.client().await?;
        client
            .query_opt_cached(
                &format!(
                    "SELECT {SESSION_COLUMNS} FROM sessions
                     WHERE token_sha256 = $1 AND revoked_at IS NULL AND expires_at > $2"
                ),
                &[&token.0.as_slice(), &now],
            )
            .await?
            .as_ref()
            .map(session_from_row)
            .transpose()
    }

    async fn revoke_session(&self, token: &TokenHash, now: DateTime<Utc>) -> StoreResult<bool> {
        let client = self.client().await?;
        let changed = client
            .execute_cached(
                "UPDATE sessions SET revoked_at = $2
                 WHERE token_sha256 = $1 AND revoked_at IS NULL AND expires_at > $2",
                &[&token.0.as_slice(), &now],
            )
            .await?;
        Ok(changed > 0)
    }

    async fn revoke_agent_sessions(&self, agent: AgentId, now: DateTime<Utc>) -> StoreResult<u64> {
        let client = self.client().await?;
        Ok(client
            .execute_cached(
                "UPDATE sessions SET revoked_at = $2
                 WHERE agent_id = $1 AND revoked_at IS NULL AND expires_at > $2",
                &[&agent.0, &now],
            )
            .await?)
    }
}

#[async_trait]
impl LoginThrottleStore for PostgresStore {
    async fn record_login_failure(
        &self,
        subject: &str,
        now: DateTime<Utc>,
        window: Duration,
    ) -> StoreResult<FailureWindow> {
        let cutoff = chrono::Duration::from_std(window)
            .ok()
            .and_then(|w| now.checked_sub_signed(w))
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        let client = self.client().await?;
        // One statement, so concurrent failures for one subject are all counted.
        let row = client
            .query_one_cached(
                "INSERT INTO login_failures AS f (subject, failures, window_started_at)
                 VALUES ($1, 1, $2)
                 ON CONFLICT (subject) DO UPDATE SET
                     failures = CASE WHEN f.window_started_at <= $3 THEN 1
                                     ELSE f.failures + 1 END,
                     window_started_at = CASE WHEN f.window_started_at <= $3
                                              THEN excluded.window_started_at
                                              ELSE f.window_started_at END
                 RETURNING failures, window_started_at",
                &[&subject, &now, &cutoff],
            )
            .await?;
        failure_window_from_row(&row)
    }

    async fn login_failures(&self, subject: &str) -> StoreResult<Option<FailureWindow>> {
        let client = self.client().await?;
        client
            .query_opt_cached(
                "SELECT failures, window_started_at FROM login_failures WHERE subject = $1",
                &[&subject],
            )
            .await?
            .as_ref()
            .map(failure_window_from_row)
            .transpose()
    }

    async fn clear_login_failures(&self, subject: &str) -> StoreResult<()> {
        let client = self.client().await?;
        client
            .execute_cached("DELETE FROM login_failures WHERE subject = $1", &[&subject])
            .await?;
        Ok(())
    }
}

#[async_trait]
impl IdempotencyStore for PostgresStore {
    async fn idempotent_response(
        &self,
        agent: AgentId,
        key: &str,
    ) -> StoreResult<Option<StoredResponse>> {
        let client = self.client().await?;
        client
            .query_opt_cached(
                "SELECT request_fingerprint, response_status, response_body
                 FROM idempotency_keys WHERE agent_id = $1 AND key = $2",
                &[&agent.0, &key],
            )
            .await?
            .as_ref()
            .map(response_from_row)
            .transpose()
    }

    async fn remember_response(
        &self,
        agent: AgentId,
        key: &str,
        response: &StoredResponse,
        now: DateTime<Utc>,
    ) -> StoreResult<StoredResponse> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        tx.execute_cached(
            "INSERT INTO idempotency_keys (agent_id, key, request_fingerprint, response_status,
                                           response_body, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (agent_id, key) DO NOTHING",
            &[
                &agent.0,
                &key,
                &response.request_fingerprint.as_slice(),
                &i32::from(response.status),
                &response.body,
                &now,
            ],
        )
        .await?;
        let row = tx
            .query_one_cached(
                "SELECT request_fingerprint, response_status, response_body
                 FROM idempotency_keys WHERE agent_id = $1 AND key = $2",
                &[&agent.0, &key],
            )
            .await?;
        tx.commit().await?;
        response_from_row(&row)
    }
}
