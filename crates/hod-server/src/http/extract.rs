//! Request extractors: the agent a bearer token belongs to, API keys, JSON bodies.

use super::{AppError, AppState};
use crate::accounts;
use crate::settings::ApiKey;
use crate::store::{AgentId, Session};
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

/// The header that carries intake and admin API keys.
pub const API_KEY_HEADER: &str = "x-api-key";

/// A JSON body whose rejections are [`AppError`]s (so they get the common error body).
#[derive(Debug, Clone, Copy, Default, FromRequest)]
#[from_request(via(axum::Json), rejection(AppError))]
pub struct ApiJson<T>(pub T);

/// The bearer token presented in `Authorization: Bearer …`, unchecked.
#[derive(Debug)]
pub struct BearerToken(pub String);

impl<S: Send + Sync> FromRequestParts<S> for BearerToken {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let value = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or(AppError::Unauthorized)?;
        let (scheme, token) = value.split_once(' ').ok_or(AppError::Unauthorized)?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(AppError::Unauthorized);
        }
        Ok(Self(token.trim().to_owned()))
    }
}

/// The agent whose active session the bearer token names. Every agent endpoint takes this,
/// and reads and writes only what belongs to `agent`.
#[derive(Debug)]
pub struct AgentSession {
    pub agent: AgentId,
    pub session: Session,
}

impl FromRequestParts<AppState> for AgentSession {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let BearerToken(token) = BearerToken::from_request_parts(parts, state).await?;
        let session = accounts::authenticate(state.store.as_ref(), &token, state.now())
            .await?
            .ok_or(AppError::Unauthorized)?;
        Ok(Self {
            agent: session.agent,
            session,
        })
    }
}

fn presented_key_matches(parts: &Parts, keys: &[ApiKey]) -> bool {
    let Some(presented) = parts
        .headers
        .get(API_KEY_HEADER)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    // Check every key, so the time taken does not tell which one was closest.
    keys.iter()
        .fold(false, |found, key| key.matches(presented) | found)
}

/// Proof that the request carries an admin API key.
#[derive(Debug)]
pub struct AdminKey;

impl FromRequestParts<AppState> for AdminKey {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if presented_key_matches(parts, &state.settings.admin_api_keys) {
            Ok(Self)
        } else {
            Err(AppError::Unauthorized)
        }
    }
}

/// Proof that the request carries an intake API key.
#[derive(Debug)]
pub struct IntakeKey;

impl FromRequestParts<AppState> for IntakeKey {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if presented_key_matches(parts, &state.settings.intake_api_keys) {
            Ok(Self)
        } else {
            Err(AppError::Unauthorized)
        }
    }
}

/// A referral id from the path; anything that is not one is a referral that does not exist.
pub fn referral_id(text: &str) -> Result<i64, AppError> {
    text.parse().map_err(|_| AppError::NotFound("referral"))
}

/// A query string that does not read gets the common error body.
pub fn bad_query(rejection: axum::extract::rejection::QueryRejection) -> AppError {
    AppError::BadRequest(rejection.body_text())
}
