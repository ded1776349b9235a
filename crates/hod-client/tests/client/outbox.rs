#![allow(clippy::unwrap_used)]

use crate::fixtures::*;
use chrono::Duration;
use hod_client::outbox::{Method, OutboxState};
use hod_client::{Cache, CacheError, ClientEvent, OutboxAction, Rollback};
use hod_domain::availability::{AvailabilityReason, WeeklySchedule};
use hod_domain::contact_preference::PreferredContactMethod;
use hod_domain::eligibility::{StateCode, StatePreferences};
use hod_domain::referral::{
    CompletionOutcome, ContactChannel, ContactOutcome, OfferOutcome, ReferralStatus, StatusChange,
};
use hod_domain::wire::v1::{
    ApiError, ContactAttemptRequest, ErrorCode, OutOfOfficeRequest, ProfileUpdate, ReferralId,
    RejectRequest, TodayRequest,
};

fn status(cache: &Cache, id: i64) -> ReferralStatus {
    cache.referral(ReferralId(id)).unwrap().unwrap().status
}

#[test]
fn rule_rs_2_accept_is_queued_and_shows_accepted_at_once() {
    let mut t = loaded(vec![referral(1, ReferralStatus::Pending, 0)], 1);
    let item = t.cache.accept(ReferralId(1), monday_10am()).unwrap();
    assert_eq!(status(&t.cache, 1), ReferralStatus::Accepted);
    assert!(t.cache.pending_offers().unwrap().is_empty());
    assert_eq!(item.idempotency_key.len(), 36);
    assert_eq!(&item.idempotency_key[14..15], "4");
    assert_eq!(
        item.action.endpoint(),
        (Method::Post, "/v1/referrals/1/accept".to_owned())
    );
    assert_eq!(item.action.body().unwrap(), None);
    assert_eq!(t.cache.next_pending().unwrap(), Some(item));
}

#[test]
fn rule_rs_3_reject_is_queued_and_shows_rejected() {
    let mut t = loaded(vec![referral(1, ReferralStatus::Pending, 0)], 1);
    let item = t
        .cache
        .reject(
            ReferralId(1),
            RejectRequest {
                reason: Some("busy".into()),
            },
            monday_10am(),
        )
        .unwrap();
    let row = t.cache.referral(ReferralId(1)).unwrap().unwrap();
    assert_eq!(row.status, ReferralStatus::Rejected);
    assert_eq!(row.outcome, Some(OfferOutcome::Rejected));
    assert_eq!(item.action.body().unwrap().unwrap()["reason"], "busy");
}

#[test]
fn accepting_what_is_not_a_pending_offer_writes_nothing() {
    let mut t = loaded(vec![referral(1, ReferralStatus::Accepted, 0)], 1);
    assert!(matches!(
        t.cache.accept(ReferralId(1), monday_10am()),
        Err(CacheError::OfferNotPending(ReferralId(1)))
    ));
    assert!(matches!(
        t.cache.accept(ReferralId(2), monday_10am()),
        Err(CacheError::UnknownReferral(ReferralId(2)))
    ));
    assert!(t.cache.pending().unwrap().is_empty());
}

#[test]
fn rule_rs_7_set_status_follows_the_lifecycle() {
    let mut t = loaded(vec![referral(1, ReferralStatus::Accepted, 0)], 1);
    t.cache
        .set_status(
            ReferralId(1),
            StatusChange::completed(CompletionOutcome::EnrolledInQhp),
            monday_10am(),
        )
        .unwrap();
    let row = t.cache.referral(ReferralId(1)).unwrap().unwrap();
    assert_eq!(row.status, ReferralStatus::Completed);
    assert_eq!(
        row.completion_outcome,
        Some(CompletionOutcome::EnrolledInQhp)
    );
    // Pending is not in the "set status" menu: refused locally, nothing queued.
    assert!(matches!(
        t.cache.set_status(
            ReferralId(1),
            StatusChange::to(ReferralStatus::Pending),
            monday_10am()
        ),
        Err(CacheError::SetStatus(_))
    ));
    assert_eq!(t.cache.pending().unwrap().len(), 1);
}

