//! The Availability Settings screen: Standard Hours with their zone (AV-1..AV-5), Today's
//! Availability (AV-6) and Out of Office (AV-7). Each save takes effect at once (AV-5):
//! it is validated by the domain, stored with an `AvailabilityChanged` change, and routing
//! runs again (a referral may now have an agent).

use super::extract::AgentSession;
use super::idempotency::{fingerprint, once, IdempotencyKey};
use super::referrals::parse_required;
use super::{AppError, AppState};
use crate::store::AgentId;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use hod_domain::availability::{
    AgentTimeZone, AvailabilityEngine, AvailabilitySettings, OutOfOffice, TodayOverride,
    WeeklySchedule,
};
use hod_domain::wire::v1::{Availability, ChangeEvent, OutOfOfficeRequest, TodayRequest};
use hod_domain::ValidationErrors;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/availability", get(read))
        .route("/v1/availability/schedule", put(schedule))
        .route("/v1/availability/today", post(today))
        .route(
            "/v1/availability/out-of-office",
            put(out_of_office).delete(end_out_of_office),
        )
}

/// Standard Hours with their zone.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScheduleRequest {
    time_zone: String,
    weekly: WeeklySchedule,
}

pub(super) async fn current(
    state: &AppState,
    agent: AgentId,
) -> Result<AvailabilitySettings, AppError> {
    Ok(state
        .store
        .availability(agent)
        .await?
        .unwrap_or_else(|| state.dispatcher.default_availability()))
}

fn view(settings: AvailabilitySettings, now: DateTime<Utc>) -> Result<Availability, AppError> {
    let engine = AvailabilityEngine::new(&settings).map_err(|e| AppError::Invalid(e.into()))?;
    Ok(Availability {
        status: engine.status_at(now),
        settings,
    })
}

async fn read(
    State(state): State<AppState>,
    session: AgentSession,
) -> Result<Json<Availability>, AppError> {
    let settings = current(&state, session.agent).await?;
    Ok(Json(view(settings, state.now())?))
}

/// Validates, stores, announces and routes.
async fn save(
    state: &AppState,
    agent: AgentId,
    mut settings: AvailabilitySettings,
    now: DateTime<Utc>,
) -> Result<Response, AppError> {
    settings.prune(now);
    let errors = settings.validate();
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors.into()));
    }
    let availability = view(settings, now)?;
    let event = ChangeEvent::AvailabilityChanged {
        availability: availability.clone(),
    };
    let seq = state
        .store
        .save_availability(agent, &availability.settings, &event, now)
        .await?;
    state.notifier.notify(agent, seq);
    tracing::info!(agent = %agent, available = availability.status.available, "availability saved");
    state.dispatcher.route_now().await;
    Ok(Json(availability).into_response())
}

fn invalid(errors: ValidationErrors) -> AppError {
    AppError::Invalid(errors.into())
}

async fn schedule(
    State(state): State<AppState>,
    session: AgentSession,
    key: IdempotencyKey,
    body: Bytes,
) -> Result<Response, AppError> {
    let print = fingerprint("PUT", "/v1/availability/schedule", &body);
    let request: ScheduleRequest = parse_required(&body)?;
    let agent = session.agent;
    once(&state.clone(), agent, &key, print, || async move {
        let time_zone = AgentTimeZone::parse("time_zone", &request.time_zone)
            .map_err(|e| AppError::Invalid(e.into()))?;
        let mut settings = current(&state, agent).await?;
        settings.time_zone = time_zone;
        settings.weekly = request.weekly;
        // A Today's Availability made in the old zone may no longer fit its day.
        if settings
            .today
            .is_some_and(|t| !t.validate(&settings, "today").is_empty())
        {
            settings.today = None;
        }
        save(&state, agent, settings, state.now()).await
    })
    .await
}

async fn today(
    State(state): State<AppState>,
    session: AgentSession,
    key: IdempotencyKey,
    body: Bytes,
) -> Result<Response, AppError> {
    let print = fingerprint("POST", "/v1/availability/today", &body);
    let request: TodayRequest = parse_required(&body)?;
    let agent = session.agent;
    once(&state.clone(), agent, &key, print, || async move {
        let now = state.now();
        let mut settings = current(&state, agent).await?;
        let switched = if request.on {
            TodayOverride::switch_on(&settings, now, request.stop_referrals_at).map_err(invalid)?
        } else {
            TodayOverride::switch_off(&settings, now)
        };
        settings.today = Some(switched);
        save(&state, agent, settings, now).await
    })
    .await
}

async fn out_of_office(
    State(state): State<AppState>,
    session: AgentSession,
    key: IdempotencyKey,
    body: Bytes,
) -> Result<Response, AppError> {
    let print = fingerprint("PUT", "/v1/availability/out-of-office", &body);
    let request: OutOfOfficeRequest = parse_required(&body)?;
    let agent = session.agent;
    once(&state.clone(), agent, &key, print, || async move {
        let period = OutOfOffice {
            from: request.from,
            to: request.to,
        };
        let errors = period.validate("out_of_office");
        if !errors.is_empty() {
            return Err(invalid(errors));
        }
        let mut settings = current(&state, agent).await?;
        settings.out_of_office.push(period);
        save(&state, agent, settings, state.now()).await
    })
    .await
}

async fn end_out_of_office(
    State(state): State<AppState>,
    session: AgentSession,
    key: IdempotencyKey,
) -> Result<Response, AppError> {
    let print = fingerprint("DELETE", "/v1/availability/out-of-office", b"");
    let agent = session.agent;
    once(&state.clone(), agent, &key, print, || async move {
        let now = state.now();
        let mut settings = current(&state, agent).await?;
        settings.end_out_of_office(now);
        save(&state, agent, settings, now).await
    })
    .await
}
