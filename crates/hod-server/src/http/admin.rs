//! Operator API, behind an admin API key: `POST /v1/admin/agents` provisions an agent.

use super::extract::{AdminKey, ApiJson};
use super::profile::profile_of;
use super::{AppError, AppState};
use crate::accounts::{self, password, AgentInput};
use crate::validation::FieldErrors;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use hod_domain::wire::v1::Profile;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/v1/admin/agents", post(provision_agent))
}

/// An agent to provision, optionally with a first password. (No `Debug`: it holds one.)
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProvisionRequest {
    npn: String,
    name: String,
    username: String,
    mlms_email: String,
    mobile_phone: String,
    languages: Vec<String>,
    #[serde(default)]
    password: Option<String>,
}

async fn provision_agent(
    State(state): State<AppState>,
    _admin: AdminKey,
    ApiJson(request): ApiJson<ProvisionRequest>,
) -> Result<(StatusCode, Json<Profile>), AppError> {
    let input = AgentInput {
        npn: request.npn,
        name: request.name,
        username: request.username,
        mlms_email: request.mlms_email,
        mobile_phone: request.mobile_phone,
        languages: request.languages,
    };
    // Report the agent's and the password's problems together.
    let (agent, password_check) = (
        input.validate(),
        request
            .password
            .as_deref()
            .map_or(Ok(()), password::check_policy),
    );
    let agent = match (agent, password_check) {
        (Ok(agent), Ok(())) => agent,
        (agent, password_check) => {
            let mut errors = FieldErrors::new();
            for e in [agent.err(), password_check.err()].into_iter().flatten() {
                errors.0.extend(e.0);
            }
            return Err(AppError::Invalid(errors));
        }
    };

    let now = state.now();
    let created = state.store.create_agent(&agent, now).await?;
    if let Some(password) = request.password.as_deref() {
        accounts::set_password(state.store.as_ref(), created.id, password, now).await?;
    }
    tracing::info!(agent = %created.id, "agent provisioned");
    // No change row announces a new agent: tell this instance's dispatcher directly (other
    // instances read their whole roster again within five minutes; the agent has no licenses
    // yet, and the license import that makes them routable appends to their feed).
    state.notifier.agent_added(created.id);
    let profile = profile_of(&state, &created).await?;
    Ok((StatusCode::CREATED, Json(profile)))
}
