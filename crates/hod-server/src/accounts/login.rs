//! Logging in and out, resolving a bearer token, setting a password.

use super::input::normalize_username;
use super::password;
use super::throttle::{self, ThrottlePolicy};
use super::token::BearerToken;
use crate::store::{Agent, AgentId, NewSession, Session, Store, StoreError};
use crate::validation::FieldErrors;
use chrono::{DateTime, Utc};
use std::net::IpAddr;
use std::time::Duration;

/// Why an account operation failed.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Wrong username or password (never says which).
    #[error("the username or password is wrong")]
    InvalidCredentials,
    /// Too many failures for this account or address.
    #[error("too many failed logins; try again in {} s", retry_after.as_secs())]
    Throttled { retry_after: Duration },
    /// The new password breaks the policy.
    #[error("{0}")]
    Invalid(FieldErrors),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Hashing, randomness or a worker thread failed.
    #[error("{0}")]
    Internal(String),
}

/// A successful login.
#[derive(Debug)]
pub struct LoginOutcome {
    /// Give this to the client, once; only its hash is stored.
    pub token: BearerToken,
    pub session: Session,
    /// A suspended agent can log in (to read why), see [`Agent::suspension`].
    pub agent: Agent,
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, LoginError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| LoginError::Internal(format!("worker thread: {e}")))
}

/// Checks a username and password and opens a session of `session_ttl`.
pub async fn login(
    store: &dyn Store,
    policy: &ThrottlePolicy,
    session_ttl: Duration,
    username: &str,
    password: &str,
    client: IpAddr,
    now: DateTime<Utc>,
) -> Result<LoginOutcome, LoginError> {
    let username = normalize_username(username);
    if let Some(retry_after) = throttle::blocked_for(store, policy, &username, client, now).await? {
        return Err(LoginError::Throttled { retry_after });
    }

    let agent = store.agent_by_username(&username).await?;
    let phc = match &agent {
        Some(agent) => store.password_hash(agent.id).await?,
        None => None,
    };
    let attempt = password.to_owned();
    let matches = blocking(move || match phc {
        Some(phc) => password::verify(&attempt, &phc),
        None => {
            password::verify_nothing(&attempt);
            false
        }
    })
    .await?;

    let agent = match agent {
        Some(agent) if matches => agent,
        _ => {
            throttle::record_failure(store, policy, &username, client, now).await?;
            return Err(LoginError::InvalidCredentials);
        }
    };
    throttle::record_success(store, &username).await?;

    let token = BearerToken::generate().map_err(|e| LoginError::Internal(e.to_string()))?;
    let ttl = chrono::Duration::from_std(session_ttl)
        .map_err(|_| LoginError::Internal("session lifetime out of range".into()))?;
    let session = store
        .create_session(&NewSession {
            agent: agent.id,
            token: token.hash(),
            created_at: now,
            expires_at: now + ttl,
        })
        .await?;
    Ok(LoginOutcome {
        token,
        session,
        agent,
    })
}

/// The active session a presented token belongs to, if any.
pub async fn authenticate(
    store: &dyn Store,
    presented: &str,
    now: DateTime<Utc>,
) -> Result<Option<Session>, StoreError> {
    match BearerToken::parse(presented) {
        Some(token) => store.active_session(&token.hash(), now).await,
        None => Ok(None),
    }
}

/// Ends the session of a presented token; `false` if it was not active.
pub async fn logout(
    store: &dyn Store,
    presented: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    match BearerToken::parse(presented) {
        Some(token) => store.revoke_session(&token.hash(), now).await,
        None => Ok(false),
    }
}

/// Checks the policy, hashes and stores a new password; ends the agent's sessions.
pub async fn set_password(
    store: &dyn Store,
    agent: AgentId,
    new_password: &str,
    now: DateTime<Utc>,
) -> Result<(), LoginError> {
    password::check_policy(new_password).map_err(LoginError::Invalid)?;
    let secret = new_password.to_owned();
    let phc = blocking(move || password::hash(&secret))
        .await?
        .map_err(|e| LoginError::Internal(e.to_string()))?;
    store.set_password_hash(agent, &phc, now).await?;
    Ok(())
}
