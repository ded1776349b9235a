//! The availability engine: is the agent available at an instant, why, and until when.
//!
//! Precedence, highest first (the same order the dispatcher relies on):
//! 1. Out of Office (AV-7): nothing gets through, not even Today's Availability.
//! 2. Today's Availability (AV-6), from the moment it was switched until local midnight.
//! 3. The Standard Hours of that weekday (AV-1, AV-3) minus its breaks (AV-4).
//!
//! Availability is piecewise constant. [`AvailabilityEngine::eval`] returns the value at an
//! instant and the end of the stretch over which none of its inputs can change; every query
//! walks those stretches, so nothing is sampled and nothing is missed.

use super::local_time::{from_secs, to_secs, LocalDay, Zone};
use super::settings::AvailabilitySettings;
use super::today::TodaySwitch;
use crate::{Rule, ValidationErrors};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

const DAY: i64 = 86_400;
/// How far past the last dated event (Out of Office end, today's midnight) a search for the
/// next change goes before it concludes that nothing ever changes again. Two weeks covers
/// any weekly schedule, including one whose only hours fall into a DST gap.
const SEARCH_HORIZON: i64 = 15 * DAY;

/// Why an agent is or is not available.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum AvailabilityReason {
    /// Inside today's Standard Hours (AV-1).
    StandardHours,
    /// Today's Availability is On (AV-6).
    TodayOn,
    /// Out of Office (AV-7).
    OutOfOffice,
    /// Today's Availability is Off (AV-6).
    TodayOff,
    /// Today's Availability was On and its Stop Referrals time has passed (AV-6).
    ReferralsStopped,
    /// In a break (AV-4).
    OnBreak,
    /// Before today's Standard Hours (AV-1).
    BeforeHours,
    /// After today's Standard Hours (AV-1).
    AfterHours,
    /// The weekday is switched off (AV-3).
    DayOff,
}

impl AvailabilityReason {
    pub fn is_available(self) -> bool {
        matches!(self, Self::StandardHours | Self::TodayOn)
    }

    pub fn rule(self) -> Rule {
        match self {
            Self::StandardHours | Self::BeforeHours | Self::AfterHours => Rule::Av1,
            Self::TodayOn | Self::TodayOff | Self::ReferralsStopped => Rule::Av6,
            Self::OutOfOffice => Rule::Av7,
            Self::OnBreak => Rule::Av4,
            Self::DayOff => Rule::Av3,
        }
    }
}

/// The answer to "can this agent take a referral now?".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct AvailabilityStatus {
    pub available: bool,
    pub reason: AvailabilityReason,
    /// When `available` next flips; `None` when it never does (e.g. Out of Office with No
    /// End Date, or no day of the week taken in).
    pub until: Option<DateTime<Utc>>,
}

/// A stretch of time with one availability and one reason, for a week view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct AvailabilitySegment {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub available: bool,
    pub reason: AvailabilityReason,
}

/// A stretch of time in which the agent is available.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AvailabilityWindow {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

#[derive(Debug, Clone)]
struct DayRule {
    enabled: bool,
    /// Wall times in seconds since local midnight.
    start: i64,
    end: i64,
    breaks: Vec<(i64, i64)>,
}

#[derive(Debug, Clone, Copy)]
struct TodayRule {
    from: i64,
    /// Local midnight at the end of the override's date.
    until: i64,
    /// `Some` when switched On.
    stop: Option<i64>,
}

#[derive(Debug, Clone, Copy)]
struct Eval {
    available: bool,
    reason: AvailabilityReason,
    /// End of the stretch that starts at the evaluated instant; `None` = forever.
    next: Option<i64>,
}

/// Availability settings compiled for fast queries. Build one per settings change.
///
/// ```
/// use hod_domain::availability::{AgentTimeZone, AvailabilityEngine, AvailabilitySettings};
///
/// let zone = AgentTimeZone::parse("time_zone", "America/Chicago").unwrap();
/// let engine = AvailabilityEngine::new(&AvailabilitySettings::new(zone)).unwrap();
/// // Monday 7 December 2026, 10:00 in Chicago: inside the default 8:00–17:00 hours.
/// let status = engine.status_at("2026-12-07T16:00:00Z".parse().unwrap());
/// assert!(status.available);
/// assert_eq!(status.until, Some("2026-12-07T23:00:00Z".parse().unwrap()));
/// ```
#[derive(Debug, Clone)]
pub struct AvailabilityEngine {
    zone: Zone,
    /// Indexed by days from Monday.
    days: [DayRule; 7],
    today: Option<TodayRule>,
    /// Out of Office periods, merged where they touch, in time order.
    out_of_office: Vec<(i64, Option<i64>)>,
    /// The last dated event; the search for a change gives up a horizon after it.
    last_event: i64,
}