#[test]
fn rule_ce_4_contact_attempts_are_logged_locally() {
    let mut t = loaded(vec![referral(1, ReferralStatus::Accepted, 0)], 1);
    let request = ContactAttemptRequest {
        channel: ContactChannel::Phone,
        outcome: ContactOutcome::NoAnswer,
        at: None,
    };
    for _ in 0..3 {
        t.cache
            .log_contact_attempt(ReferralId(1), request, monday_10am())
            .unwrap();
    }
    let row = t.cache.referral(ReferralId(1)).unwrap().unwrap();
    assert_eq!(row.contact_attempts.len(), 3);
    assert_eq!(row.contact_attempts[0].at, monday_10am());
    assert_eq!(t.cache.pending().unwrap().len(), 3);
}

#[test]
fn rule_av_6_today_off_makes_the_agent_unavailable_now() {
    let mut t = loaded(vec![], 1);
    let mut events = t.cache.subscribe();
    t.cache
        .set_today(
            TodayRequest {
                on: false,
                stop_referrals_at: None,
            },
            monday_10am(),
        )
        .unwrap();
    let summary = t.cache.availability_summary(monday_10am()).unwrap();
    assert!(!summary.available);
    assert_eq!(summary.reason, AvailabilityReason::TodayOff);
    assert!(matches!(
        events.try_recv().unwrap(),
        ClientEvent::AvailabilityChanged { status: Some(s) } if !s.available
    ));
}

#[test]
fn rule_av_7_out_of_office_set_and_cleared() {
    let mut t = loaded(vec![], 1);
    let now = monday_10am();
    t.cache
        .set_out_of_office(
            OutOfOfficeRequest {
                from: now,
                to: None,
            },
            now,
        )
        .unwrap();
    let summary = t.cache.availability_summary(now).unwrap();
    assert_eq!(summary.reason, AvailabilityReason::OutOfOffice);
    assert_eq!(summary.until, None);
    let later = now + Duration::minutes(30);
    t.cache.clear_out_of_office(later).unwrap();
    assert!(t.cache.availability_summary(later).unwrap().available);
    let items = t.cache.pending().unwrap();
    assert_eq!(items[1].action, OutboxAction::ClearOutOfOffice);
    assert_eq!(items[1].action.endpoint().0, Method::Delete);
}

#[test]
fn rule_av_3_av_5_saving_the_schedule_takes_effect_locally() {
    let mut t = loaded(vec![], 1);
    let mut weekly = WeeklySchedule::default();
    weekly.monday.enabled = false;
    t.cache
        .save_schedule(chicago(), weekly, monday_10am())
        .unwrap();
    let summary = t.cache.availability_summary(monday_10am()).unwrap();
    assert_eq!(summary.reason, AvailabilityReason::DayOff);
    let body = t
        .cache
        .next_pending()
        .unwrap()
        .unwrap()
        .action
        .body()
        .unwrap()
        .unwrap();
    assert_eq!(body["time_zone"], "America/Chicago");
    assert_eq!(body["weekly"]["monday"]["enabled"], false);
}

#[test]
fn rule_st_3_preferences_only_take_eligible_states() {
    let mut t = loaded(vec![], 1);
    t.cache
        .save_preferences(
            ProfileUpdate {
                preferred_contact_method: Some(PreferredContactMethod::EmailOnly),
                state_preferences: Some(vec![StateCode::TX, StateCode::FL]),
                languages: None,
            },
            monday_10am(),
        )
        .unwrap();
    let profile = t.cache.profile().unwrap().unwrap();
    assert_eq!(
        profile.state_preferences,
        StatePreferences::Selected([StateCode::TX, StateCode::FL].into_iter().collect())
    );
    // CP-2: Email Only carries its warning.
    assert!(profile.contact_method_warning.is_some());
    assert!(matches!(
        t.cache.save_preferences(
            ProfileUpdate {
                state_preferences: Some(vec![StateCode::AK]),
                ..Default::default()
            },
            monday_10am()
        ),
        Err(CacheError::Invalid(_))
    ));
    assert_eq!(t.cache.pending().unwrap().len(), 1);
}

