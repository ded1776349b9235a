//! `Idempotency-Key` on every mutating agent call: a repeated key returns the first
//! response and changes nothing.
//!
//! The first response for a key is remembered per agent (status and JSON body, success or a
//! rule's refusal; never a 5xx, which the client should retry for real). The key is bound to
//! the request (method, path, body): the same key on a different request is refused with
//! 422 `idempotency_conflict` rather than answered with the wrong response.

use super::{AppError, AppState};
use crate::store::{AgentId, StoredResponse};
use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::future::Future;

pub const IDEMPOTENCY_KEY_HEADER: &str = "idempotency-key";

/// The longest key accepted.
const MAX_KEY_LEN: usize = 200;

/// The request's `Idempotency-Key`, if any.
#[derive(Debug, Clone, Default)]
pub struct IdempotencyKey(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(IDEMPOTENCY_KEY_HEADER) else {
            return Ok(Self(None));
        };
        let key = value
            .to_str()
            .ok()
            .map(str::trim)
            .filter(|k| !k.is_empty() && k.len() <= MAX_KEY_LEN)
            .ok_or_else(|| {
                AppError::BadRequest(format!(
                    "Idempotency-Key must be 1 to {MAX_KEY_LEN} visible ASCII characters"
                ))
            })?;
        Ok(Self(Some(key.to_owned())))
    }
}

/// What identifies a request for its key: method, path and body.
pub fn fingerprint(method: &str, path: &str, body: &[u8]) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(method.as_bytes());
    hash.update([0]);
    hash.update(path.as_bytes());
    hash.update([0]);
    hash.update(body);
    hash.finalize().into()
}

fn replay(stored: &StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut response = Response::new(Body::from(stored.body.clone()));
    *response.status_mut() = status;
    if !stored.body.is_empty() {
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
    }
    response
}

/// Runs `command` once per (agent, key); without a key, just runs it.
pub async fn once<F, Fut>(
    state: &AppState,
    agent: AgentId,
    key: &IdempotencyKey,
    request_fingerprint: [u8; 32],
    command: F,
) -> Result<Response, AppError>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<Response, AppError>>,
{
    let Some(key) = &key.0 else {
        return command().await;
    };
    if let Some(stored) = state.store.idempotent_response(agent, key).await? {
        return answer_for(&stored, request_fingerprint);
    }
    let response = command().await.unwrap_or_else(IntoResponse::into_response);
    let status = response.status();
    if status.is_server_error() || status == StatusCode::UNAUTHORIZED {
        return Ok(response);
    }
    let body = axum::body::to_bytes(response.into_body(), 4 * 1024 * 1024)
        .await
        .map_err(|e| AppError::Internal(format!("reading a response to remember it: {e}")))?;
    let first = StoredResponse {
        request_fingerprint,
        status: status.as_u16(),
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    let stored = state
        .store
        .remember_response(agent, key, &first, state.now())
        .await?;
    answer_for(&stored, request_fingerprint)
}

fn answer_for(
    stored: &StoredResponse,
    request_fingerprint: [u8; 32],
) -> Result<Response, AppError> {
    if stored.request_fingerprint != request_fingerprint {
        return Err(AppError::Refused {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "idempotency_conflict",
            message: "this Idempotency-Key was used for a different request".into(),
            rule: None,
        });
    }
    Ok(replay(stored))
}
