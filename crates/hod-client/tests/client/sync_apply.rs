#![allow(clippy::unwrap_used)]

use crate::fixtures::*;
use chrono::Duration;
use hod_client::{ApplyResult, ClientEvent};
use hod_domain::referral::{OfferOutcome, ReferralStatus};
use hod_domain::wire::v1::{Change, ChangeEvent, MissedAlertView, ReferralId};

fn change(seq: i64, event: ChangeEvent) -> Change {
    Change {
        seq,
        at: monday_10am() + Duration::seconds(seq),
        event,
    }
}

fn offer(seq: i64, id: i64) -> Change {
    change(
        seq,
        ChangeEvent::OfferMade {
            referral: referral(id, ReferralStatus::Pending, seq),
        },
    )
}

#[test]
fn a_snapshot_replaces_the_cache() {
    let mut t = loaded(
        vec![
            referral(1, ReferralStatus::Accepted, 0),
            referral(2, ReferralStatus::Pending, 1),
        ],
        10,
    );
    let mut next = snapshot(vec![referral(3, ReferralStatus::Completed, 2)], 12);
    next.missed_alert = None;
    t.cache.apply_snapshot(&next).unwrap();
    let page = t.cache.referrals(&Default::default()).unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.referrals[0].id, ReferralId(3));
    assert_eq!(t.cache.cursor().unwrap(), 12);
    assert_eq!(t.cache.missed_alert().unwrap(), None);
}

#[test]
fn rule_mr_3_the_alert_shows_only_above_zero() {
    let mut t = loaded(vec![], 1);
    assert_eq!(t.cache.missed_alert().unwrap().unwrap().count, 1);
    let mut zero = snapshot(vec![], 2);
    zero.missed_alert = Some(MissedAlertView {
        count: 0,
        message: String::new(),
    });
    t.cache.apply_snapshot(&zero).unwrap();
    assert_eq!(t.cache.missed_alert().unwrap(), None);
}

#[test]
fn changes_apply_once_and_move_the_cursor() {
    let mut t = loaded(vec![], 5);
    let mut events = t.cache.subscribe();
    let batch = vec![offer(6, 1), offer(7, 2)];
    assert_eq!(
        t.cache.apply_changes(&batch).unwrap(),
        ApplyResult::Applied {
            applied: 2,
            ignored: 0,
            cursor: 7
        }
    );
    // The same batch again (a reconnect replays it): nothing happens.
    assert_eq!(
        t.cache.apply_changes(&batch).unwrap(),
        ApplyResult::Applied {
            applied: 0,
            ignored: 2,
            cursor: 7
        }
    );
    assert_eq!(t.cache.pending_offers().unwrap().len(), 2);
    let first = events.try_recv().unwrap();
    assert!(matches!(
        first,
        ClientEvent::NewOffer {
            referral_id: ReferralId(1),
            deadline: Some(_)
        }
    ));
    assert!(matches!(
        events.try_recv().unwrap(),
        ClientEvent::NewOffer { .. }
    ));
    assert!(events.try_recv().is_err());
}

#[test]
fn a_gap_stops_at_the_cursor_and_is_reported() {
    let mut t = loaded(vec![], 5);
    let result = t
        .cache
        .apply_changes(&[offer(6, 1), offer(8, 2), offer(9, 3)])
        .unwrap();
    assert_eq!(
        result,
        ApplyResult::Gap {
            applied: 1,
            cursor: 6,
            next_seq: 8
        }
    );
    assert_eq!(t.cache.cursor().unwrap(), 6);
    assert!(t.cache.referral(ReferralId(2)).unwrap().is_none());
}

#[test]
fn rule_mr_2_a_missed_offer_resolves_without_contact() {
    let mut t = loaded(vec![referral(1, ReferralStatus::Pending, 0)], 1);
    let mut events = t.cache.subscribe();
    t.cache
        .apply_changes(&[change(
            2,
            ChangeEvent::OfferResolved {
                referral_id: ReferralId(1),
                outcome: OfferOutcome::Missed,
            },
        )])
        .unwrap();
    let row = t.cache.referral(ReferralId(1)).unwrap().unwrap();
    assert_eq!(row.outcome, Some(OfferOutcome::Missed));
    assert_eq!(row.offer, None);
    assert_eq!(row.contact, None);
    assert!(t.cache.pending_offers().unwrap().is_empty());
    assert_eq!(
        events.try_recv().unwrap(),
        ClientEvent::OfferResolved {
            referral_id: ReferralId(1),
            outcome: OfferOutcome::Missed
        }
    );
}

#[test]
fn referral_availability_and_profile_changes_land() {
    let mut t = loaded(vec![referral(1, ReferralStatus::Accepted, 0)], 1);
    let mut changed = referral(1, ReferralStatus::InProgress, 0);
    changed.updated_at = monday_10am() + Duration::minutes(9);
    let mut profile = profile();
    profile.name = "Ana B. Agent".into();
    let mut availability = availability(monday_10am());
    availability.settings.today = None;
    availability
        .settings
        .out_of_office
        .push(hod_domain::availability::OutOfOffice::indefinite(
            monday_10am(),
        ));
    t.cache
        .apply_changes(&[
            change(2, ChangeEvent::ReferralChanged { referral: changed }),
            change(3, ChangeEvent::ProfileChanged { profile }),
            change(4, ChangeEvent::AvailabilityChanged { availability }),
        ])
        .unwrap();
    assert_eq!(
        t.cache.referral(ReferralId(1)).unwrap().unwrap().status,
        ReferralStatus::InProgress
    );
    assert_eq!(t.cache.profile().unwrap().unwrap().name, "Ana B. Agent");
    assert!(
        !t.cache
            .availability_summary(monday_10am())
            .unwrap()
            .available
    );
}