#[test]
fn items_go_out_in_order_and_once() {
    let mut t = loaded(
        vec![
            referral(1, ReferralStatus::Pending, 0),
            referral(2, ReferralStatus::Pending, 1),
        ],
        1,
    );
    let a = t.cache.accept(ReferralId(1), monday_10am()).unwrap();
    let b = t
        .cache
        .reject(ReferralId(2), RejectRequest::default(), monday_10am())
        .unwrap();
    assert_ne!(a.idempotency_key, b.idempotency_key);
    assert_eq!(t.cache.next_pending().unwrap().unwrap().id, a.id);
    t.cache
        .mark_sent(a.id, &serde_json::json!({"ok": true}), monday_10am())
        .unwrap();
    assert_eq!(t.cache.next_pending().unwrap().unwrap().id, b.id);
    assert!(matches!(
        t.cache
            .mark_sent(a.id, &serde_json::json!({}), monday_10am()),
        Err(CacheError::OutboxItemNotPending(_))
    ));
    t.cache
        .mark_sent(b.id, &serde_json::json!({}), monday_10am())
        .unwrap();
    assert_eq!(t.cache.next_pending().unwrap(), None);
    // Sent items keep their optimistic effect.
    assert_eq!(status(&t.cache, 1), ReferralStatus::Accepted);
}

#[test]
fn rule_mr_1_a_refused_accept_is_rolled_back_and_listed() {
    let mut t = loaded(vec![referral(1, ReferralStatus::Pending, 0)], 1);
    let before = t.cache.referral(ReferralId(1)).unwrap().unwrap();
    let item = t.cache.accept(ReferralId(1), monday_10am()).unwrap();
    let mut events = t.cache.subscribe();
    let error = ApiError::new(ErrorCode::AcceptWindowClosed, "the accept window closed");
    let refusal = t
        .cache
        .mark_refused(item.id, error.clone(), monday_10am())
        .unwrap();
    assert_eq!(refusal.rollback, Rollback::Restored);
    assert_eq!(t.cache.referral(ReferralId(1)).unwrap().unwrap(), before);
    assert_eq!(t.cache.next_pending().unwrap(), None);
    let listed = t.cache.refusals().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].error.code, ErrorCode::AcceptWindowClosed);
    assert_eq!(
        listed[0].action,
        OutboxAction::Accept {
            referral_id: ReferralId(1)
        }
    );
    assert!(matches!(
        events.try_recv().unwrap(),
        ClientEvent::ReferralChanged { .. }
    ));
    assert!(matches!(
        events.try_recv().unwrap(),
        ClientEvent::OutboxRefused(r) if r.error == error
    ));
    t.cache.dismiss_refusal(item.id).unwrap();
    assert!(t.cache.refusals().unwrap().is_empty());
}

#[test]
fn a_refusal_after_newer_data_asks_for_a_refetch_instead_of_clobbering() {
    let mut t = loaded(vec![referral(1, ReferralStatus::Accepted, 0)], 1);
    let attempt = ContactAttemptRequest {
        channel: ContactChannel::Text,
        outcome: ContactOutcome::LeftMessage,
        at: None,
    };
    let first = t
        .cache
        .log_contact_attempt(ReferralId(1), attempt, monday_10am())
        .unwrap();
    t.cache
        .set_status(
            ReferralId(1),
            StatusChange::to(ReferralStatus::InProgress),
            monday_10am(),
        )
        .unwrap();
    let refusal = t
        .cache
        .mark_refused(
            first.id,
            ApiError::new(ErrorCode::Validation, "bad"),
            monday_10am(),
        )
        .unwrap();
    assert_eq!(refusal.rollback, Rollback::NeedsRefetch);
    assert_eq!(status(&t.cache, 1), ReferralStatus::InProgress);
}

