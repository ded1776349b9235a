use super::*;
use proptest::prelude::*;
use ReferralStatus::*;

/// The documented table, written out pair by pair, independently of `allowed_next`.
const LEGAL: [(ReferralStatus, ReferralStatus); 8] = [
    (Pending, Accepted),
    (Pending, Rejected),
    (Accepted, InProgress),
    (Accepted, NotAGoodReferral),
    (Accepted, Completed),
    (InProgress, NotAGoodReferral),
    (InProgress, Completed),
    (NotAGoodReferral, InProgress),
];

#[test]
fn transition_table_every_pair_is_legal_or_illegal_as_documented() {
    for from in ReferralStatus::ALL {
        for to in ReferralStatus::ALL {
            let legal = LEGAL.contains(&(from, to));
            assert_eq!(from.can_move_to(to), legal, "{from} -> {to}");
            match transition(from, to) {
                Ok(next) => {
                    assert!(legal, "{from} -> {to} accepted but documented illegal");
                    assert_eq!(next, to);
                }
                Err(e) => {
                    assert!(!legal, "{from} -> {to} refused but documented legal");
                    assert_eq!((e.from, e.to), (from, to));
                }
            }
        }
    }
}

#[test]
fn rule_rs_1_pending_is_answered_by_accept_or_reject_and_nothing_returns_to_it() {
    assert_eq!(Pending.label(), "Pending");
    assert_eq!(Pending.allowed_next(), &[Accepted, Rejected]);
    for from in ReferralStatus::ALL {
        if from != Pending && from != Rejected && from != Completed {
            let err = transition(from, Pending).expect_err("nothing returns to Pending");
            assert_eq!(err.rule, Rule::Rs1);
        }
    }
}

#[test]
fn rule_rs_2_only_an_accepted_referral_is_worked() {
    assert_eq!(Accepted.label(), "Accepted");
    assert_eq!(transition(Pending, Accepted), Ok(Accepted));
    let err = transition(Pending, InProgress).expect_err("must accept first");
    assert_eq!(err.rule, Rule::Rs2);
    assert!(Accepted.is_after_acceptance());
    assert!(!Pending.is_after_acceptance());
}

#[test]
fn rule_rs_3_rejected_is_terminal() {
    assert_eq!(Rejected.label(), "Rejected");
    assert_eq!(transition(Pending, Rejected), Ok(Rejected));
    assert!(Rejected.is_terminal());
    let err = transition(Rejected, Accepted).expect_err("terminal");
    assert_eq!(err.rule, Rule::Rs3);
    assert_eq!(
        err.to_string(),
        "a referral cannot move from Rejected to Accepted (RS-3)"
    );
}

#[test]
fn rule_rs_4_in_progress_follows_acceptance_or_a_callback() {
    assert_eq!(InProgress.label(), "In Progress");
    assert_eq!(
        Accepted.set_by_agent(&StatusChange::to(InProgress)),
        Ok(InProgress)
    );
    assert_eq!(
        NotAGoodReferral.set_by_agent(&StatusChange::to(InProgress)),
        Ok(InProgress)
    );
    let err = transition(InProgress, Accepted).expect_err("no way back to Accepted");
    assert_eq!(err.rule, Rule::Rs7);
}

#[test]
fn rule_rs_5_not_a_good_referral_may_carry_a_reason_and_only_it() {
    assert_eq!(NotAGoodReferral.label(), "Not a Good Referral");
    let with_reason =
        StatusChange::not_a_good_referral(Some(NotAGoodReferralReason::WorkingWithAnotherBroker));
    assert_eq!(Accepted.set_by_agent(&with_reason), Ok(NotAGoodReferral));
    assert_eq!(
        InProgress.set_by_agent(&StatusChange::not_a_good_referral(None)),
        Ok(NotAGoodReferral)
    );
    let misplaced = StatusChange {
        not_a_good_referral_reason: Some(NotAGoodReferralReason::WrongContactDetails),
        ..StatusChange::to(InProgress)
    };
    let Err(SetStatusError::Invalid(errors)) = Accepted.set_by_agent(&misplaced) else {
        panic!("a reason with In Progress is refused");
    };
    let error = errors
        .for_field("not_a_good_referral_reason")
        .expect("names the field");
    assert_eq!(
        (error.rule, error.code),
        (Rule::Rs5, ValidationCode::NotAllowed)
    );
}

#[test]
fn rule_rs_6_completion_requires_an_outcome() {
    assert_eq!(Completed.label(), "Referral Completed");
    let Err(SetStatusError::Invalid(errors)) =
        InProgress.set_by_agent(&StatusChange::to(Completed))
    else {
        panic!("completion without an outcome is refused");
    };
    let error = errors
        .for_field("completion_outcome")
        .expect("names the field");
    assert_eq!(
        (error.rule, error.code),
        (Rule::Rs6, ValidationCode::Missing)
    );

    let done = StatusChange::completed(CompletionOutcome::EnrolledInQhp);
    assert_eq!(InProgress.set_by_agent(&done), Ok(Completed));
    assert!(Completed.is_terminal());
    assert_eq!(
        transition(Completed, InProgress).map_err(|e| e.rule),
        Err(Rule::Rs6)
    );
}

