//! The intake API: HealthCare.gov hands over a consumer's request; the intake side reads
//! where it stands (never which agent has it).

use super::extract::referral_id;
use super::extract::{ApiJson, IntakeKey};
use super::idempotency::IdempotencyKey;
use super::{AppError, AppState};
use crate::store::NewReferral;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use hod_domain::eligibility::PlanYear;
use hod_domain::wire::v1::{IntakeReceipt, IntakeReferral, ReferralId};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/intake/referrals", post(submit))
        .route("/v1/intake/referrals/{id}", get(status))
}

/// Stores the referral and routes it at once; a repeated `Idempotency-Key` returns the
/// referral made the first time (same id) and creates nothing.
async fn submit(
    State(state): State<AppState>,
    _key: IntakeKey,
    idempotency: IdempotencyKey,
    ApiJson(intake): ApiJson<IntakeReferral>,
) -> Result<(StatusCode, Json<IntakeReceipt>), AppError> {
    let errors = intake.validate();
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors.into()));
    }
    let now = state.now();
    let max_wait = chrono::Duration::from_std(state.settings.referral_max_wait)
        .unwrap_or(chrono::Duration::days(1));
    let new = NewReferral {
        consumer_name: intake.consumer_name.trim().to_owned(),
        phone: intake.phone_digits(),
        email: intake.email.clone().map(|e| e.trim().to_owned()),
        notes: intake.notes.clone(),
        state: intake.state,
        city: intake.city.trim().to_owned(),
        zip: intake.zip.trim().to_owned(),
        language: intake.preferred_language.clone(),
        plan_year: PlanYear::shopped_on(now.date_naive()).year(),
        received_at: now,
        max_wait_until: now + max_wait,
        intake_key: idempotency.0,
    };
    let (record, created) = state.store.create_referral(&new, now).await?;
    if created {
        state.metrics.referral_received();
        tracing::info!(referral = %record.id, state = %record.state, "referral received");
        state.dispatcher.route_now().await;
    }
    let lifecycle = state
        .store
        .referral(record.id)
        .await?
        .map_or(record.lifecycle, |r| r.lifecycle);
    Ok((
        StatusCode::CREATED,
        Json(IntakeReceipt {
            id: record.id,
            state: lifecycle,
        }),
    ))
}

async fn status(
    State(state): State<AppState>,
    _key: IntakeKey,
    Path(id): Path<String>,
) -> Result<Json<IntakeReceipt>, AppError> {
    let id = referral_id(&id)?;
    let record = state
        .store
        .referral(ReferralId(id))
        .await?
        .ok_or(AppError::NotFound("referral"))?;
    Ok(Json(IntakeReceipt {
        id: record.id,
        state: record.lifecycle,
    }))
}
