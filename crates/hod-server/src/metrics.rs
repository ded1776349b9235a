//! Operational metrics, served in the Prometheus text format at `/metrics`.
//!
//! Counts and durations only: never a consumer's or an agent's personal data, never an id.
//! The dispatcher and the handlers call the recording methods below; their signatures are
//! the contract, the storage behind them is this module's business.

use hod_domain::referral::OfferOutcome;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

#[derive(Debug, Default)]
pub struct Metrics {
    referrals_received: AtomicU64,
    referrals_unassigned: AtomicU64,
    offers_made: AtomicU64,
    offers_accepted: AtomicU64,
    offers_rejected: AtomicU64,
    offers_missed: AtomicU64,
    offers_withdrawn: AtomicU64,
    /// Sum of the time from offer to answer of accepted offers, in milliseconds.
    accept_time_ms_sum: AtomicU64,
    queue_depth: AtomicU64,
}

impl Metrics {
    pub fn new() -> Self {
        Self::default()
    }

    /// A consumer request entered through the intake API.
    pub fn referral_received(&self) {
        self.referrals_received.fetch_add(1, Ordering::Relaxed);
    }

    /// A referral closed with no agent after the maximum wait.
    pub fn referral_unassigned(&self) {
        self.referrals_unassigned.fetch_add(1, Ordering::Relaxed);
    }

    /// An offer was made to an agent.
    pub fn offer_made(&self) {
        self.offers_made.fetch_add(1, Ordering::Relaxed);
    }

    /// An offer ended; `after` is the time from the offer to the answer (or the deadline).
    pub fn offer_resolved(&self, outcome: OfferOutcome, after: Duration) {
        let counter = match outcome {
            OfferOutcome::Accepted => {
                let ms = u64::try_from(after.as_millis()).unwrap_or(u64::MAX);
                self.accept_time_ms_sum.fetch_add(ms, Ordering::Relaxed);
                &self.offers_accepted
            }
            OfferOutcome::Rejected => &self.offers_rejected,
            OfferOutcome::Missed => &self.offers_missed,
            OfferOutcome::Withdrawn => &self.offers_withdrawn,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Referrals waiting for an agent right now.
    pub fn set_queue_depth(&self, waiting: u64) {
        self.queue_depth.store(waiting, Ordering::Relaxed);
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let mut out = String::new();
        let mut counter = |name: &str, help: &str, value: u64| {
            out.push_str(&format!(
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}\n"
            ));
        };
        counter(
            "hod_referrals_received_total",
            "Consumer requests received.",
            get(&self.referrals_received),
        );
        counter(
            "hod_referrals_unassigned_total",
            "Referrals closed with no agent.",
            get(&self.referrals_unassigned),
        );
        counter(
            "hod_offers_total",
            "Offers made to agents.",
            get(&self.offers_made),
        );
        counter(
            "hod_offers_accepted_total",
            "Offers accepted.",
            get(&self.offers_accepted),
        );
        counter(
            "hod_offers_rejected_total",
            "Offers rejected.",
            get(&self.offers_rejected),
        );
        counter(
            "hod_offers_missed_total",
            "Offers missed (not answered in the window).",
            get(&self.offers_missed),
        );
        counter(
            "hod_offers_withdrawn_total",
            "Offers withdrawn by the server.",
            get(&self.offers_withdrawn),
        );
        let sum = get(&self.accept_time_ms_sum) as f64 / 1000.0;
        out.push_str(&format!(
            "# HELP hod_time_to_accept_seconds_sum Total time from offer to accept.\n# TYPE hod_time_to_accept_seconds_sum counter\nhod_time_to_accept_seconds_sum {sum}\n"
        ));
        out.push_str(&format!(
            "# HELP hod_queue_depth Referrals waiting for an agent.\n# TYPE hod_queue_depth gauge\nhod_queue_depth {}\n",
            get(&self.queue_depth)
        ));
        out
    }
}
