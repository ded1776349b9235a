//! Property tests: the availability engine against a brute-force, minute-by-minute reading
//! of the same rules, over random schedules, Today's Availability and Out of Office, in the
//! zones agents work in, across the DST transitions of 2024–2030.
//!
//! The brute force shares nothing with the engine but the settings types: it reads every
//! minute's local date and wall time from chrono-tz and applies the written rules directly
//! ("an interval covers every instant of its date whose wall time lies inside it, and the
//! time between them").

use chrono::{DateTime, Datelike, NaiveDate, Offset, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use hod_domain::availability::{
    AgentTimeZone, AvailabilityEngine, AvailabilitySettings, Break, DaySchedule, OutOfOffice,
    TodayOverride, TodaySwitch, WallTime, WeeklySchedule,
};
use proptest::prelude::*;
use std::collections::HashMap;

const ZONES: &[&str] = &[
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "America/Adak",
    "Pacific/Honolulu",
    "Europe/London",
    "Australia/Lord_Howe",
];

const MINUTE: i64 = 60;
const RANGE_MINUTES: i64 = 2 * 24 * 60;

fn instant(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).expect("in range")
}

/// Minute-by-minute local readings of a stretch of time, wide enough to hold every local
/// date that touches the range under test.
struct Brute {
    tz: Tz,
    hulls: HashMap<(NaiveDate, u16, u16), Option<(i64, i64)>>,
    minutes: Vec<(i64, NaiveDate, u16)>,
}

impl Brute {
    fn new(tz: Tz, from: i64, to: i64) -> Self {
        let start = from - 2 * 86_400;
        let end = to + 2 * 86_400;
        let minutes = (start / MINUTE..end / MINUTE)
            .map(|m| {
                let local = tz.from_utc_datetime(&instant(m * MINUTE).naive_utc());
                let wall = (local.hour() * 60 + local.minute()) as u16;
                (m * MINUTE, local.date_naive(), wall)
            })
            .collect();
        Self {
            tz,
            hulls: HashMap::new(),
            minutes,
        }
    }

    fn local(&self, at: i64) -> (NaiveDate, u16) {
        let local = self.tz.from_utc_datetime(&instant(at).naive_utc());
        (
            local.date_naive(),
            (local.hour() * 60 + local.minute()) as u16,
        )
    }

    /// The smallest stretch holding every minute of `date` whose wall time is in
    /// `[start, end)`.
    fn hull(&mut self, date: NaiveDate, start: WallTime, end: WallTime) -> Option<(i64, i64)> {
        let key = (date, start.minutes(), end.minutes());
        if let Some(h) = self.hulls.get(&key) {
            return *h;
        }
        let inside = self
            .minutes
            .iter()
            .filter(|(_, d, w)| *d == date && start.minutes() <= *w && *w < end.minutes())
            .map(|(at, _, _)| *at);
        let hull = inside
            .clone()
            .min()
            .zip(inside.max().map(|last| last + MINUTE));
        self.hulls.insert(key, hull);
        hull
    }

    fn available(&mut self, s: &AvailabilitySettings, at: i64) -> bool {
        let now = instant(at);
        if s.out_of_office
            .iter()
            .any(|p| p.from <= now && p.to.is_none_or(|to| now < to))
        {
            return false;
        }
        let (date, _) = self.local(at);
        if let Some(today) = &s.today {
            if today.date == date && today.set_at <= now {
                return match today.switch {
                    TodaySwitch::On { stop_referrals_at } => now < stop_referrals_at,
                    TodaySwitch::Off => false,
                };
            }
        }
        let day = s.weekly.day(date.weekday()).clone();
        if !day.enabled {
            return false;
        }
        let inside = |h: Option<(i64, i64)>| h.is_some_and(|(a, b)| a <= at && at < b);
        if !inside(self.hull(date, day.start, day.end)) {
            return false;
        }
        !day.breaks
            .iter()
            .any(|b| inside(self.hull(date, b.start, b.end)))
    }
}

/// Wall times, half of them drawn from around the hours when clocks change.
fn wall_minute() -> impl Strategy<Value = u16> {
    prop_oneof![
        0u16..1440,
        prop::sample::select(vec![
            0u16, 30, 59, 60, 61, 90, 105, 119, 120, 121, 135, 150, 179, 180, 1380, 1439
        ]),
    ]
}

