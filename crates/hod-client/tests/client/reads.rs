#![allow(clippy::unwrap_used)]

use crate::fixtures::*;
use chrono::Duration;
use hod_client::{CacheError, ReferralQuery, ReferralSort, SortDirection};
use hod_domain::availability::AvailabilityReason;
use hod_domain::eligibility::StateCode;
use hod_domain::language::Language;
use hod_domain::referral::ReferralStatus;
use hod_domain::wire::v1::{ReferralId, MISSED_REFERRAL_NAME};

fn ids(page: &hod_client::ReferralListPage) -> Vec<i64> {
    page.referrals.iter().map(|r| r.id.0).collect()
}

fn varied() -> Vec<hod_domain::wire::v1::Referral> {
    let mut fl = referral(2, ReferralStatus::Completed, 10);
    fl.state = StateCode::FL;
    fl.city = "Miami".into();
    fl.zip = "33101".into();
    fl.language = Language::english();
    let mut oh = referral(3, ReferralStatus::InProgress, 20);
    oh.state = StateCode::OH;
    oh.city = "Columbus".into();
    oh.zip = "43004".into();
    vec![
        referral(1, ReferralStatus::Accepted, 0),
        fl,
        oh,
        referral(4, ReferralStatus::Pending, 30),
        missed(5, 40),
        referral(6, ReferralStatus::Rejected, 50),
    ]
}

#[test]
fn manage_referrals_filters_by_status_state_and_language() {
    let t = loaded(varied(), 1);
    let q = |q: ReferralQuery| ids(&t.cache.referrals(&q).unwrap());
    assert_eq!(q(ReferralQuery::default()), vec![6, 5, 4, 3, 2, 1]);
    assert_eq!(
        q(ReferralQuery {
            statuses: vec![ReferralStatus::Accepted, ReferralStatus::InProgress],
            ..Default::default()
        }),
        vec![3, 1]
    );
    assert_eq!(
        q(ReferralQuery {
            states: vec![StateCode::FL, StateCode::OH],
            ..Default::default()
        }),
        vec![3, 2]
    );
    assert_eq!(
        q(ReferralQuery {
            languages: vec![Language::english()],
            ..Default::default()
        }),
        vec![2]
    );
}

#[test]
fn manage_referrals_searches_city_zip_and_name() {
    let t = loaded(varied(), 1);
    let q = |text: &str| {
        ids(&t
            .cache
            .referrals(&ReferralQuery {
                text: Some(text.into()),
                ..Default::default()
            })
            .unwrap())
    };
    assert_eq!(q("miami"), vec![2]);
    assert_eq!(q("4300"), vec![3]);
    assert_eq!(q("consumer 1"), vec![1]);
    assert_eq!(q("100%"), Vec::<i64>::new());
    assert_eq!(q("_"), Vec::<i64>::new());
}

#[test]
fn manage_referrals_sorts_and_pages() {
    let t = loaded(varied(), 1);
    let page = t
        .cache
        .referrals(&ReferralQuery {
            sort: ReferralSort::AssignedAt,
            direction: SortDirection::Ascending,
            offset: 2,
            limit: 2,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(ids(&page), vec![3, 4]);
    assert_eq!(page.total, 6);
    let by_status = t
        .cache
        .referrals(&ReferralQuery {
            sort: ReferralSort::Status,
            direction: SortDirection::Ascending,
            ..Default::default()
        })
        .unwrap();
    // Pending (newest first), Accepted, Rejected, In Progress, Completed: RS-1..RS-6 order.
    assert_eq!(ids(&by_status), vec![5, 4, 1, 6, 3, 2]);
    let by_state = t
        .cache
        .referrals(&ReferralQuery {
            sort: ReferralSort::State,
            direction: SortDirection::Ascending,
            limit: 3,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(ids(&by_state), vec![2, 3, 6]);
}

#[test]
fn rule_mr_4_missed_rows_show_no_contact() {
    let mut leaked = missed(5, 40);
    leaked.contact = Some(contact("Should Not Be Kept"));
    let t = loaded(vec![leaked, referral(1, ReferralStatus::Accepted, 0)], 1);
    let page = t
        .cache
        .referrals(&ReferralQuery {
            missed_only: true,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(ids(&page), vec![5]);
    let row = &page.referrals[0];
    assert_eq!(row.contact, None);
    assert_eq!(row.display_name(), MISSED_REFERRAL_NAME);
    assert_eq!(row.assigned_at, monday_10am() + Duration::minutes(40));
    let raw = std::fs::read(t.path()).unwrap();
    let wal = std::fs::read(t.path().with_extension("sqlite3-wal")).unwrap_or_default();
    let needle = b"Should Not Be Kept";
    assert!(!raw.windows(needle.len()).any(|w| w == needle));
    assert!(!wal.windows(needle.len()).any(|w| w == needle));
}

#[test]
fn rule_mr_1_pending_offers_come_closest_deadline_first() {
    let mut late = referral(7, ReferralStatus::Pending, 0);
    late.offer.as_mut().unwrap().deadline = monday_10am() + Duration::minutes(20);
    let t = loaded(
        vec![
            late,
            referral(8, ReferralStatus::Pending, 1),
            referral(9, ReferralStatus::Accepted, 2),
        ],
        1,
    );
    let offers: Vec<_> = t
        .cache
        .pending_offers()
        .unwrap()
        .iter()
        .map(|r| r.id.0)
        .collect();
    assert_eq!(offers, vec![8, 7]);
    assert_eq!(
        t.cache.referral(ReferralId(9)).unwrap().unwrap().status,
        ReferralStatus::Accepted
    );
    assert_eq!(t.cache.referral(ReferralId(99)).unwrap(), None);
}

#[test]
fn rule_av_1_availability_summary_says_why_and_until_when() {
    let t = loaded(vec![], 1);
    let now = t.cache.availability_summary(monday_10am()).unwrap();
    assert!(now.available);
    assert_eq!(now.reason, AvailabilityReason::StandardHours);
    assert_eq!(now.until, Some(at("2026-12-07T23:00:00Z")));
    let night = t
        .cache
        .availability_summary(at("2026-12-08T04:00:00Z"))
        .unwrap();
    assert!(!night.available);
    assert_eq!(night.until, Some(at("2026-12-08T14:00:00Z")));
}

#[test]
fn reads_before_the_first_sync_are_typed() {
    let t = open();
    assert!(matches!(
        t.cache.availability_summary(monday_10am()),
        Err(CacheError::NotSynced("availability"))
    ));
    assert_eq!(t.cache.profile().unwrap(), None);
    assert_eq!(t.cache.missed_alert().unwrap(), None);
}

#[test]
fn licenses_and_eligible_states_come_from_the_profile() {
    let t = loaded(vec![], 1);
    assert_eq!(t.cache.licenses().unwrap().len(), 1);
    assert!(t.cache.eligible_states().unwrap().contains(&StateCode::FL));
}
