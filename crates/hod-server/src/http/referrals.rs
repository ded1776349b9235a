//! The agent's referrals: list, read, accept, reject, set status, log contact attempts, and
//! the missed-referral alert (MR-3). Every command is scoped to the session's agent: another
//! agent's referral answers 404, exactly like one that does not exist.

use super::extract::AgentSession;
use super::extract::{bad_query, referral_id};
use super::idempotency::{fingerprint, once, IdempotencyKey};
use super::{AppError, AppState};
use crate::store::records::from_wire_text;
use crate::store::{Answer, ReferralError, ReferralFilter};
use crate::validation::{FieldError, FieldErrors};
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use hod_domain::language::Language;
use hod_domain::referral::{
    missed_alert, ContactAttempt, OfferOutcome, ProgramPolicy, ReferralStatus, SetStatusError,
    StatusChange,
};
use hod_domain::wire::v1::{
    ContactAttemptRequest, MissedAlertView, Referral, ReferralId, ReferralPage, RejectRequest,
};
use hod_domain::{Rule, ValidationCode};
use serde::de::DeserializeOwned;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/referrals", get(list))
        .route("/v1/referrals/{id}", get(one))
        .route("/v1/referrals/{id}/accept", post(accept))
        .route("/v1/referrals/{id}/reject", post(reject))
        .route("/v1/referrals/{id}/status", post(set_status))
        .route("/v1/referrals/{id}/contact-attempts", post(contact_attempt))
        .route("/v1/missed-alert", get(missed))
}

/// The program policy with this server's configured limits.
pub(super) fn policy(state: &AppState) -> ProgramPolicy {
    ProgramPolicy {
        accept_window: chrono::Duration::from_std(state.settings.accept_window)
            .unwrap_or(ProgramPolicy::PROGRAM.accept_window),
        consecutive_misses_before_suspension: state.settings.consecutive_misses_before_suspension,
        ..ProgramPolicy::PROGRAM
    }
}

/// A JSON body read from bytes (the bytes are also the request's idempotency fingerprint).
/// An empty body reads as `T::default()` when `empty_ok`.
pub(super) fn parse_body<T: DeserializeOwned + Default>(
    body: &Bytes,
    empty_ok: bool,
) -> Result<T, AppError> {
    if body.iter().all(u8::is_ascii_whitespace) && empty_ok {
        return Ok(T::default());
    }
    serde_json::from_slice(body)
        .map_err(|e| AppError::BadRequest(format!("invalid JSON body: {e}")))
}

pub(super) fn parse_required<T: DeserializeOwned>(body: &Bytes) -> Result<T, AppError> {
    serde_json::from_slice(body)
        .map_err(|e| AppError::BadRequest(format!("invalid JSON body: {e}")))
}

impl From<ReferralError> for AppError {
    fn from(e: ReferralError) -> Self {
        let refused = |code, message: String, rule| AppError::Refused {
            status: StatusCode::CONFLICT,
            code,
            message,
            rule: Some(rule),
        };
        match e {
            ReferralError::NotFound => AppError::NotFound("referral"),
            ReferralError::WindowClosed { deadline } => refused(
                "accept_window_closed",
                format!(
                    "the accept window closed at {deadline}; the referral was missed and sent \
                     to the next available agent"
                ),
                Rule::Mr2,
            ),
            ReferralError::NotPending { outcome } => refused(
                "offer_not_pending",
                match outcome {
                    Some(OfferOutcome::Missed) => {
                        "the offer was missed and sent to the next available agent".to_owned()
                    }
                    Some(outcome) => format!("the offer was already answered ({outcome:?})"),
                    None => "the offer is not pending".to_owned(),
                },
                if outcome == Some(OfferOutcome::Missed) {
                    Rule::Mr2
                } else {
                    Rule::Mr1
                },
            ),
            ReferralError::NotAccepted => refused(
                "not_accepted",
                "only the agent who accepted the referral can work it".to_owned(),
                Rule::Rs7,
            ),
            ReferralError::Status(SetStatusError::NotAgentSettable { to, rule }) => {
                AppError::Invalid(FieldErrors(vec![FieldError {
                    field: "to".into(),
                    code: ValidationCode::NotAllowed,
                    rule: Some(rule),
                    message: format!(
                        "{} is not set by the agent; accept and reject answer the offer",
                        to.label()
                    ),
                }]))
            }
            ReferralError::Status(SetStatusError::Transition(t)) => {
                refused("illegal_transition", t.to_string(), t.rule)
            }
            ReferralError::Status(SetStatusError::Invalid(errors)) => {
                AppError::Invalid(errors.into())
            }
            ReferralError::Invalid(error) => AppError::Invalid(error.into()),
            ReferralError::Store(e) => e.into(),
        }
    }
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    status: Option<String>,
    limit: Option<u32>,
    after: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    session: AgentSession,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<ReferralPage>, AppError> {
    let Query(query) = query.map_err(bad_query)?;
    let mut errors = Vec::new();
    let filter = match query.status.as_deref() {
        None | Some("") => ReferralFilter::All,
        Some("missed") => ReferralFilter::Missed,
        Some(text) => match from_wire_text::<ReferralStatus>(text) {
            Some(status) => ReferralFilter::Status(status),
            None => {
                errors.push(FieldError {
                    field: "status".into(),
                    code: ValidationCode::Malformed,
                    rule: Some(Rule::Rs7),
                    message: "status must be one of pending, accepted, rejected, in_progress, \
                              not_a_good_referral, completed or missed"
                        .into(),
                });
                ReferralFilter::All
            }
        },
    };
    let limit = query.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        errors.push(FieldError::new(
            "limit",
            ValidationCode::OutOfRange,
            "limit must be between 1 and 200",
        ));
    }
    let before = match query.after.as_deref() {
        None | Some("") => None,
        Some(text) => match text.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.push(FieldError::new(
                    "after",
                    ValidationCode::Malformed,
                    "after must be the `next` value of the previous page",
                ));
                None
            }
        },
    };
    if !errors.is_empty() {
        return Err(AppError::Invalid(FieldErrors(errors)));
    }
    let rows = state
        .store
        .agent_referrals(session.agent, filter, before, limit)
        .await?;
    let next = (rows.len() == limit as usize)
        .then(|| rows.last().map(|(key, _)| key.to_string()))
        .flatten();
    Ok(Json(ReferralPage {
        referrals: rows.into_iter().map(|(_, r)| r).collect(),
        next,
    }))
}

