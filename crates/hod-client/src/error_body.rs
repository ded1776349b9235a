//! Errors as the UI receives them: `{code, message, errors?, retry_after_seconds?}`.
//!
//! The code is the server's own (`validation`, `accept_window_closed`, …) when the server
//! answered, or one of the client's: `not_signed_in`, `invalid_server_url`, `unreachable`,
//! `bad_response`, `not_synced`, `offer_not_pending`, `illegal_transition`, `token_store`,
//! `cache`, `internal`. The UI translates the code and shows `message` only for a code it
//! does not know.

use crate::error::{ApiFailure, CacheError, ClientError};
use hod_domain::wire::v1::ErrorCode;
use hod_domain::ValidationError;
use serde::{Deserialize, Serialize};

/// What a failed command rejects with: a stable code the UI translates, and a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
    /// For `validation`: every field in error, with the rule it breaks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ValidationError>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<u64>,
}

impl ErrorBody {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_owned(),
            message: message.into(),
            errors: Vec::new(),
            retry_after_seconds: None,
        }
    }
}

fn code_name(code: ErrorCode) -> String {
    serde_json::to_value(code)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "internal".to_owned())
}

impl From<&CacheError> for ErrorBody {
    fn from(error: &CacheError) -> Self {
        let message = error.to_string();
        match error {
            CacheError::NotSynced(_) => Self::new("not_synced", message),
            CacheError::UnknownReferral(_) => Self::new("not_found", message),
            CacheError::OfferNotPending(_) => Self::new("offer_not_pending", message),
            CacheError::SetStatus(_) => Self::new("illegal_transition", message),
            CacheError::Invalid(errors) => Self {
                errors: errors.0.clone(),
                ..Self::new("validation", message)
            },
            _ => Self::new("cache", message),
        }
    }
}

impl From<&ClientError> for ErrorBody {
    fn from(error: &ClientError) -> Self {
        let message = error.to_string();
        match error {
            ClientError::Cache(cache) => cache.into(),
            ClientError::Api(ApiFailure::Unreachable(_)) => Self::new("unreachable", message),
            ClientError::Api(ApiFailure::BadResponse(_)) => Self::new("bad_response", message),
            ClientError::Api(ApiFailure::Status { error, .. }) => Self {
                code: code_name(error.code),
                message: error.message.clone(),
                errors: error.errors.clone(),
                retry_after_seconds: error.retry_after_seconds,
            },
            ClientError::NotLoggedIn => Self::new("not_signed_in", message),
            ClientError::InvalidServerUrl { .. } => Self::new("invalid_server_url", message),
            ClientError::Token(_) => Self::new("token_store", message),
            ClientError::Io { .. } => Self::new("cache", message),
            ClientError::ShutDown => Self::new("internal", message),
        }
    }
}

impl From<ClientError> for ErrorBody {
    fn from(error: ClientError) -> Self {
        (&error).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hod_domain::wire::v1::ApiError;

    #[test]
    fn a_server_refusal_keeps_the_servers_code_and_message() {
        let error = ClientError::Api(ApiFailure::Status {
            status: 409,
            error: ApiError::new(ErrorCode::AcceptWindowClosed, "the accept window closed"),
        });
        let body = ErrorBody::from(&error);
        assert_eq!(body.code, "accept_window_closed");
        assert_eq!(body.message, "the accept window closed");
    }

    #[test]
    fn the_clients_own_failures_have_their_own_codes() {
        assert_eq!(
            ErrorBody::from(&ClientError::NotLoggedIn).code,
            "not_signed_in"
        );
        let offline = ClientError::Api(ApiFailure::Unreachable("connection refused".into()));
        assert_eq!(ErrorBody::from(&offline).code, "unreachable");
        let not_synced = ClientError::Cache(CacheError::NotSynced("profile"));
        assert_eq!(ErrorBody::from(&not_synced).code, "not_synced");
    }
}
