//! `GET` and `PATCH /v1/profile`: the Profile screen of the agent the token belongs to.
//!
//! Both answer with the wire `Profile` (`hod_domain::wire::v1`), the same shape the login
//! response and the change feed's `ProfileChanged` carry: the MLMS e-mail (read-only, CP-3),
//! the Preferred Contact Method and its warning (CP-1, CP-2), languages, licenses
//! (read-only), the states the agent is eligible in today (ST-1), State Preferences (ST-2,
//! ST-3) and any suspension (AV-9).

use super::extract::AgentSession;
use super::idempotency::{fingerprint, once, IdempotencyKey};
use super::{AppError, AppState};
use crate::profile::{eligible_on, wire_profile};
use crate::store::records::{from_wire_text, to_text};
use crate::store::{Agent, ProfileChangeSet};
use crate::validation::{FieldError, FieldErrors};
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use hod_domain::contact_preference::PreferredContactMethod;
use hod_domain::eligibility::StatePreferences;
use hod_domain::language::Language;
use hod_domain::wire::v1::Profile;
use hod_domain::{Rule, ValidationCode};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/v1/profile", get(profile).patch(update_profile))
}

/// The agent's profile as of now.
pub(super) async fn profile_of(state: &AppState, agent: &Agent) -> Result<Profile, AppError> {
    let licenses = state.store.licenses(agent.id).await?;
    let preferences = state.store.state_preferences(agent.id).await?;
    Ok(wire_profile(
        agent,
        &licenses,
        preferences,
        state.dispatcher.matcher(),
        state.now().date_naive(),
    ))
}

async fn profile(
    State(state): State<AppState>,
    session: AgentSession,
) -> Result<Json<Profile>, AppError> {
    let agent = state
        .store
        .agent(session.agent)
        .await?
        .ok_or(AppError::Unauthorized)?;
    Ok(Json(profile_of(&state, &agent).await?))
}

/// The body of `PATCH /v1/profile` (the wire `ProfileUpdate`). Values are read as text so
/// that a bad one is reported with its field and rule, like every other invalid input,
/// rather than as unreadable JSON.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfilePatch {
    #[serde(default)]
    preferred_contact_method: Option<String>,
    #[serde(default)]
    state_preferences: Option<Vec<String>>,
    #[serde(default)]
    languages: Option<Vec<String>>,
}

/// `PATCH /v1/profile`: the Preferred Contact Method (CP-1), State Preferences (each state
/// must be one the agent is eligible in today, ST-2, ST-3) and languages. Every problem is
/// reported at once, each with its field and rule. Answers with the profile as saved.
async fn update_profile(
    State(state): State<AppState>,
    session: AgentSession,
    key: IdempotencyKey,
    body: Bytes,
) -> Result<Response, AppError> {
    let print = fingerprint("PATCH", "/v1/profile", &body);
    let patch: ProfilePatch = serde_json::from_slice(&body)
        .map_err(|e| AppError::BadRequest(format!("invalid JSON body: {e}")))?;
    let agent_id = session.agent;
    once(&state.clone(), agent_id, &key, print, || async move {
        let now = state.now();
        let licenses = state.store.licenses(agent_id).await?;
        let eligible = eligible_on(&licenses, state.dispatcher.matcher(), now.date_naive());
        let change = validate(&patch, &eligible)?;
        let (seq, profile) = state
            .store
            .update_profile(agent_id, &change, state.dispatcher.matcher(), now)
            .await?;
        state.notifier.notify(agent_id, seq);
        tracing::info!(agent = %agent_id, "profile updated");
        state.dispatcher.route_now().await;
        Ok(Json(profile).into_response())
    })
    .await
}

/// Checks every field of the patch; all problems together.
fn validate(
    patch: &ProfilePatch,
    eligible: &std::collections::BTreeSet<hod_domain::eligibility::StateCode>,
) -> Result<ProfileChangeSet, AppError> {
    let mut errors = FieldErrors::default();
    let contact_method = patch.preferred_contact_method.as_deref().and_then(|text| {
        let method = from_wire_text::<PreferredContactMethod>(text.trim());
        if method.is_none() {
            errors.0.push(FieldError {
                field: "preferred_contact_method".into(),
                code: ValidationCode::NotAllowed,
                rule: Some(Rule::Cp1),
                message: format!(
                    "\"{text}\" is not a Preferred Contact Method: choose email_text_app, \
                     email_text, email_app or email_only"
                ),
            });
        }
        method.map(|m| to_text(&m))
    });
    let preferences = patch.state_preferences.as_ref().and_then(|selection| {
        // Unknown codes (ST-1) and states the agent is not eligible in (ST-3), each at its
        // position: `state_preferences[1]`.
        StatePreferences::save_codes(selection, eligible)
            .map_err(|e| errors.0.extend(FieldErrors::from(e).0))
            .ok()
    });
    let languages = patch.languages.as_ref().and_then(|codes| {
        if codes.is_empty() {
            errors.0.push(FieldError::new(
                "languages",
                ValidationCode::Missing,
                "at least one language is required",
            ));
            return None;
        }
        let mut languages: Vec<Language> = Vec::with_capacity(codes.len());
        for (i, code) in codes.iter().enumerate() {
            match Language::parse(&format!("languages[{i}]"), code) {
                Ok(language) if languages.contains(&language) => {}
                Ok(language) => languages.push(language),
                Err(e) => errors.0.push(e.into()),
            }
        }
        Some(languages)
    });
    if !errors.0.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    Ok(ProfileChangeSet {
        contact_method,
        languages,
        preferences,
    })
}