impl AvailabilityEngine {
    /// Validates the settings and compiles them.
    pub fn new(settings: &AvailabilitySettings) -> Result<Self, ValidationErrors> {
        let errors = settings.validate();
        if !errors.is_empty() {
            return Err(errors);
        }
        let zone = Zone::new(settings.time_zone.tz());
        let days = super::schedule::WeeklySchedule::WEEKDAYS.map(|weekday| {
            let day = settings.weekly.day(weekday);
            DayRule {
                enabled: day.enabled,
                start: day.start.seconds(),
                end: day.end.seconds(),
                breaks: day
                    .sorted_breaks()
                    .iter()
                    .map(|b| (b.start.seconds(), b.end.seconds()))
                    .collect(),
            }
        });
        let today = settings.today.map(|t| TodayRule {
            from: to_secs(t.set_at),
            until: to_secs(t.expires_at(settings)),
            stop: match t.switch {
                TodaySwitch::On { stop_referrals_at } => Some(to_secs(stop_referrals_at)),
                TodaySwitch::Off => None,
            },
        });
        let out_of_office = merge_periods(
            settings
                .out_of_office
                .iter()
                .map(|p| (to_secs(p.from), p.to.map(to_secs))),
        );
        let last_event = out_of_office
            .iter()
            .map(|&(from, to)| to.unwrap_or(from))
            .chain(today.map(|t| t.until))
            .max()
            .unwrap_or(i64::MIN);
        Ok(Self {
            zone,
            days,
            today,
            out_of_office,
            last_event,
        })
    }

    /// Available or not at `instant`, why, and until when.
    pub fn status_at(&self, instant: DateTime<Utc>) -> AvailabilityStatus {
        let at = to_secs(instant);
        let mut day = None;
        let now = self.eval(at, &mut day);
        AvailabilityStatus {
            available: now.available,
            reason: now.reason,
            until: self.next_flip(at, now, &mut day).map(from_secs),
        }
    }

    /// Whether the agent is available at `instant` (AV-8: only then may a referral be sent).
    pub fn is_available_at(&self, instant: DateTime<Utc>) -> bool {
        self.eval(to_secs(instant), &mut None).available
    }

    /// The first instant after `instant` at which availability flips, if it ever does.
    pub fn next_change_after(&self, instant: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let at = to_secs(instant);
        let mut day = None;
        let now = self.eval(at, &mut day);
        self.next_flip(at, now, &mut day).map(from_secs)
    }

    /// When the stretch of availability that holds at `instant` began; `None` when the agent
    /// is not available then. The dispatcher counts an agent's wait from here ("in order of
    /// arrival"). An agent available for longer than the search horizon gets the horizon.
    pub fn available_since(&self, instant: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let at = to_secs(instant);
        if !self.eval(at, &mut None).available {
            return None;
        }
        for lookback in [DAY, SEARCH_HORIZON] {
            let from = at - lookback;
            let (mut x, mut run_start, mut day) = (from, None, None);
            while x <= at {
                let e = self.eval(x, &mut day);
                if e.available {
                    run_start.get_or_insert(x);
                } else {
                    run_start = None;
                }
                match e.next {
                    Some(next) => x = next,
                    None => break,
                }
            }
            if let Some(start) = run_start.filter(|&start| start > from) {
                return Some(from_secs(start));
            }
        }
        Some(from_secs(at - SEARCH_HORIZON))
    }

    /// Every stretch of constant availability and reason covering `[from, to)`.
    pub fn segments_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Vec<AvailabilitySegment> {
        let end = to_secs(to);
        let mut at = to_secs(from);
        let mut segments: Vec<AvailabilitySegment> = Vec::new();
        let mut day = None;
        while at < end {
            let e = self.eval(at, &mut day);
            let stop = e.next.map_or(end, |next| next.min(end));
            match segments.last_mut() {
                Some(last) if last.available == e.available && last.reason == e.reason => {
                    last.end = from_secs(stop);
                }
                _ => segments.push(AvailabilitySegment {
                    start: from_secs(at),
                    end: from_secs(stop),
                    available: e.available,
                    reason: e.reason,
                }),
            }
            at = stop;
        }
        segments
    }

    /// The stretches of `[from, to)` in which the agent is available.
    pub fn windows_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Vec<AvailabilityWindow> {
        let mut windows: Vec<AvailabilityWindow> = Vec::new();
        for s in self
            .segments_between(from, to)
            .into_iter()
            .filter(|s| s.available)
        {
            match windows.last_mut() {
                Some(last) if last.end == s.start => last.end = s.end,
                _ => windows.push(AvailabilityWindow {
                    start: s.start,
                    end: s.end,
                }),
            }
        }
        windows
    }

