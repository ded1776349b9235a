//! Standard Hours of Availability: one entry per day of the week (AV-1, AV-3, AV-4).

use super::wall_time::WallTime;
use crate::{Rule, ValidationCode, ValidationError, ValidationErrors};
use chrono::Weekday;
use serde::{Deserialize, Serialize};

/// A period inside the day's hours when the agent is not available, e.g. lunch (AV-4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Break {
    pub start: WallTime,
    pub end: WallTime,
}

/// One day of the week: whether it is taken in (AV-3), its hours and its breaks.
///
/// A day switched off keeps its hours, so switching it back on restores them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct DaySchedule {
    pub enabled: bool,
    pub start: WallTime,
    pub end: WallTime,
    #[serde(default)]
    pub breaks: Vec<Break>,
}

impl DaySchedule {
    /// 8:00 a.m. to 5:00 p.m., the program's default hours (AV-1).
    pub fn standard(enabled: bool) -> Self {
        Self {
            enabled,
            start: WallTime(8 * 60),
            end: WallTime(17 * 60),
            breaks: Vec::new(),
        }
    }

    /// Every problem with this day; `field` is the day's path, e.g. `weekly.monday`.
    pub fn validate(&self, field: &str) -> ValidationErrors {
        let mut errors = ValidationErrors::new();
        if self.start == WallTime::END_OF_DAY {
            errors.push(ValidationError::new(
                format!("{field}.start"),
                Rule::Av1,
                ValidationCode::OutOfRange,
                "hours cannot start at 24:00; use 00:00",
            ));
        }
        if self.end <= self.start {
            errors.push(ValidationError::new(
                format!("{field}.end"),
                Rule::Av1,
                ValidationCode::EndNotAfterStart,
                format!(
                    "the end ({}) must be after the start ({})",
                    self.end, self.start
                ),
            ));
        }
        let mut sorted: Vec<(usize, &Break)> = self.breaks.iter().enumerate().collect();
        sorted.sort_by_key(|(_, b)| (b.start, b.end));
        for (i, b) in &sorted {
            let path = format!("{field}.breaks[{i}]");
            if b.end <= b.start {
                errors.push(ValidationError::new(
                    format!("{path}.end"),
                    Rule::Av4,
                    ValidationCode::EndNotAfterStart,
                    format!(
                        "the break's end ({}) must be after its start ({})",
                        b.end, b.start
                    ),
                ));
            } else if b.start < self.start || b.end > self.end {
                errors.push(ValidationError::new(
                    path,
                    Rule::Av4,
                    ValidationCode::BreakOutsideHours,
                    format!(
                        "the break {}–{} must lie inside the hours {}–{}",
                        b.start, b.end, self.start, self.end
                    ),
                ));
            }
        }
        for pair in sorted.windows(2) {
            let ((_, a), (j, b)) = (pair[0], pair[1]);
            if b.start < a.end {
                errors.push(ValidationError::new(
                    format!("{field}.breaks[{j}]"),
                    Rule::Av4,
                    ValidationCode::BreaksOverlap,
                    format!(
                        "the break {}–{} overlaps the break {}–{}",
                        b.start, b.end, a.start, a.end
                    ),
                ));
            }
        }
        errors
    }

    /// The breaks in time order (the engine relies on it).
    pub(crate) fn sorted_breaks(&self) -> Vec<Break> {
        let mut breaks = self.breaks.clone();
        breaks.sort_by_key(|b| (b.start, b.end));
        breaks
    }
}

/// The Standard Hours of Availability for each day of the week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct WeeklySchedule {
    pub monday: DaySchedule,
    pub tuesday: DaySchedule,
    pub wednesday: DaySchedule,
    pub thursday: DaySchedule,
    pub friday: DaySchedule,
    pub saturday: DaySchedule,
    pub sunday: DaySchedule,
}

impl Default for WeeklySchedule {
    /// Monday to Friday, 8:00 a.m. to 5:00 p.m. (AV-1); Saturday and Sunday off (AV-3).
    fn default() -> Self {
        Self {
            monday: DaySchedule::standard(true),
            tuesday: DaySchedule::standard(true),
            wednesday: DaySchedule::standard(true),
            thursday: DaySchedule::standard(true),
            friday: DaySchedule::standard(true),
            saturday: DaySchedule::standard(false),
            sunday: DaySchedule::standard(false),
        }
    }
}

