//! "Now" on the server's clock. The local clock ([`WallClock`]) may be minutes off; every
//! HTTP exchange gives a [`ClockSample`] (local send time, the server's time from its answer,
//! local receive time) to the shared [`SkewEstimator`], and countdowns (MR-1) run on
//! [`ServerClock::server_now`].
//!
//! The server's time is read from `X-Server-Time` (RFC 3339, milliseconds, the server's own
//! clock), else from the standard `Date` header (whole seconds).

use crate::clock::{countdown, ClockSample, SkewEstimator};
use chrono::{DateTime, Duration, Utc};
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

/// The header the server stamps every response with.
pub const SERVER_TIME_HEADER: &str = "x-server-time";

/// The local clock.
pub trait WallClock: Send + Sync + fmt::Debug {
    fn now(&self) -> DateTime<Utc>;
}

/// The operating system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl WallClock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// The system clock moved by a fixed amount: a machine whose clock is wrong.
#[derive(Debug, Clone, Copy)]
pub struct ShiftedClock {
    pub shift: Duration,
}

impl WallClock for ShiftedClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.shift
    }
}

/// The local clock plus the skew estimated from the server's answers.
#[derive(Debug, Clone)]
pub struct ServerClock {
    local: Arc<dyn WallClock>,
    skew: Arc<Mutex<SkewEstimator>>,
    /// The offset remembered from the last run, used until this run has a sample: after a
    /// restart with no network, countdowns and optimistic effects still run on server time.
    seed: Arc<Mutex<Option<Duration>>>,
}

impl ServerClock {
    pub fn new(local: Arc<dyn WallClock>) -> Self {
        Self {
            local,
            skew: Arc::new(Mutex::new(SkewEstimator::default())),
            seed: Arc::new(Mutex::new(None)),
        }
    }

    /// The offset to assume until the first exchange of this run.
    pub fn seed(&self, offset: Duration) {
        *self.seed.lock().unwrap_or_else(PoisonError::into_inner) = Some(offset);
    }

    pub fn local_now(&self) -> DateTime<Utc> {
        self.local.now()
    }

    /// The server's clock now, as estimated; the local clock until the first exchange.
    pub fn server_now(&self) -> DateTime<Utc> {
        self.local.now() + self.offset()
    }

    /// Server minus local: from this run's exchanges, else the seed, else zero.
    pub fn offset(&self) -> Duration {
        let estimator = self.estimator();
        if estimator.best().is_some() {
            return estimator.offset();
        }
        drop(estimator);
        self.seed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .unwrap_or_else(Duration::zero)
    }

    /// Whether any exchange has been timed yet.
    pub fn has_samples(&self) -> bool {
        self.estimator().best().is_some()
    }

    /// Time left until a server deadline, on the server's clock, never negative (MR-1).
    pub fn remaining(&self, deadline: DateTime<Utc>) -> Duration {
        countdown(deadline, self.server_now())
    }

    pub fn record(&self, sample: ClockSample) {
        self.estimator().add(sample);
    }

    fn estimator(&self) -> std::sync::MutexGuard<'_, SkewEstimator> {
        self.skew.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The server's time in a response's headers: `X-Server-Time`, else `Date`.
pub fn server_time_from(headers: &reqwest::header::HeaderMap) -> Option<DateTime<Utc>> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(at) = text(SERVER_TIME_HEADER).and_then(|t| DateTime::parse_from_rfc3339(t).ok()) {
        return Some(at.with_timezone(&Utc));
    }
    text("date")
        .and_then(|t| DateTime::parse_from_rfc2822(t).ok())
        .map(|at| at.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    #[test]
    fn the_precise_header_wins_over_date() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "date",
            HeaderValue::from_static("Mon, 05 Jan 2026 15:00:00 GMT"),
        );
        assert_eq!(
            server_time_from(&headers),
            Some("2026-01-05T15:00:00Z".parse().expect("instant"))
        );
        headers.insert(
            SERVER_TIME_HEADER,
            HeaderValue::from_static("2026-01-05T15:00:00.250Z"),
        );
        assert_eq!(
            server_time_from(&headers),
            Some("2026-01-05T15:00:00.250Z".parse().expect("instant"))
        );
    }
}
