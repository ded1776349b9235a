//! From `hod-client` to the screen: client events become window events, the tray follows
//! the agent's presence, offers become notifications, and reminders go out on time.
//!
//! No polling: one task waits for the next client event or the next moment something shown
//! changes (a countdown second while an offer is pending, the next availability change, the
//! next reminder), whichever comes first.

use crate::commands::session::connection_of;
use crate::notifications::{Notifier, OfferAnswer};
use crate::payloads::{
    AvailabilityChanged, Dialog, NavigateTarget, OfferNew, OfferResolved, ReferralRef, Screen,
};
use crate::shell::Shell;
use crate::tray::{self, Tray, TrayAction};
use chrono::{DateTime, Duration, Utc};
use hod_client::presence::{self, Locale, Presence, PresenceInputs, Texts};
use hod_client::{Client, ClientEvent, ReferralQuery};
use hod_domain::language::Language;
use hod_domain::wire::v1::{Referral, ReferralId};
use std::collections::HashSet;
use std::sync::Arc;
use tauri::{AppHandle, Emitter, Manager};
use tokio::sync::Notify;

/// Offer reminders at these times left (issue: 5 and 1 minutes).
const OFFER_REMINDERS_MIN: [i64; 2] = [5, 1];
/// Contact reminders at these times after an accept with no attempt logged (CE-1, CE-2).
const CONTACT_REMINDERS_MIN: [i64; 2] = [15, 30];
/// The longest the presence task sleeps with nothing due (a safety net, not a poll).
const MAX_SLEEP_SECS: i64 = 3600;

/// Starts following `client`: events, tray, notifications, reminders.
pub fn attach(app: &AppHandle, client: &Client) {
    let wake = Arc::new(Notify::new());
    let mut events = client.subscribe();
    {
        let app = app.clone();
        let client = client.clone();
        let wake = wake.clone();
        tauri::async_runtime::spawn(async move {
            loop {
                match events.recv().await {
                    Ok(event) => on_event(&app, &client, &event),
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                        // Too far behind: the window re-reads everything.
                        let _ = app.emit("profile_changed", ());
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                }
                wake.notify_one();
            }
        });
    }
    let app = app.clone();
    let client = client.clone();
    tauri::async_runtime::spawn(async move {
        let mut reminders = Reminders::default();
        loop {
            let next = refresh(&app, &client, &mut reminders);
            let sleep = (next - client.server_now()).clamp(
                Duration::milliseconds(50),
                Duration::seconds(MAX_SLEEP_SECS),
            );
            tokio::select! {
                () = tokio::time::sleep(sleep.to_std().unwrap_or_default()) => {}
                () = wake.notified() => {}
            }
        }
    });
}

fn on_event(app: &AppHandle, client: &Client, event: &ClientEvent) {
    let _ = match event {
        ClientEvent::NewOffer {
            referral_id,
            deadline,
        } => {
            notify_offer(app, client, *referral_id);
            app.emit(
                "offer_new",
                OfferNew {
                    referral_id: *referral_id,
                    deadline: *deadline,
                },
            )
        }
        ClientEvent::OfferResolved {
            referral_id,
            outcome,
        } => app.emit(
            "offer_resolved",
            OfferResolved {
                referral_id: *referral_id,
                outcome: *outcome,
            },
        ),
        ClientEvent::ReferralChanged { referral_id } => app.emit(
            "referral_changed",
            ReferralRef {
                referral_id: *referral_id,
            },
        ),
        ClientEvent::AvailabilityChanged { status } => app.emit(
            "availability_changed",
            AvailabilityChanged { status: *status },
        ),
        ClientEvent::ProfileChanged => app.emit("profile_changed", ()),
        ClientEvent::MissedAlertChanged { count } => {
            // Nothing missed in 7 days reads as a zero count (the banner hides, MR-3).
            let alert = client.missed_alert().ok().flatten().unwrap_or(
                hod_domain::wire::v1::MissedAlertView {
                    count: *count,
                    message: String::new(),
                },
            );
            app.emit("missed_alert_changed", alert)
        }
        ClientEvent::OutboxDelivered { .. } | ClientEvent::Connection(_) => {
            app.emit("connection_state", connection_of(client))
        }
        ClientEvent::OutboxRefused(refusal) => {
            let _ = app.emit("connection_state", connection_of(client));
            app.emit("outbox_refused", refusal)
        }
        ClientEvent::SignedOut => app.emit("signed_out", ()),
    };
}

