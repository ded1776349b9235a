//! Where "now" comes from.
//!
//! Every store method and every rule takes the instant as an argument; the server reads it
//! from one [`Clock`], so tests can move time (session expiry, login throttling, and later
//! accept windows) without sleeping.

use chrono::{DateTime, Duration, DurationRound, Utc};
use std::fmt::Debug;
use std::sync::Mutex;
use tokio::sync::watch;

/// A source of the current instant.
pub trait Clock: Debug + Send + Sync + 'static {
    /// The current instant, truncated to whole milliseconds so that every backend stores and
    /// returns exactly the same value.
    fn now(&self) -> DateTime<Utc>;

    /// For clocks that jump (tests): a receiver that changes whenever the clock is moved,
    /// so timer loops wake at once instead of sleeping in real time.
    fn moves(&self) -> Option<watch::Receiver<DateTime<Utc>>> {
        None
    }
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        truncate_to_millis(Utc::now())
    }
}

/// A clock that only moves when told to; for tests and simulations.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<DateTime<Utc>>,
    moved: watch::Sender<DateTime<Utc>>,
}

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        let start = truncate_to_millis(start);
        Self {
            now: Mutex::new(start),
            moved: watch::Sender::new(start),
        }
    }

    /// Moves the clock forward (or back, with a negative duration).
    pub fn advance(&self, by: Duration) {
        let mut now = self
            .now
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *now = truncate_to_millis(*now + by);
        self.moved.send_replace(*now);
    }

    pub fn set(&self, to: DateTime<Utc>) {
        let to = truncate_to_millis(to);
        *self
            .now
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = to;
        self.moved.send_replace(to);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self
            .now
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn moves(&self) -> Option<watch::Receiver<DateTime<Utc>>> {
        Some(self.moved.subscribe())
    }
}

/// Drops sub-millisecond precision (SQLite stores milliseconds, PostgreSQL microseconds).
pub fn truncate_to_millis(instant: DateTime<Utc>) -> DateTime<Utc> {
    instant
        .duration_trunc(Duration::milliseconds(1))
        .unwrap_or(instant)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let start = Utc
            .with_ymd_and_hms(2026, 1, 5, 9, 0, 0)
            .single()
            .expect("valid");
        let clock = ManualClock::new(start);
        assert_eq!(clock.now(), start);
        clock.advance(Duration::minutes(15));
        assert_eq!(clock.now(), start + Duration::minutes(15));
    }

    #[test]
    fn system_clock_has_millisecond_precision() {
        let now = SystemClock.now();
        assert_eq!(now.timestamp_subsec_nanos() % 1_000_000, 0);
    }
}
