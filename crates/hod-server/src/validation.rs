//! Field errors as the server reports them.
//!
//! `hod_domain::ValidationError` always names a program rule. Some of what the server checks
//! (an NPN's shape, the password policy) is not a program rule, so the server's own error
//! carries the rule only when there is one. Domain errors convert losslessly.

use hod_domain::{Rule, ValidationCode, ValidationError, ValidationErrors};
use serde::Serialize;
use std::fmt;

/// One problem with one input field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field's name in the wire form (`password`, `languages[1]`) or CSV column.
    pub field: String,
    /// Machine-readable kind of problem.
    pub code: ValidationCode,
    /// The program rule the value breaks, when it breaks one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<Rule>,
    /// A sentence for a person, in English.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: ValidationCode, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code,
            rule: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.rule {
            Some(rule) => write!(f, "{} ({rule}): {}", self.field, self.message),
            None => write!(f, "{}: {}", self.field, self.message),
        }
    }
}

impl From<ValidationError> for FieldError {
    fn from(e: ValidationError) -> Self {
        Self {
            field: e.field,
            code: e.code,
            rule: Some(e.rule),
            message: e.message,
        }
    }
}

/// Every problem found in one input; never empty when returned as an error.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(transparent)]
#[error("{}", self.0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        Self(Vec::new())
    }

    pub fn push(&mut self, error: impl Into<FieldError>) {
        self.0.push(error.into());
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &FieldError> {
        self.0.iter()
    }

    /// The first error about `field`, if any.
    pub fn for_field(&self, field: &str) -> Option<&FieldError> {
        self.0.iter().find(|e| e.field == field)
    }

    /// `Ok(value)` when nothing was collected, else the collected errors.
    pub fn finish<T>(self, value: T) -> Result<T, FieldErrors> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

impl From<FieldError> for FieldErrors {
    fn from(e: FieldError) -> Self {
        Self(vec![e])
    }
}

impl From<ValidationErrors> for FieldErrors {
    fn from(e: ValidationErrors) -> Self {
        Self(e.0.into_iter().map(FieldError::from).collect())
    }
}

impl From<ValidationError> for FieldErrors {
    fn from(e: ValidationError) -> Self {
        Self(vec![e.into()])
    }
}
