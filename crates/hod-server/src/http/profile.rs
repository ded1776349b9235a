//! `GET /v1/profile`: the agent the token belongs to.
//!
//! The wire shape lives here until `hod_domain::wire` has it.

use super::extract::AgentSession;
use super::{AppError, AppState};
use crate::store::{Agent, Suspension};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use hod_domain::language::Language;
use serde::Serialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/v1/profile", get(profile))
}

/// An agent's profile as the agent sees it.
#[derive(Debug, Serialize)]
pub struct ProfileView {
    pub npn: String,
    pub name: String,
    pub username: String,
    /// Read-only here: it comes from MLMS and is changed in the CMS portal (CP-3).
    pub mlms_email: String,
    pub mobile_phone: String,
    pub languages: Vec<Language>,
    /// CP-1 option in wire form.
    pub preferred_contact_method: String,
    /// A suspended agent can log in, sees why, and gets no referrals (AV-9).
    pub suspended: bool,
    pub suspension: Option<Suspension>,
}

impl From<Agent> for ProfileView {
    fn from(agent: Agent) -> Self {
        Self {
            npn: agent.npn,
            name: agent.name,
            username: agent.username,
            mlms_email: agent.mlms_email,
            mobile_phone: agent.mobile_phone,
            languages: agent.languages,
            preferred_contact_method: agent.preferred_contact_method,
            suspended: agent.suspension.is_some(),
            suspension: agent.suspension,
        }
    }
}

async fn profile(
    State(state): State<AppState>,
    session: AgentSession,
) -> Result<Json<ProfileView>, AppError> {
    let agent = state
        .store
        .agent(session.agent)
        .await?
        .ok_or(AppError::Unauthorized)?;
    Ok(Json(agent.into()))
}