fn texts(app: &AppHandle) -> (Texts, Locale, bool) {
    let settings = app.state::<Shell>().settings();
    (
        Texts::of(settings.language),
        settings.language,
        settings.sound,
    )
}

fn language_name(language: &Language, locale: Locale) -> String {
    match (language.code(), locale) {
        ("en", Locale::En) => "English".into(),
        ("es", Locale::En) => "Spanish".into(),
        ("en", Locale::Es) => "inglés".into(),
        ("es", Locale::Es) => "español".into(),
        (code, _) => code.to_owned(),
    }
}

/// "New referral — TX, Austin, Spanish. Accept within 15 minutes." with Accept and Reject.
fn notify_offer(app: &AppHandle, client: &Client, id: ReferralId) {
    if !client.wants_app_notifications() {
        return;
    }
    let Ok(Some(referral)) = client.referral(id) else {
        return;
    };
    let Some(offer) = referral.offer else {
        return;
    };
    let (t, locale, sound) = texts(app);
    let minutes = (client.remaining(offer.deadline).num_seconds() + 59) / 60;
    let title = format!(
        "{} — {}, {}, {}",
        t.new_referral,
        referral.state.code(),
        referral.city,
        language_name(&referral.language, locale)
    );
    let unit = match locale {
        Locale::En => "minutes",
        Locale::Es => "minutos",
    };
    let body = format!("{} {minutes} {unit}.", t.accept_within);
    let notifier = app.state::<Notifier>();
    if let Err(error) = notifier.offer(app, id, &title, &body, sound) {
        tracing::warn!(%error, referral = id.0, "the offer notification could not be shown");
    }
}

