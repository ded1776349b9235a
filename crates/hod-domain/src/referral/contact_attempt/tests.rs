use super::*;
use chrono::{Duration, TimeZone};
use ContactChannel::*;
use ContactOutcome::*;

fn accepted_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 11, 3, 14, 0, 0)
        .single()
        .expect("valid instant")
}

fn after(minutes: i64) -> DateTime<Utc> {
    accepted_at() + Duration::minutes(minutes)
}

fn attempt(channel: ContactChannel, minutes: i64, outcome: ContactOutcome) -> ContactAttempt {
    ContactAttempt {
        channel,
        at: after(minutes),
        outcome,
    }
}

fn progress(attempts: &[ContactAttempt], now: DateTime<Utc>) -> ContactProgress {
    contact_progress(accepted_at(), attempts, now, &ProgramPolicy::PROGRAM).expect("valid attempts")
}

#[test]
fn rule_ce_1_preferred_contact_deadline_is_15_minutes_after_accepting() {
    let p = progress(&[], after(5));
    assert_eq!(p.preferred_deadline, after(15));
    assert_eq!(p.first_contact, FirstContact::WithinPreferred);
    assert_eq!(p.next_deadline(), Some(after(15)));

    let on_time = progress(&[attempt(Phone, 14, Reached)], after(20));
    assert_eq!(
        on_time.first_contact,
        FirstContact::Done {
            at: after(14),
            timing: ContactTiming::WithinPreferred
        }
    );
    assert_eq!(on_time.next_deadline(), None);
}

#[test]
fn rule_ce_1_an_attempt_at_the_preferred_deadline_itself_is_no_longer_within_it() {
    let p = progress(&[attempt(Phone, 15, NoAnswer)], after(16));
    assert_eq!(
        p.first_contact,
        FirstContact::Done {
            at: after(15),
            timing: ContactTiming::WithinRequired
        }
    );
    assert_eq!(
        progress(&[], after(15)).first_contact,
        FirstContact::DueSoon
    );
}

#[test]
fn rule_ce_2_never_more_than_30_minutes_without_contact() {
    let due_soon = progress(&[], after(20));
    assert_eq!(due_soon.required_deadline, after(30));
    assert_eq!(due_soon.first_contact, FirstContact::DueSoon);
    assert_eq!(due_soon.next_deadline(), Some(after(30)));

    assert_eq!(
        progress(&[], after(30)).first_contact,
        FirstContact::Overdue
    );
    assert_eq!(progress(&[], after(30)).next_deadline(), None);

    let late = progress(&[attempt(Email, 31, LeftMessage)], after(40));
    assert_eq!(
        late.first_contact,
        FirstContact::Done {
            at: after(31),
            timing: ContactTiming::Late
        }
    );
}

#[test]
fn rule_ce_2_first_contact_is_the_earliest_attempt_in_any_order() {
    let p = progress(
        &[attempt(Text, 25, NoAnswer), attempt(Phone, 3, NoAnswer)],
        after(26),
    );
    assert_eq!(
        p.first_contact,
        FirstContact::Done {
            at: after(3),
            timing: ContactTiming::WithinPreferred
        }
    );
}

#[test]
fn rule_ce_4_three_failed_attempts_suggest_not_a_good_referral() {
    let two = [attempt(Phone, 1, NoAnswer), attempt(Phone, 10, NoAnswer)];
    let p = progress(&two, after(11));
    assert_eq!((p.attempts, p.failed_attempts, p.reached), (2, 2, false));
    assert_eq!(p.suggestion, None);

    let three = [
        attempt(Phone, 1, NoAnswer),
        attempt(Text, 10, LeftMessage),
        attempt(Email, 60, WrongNumber),
    ];
    let p = progress(&three, after(61));
    assert_eq!(p.failed_attempts, 3);
    let suggestion = p.suggestion.expect("suggests Not a Good Referral");
    assert_eq!(suggestion.status, ReferralStatus::NotAGoodReferral);
    assert_eq!(
        suggestion.reason,
        Some(NotAGoodReferralReason::NoResponseAfterThreeAttempts)
    );
    assert_eq!(suggestion.rule, Rule::Ce4);
    assert!(suggestion.applies_to(ReferralStatus::InProgress));
    assert!(!suggestion.applies_to(ReferralStatus::NotAGoodReferral));
}

#[test]
fn rule_ce_4_no_suggestion_once_the_consumer_was_reached() {
    let attempts = [
        attempt(Phone, 1, NoAnswer),
        attempt(Phone, 5, NoAnswer),
        attempt(Phone, 9, NoAnswer),
        attempt(Phone, 12, Reached),
    ];
    let p = progress(&attempts, after(13));
    assert_eq!((p.failed_attempts, p.reached), (3, true));
    assert_eq!(p.suggestion, None);
}

