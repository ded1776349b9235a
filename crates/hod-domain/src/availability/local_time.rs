//! From the agent's wall clock to UTC instants, with the written rules for DST.
//!
//! # The rules (see `docs/decisions/0002-dst-gaps-and-overlaps.md`)
//!
//! A schedule interval — the day's hours, or a break — set as wall times `[start, end)` on a
//! local date covers **every instant of that date whose wall-clock time lies inside it, and
//! the time between them: it is never split**. Per boundary that means:
//!
//! - **Gap** (spring forward, the wall time does not exist): a start or an end that falls in
//!   the gap means the instant the clocks jump. Hours that start at 02:30 on the day clocks go
//!   from 02:00 to 03:00 start at 03:00 new time; a break wholly inside the gap vanishes.
//! - **Overlap** (fall back, the wall time happens twice): a start means its *first*
//!   occurrence. An end means the moment the clock shows a time before it for the last
//!   time: for an end inside the repeated hour that is its *second* occurrence (hours
//!   00:00–01:30 on the night clocks go from 02:00 back to 01:00 run until the second
//!   01:30, two and a half hours of real time), while an end at the very start of the
//!   repeated hour (01:00) is reached once, the first time, since the clock never reads
//!   00:59 again.
//! - `24:00` as an end means the first instant of the next local date.
//!
//! The engine works in whole seconds: instants are Unix seconds (`i64`) inside this module.

use chrono::{DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

const DAY: i64 = 86_400;
/// Longest gap searched for (Pacific/Apia skipped a whole day in 2011).
const MAX_GAP_SECONDS: i64 = 2 * DAY;

/// Local calendar dates are counted as days since 1970-01-01.
pub(crate) fn date_to_day(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce()) - 719_163
}

pub(crate) fn day_to_date(day: i64) -> NaiveDate {
    i32::try_from(day + 719_163)
        .ok()
        .and_then(NaiveDate::from_num_days_from_ce_opt)
        .unwrap_or(NaiveDate::MAX)
}

pub(crate) fn to_secs(instant: DateTime<Utc>) -> i64 {
    instant.timestamp()
}

pub(crate) fn from_secs(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// One local calendar date and where it sits on the UTC time line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LocalDay {
    /// Days since 1970-01-01 in local terms.
    pub day: i64,
    /// First instant whose local date is `day`.
    pub start: i64,
    /// First instant whose local date is after `day`.
    pub end: i64,
    /// The UTC offset in force for the whole day, when no transition falls inside it.
    uniform_offset: Option<i64>,
}

/// The agent's time zone with the DST rules above.
#[derive(Debug, Clone)]
pub(crate) struct Zone {
    tz: Tz,
    offsets: Arc<OffsetTable>,
}

impl PartialEq for Zone {
    fn eq(&self, other: &Self) -> bool {
        self.tz == other.tz
    }
}

impl Eq for Zone {}

impl Zone {
    pub fn new(tz: Tz) -> Self {
        Self {
            tz,
            offsets: OffsetTable::for_zone(tz),
        }
    }

    /// UTC offset, in seconds, in force at `instant`.
    pub fn offset_at(&self, instant: i64) -> i64 {
        match self.offsets.offset_at(instant) {
            Some(offset) => offset,
            None => {
                let naive = from_secs(instant).naive_utc();
                i64::from(
                    self.tz
                        .offset_from_utc_datetime(&naive)
                        .fix()
                        .local_minus_utc(),
                )
            }
        }
    }

    /// Local day number and the wall time (seconds since local midnight) of `instant`.
    #[cfg(test)]
    pub fn local(&self, instant: i64) -> (i64, i64) {
        let local = instant + self.offset_at(instant);
        (local.div_euclid(DAY), local.rem_euclid(DAY))
    }

    /// The local date that contains `instant`.
    pub fn day_of(&self, instant: i64) -> LocalDay {
        let offset = self.offset_at(instant);
        let day = (instant + offset).div_euclid(DAY);
        // Fast path: the offset at `instant` holds from the day's first to its last second.
        let start = day * DAY - offset;
        let end = start + DAY;
        if self.offset_at(start) == offset && self.offset_at(end - 1) == offset {
            return LocalDay {
                day,
                start,
                end,
                uniform_offset: Some(offset),
            };
        }
        self.day(day)
    }