fn day_schedule() -> impl Strategy<Value = DaySchedule> {
    (
        any::<bool>(),
        wall_minute(),
        wall_minute(),
        any::<bool>(),
        prop::collection::vec(0u16..=1440, 0..6),
    )
        .prop_map(|(enabled, a, b, to_midnight, points)| {
            let (start, mut end) = if a < b {
                (a, b)
            } else if a > b {
                (b, a)
            } else {
                (a, a + 1)
            };
            if to_midnight {
                end = 1440;
            }
            let mut inner: Vec<u16> = points
                .into_iter()
                .map(|p| start + p % (end - start + 1))
                .collect();
            inner.sort_unstable();
            inner.dedup();
            let breaks = inner
                .chunks_exact(2)
                .map(|pair| Break {
                    start: WallTime::from_minutes(pair[0]).expect("minute"),
                    end: WallTime::from_minutes(pair[1]).expect("minute"),
                })
                .collect();
            DaySchedule {
                enabled,
                start: WallTime::from_minutes(start).expect("minute"),
                end: WallTime::from_minutes(end).expect("minute"),
                breaks,
            }
        })
}

fn weekly() -> impl Strategy<Value = WeeklySchedule> {
    prop::array::uniform7(day_schedule()).prop_map(|d| {
        let [monday, tuesday, wednesday, thursday, friday, saturday, sunday] = d;
        WeeklySchedule {
            monday,
            tuesday,
            wednesday,
            thursday,
            friday,
            saturday,
            sunday,
        }
    })
}

/// Instants (whole minutes) at which `zone`'s offset changes in `year`.
fn transitions(tz: Tz, year: i32) -> Vec<i64> {
    let start = Utc
        .with_ymd_and_hms(year, 1, 1, 0, 0, 0)
        .single()
        .expect("date")
        .timestamp();
    let offset = |at: i64| tz.offset_from_utc_datetime(&instant(at).naive_utc()).fix();
    let mut found = Vec::new();
    let mut at = start;
    while at < start + 366 * 86_400 {
        let next = at + 3600;
        if offset(at) != offset(next) {
            let (mut lo, mut hi) = (at, next);
            while hi - lo > MINUTE {
                let mid = lo + (hi - lo) / 2 / MINUTE * MINUTE;
                let mid = if mid == lo { lo + MINUTE } else { mid };
                if offset(mid) == offset(lo) {
                    lo = mid
                } else {
                    hi = mid
                }
            }
            found.push(hi);
        }
        at = next;
    }
    found
}

#[derive(Debug, Clone)]
struct Case {
    settings: AvailabilitySettings,
    from: i64,
}

/// `near_dst`: the range straddles one of the zone's DST transitions (when it has any).
fn case(near_dst: bool) -> impl Strategy<Value = Case> {
    (
        prop::sample::select(ZONES.to_vec()),
        2024i32..=2030,
        any::<prop::sample::Index>(),
        0i64..(3 * 24 * 60),
        weekly(),
        (
            any::<bool>(),
            0i64..RANGE_MINUTES,
            any::<bool>(),
            1i64..1440,
        ),
        prop::collection::vec(
            (
                -1440i64..RANGE_MINUTES + 1440,
                prop::option::weighted(0.8, 1i64..4000),
            ),
            0..3,
        ),
    )
        .prop_map(move |(zone, year, pick, shift, weekly, today, ooo)| {
            let tz: Tz = zone.parse().expect("zone");
            let changes = if near_dst {
                transitions(tz, year)
            } else {
                Vec::new()
            };
            let from = match changes.is_empty() {
                false => pick.get(&changes) - (shift % (36 * 60)) * MINUTE,
                true => {
                    let jan1 = Utc
                        .with_ymd_and_hms(year, 1, 1, 0, 0, 0)
                        .single()
                        .expect("date");
                    jan1.timestamp() + (pick.index(365) as i64 * 1440 + shift % 1440) * MINUTE
                }
            };
            let mut settings = AvailabilitySettings::new(AgentTimeZone::new(tz));
            settings.weekly = weekly;
            let (has_today, at, on, stop_after) = today;
            if has_today {
                let set_at = instant(from + at * MINUTE);
                let date = tz.from_utc_datetime(&set_at.naive_utc()).date_naive();
                let switch = if on {
                    TodaySwitch::On {
                        stop_referrals_at: instant(from + (at + stop_after) * MINUTE),
                    }
                } else {
                    TodaySwitch::Off
                };
                let candidate = TodayOverride {
                    date,
                    set_at,
                    switch,
                };
                // A Stop Referrals time past midnight is refused by validation; keep only
                // overrides an agent could have saved.
                if candidate.validate(&settings, "today").is_empty() {
                    settings.today = Some(candidate);
                }
            }
            settings.out_of_office = ooo
                .into_iter()
                .map(|(start, length)| OutOfOffice {
                    from: instant(from + start * MINUTE),
                    to: length.map(|l| instant(from + (start + l) * MINUTE)),
                })
                .collect();
            Case { settings, from }
        })
}

