//! Prepares an app-data folder for the desktop footprint measurement
//! (`scripts/footprint.py`, `docs/benchmarks.md`, "Desktop footprint"): signs the agent in
//! through [`Client`] exactly as the app's login does (token in the token store, session
//! file, cache file synced from the server), so the app started on that folder opens signed
//! in; then, when asked, adds fictional past referrals to the agent's cache through
//! [`Cache::apply_snapshot`], keeping the server's profile, availability, missed alert and
//! change-feed cursor, so the app's next catch-up leaves them in place.
//!
//! ```sh
//! HOD_PASSWORD='Ana#Demo2027' cargo run -p hod-client --example footprint_seed -- \
//!     http://127.0.0.1:8080 /tmp/app-data ana 10000
//! ```
//!
//! The referrals are past ones only (accepted with a contact attempt, rejected, or missed,
//! spread over the last 120 days): no pending offer, so nothing counts down or notifies.

use chrono::{DateTime, Duration, Utc};
use hod_client::engine::cache_file_for;
use hod_client::{Cache, Client, ClientConfig, ConnectionState, Snapshot};
use hod_domain::eligibility::StateCode;
use hod_domain::language::Language;
use hod_domain::referral::{
    ContactAttempt, ContactChannel, ContactOutcome, OfferOutcome, ReferralStatus,
};
use hod_domain::wire::v1::{ConsumerContact, Referral, ReferralId};
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: footprint_seed SERVER_URL DATA_DIR USERNAME [REFERRALS] \
                     (the password in HOD_PASSWORD)";
/// Far above any id the demo server hands out, so no server change ever touches them.
const FIRST_ID: i64 = 1_000_000_001;
const PLACES: [(StateCode, &str); 6] = [
    (StateCode::TX, "Austin"),
    (StateCode::FL, "Miami"),
    (StateCode::OH, "Columbus"),
    (StateCode::GA, "Atlanta"),
    (StateCode::NC, "Raleigh"),
    (StateCode::AZ, "Phoenix"),
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(server_url), Some(data_dir), Some(username)) =
        (args.first(), args.get(1), args.get(2))
    else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let referrals = match args.get(3).map(|n| n.parse::<i64>()) {
        None => 0,
        Some(Ok(n)) if n >= 0 => n,
        Some(_) => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let Ok(password) = std::env::var("HOD_PASSWORD") else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let data_dir = PathBuf::from(data_dir);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("footprint_seed: {error}");
            return ExitCode::FAILURE;
        }
    };
    let signed_in = runtime.block_on(sign_in(server_url, &data_dir, username, &password));
    if let Err(error) = signed_in {
        eprintln!("footprint_seed: {error}");
        return ExitCode::FAILURE;
    }
    if referrals > 0 {
        let path = cache_file_for(&data_dir, server_url, username);
        if let Err(error) = add_referrals(&path, referrals) {
            eprintln!("footprint_seed: {}: {error}", path.display());
            return ExitCode::FAILURE;
        }
    }
    println!("footprint_seed: {username} signed in, {referrals} referrals added");
    ExitCode::SUCCESS
}

/// Logs in and waits until the first sync is done and the live feed is open.
async fn sign_in(
    server_url: &str,
    data_dir: &std::path::Path,
    username: &str,
    password: &str,
) -> Result<(), String> {
    let client = Client::start(ClientConfig::new(server_url, data_dir))
        .await
        .map_err(|e| e.to_string())?;
    client
        .login(username, password)
        .await
        .map_err(|e| e.to_string())?;
    let mut waited = 0;
    while client.connection_state() != ConnectionState::Online {
        if waited >= 600 {
            return Err("not online after 60 s".into());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        waited += 1;
    }
    client.shutdown().await;
    Ok(())
}

/// Adds `count` past referrals to the cache, keeping everything the server sent.
fn add_referrals(path: &std::path::Path, count: i64) -> Result<(), String> {
    let mut cache = Cache::open(path).map_err(|e| e.to_string())?;
    let missing = || "the cache holds no profile: the first sync did not finish".to_owned();
    let profile = cache
        .profile()
        .map_err(|e| e.to_string())?
        .ok_or_else(missing)?;
    let availability = cache
        .availability()
        .map_err(|e| e.to_string())?
        .ok_or_else(missing)?;
    let mut referrals = Vec::new();
    let mut query = hod_client::ReferralQuery {
        limit: 500,
        ..hod_client::ReferralQuery::default()
    };
    loop {
        let page = cache.referrals(&query).map_err(|e| e.to_string())?;
        let fetched = page.referrals.len();
        referrals.extend(page.referrals);
        if fetched < 500 {
            break;
        }
        query.offset += 500;
    }
    let now = Utc::now();
    referrals.extend((0..count).map(|n| past_referral(n, count, now)));
    let snapshot = Snapshot {
        profile,
        availability,
        referrals,
        missed_alert: cache.missed_alert().map_err(|e| e.to_string())?,
        cursor: cache.cursor().map_err(|e| e.to_string())?,
    };
    cache.apply_snapshot(&snapshot).map_err(|e| e.to_string())
}

/// Referral `n` of `count`, offered between 120 days and a day ago: 8 in 10 accepted with a
/// contact attempt, 1 in 10 rejected, 1 in 10 missed.
fn past_referral(n: i64, count: i64, now: DateTime<Utc>) -> Referral {
    let span = Duration::days(119).num_seconds();
    let assigned_at = now - Duration::days(1) - Duration::seconds(span * (count - n) / count);
    let (state, city) = PLACES[usize::try_from(n).unwrap_or_default() % PLACES.len()];
    let mut referral = Referral {
        id: ReferralId(FIRST_ID + n),
        status: ReferralStatus::Pending,
        outcome: None,
        state,
        city: city.into(),
        zip: format!("{:05}", 10_000 + n % 89_999),
        language: if n % 3 == 0 {
            Language::spanish()
        } else {
            Language::english()
        },
        assigned_at,
        offer: None,
        accepted_at: None,
        contact: None,
        contact_attempts: Vec::new(),
        completion_outcome: None,
        not_a_good_referral_reason: None,
        updated_at: assigned_at,
    };
    match n % 10 {
        0 => referral.outcome = Some(OfferOutcome::Missed),
        1 => {
            referral.outcome = Some(OfferOutcome::Rejected);
            referral.status = ReferralStatus::Rejected;
        }
        _ => {
            let accepted_at = assigned_at + Duration::minutes(3);
            referral.outcome = Some(OfferOutcome::Accepted);
            referral.status = ReferralStatus::InProgress;
            referral.accepted_at = Some(accepted_at);
            referral.contact = Some(ConsumerContact {
                name: format!("Consumer {n}"),
                phone: "5125550100".into(),
                email: Some(format!("consumer{n}@example.org")),
                notes: Some("Prefers afternoons".into()),
            });
            referral.contact_attempts.push(ContactAttempt {
                channel: ContactChannel::Phone,
                outcome: ContactOutcome::LeftMessage,
                at: accepted_at + Duration::minutes(5),
            });
            referral.updated_at = accepted_at + Duration::minutes(5);
        }
    }
    referral
}
