//! The program's time limits and counts, as configuration.
//!
//! The tip sheet fixes them — accept or reject within 15 minutes (MR-1), contact the consumer
//! preferably within 15 minutes and never more than 30 (CE-1, CE-2), three attempts before *Not a
//! Good Referral* (CE-4), an alert for misses in the last 7 days (MR-3) — and says continued
//! failure to respond can get an account suspended (AV-9) without giving a number. They are data
//! here so that demos and tests (which use accept windows of a few seconds) and a future change to
//! the program need no change to the rules that read them.
//!
//! On the wire every duration is a whole number of seconds, in a field whose name ends in
//! `_seconds` (`"accept_window_seconds": 900`). Missing fields take the program defaults, unknown
//! fields are refused (a misspelt limit must not silently fall back to the default).

use super::duration::seconds;
use crate::{Rule, ValidationCode, ValidationError, ValidationErrors};
use chrono::Duration;
use serde::{Deserialize, Serialize};

/// The limits the referral rules are checked against; [`Default`] gives the program's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProgramPolicy {
    /// MR-1: how long an agent has to accept or reject an offer before it is missed and goes
    /// to the next agent. Program value: 15 minutes.
    #[serde(rename = "accept_window_seconds", with = "seconds")]
    pub accept_window: Duration,
    /// CE-1: after accepting, contact the consumer "preferably within 15 minutes".
    #[serde(rename = "contact_preferred_within_seconds", with = "seconds")]
    pub contact_preferred_within: Duration,
    /// CE-2: "never wait more than 30 minutes to contact the consumer".
    #[serde(rename = "contact_required_within_seconds", with = "seconds")]
    pub contact_required_within: Duration,
    /// CE-4: failed attempts after which the status should be *Not a Good Referral*. Program
    /// value: three.
    pub failed_attempts_before_not_good: u32,
    /// MR-3: the login alert counts the misses of the last 7 days.
    #[serde(rename = "missed_alert_lookback_seconds", with = "seconds")]
    pub missed_alert_lookback: Duration,
    /// AV-9: consecutive missed offers (neither accepted nor rejected) after which the account
    /// is suspended. The tip sheet gives no number; three is this project's default.
    pub consecutive_misses_before_suspension: u32,
    /// How far in the future of the server's "now" a logged contact attempt may be and still be
    /// believed (device clocks drift). Not a program rule; two minutes by default.
    #[serde(rename = "clock_skew_tolerance_seconds", with = "seconds")]
    pub clock_skew_tolerance: Duration,
}

/// The longest any limit may be: a year. Guards instant arithmetic and catches unit mistakes
/// (milliseconds written as seconds).
const MAX_LIMIT: Duration = Duration::days(366);

impl ProgramPolicy {
    /// The values of the CMS tip sheet (and this project's defaults where it gives none).
    pub const PROGRAM: ProgramPolicy = ProgramPolicy {
        accept_window: Duration::minutes(15),
        contact_preferred_within: Duration::minutes(15),
        contact_required_within: Duration::minutes(30),
        failed_attempts_before_not_good: 3,
        missed_alert_lookback: Duration::days(7),
        consecutive_misses_before_suspension: 3,
        clock_skew_tolerance: Duration::minutes(2),
    };

    /// Every problem with this policy: durations that are not a positive whole number of seconds
    /// (at least one second, at most a year), a preferred contact time later than the required
    /// one, and counts of zero.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let positive = [
            ("accept_window_seconds", Rule::Mr1, self.accept_window),
            (
                "contact_preferred_within_seconds",
                Rule::Ce1,
                self.contact_preferred_within,
            ),
            (
                "contact_required_within_seconds",
                Rule::Ce2,
                self.contact_required_within,
            ),
            (
                "missed_alert_lookback_seconds",
                Rule::Mr3,
                self.missed_alert_lookback,
            ),
        ];
        for (field, rule, value) in positive {
            if let Some(error) = check_limit(field, rule, value, Duration::seconds(1)) {
                errors.push(error);
            }
        }
        if let Some(error) = check_limit(
            "clock_skew_tolerance_seconds",
            Rule::Ce1,
            self.clock_skew_tolerance,
            Duration::zero(),
        ) {
            errors.push(error);
        }
        if self.contact_preferred_within > self.contact_required_within {
            errors.push(ValidationError::new(
                "contact_preferred_within_seconds",
                Rule::Ce1,
                ValidationCode::OutOfRange,
                "the preferred time to contact the consumer cannot be later than the time by \
                 which contact is required (CE-2)",
            ));
        }
        if self.failed_attempts_before_not_good == 0 {
            errors.push(ValidationError::new(
                "failed_attempts_before_not_good",
                Rule::Ce4,
                ValidationCode::OutOfRange,
                "at least one failed contact attempt must come before Not a Good Referral",
            ));
        }
        if self.consecutive_misses_before_suspension == 0 {
            errors.push(ValidationError::new(
                "consecutive_misses_before_suspension",
                Rule::Av9,
                ValidationCode::OutOfRange,
                "suspension needs at least one missed referral",
            ));
        }
        errors.finish(())
    }
}

impl Default for ProgramPolicy {
    fn default() -> Self {
        Self::PROGRAM
    }
}

