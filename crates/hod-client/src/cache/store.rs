//! Row-level reads and writes shared by the cache and the outbox; each runs inside the
//! caller's transaction (a `Transaction` derefs to `Connection`).

use crate::error::CacheError;
use chrono::{DateTime, Utc};
use hod_domain::referral::{OfferOutcome, ReferralStatus};
use hod_domain::wire::v1::{Availability, MissedAlertView, Profile, Referral, ReferralId};
use rusqlite::{params, Connection, OptionalExtension};
use serde::de::DeserializeOwned;
use serde::Serialize;

pub(crate) const PROFILE: &str = "profile";
pub(crate) const AVAILABILITY: &str = "availability";
pub(crate) const MISSED_ALERT: &str = "missed_alert";
pub(crate) const CURSOR: &str = "cursor";
pub(crate) const CLOCK_OFFSET: &str = "server_clock_offset_ms";

pub(crate) fn millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

pub(crate) fn from_millis(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

pub(crate) fn get_meta<T: DeserializeOwned>(
    conn: &Connection,
    key: &str,
) -> Result<Option<T>, CacheError> {
    let text: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()?;
    Ok(text.map(|t| serde_json::from_str(&t)).transpose()?)
}

pub(crate) fn put_meta<T: Serialize>(
    conn: &Connection,
    key: &str,
    value: &T,
) -> Result<(), CacheError> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, serde_json::to_string(value)?],
    )?;
    Ok(())
}

pub(crate) fn delete_meta(conn: &Connection, key: &str) -> Result<(), CacheError> {
    conn.execute("DELETE FROM meta WHERE key = ?1", [key])?;
    Ok(())
}

pub(crate) fn cursor(conn: &Connection) -> Result<i64, CacheError> {
    Ok(get_meta(conn, CURSOR)?.unwrap_or(0))
}

pub(crate) fn profile(conn: &Connection) -> Result<Option<Profile>, CacheError> {
    get_meta(conn, PROFILE)
}

pub(crate) fn availability(conn: &Connection) -> Result<Option<Availability>, CacheError> {
    get_meta(conn, AVAILABILITY)
}

pub(crate) fn missed_alert(conn: &Connection) -> Result<Option<MissedAlertView>, CacheError> {
    get_meta(conn, MISSED_ALERT)
}

pub(crate) fn referral(conn: &Connection, id: ReferralId) -> Result<Option<Referral>, CacheError> {
    let body: Option<String> = conn
        .query_row("SELECT body FROM referrals WHERE id = ?1", [id.0], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(body.map(|b| serde_json::from_str(&b)).transpose()?)
}

pub(crate) fn status_rank(status: ReferralStatus) -> i64 {
    ReferralStatus::ALL
        .iter()
        .position(|s| *s == status)
        .map_or(0, |p| p as i64)
}

/// The wire name of a serde enum value (`"not_a_good_referral"`).
pub(crate) fn wire_name<T: Serialize>(value: &T) -> Result<String, CacheError> {
    Ok(match serde_json::to_value(value)? {
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    })
}

/// Stores a referral. A missed row never keeps contact details, whatever arrived (MR-4).
pub(crate) fn put_referral(conn: &Connection, referral: &Referral) -> Result<(), CacheError> {
    let owned;
    let referral = if referral.outcome == Some(OfferOutcome::Missed) && referral.contact.is_some() {
        owned = referral.clone().without_contact();
        &owned
    } else {
        referral
    };
    conn.execute(
        "INSERT INTO referrals (id, status, status_rank, outcome, state, language, city, zip,
                                display_name, assigned_at, offer_deadline, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT (id) DO UPDATE SET
            status = excluded.status, status_rank = excluded.status_rank,
            outcome = excluded.outcome, state = excluded.state, language = excluded.language,
            city = excluded.city, zip = excluded.zip, display_name = excluded.display_name,
            assigned_at = excluded.assigned_at, offer_deadline = excluded.offer_deadline,
            body = excluded.body",
        params![
            referral.id.0,
            wire_name(&referral.status)?,
            status_rank(referral.status),
            referral.outcome.map(|o| wire_name(&o)).transpose()?,
            referral.state.code(),
            referral.language.code(),
            referral.city,
            referral.zip,
            referral.display_name(),
            millis(referral.assigned_at),
            referral.offer.map(|o| millis(o.deadline)),
            serde_json::to_string(referral)?,
        ],
    )?;
    Ok(())
}