fn check(case: &Case) -> Result<(), TestCaseError> {
    let s = &case.settings;
    let engine = AvailabilityEngine::new(s).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let to = case.from + RANGE_MINUTES * MINUTE;
    let mut brute = Brute::new(s.time_zone.tz(), case.from, to);
    let truth: Vec<bool> = (0..RANGE_MINUTES)
        .map(|m| brute.available(s, case.from + m * MINUTE))
        .collect();
    // The first minute at or after each minute where the value differs from that minute's.
    let mut next_diff = vec![None; truth.len()];
    for i in (0..truth.len().saturating_sub(1)).rev() {
        next_diff[i] = if truth[i + 1] != truth[i] {
            Some(i + 1)
        } else {
            next_diff[i + 1]
        };
    }
    // The first minute of the run each minute belongs to.
    let mut run_start = vec![0; truth.len()];
    for i in 1..truth.len() {
        run_start[i] = if truth[i] == truth[i - 1] {
            run_start[i - 1]
        } else {
            i
        };
    }
    for (i, &expected) in truth.iter().enumerate() {
        let at = instant(case.from + i as i64 * MINUTE);
        prop_assert_eq!(
            engine.is_available_at(at),
            expected,
            "availability at {}",
            at
        );
        let boundary = i == 0 || truth[i - 1] != expected || next_diff[i] == Some(i + 1);
        if boundary || i % 17 == 0 {
            let status = engine.status_at(at);
            prop_assert_eq!(status.available, expected);
            prop_assert_eq!(
                status.reason.is_available(),
                expected,
                "reason {:?}",
                status.reason
            );
            match next_diff[i] {
                Some(j) => prop_assert_eq!(
                    status.until,
                    Some(instant(case.from + j as i64 * MINUTE)),
                    "next change after {}",
                    at
                ),
                None => prop_assert!(
                    status.until.is_none_or(|u| u >= instant(to)),
                    "no change expected before {} but engine says {:?}",
                    instant(to),
                    status.until
                ),
            }
            prop_assert_eq!(status.until, engine.next_change_after(at));
            let since = engine.available_since(at);
            if !expected {
                prop_assert_eq!(since, None);
            } else if run_start[i] > 0 {
                let start = instant(case.from + run_start[i] as i64 * MINUTE);
                prop_assert_eq!(since, Some(start), "available since, at {}", at);
            } else {
                prop_assert!(since.is_some_and(|s| s <= instant(case.from)));
            }
        }
    }
    // The week view agrees with the minutes too.
    let windows = engine.windows_between(instant(case.from), instant(to));
    let mut covered = vec![false; truth.len()];
    for w in &windows {
        prop_assert!(w.start < w.end);
        let a = (w.start.timestamp() - case.from) / MINUTE;
        let b = (w.end.timestamp() - case.from) / MINUTE;
        covered[a as usize..b as usize]
            .iter_mut()
            .for_each(|c| *c = true);
    }
    prop_assert_eq!(covered, truth);
    Ok(())
}

/// 1,000 cases per property by default (CI); `PROPTEST_CASES` asks for more.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1000)
        .max(1000)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn engine_matches_brute_force_across_dst_transitions(c in case(true)) {
        check(&c)?;
    }

    #[test]
    fn engine_matches_brute_force_on_any_day(c in case(false)) {
        check(&c)?;
    }
}

#[test]
fn transitions_are_found_where_clocks_change() {
    let ny: Tz = "America/New_York".parse().expect("zone");
    let found: Vec<_> = transitions(ny, 2026).into_iter().map(instant).collect();
    assert_eq!(
        found,
        vec![
            "2026-03-08T07:00:00Z"
                .parse::<DateTime<Utc>>()
                .expect("instant"),
            "2026-11-01T06:00:00Z"
                .parse::<DateTime<Utc>>()
                .expect("instant"),
        ]
    );
    let phoenix: Tz = "America/Phoenix".parse().expect("zone");
    assert!(transitions(phoenix, 2026).is_empty());
    let _ = Utc
        .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .map(|d| d.year());
}
