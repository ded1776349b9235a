//! Validation errors that name the field and the rule they break.
//!
//! Every check in this crate reports *all* the problems it finds, not just the first, so a
//! screen can mark every bad field at once. `field` is a path in the wire form of the input
//! (`weekly.monday.breaks[1].end`), `rule` the program rule, `message` a sentence for a person.

use crate::rule::Rule;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What is wrong with one field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ValidationCode {
    /// An end that is not after its start.
    EndNotAfterStart,
    /// A break that does not lie inside the day's hours.
    BreakOutsideHours,
    /// Two breaks that share time.
    BreaksOverlap,
    /// A time-zone name that is not in the IANA time-zone database.
    UnknownTimeZone,
    /// A two-letter state code that is not a U.S. state, district or territory.
    UnknownState,
    /// A state that is not in the agent's eligible set.
    StateNotEligible,
    /// A time outside the range the field allows.
    OutOfRange,
    /// A value that cannot be read (bad format).
    Malformed,
    /// A required value is missing.
    Missing,
    /// A value that is present but not allowed here.
    NotAllowed,
}

/// One problem with one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ValidationError {
    /// Path of the field in the wire form, e.g. `weekly.monday.breaks[0].start`.
    pub field: String,
    /// The program rule the value breaks.
    pub rule: Rule,
    /// Machine-readable kind of problem (for translation in the UI).
    pub code: ValidationCode,
    /// A sentence for a person, in English.
    pub message: String,
}

impl ValidationError {
    pub fn new(
        field: impl Into<String>,
        rule: Rule,
        code: ValidationCode,
        message: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            rule,
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.field, self.rule, self.message)
    }
}

impl std::error::Error for ValidationError {}

/// All the problems found in one input; never empty when returned as an error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(transparent)]
#[error("{}", display_all(.0))]
pub struct ValidationErrors(pub Vec<ValidationError>);

fn display_all(errors: &[ValidationError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl ValidationErrors {
    /// Collects errors; see [`ValidationErrors::finish`].
    pub fn new() -> Self {
        Self(Vec::new())
    }

    pub fn push(&mut self, error: ValidationError) {
        self.0.push(error);
    }

    pub fn extend(&mut self, other: ValidationErrors) {
        self.0.extend(other.0);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &ValidationError> {
        self.0.iter()
    }

    /// The first error about `field`, if any.
    pub fn for_field(&self, field: &str) -> Option<&ValidationError> {
        self.0.iter().find(|e| e.field == field)
    }

    /// `Ok(value)` when nothing was collected, else the collected errors.
    pub fn finish<T>(self, value: T) -> Result<T, ValidationErrors> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

impl Default for ValidationErrors {
    fn default() -> Self {
        Self::new()
    }
}

impl From<ValidationError> for ValidationErrors {
    fn from(error: ValidationError) -> Self {
        Self(vec![error])
    }
}
