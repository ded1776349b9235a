//! Out of Office (AV-7): a period, or an open-ended stretch, with no referrals at all.

use crate::{Rule, ValidationCode, ValidationError, ValidationErrors};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// From `from` until `to`; with no `to` ("No End Date") it lasts until switched off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct OutOfOffice {
    pub from: DateTime<Utc>,
    #[serde(default)]
    pub to: Option<DateTime<Utc>>,
}

impl OutOfOffice {
    pub fn period(from: DateTime<Utc>, to: DateTime<Utc>) -> Self {
        Self { from, to: Some(to) }
    }

    /// Out of Office with *No End Date*.
    pub fn indefinite(from: DateTime<Utc>) -> Self {
        Self { from, to: None }
    }

    pub fn contains(&self, instant: DateTime<Utc>) -> bool {
        self.from <= instant && self.to.is_none_or(|to| instant < to)
    }

    /// Whether the period is over at `now` (an indefinite one never is).
    pub fn has_ended(&self, now: DateTime<Utc>) -> bool {
        self.to.is_some_and(|to| to <= now)
    }

    /// `field` is the period's path, e.g. `out_of_office[0]`.
    pub fn validate(&self, field: &str) -> ValidationErrors {
        let mut errors = ValidationErrors::new();
        if let Some(to) = self.to {
            if to <= self.from {
                errors.push(ValidationError::new(
                    format!("{field}.to"),
                    Rule::Av7,
                    ValidationCode::EndNotAfterStart,
                    format!("Out of Office must end after it starts ({})", self.from),
                ));
            }
        }
        errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("instant")
    }

    #[test]
    fn rule_av_7_period_and_no_end_date() {
        let trip = OutOfOffice::period(at("2026-12-01T00:00:00Z"), at("2026-12-05T00:00:00Z"));
        assert!(trip.contains(at("2026-12-01T00:00:00Z")));
        assert!(!trip.contains(at("2026-12-05T00:00:00Z")));
        assert!(trip.has_ended(at("2026-12-05T00:00:00Z")));
        let leave = OutOfOffice::indefinite(at("2026-12-01T00:00:00Z"));
        assert!(leave.contains(at("2099-01-01T00:00:00Z")));
        assert!(!leave.has_ended(at("2099-01-01T00:00:00Z")));
    }

    #[test]
    fn rule_av_7_end_before_start_is_an_error() {
        let bad = OutOfOffice::period(at("2026-12-05T00:00:00Z"), at("2026-12-01T00:00:00Z"));
        let errors = bad.validate("out_of_office[2]");
        let e = errors.for_field("out_of_office[2].to").expect("error");
        assert_eq!(
            (e.rule, e.code),
            (Rule::Av7, ValidationCode::EndNotAfterStart)
        );
    }
}
