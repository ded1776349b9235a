//! Cache speeds an agent notices (issue targets in docs/benchmarks.md):
//! - catch-up: 10,000 change-feed entries, as JSON from `/v1/changes`, parsed and applied to
//!   an empty cache (target ≤ 500 ms);
//! - the first page of Manage Referrals from a cache of 100,000 referrals (target ≤ 20 ms).
//!
//! `cargo bench -p hod-client --bench cache`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, Utc};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use hod_client::{Cache, ReferralQuery, ReferralSort, Snapshot};
use hod_domain::availability::{AgentTimeZone, AvailabilityEngine, AvailabilitySettings};
use hod_domain::contact_preference::PreferredContactMethod;
use hod_domain::eligibility::{License, LicenseStatus, StateCode, StatePreferences};
use hod_domain::language::Language;
use hod_domain::referral::{ContactAttempt, OfferOutcome, ReferralStatus};
use hod_domain::wire::v1::{
    Availability, Change, ChangeEvent, ConsumerContact, OfferView, Profile, Referral, ReferralId,
};
use std::hint::black_box;

const STATES: [StateCode; 6] = [
    StateCode::TX,
    StateCode::FL,
    StateCode::OH,
    StateCode::GA,
    StateCode::NC,
    StateCode::AZ,
];
const CITIES: [&str; 6] = [
    "Austin", "Miami", "Columbus", "Atlanta", "Raleigh", "Phoenix",
];

fn start() -> DateTime<Utc> {
    "2026-11-02T14:00:00Z".parse().unwrap()
}

fn profile() -> Profile {
    Profile {
        npn: "1234567".into(),
        name: "Ana Agent".into(),
        username: "ana".into(),
        mlms_email: "ana@example.org".into(),
        mobile_phone: "5125550199".into(),
        languages: vec![Language::english(), Language::spanish()],
        preferred_contact_method: PreferredContactMethod::EmailTextApp,
        contact_method_warning: None,
        licenses: STATES
            .iter()
            .map(|s| License {
                state: *s,
                line_of_authority: "Accident & Health".into(),
                status: LicenseStatus::Active,
                effective: "2020-01-01".parse().unwrap(),
                expires: None,
            })
            .collect(),
        eligible_states: STATES.into_iter().collect(),
        state_preferences: StatePreferences::AllEligible,
        suspended: None,
    }
}

fn availability() -> Availability {
    let zone = AgentTimeZone::parse("time_zone", "America/Chicago").unwrap();
    let settings = AvailabilitySettings::new(zone);
    let status = AvailabilityEngine::new(&settings)
        .unwrap()
        .status_at(start());
    Availability { settings, status }
}

/// Referral `n` as it looks when offered (before acceptance: no contact details).
fn offered(n: i64) -> Referral {
    let i = usize::try_from(n).unwrap() % STATES.len();
    let assigned = start() + Duration::minutes(n);
    Referral {
        id: ReferralId(n),
        status: ReferralStatus::Pending,
        outcome: None,
        state: STATES[i],
        city: CITIES[i].into(),
        zip: format!("{:05}", 10_000 + n % 89_999),
        language: if n % 3 == 0 {
            Language::spanish()
        } else {
            Language::english()
        },
        assigned_at: assigned,
        offer: Some(OfferView {
            offered_at: assigned,
            deadline: assigned + Duration::minutes(15),
        }),
        accepted_at: None,
        contact: None,
        contact_attempts: Vec::new(),
        completion_outcome: None,
        not_a_good_referral_reason: None,
        updated_at: assigned,
    }
}

fn accepted(n: i64) -> Referral {
    let mut r = offered(n);
    let at = r.assigned_at + Duration::minutes(3);
    r.offer = None;
    r.outcome = Some(OfferOutcome::Accepted);
    r.status = ReferralStatus::Pending;
    r.accepted_at = Some(at);
    r.contact = Some(ConsumerContact {
        name: format!("Consumer {n}"),
        phone: "5125550100".into(),
        email: Some(format!("consumer{n}@example.org")),
        notes: Some("Prefers afternoons".into()),
    });
    r.updated_at = at;
    r
}

