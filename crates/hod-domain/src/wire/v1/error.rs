//! The one error body every endpoint returns: a stable code, a sentence, and for bad input
//! the fields and rules it breaks.

use crate::ValidationError;
use serde::{Deserialize, Serialize};

/// Stable error codes; clients translate these, never the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Input breaks a rule; see `errors`.
    Validation,
    /// No valid session: log in again.
    Unauthorized,
    /// Wrong API key, or an agent action on someone else's data.
    Forbidden,
    /// No such thing (or not yours: the two look the same on purpose).
    NotFound,
    /// The accept window closed before the answer arrived (MR-1, MR-2).
    AcceptWindowClosed,
    /// A status move the lifecycle does not allow (RS-7).
    IllegalTransition,
    /// The offer went to someone else or was withdrawn.
    OfferNotPending,
    /// The same idempotency key was reused for a different request.
    IdempotencyConflict,
    /// Too many attempts; see `retry_after_seconds`.
    RateLimited,
    /// The agent is suspended (AV-9) and cannot take referrals.
    Suspended,
    /// Something failed on the server; details are in its logs, never here.
    Internal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    /// For `validation`: every field in error, with the rule it breaks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ValidationError>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<u64>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            errors: Vec::new(),
            retry_after_seconds: None,
        }
    }

    pub fn validation(errors: crate::ValidationErrors) -> Self {
        Self {
            code: ErrorCode::Validation,
            message: errors.to_string(),
            errors: errors.0,
            retry_after_seconds: None,
        }
    }
}
