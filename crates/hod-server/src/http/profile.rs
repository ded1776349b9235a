//! `GET /v1/profile`: the agent the token belongs to.
//!
//! The wire shape lives here until `hod_domain::wire` has it.

use super::extract::AgentSession;
use super::idempotency::{fingerprint, once, IdempotencyKey};
use super::referrals::parse_required;
use super::{AppError, AppState};
use crate::dispatch::eligible_on;
use crate::store::records::to_text;
use crate::store::ProfileChangeSet;
use crate::store::{Agent, Suspension};
use crate::validation::{FieldError, FieldErrors};
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use hod_domain::eligibility::StatePreferences;
use hod_domain::language::Language;
use hod_domain::wire::v1::{ChangeEvent, ProfileUpdate};
use hod_domain::ValidationCode;
use serde::Serialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/v1/profile", get(profile).patch(update_profile))
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

/// `PATCH /v1/profile`: the Preferred Contact Method (CP-1), State Preferences (each state
/// must be one the agent is eligible in, ST-3) and languages. Answers with the profile.
async fn update_profile(
    State(state): State<AppState>,
    session: AgentSession,
    key: IdempotencyKey,
    body: Bytes,
) -> Result<Response, AppError> {
    let print = fingerprint("PATCH", "/v1/profile", &body);
    let update: ProfileUpdate = parse_required(&body)?;
    let agent_id = session.agent;
    once(&state.clone(), agent_id, &key, print, || async move {
        let now = state.now();
        let agent = state
            .store
            .agent(agent_id)
            .await?
            .ok_or(AppError::Unauthorized)?;
        let licenses = state.store.licenses(agent_id).await?;
        let eligible = eligible_on(&licenses, state.dispatcher.matcher(), now.date_naive());
        let mut errors = FieldErrors::default();
        let preferences = match &update.state_preferences {
            None => None,
            Some(selection) => match StatePreferences::save(selection, &eligible) {
                Ok(preferences) => Some(preferences),
                Err(e) => {
                    errors.0.extend(FieldErrors::from(e).0);
                    None
                }
            },
        };
        if update.languages.as_ref().is_some_and(Vec::is_empty) {
            errors.0.push(FieldError::new(
                "languages",
                ValidationCode::Missing,
                "at least one language is required",
            ));
        }
        if !errors.0.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let change = ProfileChangeSet {
            contact_method: update.preferred_contact_method.map(|m| to_text(&m)),
            languages: update.languages.clone().map(|mut languages| {
                languages.dedup();
                languages
            }),
            preferences: preferences.clone(),
        };
        let mut updated = agent.clone();
        if let Some(method) = &change.contact_method {
            updated.preferred_contact_method = method.clone();
        }
        if let Some(languages) = &change.languages {
            updated.languages = languages.clone();
        }
        let preferences = match preferences {
            Some(p) => p,
            None => state.store.state_preferences(agent_id).await?,
        };
        let event = ChangeEvent::ProfileChanged {
            profile: crate::dispatch::wire_profile(&updated, &licenses, eligible, preferences),
        };
        let seq = state
            .store
            .update_profile(agent_id, &change, &event, now)
            .await?;
        state.notifier.notify(agent_id, seq);
        tracing::info!(agent = %agent_id, "profile updated");
        state.dispatcher.run_logged().await;
        Ok(Json(ProfileView::from(updated)).into_response())
    })
    .await
}