/// A realistic feed: each referral is offered, accepted, then gets a contact attempt.
fn feed(len: i64) -> Vec<Change> {
    let mut changes = Vec::new();
    let mut n = 0;
    while i64::try_from(changes.len()).unwrap() < len {
        n += 1;
        let referral = offered(n);
        let at = referral.assigned_at;
        let mut with_attempt = accepted(n);
        with_attempt.status = ReferralStatus::InProgress;
        with_attempt.contact_attempts.push(ContactAttempt {
            channel: hod_domain::referral::ContactChannel::Phone,
            outcome: hod_domain::referral::ContactOutcome::Reached,
            at: at + Duration::minutes(5),
        });
        let events = [
            ChangeEvent::OfferMade { referral },
            ChangeEvent::OfferResolved {
                referral_id: ReferralId(n),
                outcome: OfferOutcome::Accepted,
            },
            ChangeEvent::ReferralChanged {
                referral: accepted(n),
            },
            ChangeEvent::ReferralChanged {
                referral: with_attempt,
            },
        ];
        for event in events {
            let seq = i64::try_from(changes.len()).unwrap() + 1;
            if seq > len {
                break;
            }
            changes.push(Change { seq, at, event });
        }
    }
    changes
}

fn empty_cache(dir: &tempfile::TempDir, name: &str) -> Cache {
    let mut cache = Cache::open(&dir.path().join(name)).unwrap();
    cache
        .apply_snapshot(&Snapshot {
            profile: profile(),
            availability: availability(),
            referrals: Vec::new(),
            missed_alert: None,
            cursor: 0,
        })
        .unwrap();
    cache
}

fn catch_up(c: &mut Criterion) {
    let body = serde_json::to_vec(&feed(10_000)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut round = 0_u32;
    let mut group = c.benchmark_group("catch_up");
    group.sample_size(20);
    group.bench_function("10k_changes_into_empty_cache", |b| {
        b.iter_batched(
            || {
                round += 1;
                empty_cache(&dir, &format!("catch-up-{round}.sqlite"))
            },
            |mut cache| {
                let changes: Vec<Change> = serde_json::from_slice(&body).unwrap();
                black_box(cache.apply_changes(&changes).unwrap());
                cache
            },
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

fn first_page(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut cache = Cache::open(&dir.path().join("big.sqlite")).unwrap();
    let referrals: Vec<Referral> = (1..=100_000)
        .map(|n| match n % 10 {
            0 => offered(n),
            1 => {
                let mut r = offered(n);
                r.offer = None;
                r.outcome = Some(OfferOutcome::Missed);
                r
            }
            _ => accepted(n),
        })
        .collect();
    cache
        .apply_snapshot(&Snapshot {
            profile: profile(),
            availability: availability(),
            referrals,
            missed_alert: None,
            cursor: 0,
        })
        .unwrap();
    let mut group = c.benchmark_group("referral_list_100k");
    group.bench_function("first_page_newest_first", |b| {
        let query = ReferralQuery::default();
        b.iter(|| black_box(cache.referrals(&query).unwrap()));
    });
    group.bench_function("first_page_by_status", |b| {
        let query = ReferralQuery {
            sort: ReferralSort::Status,
            ..ReferralQuery::default()
        };
        b.iter(|| black_box(cache.referrals(&query).unwrap()));
    });
    group.bench_function("first_page_searching_a_city", |b| {
        let query = ReferralQuery {
            text: Some("miami".into()),
            ..ReferralQuery::default()
        };
        b.iter(|| black_box(cache.referrals(&query).unwrap()));
    });
    group.finish();
}

criterion_group!(benches, catch_up, first_page);
criterion_main!(benches);
