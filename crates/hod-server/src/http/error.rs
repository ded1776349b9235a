//! `AppError`: what every handler returns on failure, and the one JSON body clients get.
//!
//! ```json
//! { "code": "malformed", "message": "…", "field": "mlms_email", "rule": "CP-3",
//!   "errors": [ { "field": "…", "code": "…", "rule": "…", "message": "…" } ] }
//! ```
//! `code` is stable (clients translate it); `field`, `rule` and `errors` appear when they
//! apply. Internal failures are logged with their cause and answered with a generic
//! message.

use crate::accounts::LoginError;
use crate::store::StoreError;
use crate::validation::{FieldError, FieldErrors};
use axum::extract::rejection::JsonRejection;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use hod_domain::Rule;
use serde::Serialize;
use std::time::Duration;

/// A failed request.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 422: the input breaks rules; every problem is listed.
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    /// 400: the request cannot be read (not JSON, wrong shape).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// 401: no valid session or API key.
    #[error("unauthorized")]
    Unauthorized,
    /// 401: wrong username or password.
    #[error("invalid credentials")]
    InvalidCredentials,
    /// 404.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// 409: a unique value is taken.
    #[error("conflict: {message}")]
    Conflict {
        field: Option<String>,
        message: String,
    },
    /// A command the program's rules refuse in the current state (409 unless said), with a
    /// stable code such as `accept_window_closed` and the rule behind it.
    #[error("{code}: {message}")]
    Refused {
        status: StatusCode,
        code: &'static str,
        message: String,
        rule: Option<Rule>,
    },
    /// 429, with `Retry-After`.
    #[error("too many requests")]
    TooManyRequests { retry_after: Duration },
    /// 503: a dependency (the database) does not answer.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// 500: logged with its cause; the client gets a generic message.
    #[error("internal: {0}")]
    Internal(String),
}

/// The error body. Field names and `code` values are part of the API.
#[derive(Debug, Serialize)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<Rule>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
}

impl ErrorBody {
    fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_owned(),
            message: message.into(),
            field: None,
            rule: None,
            errors: None,
        }
    }
}

fn code_of(code: hod_domain::ValidationCode) -> String {
    serde_json::to_value(code)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "invalid".to_owned())
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, body) = match self {
            AppError::Invalid(errors) => {
                let first = errors.0.first().cloned();
                let body = match first {
                    Some(first) => ErrorBody {
                        code: code_of(first.code),
                        message: first.message,
                        field: Some(first.field),
                        rule: first.rule,
                        errors: Some(errors.0),
                    },
                    None => ErrorBody::new("invalid", "the input is invalid"),
                };
                (StatusCode::UNPROCESSABLE_ENTITY, body)
            }
            AppError::BadRequest(message) => (
                StatusCode::BAD_REQUEST,
                ErrorBody::new("bad_request", message),
            ),
            AppError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                ErrorBody::new(
                    "unauthorized",
                    "missing, expired or revoked credentials: log in again",
                ),
            ),
            AppError::InvalidCredentials => (
                StatusCode::UNAUTHORIZED,
                ErrorBody::new("invalid_credentials", "the username or password is wrong"),
            ),
            AppError::NotFound(what) => (
                StatusCode::NOT_FOUND,
                ErrorBody::new("not_found", format!("{what} not found")),
            ),
            AppError::Conflict { field, message } => (
                StatusCode::CONFLICT,
                ErrorBody {
                    field,
                    ..ErrorBody::new("conflict", message)
                },
            ),
            AppError::Refused {
                status,
                code,
                message,
                rule,
            } => (
                status,
                ErrorBody {
                    rule,
                    ..ErrorBody::new(code, message)
                },
            ),
            AppError::TooManyRequests { retry_after } => {
                let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
                let body = ErrorBody::new(
                    "too_many_requests",
                    format!("too many failed attempts; try again in {seconds} s"),
                );
                let mut response = (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response();
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
                return response;
            }
            AppError::Unavailable(cause) => {
                tracing::warn!(%cause, "dependency unavailable");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    ErrorBody::new("unavailable", "the service is unavailable; try again"),
                )
            }
            AppError::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    ErrorBody::new("internal", "something went wrong on the server"),
                )
            }
        };
        (status, Json(body)).into_response()
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { what } => AppError::NotFound(what),
            StoreError::Conflict { field, message } => AppError::Conflict {
                field: Some(field.to_owned()),
                message,
            },
            StoreError::Row { .. } | StoreError::Migration(_) | StoreError::Backend(_) => {
                AppError::Internal(error_chain(&e))
            }
        }
    }
}

impl From<LoginError> for AppError {
    fn from(e: LoginError) -> Self {
        match e {
            LoginError::InvalidCredentials => AppError::InvalidCredentials,
            LoginError::Throttled { retry_after } => AppError::TooManyRequests { retry_after },
            LoginError::Invalid(errors) => AppError::Invalid(errors),
            LoginError::Store(e) => e.into(),
            LoginError::Internal(cause) => AppError::Internal(cause),
        }
    }
}

impl From<FieldErrors> for AppError {
    fn from(e: FieldErrors) -> Self {
        AppError::Invalid(e)
    }
}

impl From<JsonRejection> for AppError {
    fn from(rejection: JsonRejection) -> Self {
        // The text describes the JSON's shape and goes back to the sender only.
        AppError::BadRequest(rejection.body_text())
    }
}

/// An error and its causes on one line, for the log.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