impl WeeklySchedule {
    pub const WEEKDAYS: [Weekday; 7] = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];

    pub fn day(&self, weekday: Weekday) -> &DaySchedule {
        match weekday {
            Weekday::Mon => &self.monday,
            Weekday::Tue => &self.tuesday,
            Weekday::Wed => &self.wednesday,
            Weekday::Thu => &self.thursday,
            Weekday::Fri => &self.friday,
            Weekday::Sat => &self.saturday,
            Weekday::Sun => &self.sunday,
        }
    }

    pub fn day_mut(&mut self, weekday: Weekday) -> &mut DaySchedule {
        match weekday {
            Weekday::Mon => &mut self.monday,
            Weekday::Tue => &mut self.tuesday,
            Weekday::Wed => &mut self.wednesday,
            Weekday::Thu => &mut self.thursday,
            Weekday::Fri => &mut self.friday,
            Weekday::Sat => &mut self.saturday,
            Weekday::Sun => &mut self.sunday,
        }
    }

    /// The field name of a weekday in the wire form (`"monday"`).
    pub fn field_name(weekday: Weekday) -> &'static str {
        match weekday {
            Weekday::Mon => "monday",
            Weekday::Tue => "tuesday",
            Weekday::Wed => "wednesday",
            Weekday::Thu => "thursday",
            Weekday::Fri => "friday",
            Weekday::Sat => "saturday",
            Weekday::Sun => "sunday",
        }
    }

    /// Every problem in the week; `field` is the schedule's path, e.g. `weekly`.
    pub fn validate(&self, field: &str) -> ValidationErrors {
        let mut errors = ValidationErrors::new();
        for weekday in Self::WEEKDAYS {
            let path = format!("{field}.{}", Self::field_name(weekday));
            errors.extend(self.day(weekday).validate(&path));
        }
        errors
    }

    /// True when at least one day is taken in.
    pub fn has_any_day(&self) -> bool {
        Self::WEEKDAYS.iter().any(|d| self.day(*d).enabled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: u16, m: u16) -> WallTime {
        WallTime::new(h, m).expect("valid time")
    }

    #[test]
    fn rule_av_1_default_is_monday_to_friday_eight_to_five() {
        let week = WeeklySchedule::default();
        for weekday in WeeklySchedule::WEEKDAYS {
            let day = week.day(weekday);
            assert_eq!((day.start, day.end), (t(8, 0), t(17, 0)));
            let workday = !matches!(weekday, Weekday::Sat | Weekday::Sun);
            assert_eq!(day.enabled, workday, "{weekday}");
        }
        assert!(week.validate("weekly").is_empty());
    }

    #[test]
    fn rule_av_1_end_before_start_names_the_field() {
        let mut week = WeeklySchedule::default();
        week.tuesday.end = t(7, 0);
        let errors = week.validate("weekly");
        let e = errors
            .for_field("weekly.tuesday.end")
            .expect("error on tuesday.end");
        assert_eq!(e.rule, Rule::Av1);
        assert_eq!(e.code, ValidationCode::EndNotAfterStart);
        assert_eq!(errors.0.len(), 1);
    }

    #[test]
    fn rule_av_3_a_switched_off_day_keeps_its_hours() {
        let mut week = WeeklySchedule::default();
        week.saturday.enabled = true;
        assert_eq!(week.saturday.start, t(8, 0));
        week.day_mut(Weekday::Sat).enabled = false;
        assert!(!week.saturday.enabled);
        assert!(week.has_any_day());
    }

    #[test]
    fn rule_av_4_breaks_must_lie_inside_hours_and_not_overlap() {
        let mut week = WeeklySchedule::default();
        week.monday.breaks = vec![
            Break {
                start: t(12, 0),
                end: t(13, 0),
            },
            Break {
                start: t(12, 30),
                end: t(12, 45),
            },
            Break {
                start: t(16, 30),
                end: t(17, 30),
            },
            Break {
                start: t(10, 0),
                end: t(10, 0),
            },
        ];
        let errors = week.validate("weekly");
        let overlap = errors
            .for_field("weekly.monday.breaks[1]")
            .expect("overlap");
        assert_eq!(overlap.code, ValidationCode::BreaksOverlap);
        let outside = errors
            .for_field("weekly.monday.breaks[2]")
            .expect("outside");
        assert_eq!(outside.code, ValidationCode::BreakOutsideHours);
        let empty = errors
            .for_field("weekly.monday.breaks[3].end")
            .expect("empty");
        assert_eq!(empty.code, ValidationCode::EndNotAfterStart);
        assert!(errors.iter().all(|e| e.rule == Rule::Av4));
    }

    #[test]
    fn rule_av_4_lunch_every_day_is_valid_and_touching_breaks_are_allowed() {
        let mut week = WeeklySchedule::default();
        for weekday in WeeklySchedule::WEEKDAYS {
            week.day_mut(weekday).breaks = vec![
                Break {
                    start: t(12, 0),
                    end: t(12, 30),
                },
                Break {
                    start: t(12, 30),
                    end: t(13, 0),
                },
            ];
        }
        assert!(week.validate("weekly").is_empty());
    }

    #[test]
    fn hours_may_run_to_midnight_but_not_start_there() {
        let mut day = DaySchedule::standard(true);
        day.end = WallTime::END_OF_DAY;
        assert!(day.validate("d").is_empty());
        day.start = WallTime::END_OF_DAY;
        let errors = day.validate("d");
        assert_eq!(
            errors.for_field("d.start").map(|e| e.code),
            Some(ValidationCode::OutOfRange)
        );
    }
}
