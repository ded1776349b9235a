//! The server's clock as seen from here. Deadlines (MR-1) are the server's, so countdowns
//! run on `server_now`, not on the local clock, which may be minutes off.
//!
//! Each exchange gives a sample: the local time the request left, the server's time in the
//! answer, the local time the answer arrived. Assuming the server stamped it halfway
//! (NTP-style), offset = server − (sent + rtt/2), with an error of at most rtt/2; so among
//! recent samples the one with the smallest round trip is the most trustworthy.

use chrono::{DateTime, Duration, Utc};
use std::collections::VecDeque;

/// How many recent samples are kept: old ones age out so a changed local clock (manual
/// change, sleep/wake) is picked up.
pub const DEFAULT_SAMPLES: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockSample {
    pub sent: DateTime<Utc>,
    pub server_time: DateTime<Utc>,
    pub received: DateTime<Utc>,
}

impl ClockSample {
    pub fn round_trip(&self) -> Duration {
        self.received - self.sent
    }

    /// Server clock minus local clock.
    pub fn offset(&self) -> Duration {
        let midpoint = self.sent + self.round_trip() / 2;
        self.server_time - midpoint
    }
}

#[derive(Debug, Clone)]
pub struct SkewEstimator {
    samples: VecDeque<ClockSample>,
    capacity: usize,
}

impl Default for SkewEstimator {
    fn default() -> Self {
        Self::new(DEFAULT_SAMPLES)
    }
}

impl SkewEstimator {
    pub fn new(capacity: usize) -> Self {
        Self {
            samples: VecDeque::new(),
            capacity: capacity.max(1),
        }
    }

    /// Records an exchange; a sample whose answer came back before it left (the local
    /// clock jumped) is ignored and `false` returned.
    pub fn add(&mut self, sample: ClockSample) -> bool {
        if sample.round_trip() < Duration::zero() {
            return false;
        }
        if self.samples.len() == self.capacity {
            self.samples.pop_front();
        }
        self.samples.push_back(sample);
        true
    }

    /// The minimum-round-trip sample of the recent ones (the latest on ties).
    pub fn best(&self) -> Option<&ClockSample> {
        self.samples.iter().rev().min_by_key(|s| s.round_trip())
    }

    /// Server minus local; zero until the first sample.
    pub fn offset(&self) -> Duration {
        self.best().map_or_else(Duration::zero, ClockSample::offset)
    }

    /// How far off the estimate may be (half the best round trip).
    pub fn uncertainty(&self) -> Option<Duration> {
        self.best().map(|s| s.round_trip() / 2)
    }

    pub fn server_now(&self, local_now: DateTime<Utc>) -> DateTime<Utc> {
        local_now + self.offset()
    }
}

/// Time left until a server deadline (an offer's, MR-1), never negative.
pub fn countdown(deadline: DateTime<Utc>, server_now: DateTime<Utc>) -> Duration {
    (deadline - server_now).max(Duration::zero())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("instant")
    }

    fn sample(sent: &str, server: &str, received: &str) -> ClockSample {
        ClockSample {
            sent: at(sent),
            server_time: at(server),
            received: at(received),
        }
    }

    #[test]
    fn offset_is_taken_at_the_midpoint_of_the_round_trip() {
        // Left 10:00:00, back 10:00:02; the server said 10:01:01 → server is 60 s ahead.
        let s = sample(
            "2026-12-07T10:00:00Z",
            "2026-12-07T10:01:01Z",
            "2026-12-07T10:00:02Z",
        );
        assert_eq!(s.offset(), Duration::seconds(60));
        let mut est = SkewEstimator::default();
        assert!(est.add(s));
        assert_eq!(
            est.server_now(at("2026-12-07T10:05:00Z")),
            at("2026-12-07T10:06:00Z")
        );
        assert_eq!(est.uncertainty(), Some(Duration::seconds(1)));
    }

    #[test]
    fn no_sample_means_the_local_clock() {
        let est = SkewEstimator::default();
        let now = at("2026-12-07T10:00:00Z");
        assert_eq!(est.server_now(now), now);
        assert_eq!(est.uncertainty(), None);
    }

    #[test]
    fn the_fastest_recent_exchange_wins() {
        let mut est = SkewEstimator::new(3);
        // Slow exchange, asymmetric delay: says +50 s.
        est.add(sample(
            "2026-12-07T10:00:00Z",
            "2026-12-07T10:00:55Z",
            "2026-12-07T10:00:10Z",
        ));
        // Fast exchange: +30 s, trustworthy.
        est.add(sample(
            "2026-12-07T10:01:00Z",
            "2026-12-07T10:01:30.100Z",
            "2026-12-07T10:01:00.200Z",
        ));
        assert_eq!(est.offset(), Duration::seconds(30));
        // Two more slow ones, and the fast one ages out of a window of three.
        for minute in ["02", "03", "04"] {
            est.add(sample(
                &format!("2026-12-07T10:{minute}:00Z"),
                &format!("2026-12-07T10:{minute}:45Z"),
                &format!("2026-12-07T10:{minute}:04Z"),
            ));
        }
        assert_eq!(est.offset(), Duration::seconds(43));
    }

    #[test]
    fn a_sample_with_a_negative_round_trip_is_ignored() {
        let mut est = SkewEstimator::default();
        assert!(!est.add(sample(
            "2026-12-07T10:00:05Z",
            "2026-12-07T10:00:00Z",
            "2026-12-07T10:00:00Z",
        )));
        assert!(est.best().is_none());
    }

    #[test]
    fn rule_mr_1_countdown_runs_on_the_server_clock() {
        // The local clock is 2 minutes slow: the offer has 13 minutes left, not 15.
        let mut est = SkewEstimator::default();
        est.add(sample(
            "2026-12-07T10:00:00Z",
            "2026-12-07T10:02:00Z",
            "2026-12-07T10:00:00Z",
        ));
        let deadline = at("2026-12-07T10:15:00Z");
        let server_now = est.server_now(at("2026-12-07T10:00:00Z"));
        assert_eq!(countdown(deadline, server_now), Duration::minutes(13));
        assert_eq!(
            countdown(deadline, at("2026-12-07T10:20:00Z")),
            Duration::zero()
        );
    }
}