fn check_limit(field: &str, rule: Rule, value: Duration, min: Duration) -> Option<ValidationError> {
    let problem = if value.subsec_nanos() != 0 {
        Some((
            ValidationCode::Malformed,
            "must be a whole number of seconds".to_owned(),
        ))
    } else if value < min {
        Some((
            ValidationCode::OutOfRange,
            format!("must be at least {} second(s)", min.num_seconds()),
        ))
    } else if value > MAX_LIMIT {
        Some((
            ValidationCode::OutOfRange,
            "must be at most 366 days".to_owned(),
        ))
    } else {
        None
    };
    problem.map(|(code, message)| ValidationError::new(field, rule, code, message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn program_defaults_are_the_tip_sheet_values_and_valid() {
        let p = ProgramPolicy::default();
        assert_eq!(p.accept_window, Duration::minutes(15));
        assert_eq!(p.contact_preferred_within, Duration::minutes(15));
        assert_eq!(p.contact_required_within, Duration::minutes(30));
        assert_eq!(p.failed_attempts_before_not_good, 3);
        assert_eq!(p.missed_alert_lookback, Duration::days(7));
        assert_eq!(p.consecutive_misses_before_suspension, 3);
        assert_eq!(p.validate(), Ok(()));
    }

    #[test]
    fn rule_mr_1_policy_allows_accept_windows_of_a_few_seconds_but_not_less_than_one() {
        let short = ProgramPolicy {
            accept_window: Duration::seconds(20),
            ..ProgramPolicy::PROGRAM
        };
        assert_eq!(short.validate(), Ok(()));

        let sub_second = ProgramPolicy {
            accept_window: Duration::milliseconds(500),
            ..ProgramPolicy::PROGRAM
        };
        let errors = sub_second.validate().expect_err("half a second is refused");
        let error = errors
            .for_field("accept_window_seconds")
            .expect("names the field");
        assert_eq!(error.rule, Rule::Mr1);

        let zero = ProgramPolicy {
            accept_window: Duration::zero(),
            ..ProgramPolicy::PROGRAM
        };
        let errors = zero.validate().expect_err("zero is refused");
        let error = errors
            .for_field("accept_window_seconds")
            .expect("names the field");
        assert_eq!(error.code, ValidationCode::OutOfRange);
    }

    #[test]
    fn validate_reports_every_problem_at_once() {
        let bad = ProgramPolicy {
            accept_window: Duration::seconds(-5),
            contact_preferred_within: Duration::minutes(45),
            contact_required_within: Duration::minutes(30),
            failed_attempts_before_not_good: 0,
            missed_alert_lookback: Duration::zero(),
            consecutive_misses_before_suspension: 0,
            clock_skew_tolerance: Duration::seconds(-1),
        };
        let errors = bad.validate().expect_err("invalid");
        let fields: Vec<(&str, Rule)> = errors.iter().map(|e| (e.field.as_str(), e.rule)).collect();
        assert_eq!(
            fields,
            vec![
                ("accept_window_seconds", Rule::Mr1),
                ("missed_alert_lookback_seconds", Rule::Mr3),
                ("clock_skew_tolerance_seconds", Rule::Ce1),
                ("contact_preferred_within_seconds", Rule::Ce1),
                ("failed_attempts_before_not_good", Rule::Ce4),
                ("consecutive_misses_before_suspension", Rule::Av9),
            ]
        );
    }

    #[test]
    fn limits_longer_than_a_year_are_refused() {
        let p = ProgramPolicy {
            missed_alert_lookback: Duration::days(400),
            ..ProgramPolicy::PROGRAM
        };
        let errors = p.validate().expect_err("too long");
        assert!(errors.for_field("missed_alert_lookback_seconds").is_some());
    }

    #[test]
    fn policy_serde_uses_whole_seconds_and_round_trips() {
        let json = serde_json::to_value(ProgramPolicy::PROGRAM).expect("serialize");
        assert_eq!(
            json,
            serde_json::json!({
                "accept_window_seconds": 900,
                "contact_preferred_within_seconds": 900,
                "contact_required_within_seconds": 1800,
                "failed_attempts_before_not_good": 3,
                "missed_alert_lookback_seconds": 604800,
                "consecutive_misses_before_suspension": 3,
                "clock_skew_tolerance_seconds": 120,
            })
        );
        let back: ProgramPolicy = serde_json::from_value(json).expect("deserialize");
        assert_eq!(back, ProgramPolicy::PROGRAM);
    }

    #[test]
    fn policy_fields_left_out_take_program_defaults_and_unknown_fields_are_refused() {
        let p: ProgramPolicy =
            serde_json::from_str(r#"{"accept_window_seconds": 20}"#).expect("partial policy");
        assert_eq!(p.accept_window, Duration::seconds(20));
        assert_eq!(p.contact_required_within, Duration::minutes(30));
        assert!(serde_json::from_str::<ProgramPolicy>(r#"{"accept_window": 20}"#).is_err());
    }

    #[test]
    fn negative_seconds_deserialize_so_validate_can_name_the_field() {
        let p: ProgramPolicy =
            serde_json::from_str(r#"{"contact_required_within_seconds": -1}"#).expect("parses");
        let errors = p.validate().expect_err("negative");
        assert_eq!(
            errors
                .for_field("contact_required_within_seconds")
                .map(|e| e.rule),
            Some(Rule::Ce2)
        );
    }
}