    fn next_flip(&self, at: i64, now: Eval, day: &mut Option<LocalDay>) -> Option<i64> {
        let limit = at.max(self.last_event).saturating_add(SEARCH_HORIZON);
        let mut next = now.next?;
        while next <= limit {
            let e = self.eval(next, day);
            if e.available != now.available {
                return Some(next);
            }
            next = e.next?;
        }
        None
    }

    /// `day` caches the local day last looked up: successive calls mostly fall in it.
    fn eval(&self, at: i64, day: &mut Option<LocalDay>) -> Eval {
        // 1. Out of Office beats everything.
        let mut bound = None;
        for &(from, to) in &self.out_of_office {
            if at < from {
                bound = Some(from);
                break;
            }
            if to.is_none_or(|to| at < to) {
                return Eval {
                    available: false,
                    reason: AvailabilityReason::OutOfOffice,
                    next: to,
                };
            }
        }
        // 2. Today's Availability, from its switch to midnight.
        if let Some(today) = self.today {
            if today.from <= at && at < today.until {
                let (available, reason, end) = match today.stop {
                    Some(stop) if at < stop => (true, AvailabilityReason::TodayOn, stop),
                    Some(_) => (false, AvailabilityReason::ReferralsStopped, today.until),
                    None => (false, AvailabilityReason::TodayOff, today.until),
                };
                return Eval {
                    available,
                    reason,
                    next: Some(min_bound(end, bound)),
                };
            }
            if at < today.from {
                bound = Some(min_bound(today.from, bound));
            }
        }
        // 3. The weekday's Standard Hours and breaks.
        let day = match *day {
            Some(d) if d.start <= at && at < d.end => d,
            _ => *day.insert(self.zone.day_of(at)),
        };
        let rule = &self.days[weekday_index(day.day)];
        let (available, reason, end) = self.eval_hours(rule, &day, at);
        Eval {
            available,
            reason,
            next: Some(min_bound(end, bound)),
        }
    }

    fn eval_hours(
        &self,
        rule: &DayRule,
        day: &LocalDay,
        at: i64,
    ) -> (bool, AvailabilityReason, i64) {
        use AvailabilityReason::*;
        if !rule.enabled {
            return (false, DayOff, day.end);
        }
        let start = self.zone.start_of(day, rule.start);
        if at < start {
            return (false, BeforeHours, start);
        }
        let end = self.zone.end_of(day, rule.end);
        if at >= end {
            return (false, AfterHours, day.end);
        }
        for &(break_start, break_end) in &rule.breaks {
            let break_start = self.zone.start_of(day, break_start);
            if at < break_start {
                return (true, StandardHours, break_start);
            }
            let break_end = self.zone.end_of(day, break_end);
            if at < break_end {
                return (false, OnBreak, break_end);
            }
        }
        (true, StandardHours, end)
    }
}

fn min_bound(end: i64, bound: Option<i64>) -> i64 {
    bound.map_or(end, |b| b.min(end))
}

/// Monday = 0; 1970-01-01 (day 0) was a Thursday.
fn weekday_index(day: i64) -> usize {
    (day + 3).rem_euclid(7) as usize
}

/// Sorts periods and merges those that overlap or touch; `None` is an open end.
fn merge_periods(periods: impl Iterator<Item = (i64, Option<i64>)>) -> Vec<(i64, Option<i64>)> {
    let mut sorted: Vec<_> = periods.collect();
    sorted.sort_by_key(|&(from, _)| from);
    let mut merged: Vec<(i64, Option<i64>)> = Vec::with_capacity(sorted.len());
    for (from, to) in sorted {
        match merged.last_mut() {
            Some((_, last_to)) if last_to.is_none_or(|end| from <= end) => {
                *last_to = match (*last_to, to) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    _ => None,
                };
            }
            _ => merged.push((from, to)),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_office_periods_merge_when_they_touch_or_overlap() {
        let merged = merge_periods(
            [
                (10, Some(20)),
                (0, Some(5)),
                (20, Some(25)),
                (30, None),
                (40, Some(50)),
            ]
            .into_iter(),
        );
        assert_eq!(merged, vec![(0, Some(5)), (10, Some(25)), (30, None)]);
    }

    #[test]
    fn weekday_index_counts_from_monday() {
        assert_eq!(weekday_index(0), 3); // Thursday 1970-01-01
        assert_eq!(weekday_index(4), 0); // Monday 1970-01-05
        assert_eq!(weekday_index(-1), 2);
    }
}