#[test]
fn rule_av_6_a_refused_today_switch_restores_the_schedule() {
    let mut t = loaded(vec![], 1);
    let before = t.cache.availability().unwrap();
    let item = t
        .cache
        .set_today(
            TodayRequest {
                on: false,
                stop_referrals_at: None,
            },
            monday_10am(),
        )
        .unwrap();
    t.cache
        .mark_refused(
            item.id,
            ApiError::new(ErrorCode::Suspended, "suspended"),
            monday_10am(),
        )
        .unwrap();
    assert_eq!(t.cache.availability().unwrap(), before);
}

#[test]
fn queued_items_survive_a_crash_pending_once_in_order() {
    let mut t = loaded(
        vec![
            referral(1, ReferralStatus::Pending, 0),
            referral(2, ReferralStatus::Pending, 1),
            referral(3, ReferralStatus::Accepted, 2),
        ],
        1,
    );
    let keys: Vec<String> = vec![
        t.cache.accept(ReferralId(1), monday_10am()).unwrap(),
        t.cache
            .reject(ReferralId(2), RejectRequest::default(), monday_10am())
            .unwrap(),
        t.cache
            .set_status(
                ReferralId(3),
                StatusChange::to(ReferralStatus::InProgress),
                monday_10am(),
            )
            .unwrap(),
    ]
    .into_iter()
    .map(|i| i.idempotency_key)
    .collect();
    let path = t.path();
    // The process dies: the connection is never closed, nothing is checkpointed.
    std::mem::forget(t.cache);
    let mut restarted = Cache::open(&path).unwrap();
    let pending = restarted.pending().unwrap();
    let again: Vec<_> = pending.iter().map(|i| i.idempotency_key.clone()).collect();
    assert_eq!(again, keys);
    assert!(pending.iter().all(|i| i.state == OutboxState::Pending));
    assert_eq!(status(&restarted, 1), ReferralStatus::Accepted);
    // Sending drains each exactly once.
    let mut sent = Vec::new();
    while let Some(item) = restarted.next_pending().unwrap() {
        sent.push(item.idempotency_key.clone());
        restarted
            .mark_sent(item.id, &serde_json::json!({}), monday_10am())
            .unwrap();
    }
    assert_eq!(sent, keys);
    drop(t.dir);
}

#[test]
fn unsent_actions_stay_visible_over_server_data_and_roll_back_to_it() {
    use hod_domain::wire::v1::{Change, ChangeEvent};
    let mut t = loaded(vec![referral(1, ReferralStatus::Pending, 0)], 1);
    let item = t.cache.accept(ReferralId(1), monday_10am()).unwrap();
    // The server has not seen the accept yet: its feed still shows the offer, with a change.
    let mut server_view = referral(1, ReferralStatus::Pending, 0);
    server_view.city = "Round Rock".into();
    t.cache
        .apply_changes(&[Change {
            seq: 2,
            at: monday_10am(),
            event: ChangeEvent::ReferralChanged {
                referral: server_view.clone(),
            },
        }])
        .unwrap();
    let shown = t.cache.referral(ReferralId(1)).unwrap().unwrap();
    assert_eq!(shown.status, ReferralStatus::Accepted);
    assert_eq!(shown.city, "Round Rock");
    // Refused: back to the server's view, not to the stale one from before the action.
    let refusal = t
        .cache
        .mark_refused(
            item.id,
            ApiError::new(ErrorCode::AcceptWindowClosed, "closed"),
            monday_10am(),
        )
        .unwrap();
    assert_eq!(refusal.rollback, Rollback::Restored);
    assert_eq!(
        t.cache.referral(ReferralId(1)).unwrap().unwrap(),
        server_view
    );
}
