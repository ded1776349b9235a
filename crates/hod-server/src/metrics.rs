//! Operational metrics, served in the Prometheus text format at `/metrics`.
//!
//! Counts and durations only: never a consumer's or an agent's personal data, never an id.
//! Labels take values from closed sets (an offer outcome, an HTTP method, a route *template*
//! such as `/v1/referrals/{id}`, a status class such as `2xx`), so the number of series is
//! bounded by the code, not by traffic.
//!
//! The dispatcher and the handlers call the recording methods below; their signatures are
//! the contract, the storage behind them is this module's business.

use hod_domain::contact_preference::Channel;
use hod_domain::referral::OfferOutcome;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds (seconds) of the time-to-accept buckets: around the 15-minute accept window
/// (MR-1), finer at the start where most accepts should land.
pub const TIME_TO_ACCEPT_BUCKETS: &[f64] = &[
    5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1200.0, 1800.0,
];

/// Upper bounds (seconds) of the HTTP request duration buckets.
pub const HTTP_DURATION_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Upper bounds (seconds) of the offer-to-handover buckets: a message should reach its
/// provider within seconds; the accept window (MR-1, MR-5) is the far end.
pub const NOTIFICATION_HANDOVER_BUCKETS: &[f64] = &[
    0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0,
];

/// Upper bounds (seconds) of the dispatch pass duration buckets: a pass should take
/// milliseconds; intake responses and offers wait for it.
pub const DISPATCH_PASS_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// The `route` label of a request that matched no route (the fallback 404).
pub const UNMATCHED_ROUTE: &str = "unmatched";

#[derive(Debug, Default)]
pub struct Metrics {
    referrals_received: AtomicU64,
    referrals_unassigned: AtomicU64,
    offers_made: AtomicU64,
    offers_accepted: AtomicU64,
    offers_rejected: AtomicU64,
    offers_missed: AtomicU64,
    offers_withdrawn: AtomicU64,
    time_to_accept: Histogram,
    queue_depth: AtomicU64,
    roster_agents: AtomicU64,
    dispatch_pass: PassDurations,
    http: Mutex<BTreeMap<HttpSeries, HttpStats>>,
    /// Per channel, in [`Channel::ALL`] order.
    notifications: [ChannelStats; 3],
}

/// What happened to one channel's messages.
#[derive(Debug)]
struct ChannelStats {
    sent: AtomicU64,
    failed: AtomicU64,
    retried: AtomicU64,
    dead_lettered: AtomicU64,
    skipped: AtomicU64,
    handover: Histogram,
}

impl Default for ChannelStats {
    fn default() -> Self {
        Self {
            sent: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            retried: AtomicU64::new(0),
            dead_lettered: AtomicU64::new(0),
            skipped: AtomicU64::new(0),
            handover: Histogram::new(NOTIFICATION_HANDOVER_BUCKETS),
        }
    }
}

/// What the notification sender reports about one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotificationEvent {
    /// Handed over to the provider (or, for the app channel, to the open connections).
    Sent,
    /// One attempt failed (or timed out).
    Failed,
    /// A failed message was scheduled for another attempt.
    Retried,
    /// Given up after the last attempt (dead letter).
    DeadLettered,
    /// Not sent: its offer was no longer pending.
    Skipped,
}

fn channel_slot(channel: Channel) -> usize {
    match channel {
        Channel::Email => 0,
        Channel::Text => 1,
        Channel::App => 2,
    }
}

