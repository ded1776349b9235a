//! The agent's presence at a glance: what the tray icon, its title and its status line say.
//!
//! One state wins, in this order: suspended (AV-9: no offers until an operator reinstates),
//! offline (nothing the app shows can be trusted to be current), an offer pending (it needs an
//! answer inside its window, MR-1), Out of Office (AV-7), then available or not by the
//! schedule and Today's Availability (AV-1..AV-6). Times are shown in the agent's zone.

use chrono::{DateTime, Utc};
use hod_domain::availability::{AgentTimeZone, AvailabilityReason, AvailabilityStatus};
use serde::Serialize;

use crate::events::ConnectionState;

/// The language of the app's own texts (tray, notifications).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Locale {
    #[default]
    En,
    Es,
}

/// Which tray icon to show: one per state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PresenceKind {
    Available,
    Unavailable,
    OutOfOffice,
    OfferPending,
    Offline,
    Suspended,
}

impl PresenceKind {
    pub const ALL: [Self; 6] = [
        Self::Available,
        Self::Unavailable,
        Self::OutOfOffice,
        Self::OfferPending,
        Self::Offline,
        Self::Suspended,
    ];
}

/// What the presence is computed from.
#[derive(Debug, Clone, Copy)]
pub struct PresenceInputs {
    pub connection: ConnectionState,
    pub suspended: bool,
    /// `None` before the first sync.
    pub availability: Option<AvailabilityStatus>,
    /// The earliest deadline among pending offers, by the server's clock.
    pub next_offer_deadline: Option<DateTime<Utc>>,
    /// Now, by the server's clock.
    pub now: DateTime<Utc>,
    pub zone: AgentTimeZone,
    pub locale: Locale,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Presence {
    pub kind: PresenceKind,
    /// The tray title: short ("Available", "Offer 12:34").
    pub title: String,
    /// The first, disabled line of the tray menu ("Available until 5:00 PM").
    pub status_line: String,
    /// The pending-offer menu line with its time left, when an offer is pending.
    pub offer_line: Option<String>,
    /// Whether Today's Availability reads as On (the tray's check item).
    pub today_on: bool,
}

pub fn presence(inputs: &PresenceInputs) -> Presence {
    let t = Texts::of(inputs.locale);
    let offer_line = inputs.next_offer_deadline.map(|deadline| {
        format!(
            "{} — {}",
            t.offer_pending,
            time_left(deadline, inputs.now, inputs.locale)
        )
    });
    let today_on = inputs
        .availability
        .is_some_and(|a| a.reason == AvailabilityReason::TodayOn);
    let (kind, title, status_line) = if inputs.suspended {
        (
            PresenceKind::Suspended,
            t.suspended.to_owned(),
            t.suspended_line.to_owned(),
        )
    } else if inputs.connection == ConnectionState::Offline {
        (
            PresenceKind::Offline,
            t.offline.to_owned(),
            t.offline_line.to_owned(),
        )
    } else if let Some(deadline) = inputs.next_offer_deadline {
        let left = time_left(deadline, inputs.now, inputs.locale);
        (
            PresenceKind::OfferPending,
            format!("{} {left}", t.offer),
            format!("{} — {left}", t.offer_pending),
        )
    } else {
        match inputs.availability {
            None => (
                PresenceKind::Offline,
                t.syncing.to_owned(),
                t.syncing.to_owned(),
            ),
            Some(status) => by_availability(&status, inputs, &t),
        }
    };
    Presence {
        kind,
        title,
        status_line,
        offer_line,
        today_on,
    }
}

fn by_availability(
    status: &AvailabilityStatus,
    inputs: &PresenceInputs,
    t: &Texts,
) -> (PresenceKind, String, String) {
    let at = |instant: DateTime<Utc>| clock_time(instant, inputs.zone, inputs.now, inputs.locale);
    if status.reason == AvailabilityReason::OutOfOffice {
        let line = match status.until {
            Some(until) => format!("{} {}", t.out_of_office_until, at(until)),
            None => format!("{} — {}", t.out_of_office, t.no_end_date),
        };
        return (PresenceKind::OutOfOffice, t.out_of_office.to_owned(), line);
    }
    if status.available {
        let line = match status.until {
            Some(until) => format!("{} {}", t.available_until, at(until)),
            None => t.available.to_owned(),
        };
        (PresenceKind::Available, t.available.to_owned(), line)
    } else {
        let line = match status.until {
            Some(until) => format!("{} {}", t.unavailable_until, at(until)),
            None => t.unavailable.to_owned(),
        };
        (PresenceKind::Unavailable, t.unavailable.to_owned(), line)
    }
}

/// "12:34" left (minutes:seconds), rounded up so a countdown never shows 0:00 while the offer
/// can still be answered; "0:00" once the deadline has passed.
pub fn time_left(deadline: DateTime<Utc>, now: DateTime<Utc>, _locale: Locale) -> String {
    let millis = (deadline - now).num_milliseconds().max(0);
    let secs = (millis + 999) / 1000;
    format!("{}:{:02}", secs / 60, secs % 60)
}

/// A wall-clock time in the agent's zone: "5:00 PM" / "5:00 p. m."; with the weekday when it
/// is not the same local day as `now` ("Mon 8:00 AM").
pub fn clock_time(
    instant: DateTime<Utc>,
    zone: AgentTimeZone,
    now: DateTime<Utc>,
    locale: Locale,
) -> String {
    let local = instant.with_timezone(&zone.tz());
    let today = now.with_timezone(&zone.tz()).date_naive();
    let time = match locale {
        Locale::En => local.format("%-I:%M %p").to_string(),
        Locale::Es => {
            let suffix = if local.format("%p").to_string() == "AM" {
                "a. m."
            } else {
                "p. m."
            };
            format!("{} {suffix}", local.format("%-I:%M"))
        }
    };
    if local.date_naive() == today {
        return time;
    }
    let weekday = local.format("%u").to_string();
    let names = match locale {
        Locale::En => ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
        Locale::Es => ["lun", "mar", "mié", "jue", "vie", "sáb", "dom"],
    };
    let index = weekday.parse::<usize>().unwrap_or(1).saturating_sub(1);
    let name = names.get(index).copied().unwrap_or("");
    let date = local.format("%-d/%-m");
    match locale {
        Locale::En => format!("{name} {} {time}", local.format("%-m/%-d")),
        Locale::Es => format!("{name} {date} {time}"),
    }
}

/// The app's own texts for the tray and notifications, in both languages.
#[derive(Debug, Clone, Copy)]
pub struct Texts {
    pub available: &'static str,
    pub available_until: &'static str,
    pub unavailable: &'static str,
    pub unavailable_until: &'static str,
    pub out_of_office: &'static str,
    pub out_of_office_until: &'static str,
    pub no_end_date: &'static str,
    pub offer: &'static str,
    pub offer_pending: &'static str,
    pub offline: &'static str,
    pub offline_line: &'static str,
    pub syncing: &'static str,
    pub suspended: &'static str,
    pub suspended_line: &'static str,
    pub todays_availability: &'static str,
    pub open: &'static str,
    pub out_of_office_menu: &'static str,
    pub quit: &'static str,
    pub accept: &'static str,
    pub reject: &'static str,
    pub new_referral: &'static str,
    pub accept_within: &'static str,
    pub offer_reminder: &'static str,
    pub contact_reminder: &'static str,
}

impl Texts {
    pub fn of(locale: Locale) -> Self {
        match locale {
            Locale::En => Self {
                available: "Available",
                available_until: "Available until",
                unavailable: "Unavailable",
                unavailable_until: "Unavailable until",
                out_of_office: "Out of office",
                out_of_office_until: "Out of office until",
                no_end_date: "no end date",
                offer: "Offer",
                offer_pending: "Referral waiting for your answer",
                offline: "Offline",
                offline_line: "Offline — changes are kept and sent when back online",
                syncing: "Syncing…",
                suspended: "Suspended",
                suspended_line: "Suspended after missed referrals — contact HOD to be reinstated",
                todays_availability: "Today's Availability",
                open: "Open Help On Demand",
                out_of_office_menu: "Out of Office…",
                quit: "Quit",
                accept: "Accept",
                reject: "Reject",
                new_referral: "New referral",
                accept_within: "Accept within",
                offer_reminder: "Referral still waiting — time left",
                contact_reminder: "Contact the consumer you accepted",
            },
            Locale::Es => Self {
                available: "Disponible",
                available_until: "Disponible hasta las",
                unavailable: "No disponible",
                unavailable_until: "No disponible hasta las",
                out_of_office: "Fuera de la oficina",
                out_of_office_until: "Fuera de la oficina hasta las",
                no_end_date: "sin fecha de finalización",
                offer: "Referido",
                offer_pending: "Referido en espera de su respuesta",
                offline: "Sin conexión",
                offline_line: "Sin conexión — los cambios se guardan y se envían al reconectar",
                syncing: "Sincronizando…",
                suspended: "Suspendido",
                suspended_line:
                    "Suspendido por referidos perdidos — comuníquese con HOD para reactivarlo",
                todays_availability: "Disponibilidad de hoy",
                open: "Abrir Help On Demand",
                out_of_office_menu: "Fuera de la oficina…",
                quit: "Salir",
                accept: "Aceptar",
                reject: "Rechazar",
                new_referral: "Nuevo referido",
                accept_within: "Acepte dentro de",
                offer_reminder: "Referido todavía en espera — tiempo restante",
                contact_reminder: "Comuníquese con el consumidor que aceptó",
            },
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn inputs(availability: Option<AvailabilityStatus>) -> PresenceInputs {
        PresenceInputs {
            connection: ConnectionState::Online,
            suspended: false,
            availability,
            next_offer_deadline: None,
            // Monday 7 December 2026, 10:00 in Chicago.
            now: at("2026-12-07T16:00:00Z"),
            zone: AgentTimeZone::parse("time_zone", "America/Chicago").unwrap(),
            locale: Locale::En,
        }
    }

    fn status(available: bool, reason: AvailabilityReason, until: &str) -> AvailabilityStatus {
        AvailabilityStatus {
            available,
            reason,
            until: Some(at(until)),
        }
    }

    #[test]
    fn rule_av_1_available_until_the_end_of_standard_hours_in_the_agents_zone() {
        let p = presence(&inputs(Some(status(
            true,
            AvailabilityReason::StandardHours,
            "2026-12-07T23:00:00Z",
        ))));
        assert_eq!(p.kind, PresenceKind::Available);
        assert_eq!(p.status_line, "Available until 5:00 PM");
        assert!(!p.today_on);
    }

    #[test]
    fn rule_av_6_today_on_checks_the_tray_item_and_shows_the_stop_time() {
        let mut i = inputs(Some(status(
            true,
            AvailabilityReason::TodayOn,
            "2026-12-08T01:30:00Z",
        )));
        i.locale = Locale::Es;
        let p = presence(&i);
        assert!(p.today_on);
        assert_eq!(p.status_line, "Disponible hasta las 7:30 p. m.");
    }

    #[test]
    fn unavailable_until_another_day_names_the_day() {
        let p = presence(&inputs(Some(status(
            false,
            AvailabilityReason::AfterHours,
            "2026-12-08T14:00:00Z",
        ))));
        assert_eq!(p.kind, PresenceKind::Unavailable);
        assert_eq!(p.status_line, "Unavailable until Tue 12/8 8:00 AM");
    }

    #[test]
    fn rule_av_7_out_of_office_with_no_end_says_so() {
        let p = presence(&inputs(Some(AvailabilityStatus {
            available: false,
            reason: AvailabilityReason::OutOfOffice,
            until: None,
        })));
        assert_eq!(p.kind, PresenceKind::OutOfOffice);
        assert_eq!(p.status_line, "Out of office — no end date");
    }

    #[test]
    fn rule_mr_1_a_pending_offer_wins_over_availability_and_counts_down() {
        let mut i = inputs(Some(status(
            true,
            AvailabilityReason::StandardHours,
            "2026-12-07T23:00:00Z",
        )));
        i.next_offer_deadline = Some(at("2026-12-07T16:12:34.200Z"));
        let p = presence(&i);
        assert_eq!(p.kind, PresenceKind::OfferPending);
        assert_eq!(p.title, "Offer 12:35");
        assert_eq!(
            p.offer_line.as_deref(),
            Some("Referral waiting for your answer — 12:35")
        );
    }

    #[test]
    fn rule_av_9_suspension_wins_then_offline() {
        let mut i = inputs(Some(status(
            true,
            AvailabilityReason::StandardHours,
            "2026-12-07T23:00:00Z",
        )));
        i.connection = ConnectionState::Offline;
        assert_eq!(presence(&i).kind, PresenceKind::Offline);
        i.suspended = true;
        assert_eq!(presence(&i).kind, PresenceKind::Suspended);
    }

    #[test]
    fn time_left_never_shows_zero_while_time_remains() {
        let now = at("2026-12-07T16:00:00Z");
        assert_eq!(
            time_left(now + chrono::Duration::milliseconds(10), now, Locale::En),
            "0:01"
        );
        assert_eq!(
            time_left(now - chrono::Duration::seconds(5), now, Locale::En),
            "0:00"
        );
        assert_eq!(
            time_left(now + chrono::Duration::minutes(15), now, Locale::En),
            "15:00"
        );
    }
}
