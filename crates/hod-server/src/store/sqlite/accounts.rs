//! Credentials, sessions, login throttling and idempotency keys on SQLite.

use super::{instant, millis, write, SqliteStore};
use crate::store::{
    AgentId, CredentialStore, FailureWindow, IdempotencyStore, LoginThrottleStore, NewSession,
    Session, SessionStore, StoreError, StoreResult, StoredResponse, TokenHash,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::types::Type;
use rusqlite::{params, OptionalExtension, Row};
use std::time::Duration;

fn session_from_row(row: &Row<'_>) -> rusqlite::Result<Session> {
    let revoked_at: Option<i64> = row.get(4)?;
    Ok(Session {
        id: row.get(0)?,
        agent: AgentId(row.get(1)?),
        created_at: instant(row.get(2)?, 2)?,
        expires_at: instant(row.get(3)?, 3)?,
        revoked_at: revoked_at.map(|ms| instant(ms, 4)).transpose()?,
    })
}

fn failure_window_from_row(row: &Row<'_>) -> rusqlite::Result<FailureWindow> {
    Ok(FailureWindow {
        failures: row.get(0)?,
        started_at: instant(row.get(1)?, 1)?,
    })
}

fn fingerprint(bytes: Vec<u8>, column: usize) -> rusqlite::Result<[u8; 32]> {
    bytes.try_into().map_err(|_| {
        rusqlite::Error::FromSqlConversionFailure(
            column,
            Type::Blob,
            "a request fingerprint is 32 bytes".into(),
        )
    })
}

fn response_from_row(row: &Row<'_>) -> rusqlite::Result<StoredResponse> {
    Ok(StoredResponse {
        request_fingerprint: fingerprint(row.get(0)?, 0)?,
        status: row.get(1)?,
        body: row.get(2)?,
    })
}

/// Milliseconds in a window, saturating (a window of centuries is as good as forever).
fn window_millis(window: Duration) -> i64 {
    i64::try_from(window.as_millis()).unwrap_or(i64::MAX)
}

#[async_trait]
impl CredentialStore for SqliteStore {
    async fn set_password_hash(
        &self,
        agent: AgentId,
        phc: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let phc = phc.to_owned();
        self.call(move |conn| {
            let tx = write(conn)?;
            let exists: Option<i64> = tx
                .query_row("SELECT id FROM agents WHERE id = ?1", [agent.0], |r| {
                    r.get(0)
                })
                .optional()?;
            if exists.is_none() {
                return Err(StoreError::NotFound { what: "agent" });
            }
            tx.execute(
                "INSERT INTO agent_passwords (agent_id, phc, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (agent_id) DO UPDATE SET phc = excluded.phc,
                                                      updated_at = excluded.updated_at",
                params![agent.0, phc, millis(now)],
            )?;
            tx.execute(
                "UPDATE sessions SET revoked_at = ?2 WHERE agent_id = ?1 AND revoked_at IS NULL",
                params![agent.0, millis(now)],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn password_hash(&self, agent: AgentId) -> StoreResult<Option<String>> {
        self.call(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT phc FROM agent_passwords WHERE agent_id = ?1",
                    [agent.0],
                    |row| row.get(0),
                )
                .optional()?)
        })
        .await
    }
}

#[async_trait]
impl SessionStore for SqliteStore {
    async fn create_session(&self, session: &NewSession) -> StoreResult<Session> {
        let session = session.clone();
        self.call(move |conn| {
            Ok(conn.query_row(
                "INSERT INTO sessions (agent_id, token_sha256, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4)
                 RETURNING id, agent_id, created_at, expires_at, revoked_at",
                params![
                    session.agent.0,
                    session.token.0.as_slice(),
                    millis(session.created_at),
                    millis(session.expires_at)
                ],
                session_from_row,
            )?)
        })
        .await
    }

    async fn active_session(
        &self,
        token: &TokenHash,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Session>> {
        let token = *token;
        self.call(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT id, agent_id, created_at, expires_at, revoked_at FROM sessions
                     WHERE token_sha256 = ?1 AND revoked_at IS NULL AND expires_at > ?2",
                    params![token.0.as_slice(), millis(now)],
                    session_from_row,
                )
                .optional()?)
        })
        .await
    }

    async fn revoke_session(&self, token: &TokenHash, now: DateTime<Utc>) -> StoreResult<bool> {
        let token = *token;
        self.call(move |conn| {
            let changed = conn.execute(
                "UPDATE sessions SET revoked_at = ?2
                 WHERE token_sha256 = ?1 AND revoked_at IS NULL AND expires_at > ?2",
                params![token.0.as_slice(), millis(now)],
            )?;
            Ok(changed > 0)
        })
        .await
    }

    async fn revoke_agent_sessions(&self, agent: AgentId, now: DateTime<Utc>) -> StoreResult<u64> {
        self.call(move |conn| {
            let changed = conn.execute(
                "UPDATE sessions SET revoked_at = ?2
                 WHERE agent_id = ?1 AND revoked_at IS NULL AND expires_at > ?2",
                params![agent.0, millis(now)],
            )?;
            Ok(changed as u64)
        })
        .await
    }
}