#[test]
fn rule_ce_4_failures_that_all_show_wrong_details_suggest_that_reason() {
    let attempts = [
        attempt(Phone, 1, WrongNumber),
        attempt(Text, 2, Undeliverable),
        attempt(Email, 3, Undeliverable),
    ];
    let suggestion = progress(&attempts, after(4))
        .suggestion
        .expect("suggestion");
    assert_eq!(
        suggestion.reason,
        Some(NotAGoodReferralReason::WrongContactDetails)
    );
}

#[test]
fn rule_ce_4_the_number_of_attempts_comes_from_the_policy() {
    let policy = ProgramPolicy {
        failed_attempts_before_not_good: 2,
        ..ProgramPolicy::PROGRAM
    };
    let attempts = [attempt(Phone, 1, NoAnswer), attempt(Phone, 2, NoAnswer)];
    let p = contact_progress(accepted_at(), &attempts, after(3), &policy).expect("valid");
    assert_eq!(
        p.suggestion.map(|s| s.status),
        Some(ReferralStatus::NotAGoodReferral)
    );
}

#[test]
fn rule_rs_4_a_left_message_suggests_in_progress() {
    let p = progress(&[attempt(Phone, 2, LeftMessage)], after(3));
    let suggestion = p.suggestion.expect("suggests In Progress");
    assert_eq!(
        suggestion,
        StatusSuggestion {
            status: ReferralStatus::InProgress,
            reason: None,
            rule: Rule::Rs4
        }
    );
    assert!(suggestion.applies_to(ReferralStatus::Accepted));
    assert!(!suggestion.applies_to(ReferralStatus::InProgress));
    assert_eq!(
        progress(&[attempt(Phone, 2, NoAnswer)], after(3)).suggestion,
        None
    );
}

#[test]
fn rule_ce_1_an_attempt_before_accepting_is_refused_naming_at() {
    let early = ContactAttempt {
        channel: Phone,
        at: accepted_at() - Duration::seconds(1),
        outcome: Reached,
    };
    let error = early
        .validate(accepted_at(), after(5), &ProgramPolicy::PROGRAM)
        .expect_err("before acceptance");
    assert_eq!(error.field, "at");
    assert_eq!(error.code, ValidationCode::OutOfRange);
    let at_acceptance = ContactAttempt {
        at: accepted_at(),
        ..early
    };
    assert_eq!(
        at_acceptance.validate(accepted_at(), after(5), &ProgramPolicy::PROGRAM),
        Ok(())
    );
}

#[test]
fn rule_ce_1_an_attempt_in_the_future_beyond_the_tolerance_is_refused() {
    let now = after(5);
    let policy = ProgramPolicy::PROGRAM;
    let within = ContactAttempt {
        channel: Text,
        at: now + policy.clock_skew_tolerance,
        outcome: LeftMessage,
    };
    assert_eq!(within.validate(accepted_at(), now, &policy), Ok(()));
    let beyond = ContactAttempt {
        at: within.at + Duration::seconds(1),
        ..within
    };
    let error = beyond
        .validate(accepted_at(), now, &policy)
        .expect_err("future");
    assert_eq!(error.field, "at");
}

#[test]
fn contact_progress_names_each_bad_attempt_by_index() {
    let attempts = [
        attempt(Phone, 1, NoAnswer),
        attempt(Phone, -1, NoAnswer),
        attempt(Phone, 90, NoAnswer),
    ];
    let errors = contact_progress(accepted_at(), &attempts, after(10), &ProgramPolicy::PROGRAM)
        .expect_err("two bad attempts");
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["attempts[1].at", "attempts[2].at"]);
}

#[test]
fn contact_serde_round_trips() {
    let a = attempt(Email, 4, Undeliverable);
    let json = serde_json::to_value(a).expect("serialize");
    assert_eq!(
        json,
        serde_json::json!({"channel": "email", "at": "2025-11-03T14:04:00Z", "outcome": "undeliverable"})
    );
    assert_eq!(
        serde_json::from_value::<ContactAttempt>(json).expect("deserialize"),
        a
    );

    let p = progress(&[attempt(Phone, 2, LeftMessage)], after(3));
    let json = serde_json::to_string(&p).expect("serialize");
    assert_eq!(
        serde_json::from_str::<ContactProgress>(&json).expect("deserialize"),
        p
    );
}
