use super::*;
use crate::eligibility::StateCode;
use crate::language::Language;
use crate::referral::{OfferOutcome, ReferralStatus};
use crate::{Rule, ValidationCode, ValidationErrors};
use chrono::{DateTime, Utc};

fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("instant")
}

fn intake() -> IntakeReferral {
    IntakeReferral {
        consumer_name: "María Pérez".into(),
        phone: "(512) 555-0100".into(),
        email: Some("maria@example.org".into()),
        state: StateCode::TX,
        city: "Austin".into(),
        zip: "78701".into(),
        preferred_language: Language::spanish(),
        notes: Some("Prefers evenings".into()),
    }
}

fn accepted_referral() -> Referral {
    Referral {
        id: ReferralId(42),
        status: ReferralStatus::Accepted,
        outcome: Some(OfferOutcome::Accepted),
        state: StateCode::TX,
        city: "Austin".into(),
        zip: "78701".into(),
        language: Language::spanish(),
        assigned_at: at("2026-12-07T15:00:00Z"),
        offer: None,
        accepted_at: Some(at("2026-12-07T15:03:00Z")),
        contact: Some(ConsumerContact {
            name: "María Pérez".into(),
            phone: "5125550100".into(),
            email: Some("maria@example.org".into()),
            notes: None,
        }),
        contact_attempts: Vec::new(),
        completion_outcome: None,
        not_a_good_referral_reason: None,
        updated_at: at("2026-12-07T15:03:00Z"),
    }
}

#[test]
fn rule_rs_5_intake_refuses_unusable_contact_details_naming_each_field() {
    assert!(intake().validate().is_empty());
    let mut bad = intake();
    bad.consumer_name = "  ".into();
    bad.phone = "555-CALL-NOW".into();
    bad.email = Some("maria@localhost".into());
    bad.zip = "7870".into();
    let errors = bad.validate();
    let fields: Vec<_> = errors.iter().map(|e| (e.field.as_str(), e.code)).collect();
    assert_eq!(
        fields,
        vec![
            ("consumer_name", ValidationCode::Missing),
            ("phone", ValidationCode::Malformed),
            ("email", ValidationCode::Malformed),
            ("zip", ValidationCode::Malformed),
        ]
    );
    assert!(errors.iter().all(|e| e.rule == Rule::Rs5));
    let mut plus4 = intake();
    plus4.zip = "78701-1234".into();
    plus4.phone = "+1 512 555 0100".into();
    assert!(plus4.validate().is_empty());
    assert_eq!(plus4.phone_digits(), "5125550100");
}

#[test]
fn rule_mr_4_a_missed_row_reads_missed_referral_and_carries_no_contact() {
    let mut missed = accepted_referral().without_contact();
    missed.status = ReferralStatus::Pending;
    missed.outcome = Some(OfferOutcome::Missed);
    assert_eq!(missed.display_name(), MISSED_REFERRAL_NAME);
    let json = serde_json::to_string(&missed).expect("serialize");
    for personal in ["María", "5125550100", "maria@example.org"] {
        assert!(!json.contains(personal), "{personal} leaked into {json}");
    }
    assert_eq!(accepted_referral().display_name(), "María Pérez");
}

#[test]
fn referrals_round_trip_through_json() {
    let r = accepted_referral();
    let json = serde_json::to_string(&r).expect("serialize");
    assert!(
        json.contains("\"assigned_at\":\"2026-12-07T15:00:00Z\""),
        "{json}"
    );
    assert!(json.contains("\"state\":\"TX\""), "{json}");
    let back: Referral = serde_json::from_str(&json).expect("deserialize");
    assert_eq!(back, r);
}

#[test]
fn change_feed_messages_are_tagged() {
    let change = ServerMessage::Change(Box::new(Change {
        seq: 7,
        at: at("2026-12-07T15:03:00Z"),
        event: ChangeEvent::OfferResolved {
            referral_id: ReferralId(42),
            outcome: OfferOutcome::Missed,
        },
    }));
    let json = serde_json::to_value(&change).expect("serialize");
    assert_eq!(json["kind"], "change");
    assert_eq!(json["event"]["type"], "offer_resolved");
    assert_eq!(json["event"]["outcome"], "missed");
    let back: ServerMessage = serde_json::from_value(json).expect("deserialize");
    assert_eq!(back, change);
    let beat = serde_json::to_value(ServerMessage::Heartbeat {
        server_time: at("2026-12-07T15:03:00Z"),
    })
    .expect("serialize");
    assert_eq!(beat["kind"], "heartbeat");
}

#[test]
fn validation_errors_reach_the_client_with_field_and_rule() {
    let errors: ValidationErrors = intake_with_bad_zip().validate();
    let body = serde_json::to_value(ApiError::validation(errors)).expect("serialize");
    assert_eq!(body["code"], "validation");
    assert_eq!(body["errors"][0]["field"], "zip");
    assert_eq!(body["errors"][0]["rule"], "RS-5");
    assert_eq!(body["errors"][0]["code"], "malformed");
    assert!(body["message"].as_str().is_some_and(|m| m.contains("zip")));
}

fn intake_with_bad_zip() -> IntakeReferral {
    IntakeReferral {
        zip: "ABCDE".into(),
        ..intake()
    }
}

#[test]
fn login_requests_never_print_the_password() {
    let login = LoginRequest {
        username: "agent1".into(),
        password: "S3cret!pass".into(),
    };
    assert!(!format!("{login:?}").contains("S3cret"));
}