fn channel_label(channel: Channel) -> &'static str {
    match channel {
        Channel::Email => "email",
        Channel::Text => "text",
        Channel::App => "app",
    }
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
                self.time_to_accept.observe(after);
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

    /// One dispatch pass took `took`.
    pub fn dispatch_pass(&self, took: Duration) {
        self.dispatch_pass.0.observe(took);
    }

    /// Agents the dispatcher's roster holds (every agent whose schedule validates).
    pub fn set_roster_size(&self, agents: usize) {
        self.roster_agents
            .store(u64::try_from(agents).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    /// Counts one thing that happened to a message of `channel`.
    pub fn notification(&self, channel: Channel, event: NotificationEvent) {
        let stats = &self.notifications[channel_slot(channel)];
        let counter = match event {
            NotificationEvent::Sent => &stats.sent,
            NotificationEvent::Failed => &stats.failed,
            NotificationEvent::Retried => &stats.retried,
            NotificationEvent::DeadLettered => &stats.dead_lettered,
            NotificationEvent::Skipped => &stats.skipped,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// A message was handed over to its provider `after` the offer was made.
    pub fn notification_handed_over(&self, channel: Channel, after: Duration) {
        self.notifications[channel_slot(channel)]
            .handover
            .observe(after);
    }

    /// One HTTP request answered. `route` must be the matched route *template* (or
    /// [`UNMATCHED_ROUTE`]), never the request's path: paths carry ids.
    pub fn http_request(&self, method: &str, route: &str, status: u16, took: Duration) {
        let series = HttpSeries {
            route: route.to_owned(),
            method: method_label(method),
            status: status_class(status),
        };
        let mut http = self.http.lock().unwrap_or_else(|p| p.into_inner());
        let stats = http.entry(series).or_default();
        stats.count += 1;
        stats.duration.observe(took);
    }

    /// The Prometheus text exposition (format 0.0.4) of every metric.
    pub fn render(&self) -> String {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let mut out = String::new();
        let mut counter = |name: &str, help: &str, value: u64| {
            header(&mut out, name, help, "counter");
            let _ = writeln!(out, "{name} {value}");
        };
        counter(
            "hod_referrals_received_total",
            "Consumer requests received through the intake API.",
            get(&self.referrals_received),
        );
        counter(
            "hod_referrals_unassigned_total",
            "Referrals closed with no agent after the maximum wait.",
            get(&self.referrals_unassigned),
        );
        counter(
            "hod_offers_total",
            "Offers made to agents.",
            get(&self.offers_made),
        );

        header(
            &mut out,
            "hod_offers_resolved_total",
            "Offers ended, by outcome (accepted, rejected, missed: not answered in the accept \
             window, withdrawn: taken back by the server).",
            "counter",
        );
        for (outcome, counter) in [
            ("accepted", &self.offers_accepted),
            ("rejected", &self.offers_rejected),
            ("missed", &self.offers_missed),
            ("withdrawn", &self.offers_withdrawn),
        ] {
            let _ = writeln!(
                out,
                "hod_offers_resolved_total{{outcome=\"{outcome}\"}} {}",
                get(counter)
            );
        }

        header(
            &mut out,
            "hod_time_to_accept_seconds",
            "Time from an offer to its accept.",
            "histogram",
        );
        self.time_to_accept
            .render(&mut out, "hod_time_to_accept_seconds", "");

        header(
            &mut out,
            "hod_queue_depth",
            "Referrals waiting for an agent.",
            "gauge",
        );
        let _ = writeln!(out, "hod_queue_depth {}", get(&self.queue_depth));

        header(
            &mut out,
            "hod_roster_agents",
            "Agents this instance's dispatcher holds in memory for routing.",
            "gauge",
        );
        let _ = writeln!(out, "hod_roster_agents {}", get(&self.roster_agents));

        header(
            &mut out,
            "hod_dispatch_pass_seconds",
            "Time of one dispatch pass (expire, close, route).",
            "histogram",
        );
        self.dispatch_pass
            .0
            .render(&mut out, "hod_dispatch_pass_seconds", "");

        self.render_notifications(&mut out);
        self.render_http(&mut out);
        out
    }

    fn render_notifications(&self, out: &mut String) {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        type Family = (&'static str, &'static str, fn(&ChannelStats) -> &AtomicU64);
        let families: [Family; 5] = [
            (
                "hod_notifications_sent_total",
                "Messages handed over to their provider, by channel (email, text, app).",
                |s| &s.sent,
            ),
            (
                "hod_notifications_failed_total",
                "Attempts to send a message that failed or timed out, by channel.",
                |s| &s.failed,
            ),
            (
                "hod_notifications_retried_total",
                "Failed messages scheduled for another attempt, by channel.",
                |s| &s.retried,
            ),
            (
                "hod_notifications_dead_lettered_total",
                "Messages given up after the last attempt, by channel.",
                |s| &s.dead_lettered,
            ),
            (
                "hod_notifications_skipped_total",
                "Messages not sent because their offer was no longer pending, by channel.",
                |s| &s.skipped,
            ),
        ];
        for (name, help, field) in families {
            header(out, name, help, "counter");
            for channel in Channel::ALL {
                let stats = &self.notifications[channel_slot(channel)];
                let _ = writeln!(
                    out,
                    "{name}{{channel=\"{}\"}} {}",
                    channel_label(channel),
                    get(field(stats))
                );
            }
        }
        header(
            out,
            "hod_notification_handover_seconds",
            "Time from an offer to the handover of its message to the provider, by channel.",
            "histogram",
        );
        for channel in Channel::ALL {
            let labels = format!("channel=\"{}\"", channel_label(channel));
            self.notifications[channel_slot(channel)].handover.render(
                out,
                "hod_notification_handover_seconds",
                &labels,
            );
        }
    }

    fn render_http(&self, out: &mut String) {
        let http = self.http.lock().unwrap_or_else(|p| p.into_inner());
        header(
            out,
            "hod_http_requests_total",
            "HTTP requests answered, by method, route template and status class.",
            "counter",
        );
        for (series, stats) in http.iter() {
            let _ = writeln!(
                out,
                "hod_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{}\"}} {}",
                series.method,
                escape(&series.route),
                series.status,
                stats.count
            );
        }
        // Durations by method and route only: the status class would multiply the series.
        let mut durations: BTreeMap<(&str, &str), Vec<&Histogram>> = BTreeMap::new();
        for (series, stats) in http.iter() {
            durations
                .entry((series.method, series.route.as_str()))
                .or_default()
                .push(&stats.duration);
        }
        header(
            out,
            "hod_http_request_duration_seconds",
            "Time to answer HTTP requests (to the upgrade, for WebSockets), by method and \
             route template.",
            "histogram",
        );
        for ((method, route), histograms) in durations {
            let merged = Histogram::merged(HTTP_DURATION_BUCKETS, &histograms);
            let labels = format!("method=\"{method}\",route=\"{}\"", escape(route));
            merged.render(out, "hod_http_request_duration_seconds", &labels);
        }
    }
}

fn header(out: &mut String, name: &str, help: &str, kind: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// Label values are escaped as the text format asks (backslash, quote, newline).
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Methods outside the standard set are one series, so a client cannot invent new ones.
fn method_label(method: &str) -> &'static str {
    const KNOWN: &[&str] = &[
        "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE",
    ];
    KNOWN
        .iter()
        .copied()
        .find(|known| *known == method)
        .unwrap_or("OTHER")
}

fn status_class(status: u16) -> &'static str {
    match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct HttpSeries {
    route: String,
    method: &'static str,
    status: &'static str,
}

#[derive(Debug)]
struct HttpStats {
    count: u64,
    duration: Histogram,
}

impl Default for HttpStats {
    fn default() -> Self {
        Self {
            count: 0,
            duration: Histogram::new(HTTP_DURATION_BUCKETS),
        }
    }
}

/// A fixed-bucket histogram. `counts[i]` holds observations in bucket `i` alone (the last
/// slot is above every bound); rendering makes them cumulative as Prometheus expects.
#[derive(Debug)]
struct Histogram {
    bounds: &'static [f64],
    counts: Vec<AtomicU64>,
    sum_micros: AtomicU64,
}

/// The time-to-accept buckets: what `Metrics::default()` gives its one unlabelled histogram.
impl Default for Histogram {
    fn default() -> Self {
        Self::new(TIME_TO_ACCEPT_BUCKETS)
    }
}

/// The dispatch pass histogram, with its own buckets.
#[derive(Debug)]
struct PassDurations(Histogram);

impl Default for PassDurations {
    fn default() -> Self {
        Self(Histogram::new(DISPATCH_PASS_BUCKETS))
    }
}

impl Histogram {
    fn new(bounds: &'static [f64]) -> Self {
        Self {
            bounds,
            counts: (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect(),
            sum_micros: AtomicU64::new(0),
        }
    }

    fn observe(&self, value: Duration) {
        let seconds = value.as_secs_f64();
        let slot = self
            .bounds
            .iter()
            .position(|bound| seconds <= *bound)
            .unwrap_or(self.bounds.len());
        self.counts[slot].fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(value.as_micros()).unwrap_or(u64::MAX);
        self.sum_micros.fetch_add(micros, Ordering::Relaxed);
    }

    fn merged(bounds: &'static [f64], parts: &[&Histogram]) -> Self {
        let merged = Self::new(bounds);
        for part in parts {
            for (into, from) in merged.counts.iter().zip(&part.counts) {
                into.fetch_add(from.load(Ordering::Relaxed), Ordering::Relaxed);
            }
            merged
                .sum_micros
                .fetch_add(part.sum_micros.load(Ordering::Relaxed), Ordering::Relaxed);
        }
        merged
    }

    /// `_bucket` lines (cumulative, ending with `+Inf`), `_sum` and `_count`; `labels` are
    /// extra labels (`a="b",c="d"`) or empty.
    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        let mut cumulative = 0;
        for (i, count) in self.counts.iter().enumerate() {
            cumulative += count.load(Ordering::Relaxed);
            let le = self
                .bounds
                .get(i)
                .map_or_else(|| "+Inf".to_owned(), |b| b.to_string());
            let _ = writeln!(
                out,
                "{name}_bucket{{{labels}{sep}le=\"{le}\"}} {cumulative}"
            );
        }
        let braces = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum{braces} {sum}");
        let _ = writeln!(out, "{name}_count{braces} {cumulative}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line<'a>(text: &'a str, prefix: &str) -> &'a str {
        text.lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no line starting with {prefix:?} in\n{text}"))
    }

    #[test]
    fn time_to_accept_is_a_cumulative_histogram() {
        let metrics = Metrics::new();
        metrics.offer_resolved(OfferOutcome::Accepted, Duration::from_secs(3));
        metrics.offer_resolved(OfferOutcome::Accepted, Duration::from_secs(15));
        metrics.offer_resolved(OfferOutcome::Accepted, Duration::from_secs(4000));
        metrics.offer_resolved(OfferOutcome::Missed, Duration::from_secs(900));
        let text = metrics.render();
        assert!(text.contains("# TYPE hod_time_to_accept_seconds histogram\n"));
        assert_eq!(
            line(&text, "hod_time_to_accept_seconds_bucket{le=\"5\"}"),
            "hod_time_to_accept_seconds_bucket{le=\"5\"} 1"
        );
        assert!(text.contains("hod_time_to_accept_seconds_bucket{le=\"15\"} 2\n"));
        assert!(text.contains("hod_time_to_accept_seconds_bucket{le=\"1800\"} 2\n"));
        assert!(text.contains("hod_time_to_accept_seconds_bucket{le=\"+Inf\"} 3\n"));
        assert!(text.contains("hod_time_to_accept_seconds_sum 4018\n"));
        assert!(text.contains("hod_time_to_accept_seconds_count 3\n"));
        assert!(text.contains("hod_offers_resolved_total{outcome=\"accepted\"} 3\n"));
        assert!(text.contains("hod_offers_resolved_total{outcome=\"missed\"} 1\n"));
        assert!(text.contains("hod_offers_resolved_total{outcome=\"rejected\"} 0\n"));
    }

    #[test]
    fn http_requests_are_counted_by_template_method_and_status_class() {
        let metrics = Metrics::new();
        let ms = Duration::from_millis(2);
        metrics.http_request("GET", "/v1/referrals/{id}", 200, ms);
        metrics.http_request("GET", "/v1/referrals/{id}", 204, ms);
        metrics.http_request("GET", "/v1/referrals/{id}", 404, ms);
        metrics.http_request("BREW", UNMATCHED_ROUTE, 404, ms);
        let text = metrics.render();
        assert!(text.contains(
            "hod_http_requests_total{method=\"GET\",route=\"/v1/referrals/{id}\",status=\"2xx\"} 2\n"
        ));
        assert!(text.contains(
            "hod_http_requests_total{method=\"GET\",route=\"/v1/referrals/{id}\",status=\"4xx\"} 1\n"
        ));
        assert!(text.contains(
            "hod_http_requests_total{method=\"OTHER\",route=\"unmatched\",status=\"4xx\"} 1\n"
        ));
        assert!(text.contains(
            "hod_http_request_duration_seconds_count{method=\"GET\",route=\"/v1/referrals/{id}\"} 3\n"
        ));
        assert!(text.contains(
            "hod_http_request_duration_seconds_bucket{method=\"GET\",route=\"/v1/referrals/{id}\",le=\"0.005\"} 3\n"
        ));
    }

    #[test]
    fn every_sample_line_is_well_formed() {
        let metrics = Metrics::new();
        metrics.referral_received();
        metrics.offer_made();
        metrics.set_queue_depth(4);
        metrics.set_roster_size(12);
        metrics.dispatch_pass(Duration::from_millis(3));
        metrics.http_request(
            "POST",
            "/v1/intake/referrals",
            201,
            Duration::from_millis(7),
        );
        let text = metrics.render();
        assert!(text.contains("hod_queue_depth 4\n"));
        assert!(text.contains("hod_roster_agents 12\n"));
        assert!(text.contains("hod_dispatch_pass_seconds_bucket{le=\"0.005\"} 1\n"));
        assert!(text.contains("hod_referrals_received_total 1\n"));
        let mut typed = Vec::new();
        for l in text.lines() {
            if let Some(rest) = l.strip_prefix("# TYPE ") {
                let name = rest.split(' ').next().unwrap_or_default();
                assert!(!typed.contains(&name.to_owned()), "{name} declared twice");
                typed.push(name.to_owned());
                continue;
            }
            if l.starts_with('#') {
                continue;
            }
            let (series, value) = l.rsplit_once(' ').expect("name value");
            value.parse::<f64>().expect("numeric value");
            let name = series.split('{').next().unwrap_or_default();
            assert!(
                typed.iter().any(|t| name == t
                    || ["_bucket", "_sum", "_count"]
                        .iter()
                        .any(|s| name.strip_suffix(s) == Some(t))),
                "{name} has no TYPE line before it"
            );
        }
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
        assert_eq!(status_class(101), "1xx");
        assert_eq!(status_class(503), "5xx");
        assert_eq!(method_label("PATCH"), "PATCH");
        assert_eq!(method_label("get"), "OTHER");
    }
}