#[async_trait]
impl LoginThrottleStore for SqliteStore {
    async fn record_login_failure(
        &self,
        subject: &str,
        now: DateTime<Utc>,
        window: Duration,
    ) -> StoreResult<FailureWindow> {
        let subject = subject.to_owned();
        self.call(move |conn| {
            let cutoff = millis(now).saturating_sub(window_millis(window));
            Ok(conn.query_row(
                "INSERT INTO login_failures (subject, failures, window_started_at)
                 VALUES (?1, 1, ?2)
                 ON CONFLICT (subject) DO UPDATE SET
                     failures = CASE WHEN login_failures.window_started_at <= ?3 THEN 1
                                     ELSE login_failures.failures + 1 END,
                     window_started_at = CASE WHEN login_failures.window_started_at <= ?3
                                              THEN excluded.window_started_at
                                              ELSE login_failures.window_started_at END
                 RETURNING failures, window_started_at",
                params![subject, millis(now), cutoff],
                failure_window_from_row,
            )?)
        })
        .await
    }

    async fn login_failures(&self, subject: &str) -> StoreResult<Option<FailureWindow>> {
        let subject = subject.to_owned();
        self.call(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT failures, window_started_at FROM login_failures WHERE subject = ?1",
                    [subject],
                    failure_window_from_row,
                )
                .optional()?)
        })
        .await
    }

    async fn clear_login_failures(&self, subject: &str) -> StoreResult<()> {
        let subject = subject.to_owned();
        self.call(move |conn| {
            conn.execute("DELETE FROM login_failures WHERE subject = ?1", [subject])?;
            Ok(())
        })
        .await
    }
}

#[async_trait]
impl IdempotencyStore for SqliteStore {
    async fn idempotent_response(
        &self,
        agent: AgentId,
        key: &str,
    ) -> StoreResult<Option<StoredResponse>> {
        let key = key.to_owned();
        self.call(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT request_fingerprint, response_status, response_body
                     FROM idempotency_keys WHERE agent_id = ?1 AND key = ?2",
                    params![agent.0, key],
                    response_from_row,
                )
                .optional()?)
        })
        .await
    }

    async fn remember_response(
        &self,
        agent: AgentId,
        key: &str,
        response: &StoredResponse,
        now: DateTime<Utc>,
    ) -> StoreResult<StoredResponse> {
        let (key, response) = (key.to_owned(), response.clone());
        self.call(move |conn| {
            let tx = write(conn)?;
            tx.execute(
                "INSERT INTO idempotency_keys (agent_id, key, request_fingerprint,
                                               response_status, response_body, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (agent_id, key) DO NOTHING",
                params![
                    agent.0,
                    key,
                    response.request_fingerprint.as_slice(),
                    response.status,
                    response.body,
                    millis(now)
                ],
            )?;
            let stored = tx.query_row(
                "SELECT request_fingerprint, response_status, response_body
                 FROM idempotency_keys WHERE agent_id = ?1 AND key = ?2",
                params![agent.0, key],
                response_from_row,
            )?;
            tx.commit()?;
            Ok(stored)
        })
        .await
    }
}