    /// The local date `day` (days since 1970-01-01).
    pub fn day(&self, day: i64) -> LocalDay {
        let start = self.first_instant(day * DAY);
        let end = self.first_instant((day + 1) * DAY);
        let offset = self.offset_at(start);
        let uniform = (self.offset_at(end - 1) == offset
            && start == day * DAY - offset
            && end == start + DAY)
            .then_some(offset);
        LocalDay {
            day,
            start,
            end,
            uniform_offset: uniform,
        }
    }

    /// Where a *start* wall time (seconds since midnight, 0..=86400) on `day` falls.
    pub fn start_of(&self, day: &LocalDay, wall: i64) -> i64 {
        match day.uniform_offset {
            Some(offset) => day.day * DAY + wall - offset,
            None if wall >= DAY => day.end,
            None => self.first_instant(day.day * DAY + wall),
        }
    }

    /// Where an *end* wall time (seconds since midnight, 0..=86400) on `day` falls.
    pub fn end_of(&self, day: &LocalDay, wall: i64) -> i64 {
        match day.uniform_offset {
            Some(offset) => day.day * DAY + wall - offset,
            None if wall >= DAY => day.end,
            None => self.end_instant(day.day * DAY + wall),
        }
    }

    /// Earliest instant whose wall clock reads `local` (seconds since 1970-01-01 in local
    /// terms); inside a gap, the instant the clocks jump.
    pub fn first_instant(&self, local: i64) -> i64 {
        match self.tz.from_local_datetime(&naive(local)) {
            LocalResult::Single(t) => t.timestamp(),
            LocalResult::Ambiguous(a, b) => a.timestamp().min(b.timestamp()),
            LocalResult::None => self.after_gap(local),
        }
    }

    /// The instant just after the last moment the wall clock reads a time before `local`;
    /// when that moment falls in a gap, the instant the clocks jump.
    pub fn end_instant(&self, local: i64) -> i64 {
        match self.tz.from_local_datetime(&naive(local - 1)) {
            LocalResult::Single(t) => t.timestamp() + 1,
            LocalResult::Ambiguous(a, b) => a.timestamp().max(b.timestamp()) + 1,
            LocalResult::None => self.after_gap(local - 1),
        }
    }

    /// The instant the clocks jump over the gap containing the wall time `local`: the
    /// earliest instant of the first wall minute that exists after it.
    fn after_gap(&self, local: i64) -> i64 {
        let mut wall = local - local.rem_euclid(60);
        while wall <= local + MAX_GAP_SECONDS {
            wall += 60;
            match self.tz.from_local_datetime(&naive(wall)) {
                LocalResult::Single(t) => return t.timestamp(),
                LocalResult::Ambiguous(a, b) => return a.timestamp().min(b.timestamp()),
                LocalResult::None => {}
            }
        }
        // No time zone skips more than a day; treat the wall time as UTC rather than loop.
        local
    }
}

/// A zone's UTC offsets from 1970 to 2100 as a sorted list of changes, read once per zone
/// and process from chrono-tz. Looking an offset up is then one binary search over a few
/// hundred integers instead of a calendar conversion and a search per query; the engine
/// asks several times per answer.
#[derive(Debug)]
struct OffsetTable {
    /// `starts[i]` is the first instant at which `offsets[i]` applies.
    starts: Vec<i64>,
    offsets: Vec<i64>,
}

impl OffsetTable {
    /// 1970-01-01 and 2100-01-01.
    const FROM: i64 = 0;
    const UNTIL: i64 = 4_102_444_800;
    /// Offsets are sampled every six hours; no zone changes twice within that.
    const STEP: i64 = 6 * 3600;

    fn for_zone(tz: Tz) -> Arc<Self> {
        static TABLES: OnceLock<Mutex<HashMap<Tz, Arc<OffsetTable>>>> = OnceLock::new();
        let tables = TABLES.get_or_init(Default::default);
        let mut tables = tables.lock().unwrap_or_else(PoisonError::into_inner);
        tables
            .entry(tz)
            .or_insert_with(|| Arc::new(Self::read(tz)))
            .clone()
    }