/// Reminders already sent, so each goes out once.
#[derive(Debug, Default)]
struct Reminders {
    sent: HashSet<(ReferralId, &'static str, i64)>,
}

/// Updates the tray and sends due reminders; returns when something next changes.
fn refresh(app: &AppHandle, client: &Client, reminders: &mut Reminders) -> DateTime<Utc> {
    let now = client.server_now();
    let mut next = now + Duration::seconds(MAX_SLEEP_SECS);
    if !client.is_logged_in() {
        show(app, client, None, now);
        return next;
    }
    let offers = client.pending_offers().unwrap_or_default();
    let deadline = offers
        .iter()
        .filter_map(|r| r.offer.map(|o| o.deadline))
        .min();
    let status = client.read(|c| c.availability_summary(now)).ok();
    if deadline.is_some() {
        // The countdown in the tray ticks each second.
        next =
            next.min(now + Duration::milliseconds(1000 - i64::from(now.timestamp_subsec_millis())));
    }
    if let Some(until) = status.and_then(|s| s.until) {
        next = next.min(until);
    }
    show(app, client, deadline, now);
    let (t, locale, sound) = texts(app);
    let notifier = app.state::<Notifier>();
    for referral in &offers {
        let Some(offer) = referral.offer else {
            continue;
        };
        for minutes in OFFER_REMINDERS_MIN {
            let due = offer.deadline - Duration::minutes(minutes);
            let key = (referral.id, "offer", minutes);
            if now >= due && now < offer.deadline && !reminders.sent.contains(&key) {
                reminders.sent.insert(key);
                // Read only when a reminder is due, not on every tick of the countdown.
                if !client.wants_app_notifications() {
                    continue;
                }
                let left = presence::time_left(offer.deadline, now, locale);
                let title = format!("{} {left}", t.offer_reminder);
                let body = place(referral);
                let _ = notifier.offer(app, referral.id, &title, &body, sound);
            } else if now < due {
                next = next.min(due);
            }
        }
    }
    for referral in recently_accepted(client, now) {
        let Some(accepted_at) = referral.accepted_at else {
            continue;
        };
        for minutes in CONTACT_REMINDERS_MIN {
            let due = accepted_at + Duration::minutes(minutes);
            let key = (referral.id, "contact", minutes);
            if now >= due && !reminders.sent.contains(&key) {
                reminders.sent.insert(key);
                let body = format!(
                    "{} ({minutes} min) — {}",
                    t.contact_reminder,
                    place(&referral)
                );
                let _ = notifier.reminder(app, referral.id, t.contact_reminder, &body, sound);
            } else if now < due {
                next = next.min(due);
            }
        }
    }
    next
}

fn place(referral: &Referral) -> String {
    format!(
        "{}, {} {}",
        referral.city,
        referral.state.code(),
        referral.zip
    )
}

/// Accepted in the last half hour with no contact attempt yet (CE-1, CE-2).
fn recently_accepted(client: &Client, now: DateTime<Utc>) -> Vec<Referral> {
    let query = ReferralQuery {
        limit: 100,
        ..ReferralQuery::default()
    };
    client
        .referrals(&query)
        .map(|page| page.referrals)
        .unwrap_or_default()
        .into_iter()
        .filter(|r| {
            r.contact_attempts.is_empty()
                && r.accepted_at.is_some_and(|at| {
                    now - at <= Duration::minutes(CONTACT_REMINDERS_MIN[1]) + Duration::seconds(1)
                })
        })
        .collect()
}

fn show(app: &AppHandle, client: &Client, deadline: Option<DateTime<Utc>>, now: DateTime<Utc>) {
    let (t, locale, _) = texts(app);
    let presence = if client.is_logged_in() {
        let availability = client.availability().ok().flatten();
        let profile = client.profile().ok().flatten();
        let zone = availability
            .as_ref()
            .map(|a| a.settings.time_zone)
            .unwrap_or_else(|| hod_domain::availability::AgentTimeZone::new(chrono_tz::UTC));
        presence::presence(&PresenceInputs {
            connection: client.connection_state(),
            suspended: profile.is_some_and(|p| p.suspended.is_some()),
            availability: client.read(|c| c.availability_summary(now)).ok(),
            next_offer_deadline: deadline,
            now,
            zone,
            locale,
        })
    } else {
        Presence {
            kind: presence::PresenceKind::Offline,
            title: t.offline.to_owned(),
            status_line: t.offline.to_owned(),
            offer_line: None,
            today_on: false,
        }
    };
    if let Some(tray) = app.try_state::<Tray<tauri::Wry>>() {
        if let Err(error) = tray.show(&presence) {
            tracing::warn!(%error, "the tray could not be updated");
        }
    }
}

/// After a language change: the tray's fixed items and the notification buttons.
pub fn relabel(app: &AppHandle, locale: Locale) {
    let t = Texts::of(locale);
    if let Some(tray) = app.try_state::<Tray<tauri::Wry>>() {
        let _ = tray.relabel(&t);
    }
    let _ = app.state::<Notifier>().relabel(app, &t);
}

/// What a tray menu click does.
pub fn on_tray_action(app: &AppHandle, action: TrayAction) {
    match action {
        TrayAction::Quit => app.exit(0),
        TrayAction::Open => tray::show_main(app),
        TrayAction::OutOfOffice => {
            tray::show_main(app);
            let _ = app.emit(
                "navigate",
                NavigateTarget {
                    screen: Screen::Availability,
                    dialog: Some(Dialog::OutOfOffice),
                },
            );
        }
        TrayAction::OpenOffer | TrayAction::ToggleToday => {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                let Ok(client) = app.state::<Shell>().signed_in().await else {
                    tray::show_main(&app);
                    return;
                };
                if action == TrayAction::OpenOffer {
                    let first = client
                        .pending_offers()
                        .unwrap_or_default()
                        .into_iter()
                        .min_by_key(|r| r.offer.map(|o| o.deadline));
                    tray::show_main(&app);
                    if let Some(referral) = first {
                        let _ = app.emit(
                            "open_referral",
                            ReferralRef {
                                referral_id: referral.id,
                            },
                        );
                    }
                } else {
                    let now = client.server_now();
                    let on = client.read(|c| c.availability_summary(now)).is_ok_and(|s| {
                        s.reason == hod_domain::availability::AvailabilityReason::TodayOn
                    });
                    if let Err(error) =
                        crate::commands::availability::toggle_today(&client, !on, None)
                    {
                        tracing::warn!(code = %error.code, "Today's Availability could not be changed");
                    }
                }
            });
        }
    }
}

/// What a notification button or click does: the buttons act directly.
pub fn on_offer_answer(app: &AppHandle, answer: OfferAnswer) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let Ok(client) = app.state::<Shell>().signed_in().await else {
            return;
        };
        let result = match answer {
            OfferAnswer::Accept(id) => client.accept(id).map(|_| ()),
            OfferAnswer::Reject(id) => client
                .reject(id, hod_domain::wire::v1::RejectRequest { reason: None })
                .map(|_| ()),
            OfferAnswer::Open(id) => {
                tray::show_main(&app);
                let _ = app.emit("open_referral", ReferralRef { referral_id: id });
                Ok(())
            }
        };
        if let Err(error) = result {
            tracing::warn!(%error, "the answer from the notification was not taken");
        }
    });
}