#[test]
fn rule_rs_6_an_outcome_on_any_other_status_is_not_allowed() {
    for to in ReferralStatus::ALL.into_iter().filter(|s| *s != Completed) {
        let change = StatusChange {
            completion_outcome: Some(CompletionOutcome::ReferredToMedicaidChip),
            ..StatusChange::to(to)
        };
        let errors = change.validate().expect_err("outcome only with completion");
        let error = errors
            .for_field("completion_outcome")
            .expect("names the field");
        assert_eq!(
            (error.rule, error.code),
            (Rule::Rs6, ValidationCode::NotAllowed)
        );
    }
}

#[test]
fn rule_rs_7_after_accepting_the_agent_can_set_every_later_status() {
    assert_eq!(
        ReferralStatus::AGENT_SETTABLE,
        [InProgress, NotAGoodReferral, Completed]
    );
    for to in ReferralStatus::AGENT_SETTABLE {
        let change = match to {
            Completed => StatusChange::completed(CompletionOutcome::EnrolledInQhp),
            other => StatusChange::to(other),
        };
        assert_eq!(Accepted.set_by_agent(&change), Ok(to), "Accepted -> {to}");
    }
}

#[test]
fn rule_rs_7_accept_and_reject_are_not_in_the_set_status_menu() {
    for to in [Pending, Accepted, Rejected] {
        assert_eq!(
            Pending.set_by_agent(&StatusChange::to(to)),
            Err(SetStatusError::NotAgentSettable {
                to,
                rule: Rule::Rs7
            })
        );
    }
    // The move itself is legal for the offer's own actions.
    assert!(Pending.can_move_to(Accepted));
}

#[test]
fn rule_rs_8_completion_outcome_covers_qhp_and_medicaid_chip() {
    assert_eq!(
        CompletionOutcome::ALL,
        [
            CompletionOutcome::EnrolledInQhp,
            CompletionOutcome::ReferredToMedicaidChip
        ]
    );
    for outcome in CompletionOutcome::ALL {
        assert_eq!(
            Accepted.set_by_agent(&StatusChange::completed(outcome)),
            Ok(Completed)
        );
    }
    assert!(CompletionOutcome::ReferredToMedicaidChip
        .label()
        .contains("Medicaid/CHIP"));
    assert!(CompletionOutcome::EnrolledInQhp.label().contains("QHP"));
}

#[test]
fn labels_follow_the_tip_sheet_in_both_languages() {
    let en: Vec<_> = ReferralStatus::ALL.iter().map(|s| s.label()).collect();
    assert_eq!(
        en,
        [
            "Pending",
            "Accepted",
            "Rejected",
            "In Progress",
            "Not a Good Referral",
            "Referral Completed"
        ]
    );
    assert_eq!(NotAGoodReferral.label_es(), "No es un referido adecuado");
    assert_eq!(Completed.to_string(), "Referral Completed");
}

#[test]
fn status_serde_is_snake_case_and_round_trips() {
    let wire = [
        "pending",
        "accepted",
        "rejected",
        "in_progress",
        "not_a_good_referral",
        "completed",
    ];
    for (status, name) in ReferralStatus::ALL.into_iter().zip(wire) {
        let json = serde_json::to_string(&status).expect("serialize");
        assert_eq!(json, format!("\"{name}\""));
        assert_eq!(
            serde_json::from_str::<ReferralStatus>(&json).expect("deserialize"),
            status
        );
    }
}

#[test]
fn status_change_serde_round_trips_and_omits_empty_details() {
    let done = StatusChange::completed(CompletionOutcome::ReferredToMedicaidChip);
    let json = serde_json::to_value(done).expect("serialize");
    assert_eq!(
        json,
        serde_json::json!({"to": "completed", "completion_outcome": "referred_to_medicaid_chip"})
    );
    assert_eq!(
        serde_json::from_value::<StatusChange>(json).expect("deserialize"),
        done
    );

    let nagr = StatusChange::not_a_good_referral(Some(
        NotAGoodReferralReason::NoResponseAfterThreeAttempts,
    ));
    let json = serde_json::to_string(&nagr).expect("serialize");
    assert_eq!(
        json,
        r#"{"to":"not_a_good_referral","not_a_good_referral_reason":"no_response_after_three_attempts"}"#
    );
    assert_eq!(
        serde_json::from_str::<StatusChange>(&json).expect("deserialize"),
        nagr
    );
}

fn any_status() -> impl Strategy<Value = ReferralStatus> {
    prop::sample::select(ReferralStatus::ALL.to_vec())
}

proptest! {
    /// Whatever moves are attempted, the ones the table accepts never leave a terminal status,
    /// never return to Pending, and never take an accepted referral back to Accepted/Rejected.
    #[test]
    fn table_walks_never_leave_terminal_states(attempts in prop::collection::vec(any_status(), 0..40)) {
        let mut current = Pending;
        for to in attempts {
            match transition(current, to) {
                Ok(next) => {
                    prop_assert!(!current.is_terminal());
                    prop_assert_ne!(next, Pending);
                    if current.is_after_acceptance() {
                        prop_assert!(ReferralStatus::AGENT_SETTABLE.contains(&next));
                    }
                    current = next;
                }
                Err(e) => prop_assert_eq!((e.from, e.to), (current, to)),
            }
        }
    }
}
