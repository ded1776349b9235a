//! Reads for the screens, from the cache only: Manage Referrals, one referral, the pending
//! offers with their countdowns, the profile and the availability summary.

use super::store::{self, wire_name};
use super::Cache;
use crate::error::CacheError;
use chrono::{DateTime, Utc};
use hod_domain::availability::{AvailabilityEngine, AvailabilityStatus};
use hod_domain::eligibility::{License, StateCode};
use hod_domain::language::Language;
use hod_domain::referral::{OfferOutcome, ReferralStatus};
use hod_domain::wire::v1::{Availability, MissedAlertView, Profile, Referral, ReferralId};
use rusqlite::types::Value;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ReferralSort {
    /// *Referral Assigned* date and time (MR-4).
    #[default]
    AssignedAt,
    /// In the tip sheet's order (RS-1..RS-6).
    Status,
    State,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum SortDirection {
    Ascending,
    /// Newest first: the default for Manage Referrals.
    #[default]
    Descending,
}

/// Filters, sort and page for Manage Referrals. Empty filter lists mean "any".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default)]
pub struct ReferralQuery {
    pub statuses: Vec<ReferralStatus>,
    pub states: Vec<StateCode>,
    pub languages: Vec<Language>,
    /// Only rows this agent missed (MR-2, MR-4).
    pub missed_only: bool,
    /// Case-insensitive substring of the city, zip or name column.
    pub text: Option<String>,
    pub sort: ReferralSort,
    pub direction: SortDirection,
    pub offset: u32,
    pub limit: u32,
}

impl Default for ReferralQuery {
    fn default() -> Self {
        Self {
            statuses: Vec::new(),
            states: Vec::new(),
            languages: Vec::new(),
            missed_only: false,
            text: None,
            sort: ReferralSort::default(),
            direction: SortDirection::default(),
            offset: 0,
            limit: 50,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ReferralListPage {
    pub referrals: Vec<Referral>,
    /// Rows matching the filters, over all pages.
    pub total: u64,
}

fn like_pattern(text: &str) -> String {
    let mut out = String::from("%");
    for c in text.trim().to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

fn placeholders(
    where_: &mut Vec<String>,
    args: &mut Vec<Value>,
    column: &str,
    values: Vec<String>,
) {
    if values.is_empty() {
        return;
    }
    let marks: Vec<String> = values
        .into_iter()
        .map(|v| {
            args.push(Value::Text(v));
            format!("?{}", args.len())
        })
        .collect();
    where_.push(format!("{column} IN ({})", marks.join(", ")));
}

impl Cache {
    /// Manage Referrals: filtered, sorted, one page, plus the total.
    pub fn referrals(&self, query: &ReferralQuery) -> Result<ReferralListPage, CacheError> {
        let mut where_ = Vec::new();
        let mut args: Vec<Value> = Vec::new();
        let statuses = query
            .statuses
            .iter()
            .map(wire_name)
            .collect::<Result<Vec<_>, _>>()?;
        placeholders(&mut where_, &mut args, "status", statuses);
        let states = query.states.iter().map(|s| s.code().to_owned()).collect();
        placeholders(&mut where_, &mut args, "state", states);
        let languages = query
            .languages
            .iter()
            .map(|l| l.code().to_owned())
            .collect();
        placeholders(&mut where_, &mut args, "language", languages);
        if query.missed_only {
            args.push(Value::Text(wire_name(&OfferOutcome::Missed)?));
            where_.push(format!("outcome = ?{}", args.len()));
        }
        if let Some(text) = query.text.as_deref().filter(|t| !t.trim().is_empty()) {
            args.push(Value::Text(like_pattern(text)));
            let n = args.len();
            where_.push(format!(
                "(lower(city) LIKE ?{n} ESCAPE '\\' OR lower(zip) LIKE ?{n} ESCAPE '\\' \
                 OR lower(display_name) LIKE ?{n} ESCAPE '\\')"
            ));
        }
        let where_sql = if where_.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", where_.join(" AND "))
        };
        let dir = match query.direction {
            SortDirection::Ascending => "ASC",
            SortDirection::Descending => "DESC",
        };
        // Ties fall back to assigned time, then id, so pages never overlap.
        let order = match query.sort {
            ReferralSort::AssignedAt => format!("assigned_at {dir}, id {dir}"),
            ReferralSort::Status => format!("status_rank {dir}, assigned_at DESC, id DESC"),
            ReferralSort::State => format!("state {dir}, assigned_at DESC, id DESC"),
        };
        let conn = self.conn();
        let total: i64 = conn.query_row(
            &format!("SELECT count(*) FROM referrals {where_sql}"),
            rusqlite::params_from_iter(args.iter()),
            |r| r.get(0),
        )?;
        args.push(Value::Integer(i64::from(query.limit)));
        args.push(Value::Integer(i64::from(query.offset)));
        let sql = format!(
            "SELECT body FROM referrals {where_sql} ORDER BY {order} LIMIT ?{} OFFSET ?{}",
            args.len() - 1,
            args.len()
        );
        let mut stmt = conn.prepare(&sql)?;
        let bodies = stmt
            .query_map(rusqlite::params_from_iter(args.iter()), |r| {
                r.get::<_, String>(0)
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let referrals = bodies
            .iter()
            .map(|b| serde_json::from_str(b))
            .collect::<Result<Vec<Referral>, _>>()?;
        Ok(ReferralListPage {
            referrals,
            total: u64::try_from(total).unwrap_or(0),
        })
    }

    pub fn referral(&self, id: ReferralId) -> Result<Option<Referral>, CacheError> {
        store::referral(self.conn(), id)
    }

    /// Offers still waiting for an answer, the closest deadline first (MR-1).
    pub fn pending_offers(&self) -> Result<Vec<Referral>, CacheError> {
        let mut stmt = self.conn().prepare(
            "SELECT body FROM referrals
             WHERE offer_deadline IS NOT NULL AND status = 'pending'
             ORDER BY offer_deadline ASC, id ASC",
        )?;
        let bodies = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(bodies
            .iter()
            .map(|b| serde_json::from_str(b))
            .collect::<Result<_, _>>()?)
    }

    pub fn profile(&self) -> Result<Option<Profile>, CacheError> {
        store::profile(self.conn())
    }

    /// The agent's licenses, as NIPR records them (ST-1).
    pub fn licenses(&self) -> Result<Vec<License>, CacheError> {
        Ok(self.profile()?.map(|p| p.licenses).unwrap_or_default())
    }

    /// The states the agent may receive referrals from (ST-1).
    pub fn eligible_states(&self) -> Result<BTreeSet<StateCode>, CacheError> {
        Ok(self
            .profile()?
            .map(|p| p.eligible_states)
            .unwrap_or_default())
    }

    pub fn availability(&self) -> Result<Option<Availability>, CacheError> {
        store::availability(self.conn())
    }

    /// The login alert (MR-3): present only when the count is above zero.
    pub fn missed_alert(&self) -> Result<Option<MissedAlertView>, CacheError> {
        Ok(store::missed_alert(self.conn())?.filter(|a| a.count > 0))
    }

    /// The last change-feed sequence applied.
    pub fn cursor(&self) -> Result<i64, CacheError> {
        store::cursor(self.conn())
    }

    /// Available at `at`? Why, and until when? Computed from the cached settings with the
    /// domain engine, so the tray is right offline too.
    pub fn availability_summary(
        &self,
        at: DateTime<Utc>,
    ) -> Result<AvailabilityStatus, CacheError> {
        let availability = self
            .availability()?
            .ok_or(CacheError::NotSynced("availability"))?;
        let engine = AvailabilityEngine::new(&availability.settings)?;
        Ok(engine.status_at(at))
    }
}

impl Cache {
    /// The server-minus-local clock offset last measured, kept so a restart with no network
    /// still counts down on the server's clock.
    pub fn server_clock_offset(&self) -> Result<Option<chrono::Duration>, CacheError> {
        let ms: Option<i64> = store::get_meta(self.conn(), store::CLOCK_OFFSET)?;
        Ok(ms.map(chrono::Duration::milliseconds))
    }

    pub fn set_server_clock_offset(&mut self, offset: chrono::Duration) -> Result<(), CacheError> {
        store::put_meta(self.conn(), store::CLOCK_OFFSET, &offset.num_milliseconds())
    }
}
