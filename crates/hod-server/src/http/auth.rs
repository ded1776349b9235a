//! `POST /v1/auth/login` and `POST /v1/auth/logout`.

use super::extract::{ApiJson, BearerToken};
use super::forwarded::client_address;
use super::profile::profile_of;
use super::{AppError, AppState};
use crate::accounts;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use hod_domain::wire::v1::Profile;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::SocketAddr;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/auth/login", post(login))
        .route("/v1/auth/logout", post(logout))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginRequest {
    username: String,
    password: String,
}

impl fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LoginRequest { .. }")
    }
}

#[derive(Debug, Serialize)]
struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`.
    token: String,
    token_type: &'static str,
    expires_at: DateTime<Utc>,
    profile: Profile,
}

async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Json<LoginResponse>, AppError> {
    let client = client_address(peer.ip(), &headers, &state.settings.trusted_proxies);
    let outcome = accounts::login(
        state.store.as_ref(),
        &state.settings.login_throttle,
        state.settings.session_ttl,
        &request.username,
        &request.password,
        client,
        state.now(),
    )
    .await?;
    tracing::info!(agent = %outcome.agent.id, "logged in");
    let profile = profile_of(&state, &outcome.agent).await?;
    Ok(Json(LoginResponse {
        token: outcome.token.expose().to_owned(),
        token_type: "Bearer",
        expires_at: outcome.session.expires_at,
        profile,
    }))
}

async fn logout(
    State(state): State<AppState>,
    BearerToken(token): BearerToken,
) -> Result<StatusCode, AppError> {
    if accounts::logout(state.store.as_ref(), &token, state.now()).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::Unauthorized)
    }
}
