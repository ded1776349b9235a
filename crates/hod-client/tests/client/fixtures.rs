#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Duration, Utc};
use hod_client::{Cache, Snapshot};
use hod_domain::availability::{AgentTimeZone, AvailabilityEngine, AvailabilitySettings};
use hod_domain::contact_preference::PreferredContactMethod;
use hod_domain::eligibility::{License, LicenseStatus, StateCode, StatePreferences};
use hod_domain::language::Language;
use hod_domain::referral::{OfferOutcome, ReferralStatus};
use hod_domain::wire::v1::{
    Availability, ConsumerContact, MissedAlertView, OfferView, Profile, Referral, ReferralId,
};
use tempfile::TempDir;

pub fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// Monday 7 December 2026, 10:00 in Chicago.
pub fn monday_10am() -> DateTime<Utc> {
    at("2026-12-07T16:00:00Z")
}

pub fn chicago() -> AgentTimeZone {
    AgentTimeZone::parse("time_zone", "America/Chicago").unwrap()
}

pub fn profile() -> Profile {
    Profile {
        npn: "1234567".into(),
        name: "Ana Agent".into(),
        username: "ana".into(),
        mlms_email: "ana@example.org".into(),
        mobile_phone: "5125550199".into(),
        languages: vec![Language::english(), Language::spanish()],
        preferred_contact_method: PreferredContactMethod::EmailTextApp,
        contact_method_warning: None,
        licenses: vec![License {
            state: StateCode::TX,
            line_of_authority: "Accident & Health".into(),
            status: LicenseStatus::Active,
            effective: "2020-01-01".parse().unwrap(),
            expires: None,
        }],
        eligible_states: [StateCode::TX, StateCode::FL, StateCode::OH]
            .into_iter()
            .collect(),
        state_preferences: StatePreferences::AllEligible,
        suspended: None,
    }
}

pub fn availability(now: DateTime<Utc>) -> Availability {
    let settings = AvailabilitySettings::new(chicago());
    let status = AvailabilityEngine::new(&settings).unwrap().status_at(now);
    Availability { settings, status }
}

pub fn contact(name: &str) -> ConsumerContact {
    ConsumerContact {
        name: name.into(),
        phone: "5125550100".into(),
        email: Some("consumer@example.org".into()),
        notes: None,
    }
}

/// A referral assigned `minutes` after Monday 10:00.
pub fn referral(id: i64, status: ReferralStatus, minutes: i64) -> Referral {
    let assigned = monday_10am() + Duration::minutes(minutes);
    let (outcome, offer, contact_, accepted_at) = match status {
        ReferralStatus::Pending => (
            None,
            Some(OfferView {
                offered_at: assigned,
                deadline: assigned + Duration::minutes(15),
            }),
            None,
            None,
        ),
        ReferralStatus::Rejected => (Some(OfferOutcome::Rejected), None, None, None),
        _ => (
            Some(OfferOutcome::Accepted),
            None,
            Some(contact(&format!("Consumer {id}"))),
            Some(assigned + Duration::minutes(2)),
        ),
    };
    Referral {
        id: ReferralId(id),
        status,
        outcome,
        state: StateCode::TX,
        city: "Austin".into(),
        zip: "78701".into(),
        language: Language::spanish(),
        assigned_at: assigned,
        offer,
        accepted_at,
        contact: contact_,
        contact_attempts: Vec::new(),
        completion_outcome: None,
        not_a_good_referral_reason: None,
        updated_at: assigned,
    }
}

pub fn missed(id: i64, minutes: i64) -> Referral {
    let mut r = referral(id, ReferralStatus::Pending, minutes);
    r.offer = None;
    r.outcome = Some(OfferOutcome::Missed);
    r
}

pub fn snapshot(referrals: Vec<Referral>, cursor: i64) -> Snapshot {
    Snapshot {
        profile: profile(),
        availability: availability(monday_10am()),
        referrals,
        missed_alert: Some(MissedAlertView {
            count: 1,
            message: "Alert! You have missed 1 referral(s) in the last 7 days.".into(),
        }),
        cursor,
    }
}

pub struct TestCache {
    pub dir: TempDir,
    pub cache: Cache,
}

impl TestCache {
    pub fn path(&self) -> std::path::PathBuf {
        self.cache.path().to_owned()
    }
}

pub fn open() -> TestCache {
    let dir = tempfile::tempdir().unwrap();
    let path = hod_client::cache::cache_path_in(dir.path(), "https://hod.example", "ana");
    let cache = Cache::open(&path).unwrap();
    TestCache { dir, cache }
}

/// A cache loaded with a snapshot.
pub fn loaded(referrals: Vec<Referral>, cursor: i64) -> TestCache {
    let mut t = open();
    t.cache
        .apply_snapshot(&snapshot(referrals, cursor))
        .unwrap();
    t
}
