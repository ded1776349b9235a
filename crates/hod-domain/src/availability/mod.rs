//! Availability (AV-1..AV-8): when an agent can be sent a referral.
//!
//! An agent sets Standard Hours per weekday with breaks, may switch Today's Availability on
//! or off for today only, and may be Out of Office. [`AvailabilityEngine`] answers, for any
//! instant, whether the agent is available, why, and until when — the question the
//! dispatcher asks before every offer (AV-8) and the tray shows all day.
//!
//! All instants are UTC; hours are wall-clock times in the agent's IANA zone, mapped to
//! instants by the DST rules written in [`local_time`](self#dst).
//!
//! # DST
//! A wall time that does not exist (spring forward) means the instant the clocks jump; one
//! that happens twice (fall back) means its first occurrence for a start; an end is the
//! moment the clock last shows a time before it. So an interval covers every moment its wall
//! times show and is never split.

mod engine;
mod local_time;
mod out_of_office;
mod schedule;
mod settings;
mod today;
mod wall_time;

pub use engine::{
    AvailabilityEngine, AvailabilityReason, AvailabilitySegment, AvailabilityStatus,
    AvailabilityWindow,
};
pub use out_of_office::OutOfOffice;
pub use schedule::{Break, DaySchedule, WeeklySchedule};
pub use settings::{AgentTimeZone, AvailabilitySettings};
pub use today::{TodayOverride, TodaySwitch};
pub use wall_time::WallTime;

/// Resolves a local date and wall time to an instant by the DST rules: `as_end` reads it as
/// an end (the moment the clock last shows an earlier time), otherwise as a start (its first
/// occurrence); a time that does not exist means the instant the clocks jump. Used for Out of Office From/To
/// dates picked on the screen.
pub fn local_to_instant(
    time_zone: AgentTimeZone,
    date: chrono::NaiveDate,
    time: WallTime,
    as_end: bool,
) -> chrono::DateTime<chrono::Utc> {
    let zone = local_time::Zone::new(time_zone.tz());
    let day = zone.day(local_time::date_to_day(date));
    let secs = if as_end {
        zone.end_of(&day, time.seconds())
    } else {
        zone.start_of(&day, time.seconds())
    };
    local_time::from_secs(secs)
}