async fn one(
    State(state): State<AppState>,
    session: AgentSession,
    Path(id): Path<String>,
) -> Result<Json<Referral>, AppError> {
    let id = referral_id(&id)?;
    state
        .store
        .agent_referral(session.agent, ReferralId(id))
        .await?
        .map(Json)
        .ok_or(AppError::NotFound("referral"))
}

async fn answer(
    state: AppState,
    session: AgentSession,
    id: i64,
    answer: Answer,
) -> Result<Response, AppError> {
    let now = state.now();
    let answered = state
        .store
        .answer_offer(session.agent, ReferralId(id), &answer, now)
        .await?;
    state.notifier.notify(session.agent, answered.seq);
    let after = (now - answered.offered_at).to_std().unwrap_or_default();
    state.metrics.offer_resolved(answered.outcome, after);
    tracing::info!(referral = id, agent = %session.agent, outcome = ?answered.outcome, "offer answered");
    if answered.outcome == OfferOutcome::Rejected {
        // CE-3: the referral goes to the next agent at once.
        state.dispatcher.route_now().await;
    }
    Ok(Json(answered.referral).into_response())
}

async fn accept(
    State(state): State<AppState>,
    session: AgentSession,
    key: IdempotencyKey,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = referral_id(&id)?;
    let print = fingerprint("POST", &format!("/v1/referrals/{id}/accept"), b"");
    let agent = session.agent;
    once(&state.clone(), agent, &key, print, || {
        answer(state, session, id, Answer::Accept)
    })
    .await
}

async fn reject(
    State(state): State<AppState>,
    session: AgentSession,
    key: IdempotencyKey,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let id = referral_id(&id)?;
    let print = fingerprint("POST", &format!("/v1/referrals/{id}/reject"), &body);
    let request: RejectRequest = parse_body(&body, true)?;
    if request
        .reason
        .as_deref()
        .is_some_and(|r| r.chars().count() > 500)
    {
        return Err(AppError::Invalid(FieldErrors(vec![FieldError {
            field: "reason".into(),
            code: ValidationCode::OutOfRange,
            rule: Some(Rule::Ce3),
            message: "the reason is limited to 500 characters".into(),
        }])));
    }
    let agent = session.agent;
    once(&state.clone(), agent, &key, print, || {
        answer(
            state,
            session,
            id,
            Answer::Reject {
                reason: request.reason,
            },
        )
    })
    .await
}

async fn set_status(
    State(state): State<AppState>,
    session: AgentSession,
    key: IdempotencyKey,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let id = referral_id(&id)?;
    let print = fingerprint("POST", &format!("/v1/referrals/{id}/status"), &body);
    let change: StatusChange = parse_required(&body)?;
    let agent = session.agent;
    once(&state.clone(), agent, &key, print, || async move {
        let updated = state
            .store
            .set_referral_status(agent, ReferralId(id), &change, state.now())
            .await?;
        state.notifier.notify(agent, updated.seq);
        tracing::info!(referral = id, agent = %agent, status = ?updated.referral.status, "status set");
        Ok(Json(updated.referral).into_response())
    })
    .await
}

async fn contact_attempt(
    State(state): State<AppState>,
    session: AgentSession,
    key: IdempotencyKey,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let id = referral_id(&id)?;
    let print = fingerprint(
        "POST",
        &format!("/v1/referrals/{id}/contact-attempts"),
        &body,
    );
    let request: ContactAttemptRequest = parse_required(&body)?;
    let agent = session.agent;
    once(&state.clone(), agent, &key, print, || async move {
        let now = state.now();
        let attempt = ContactAttempt {
            channel: request.channel,
            outcome: request.outcome,
            at: request.at.unwrap_or(now),
        };
        let updated = state
            .store
            .log_contact_attempt(agent, ReferralId(id), &attempt, now, &policy(&state))
            .await?;
        state.notifier.notify(agent, updated.seq);
        tracing::info!(referral = id, agent = %agent, "contact attempt logged");
        Ok(Json(updated.referral).into_response())
    })
    .await
}

#[derive(Debug, Deserialize)]
struct AlertQuery {
    lang: Option<String>,
}

/// MR-3: 204 when nothing was missed in the last 7 days, else the count and the message.
async fn missed(
    State(state): State<AppState>,
    session: AgentSession,
    query: Result<Query<AlertQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let Query(query) = query.map_err(bad_query)?;
    let now = state.now();
    let policy = policy(&state);
    let since = now - policy.missed_alert_lookback;
    let deadlines = state
        .store
        .missed_offer_deadlines(session.agent, since)
        .await?;
    let language = query
        .lang
        .as_deref()
        .and_then(|l| Language::parse("lang", l).ok())
        .unwrap_or_else(Language::english);
    Ok(match missed_alert(deadlines, now, &policy) {
        None => StatusCode::NO_CONTENT.into_response(),
        Some(alert) => Json(MissedAlertView {
            count: u32::try_from(alert.count).unwrap_or(u32::MAX),
            message: alert.message(&language),
        })
        .into_response(),
    })
}