    fn read(tz: Tz) -> Self {
        let offset = |at: i64| {
            let naive = from_secs(at).naive_utc();
            i64::from(tz.offset_from_utc_datetime(&naive).fix().local_minus_utc())
        };
        let mut starts = vec![Self::FROM];
        let mut offsets = vec![offset(Self::FROM)];
        let mut at = Self::FROM;
        let mut current = offsets[0];
        while at < Self::UNTIL {
            let next = at + Self::STEP;
            if offset(next) != current {
                // The change lies in (at, next]: find its first second.
                let (mut lo, mut hi) = (at, next);
                while hi - lo > 1 {
                    let mid = lo + (hi - lo) / 2;
                    if offset(mid) == current {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                current = offset(hi);
                starts.push(hi);
                offsets.push(current);
            }
            at = next;
        }
        Self { starts, offsets }
    }

    fn offset_at(&self, instant: i64) -> Option<i64> {
        if !(Self::FROM..Self::UNTIL).contains(&instant) {
            return None;
        }
        let index = self.starts.partition_point(|&start| start <= instant);
        self.offsets.get(index.checked_sub(1)?).copied()
    }
}

fn naive(local: i64) -> NaiveDateTime {
    from_secs(local).naive_utc()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveTime;

    fn zone(name: &str) -> Zone {
        Zone::new(name.parse().expect("zone"))
    }

    fn utc(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(s)
            .expect("instant")
            .timestamp()
    }

    fn wall(h: i64, m: i64) -> i64 {
        h * 3600 + m * 60
    }

    fn day(zone: &Zone, date: &str) -> LocalDay {
        zone.day(date_to_day(date.parse().expect("date")))
    }

    #[test]
    fn dates_and_day_numbers_round_trip() {
        let d: NaiveDate = "2026-11-28".parse().expect("date");
        assert_eq!(day_to_date(date_to_day(d)), d);
        assert_eq!(date_to_day("1970-01-01".parse().expect("date")), 0);
        let _ = NaiveTime::MIN;
    }

    #[test]
    fn spring_forward_gap_maps_to_the_jump() {
        // New York, 2026-03-08: 02:00 EST jumps to 03:00 EDT at 07:00 UTC.
        let ny = zone("America/New_York");
        let d = day(&ny, "2026-03-08");
        assert_eq!(d.end - d.start, 23 * 3600);
        let jump = utc("2026-03-08T07:00:00Z");
        assert_eq!(ny.start_of(&d, wall(2, 30)), jump);
        assert_eq!(ny.end_of(&d, wall(2, 30)), jump);
        assert_eq!(ny.start_of(&d, wall(3, 0)), jump);
        assert_eq!(ny.start_of(&d, wall(1, 59)), utc("2026-03-08T06:59:00Z"));
    }

    #[test]
    fn fall_back_overlap_starts_first_and_ends_last() {
        // New York, 2026-11-01: 02:00 EDT falls back to 01:00 EST at 06:00 UTC.
        let ny = zone("America/New_York");
        let d = day(&ny, "2026-11-01");
        assert_eq!(d.end - d.start, 25 * 3600);
        assert_eq!(ny.start_of(&d, wall(1, 30)), utc("2026-11-01T05:30:00Z"));
        assert_eq!(ny.end_of(&d, wall(1, 30)), utc("2026-11-01T06:30:00Z"));
        assert_eq!(ny.end_of(&d, 86_400), utc("2026-11-02T05:00:00Z"));
        // 01:00 starts the repeated hour: the clock never reads 00:59 again after 01:00 EDT.
        assert_eq!(ny.end_of(&d, wall(1, 0)), utc("2026-11-01T05:00:00Z"));
        assert_eq!(ny.end_of(&d, wall(2, 0)), utc("2026-11-01T07:00:00Z"));
    }

    #[test]
    fn lord_howe_half_hour_shift() {
        // Lord Howe, 2026-10-04: 02:00 +10:30 jumps to 02:30 +11:00.
        let lh = zone("Australia/Lord_Howe");
        let d = day(&lh, "2026-10-04");
        assert_eq!(d.end - d.start, DAY - 1800);
        assert_eq!(lh.start_of(&d, wall(2, 15)), lh.start_of(&d, wall(2, 30)));
    }

    #[test]
    fn day_of_finds_the_local_date() {
        let ny = zone("America/New_York");
        let (d, w) = ny.local(utc("2026-11-28T04:59:00Z"));
        assert_eq!(day_to_date(d).to_string(), "2026-11-27");
        assert_eq!(w, wall(23, 59));
        let ld = ny.day_of(utc("2026-11-01T12:00:00Z"));
        assert_eq!(ld, day(&ny, "2026-11-01"));
        assert_eq!(ld.uniform_offset, None);
    }
}
