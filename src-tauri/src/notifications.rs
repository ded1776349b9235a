//! Native notifications: a new offer with Accept and Reject buttons that act directly, a
//! click on the body that opens the app on the offer, and reminders.
//!
//! The buttons are sent to the notification server only while an action handler is
//! registered, so [`Notifier::install`] registers the action types and the handler before
//! the first offer can arrive.

use hod_client::presence::Texts;
use hod_domain::wire::v1::ReferralId;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tauri::{AppHandle, Runtime};
use tauri_plugin_notification::{Action, ActionType, NotificationExt};

const OFFER_ACTIONS: &str = "offer";
const ACCEPT: &str = "accept";
const REJECT: &str = "reject";
/// What the platform reports for a click on the notification itself.
const TAP: &str = "tap";
const DEFAULT: &str = "default";

/// What the agent did with an offer notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfferAnswer {
    Accept(ReferralId),
    Reject(ReferralId),
    Open(ReferralId),
}

/// Shows notifications and routes their actions back to the referral they are about.
#[derive(Debug, Clone, Default)]
pub struct Notifier {
    by_notification: Arc<Mutex<HashMap<i32, ReferralId>>>,
}

impl Notifier {
    /// Registers the offer action type (Accept, Reject) and the handler.
    pub fn install<R: Runtime>(
        app: &AppHandle<R>,
        texts: &Texts,
        on_answer: impl Fn(OfferAnswer) + Send + Sync + 'static,
    ) -> tauri_plugin_notification::Result<Self> {
        let notifier = Self::default();
        register_actions(app, texts)?;
        let routes = notifier.by_notification.clone();
        app.notification().on_action(move |performed| {
            let Some(id) = performed.notification().map(|n| n.id()) else {
                return;
            };
            let Some(referral) = routes
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(&id)
                .copied()
            else {
                return;
            };
            let answer = match performed.action_id() {
                ACCEPT => OfferAnswer::Accept(referral),
                REJECT => OfferAnswer::Reject(referral),
                TAP | DEFAULT => OfferAnswer::Open(referral),
                _ => return,
            };
            on_answer(answer);
        })?;
        Ok(notifier)
    }

    /// Re-registers the buttons in another language.
    pub fn relabel<R: Runtime>(
        &self,
        app: &AppHandle<R>,
        texts: &Texts,
    ) -> tauri_plugin_notification::Result<()> {
        register_actions(app, texts)
    }

    /// "New referral — TX, Austin, Spanish. Accept within 15 minutes." with Accept/Reject.
    /// Offer reminders use it too: they replace the offer's notification, buttons and all.
    pub fn offer<R: Runtime>(
        &self,
        app: &AppHandle<R>,
        referral: ReferralId,
        title: &str,
        body: &str,
        sound: bool,
    ) -> tauri_plugin_notification::Result<()> {
        self.show(
            app,
            notification_id(referral),
            referral,
            title,
            body,
            sound,
            true,
        )
    }

    /// A reminder about `referral` (contact it, CE-1/CE-2); a click opens it.
    pub fn reminder<R: Runtime>(
        &self,
        app: &AppHandle<R>,
        referral: ReferralId,
        title: &str,
        body: &str,
        sound: bool,
    ) -> tauri_plugin_notification::Result<()> {
        let id = notification_id(referral).wrapping_add(1 << 30);
        self.show(app, id, referral, title, body, sound, false)
    }

    #[allow(clippy::too_many_arguments)]
    fn show<R: Runtime>(
        &self,
        app: &AppHandle<R>,
        id: i32,
        referral: ReferralId,
        title: &str,
        body: &str,
        sound: bool,
        with_buttons: bool,
    ) -> tauri_plugin_notification::Result<()> {
        self.by_notification
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, referral);
        let mut builder = app.notification().builder().id(id).title(title).body(body);
        if with_buttons {
            builder = builder.action_type_id(OFFER_ACTIONS);
        }
        if sound {
            builder = builder.sound("message-new-instant");
        }
        builder.show()
    }
}

fn register_actions<R: Runtime>(
    app: &AppHandle<R>,
    texts: &Texts,
) -> tauri_plugin_notification::Result<()> {
    app.notification()
        .register_action_types(vec![ActionType::builder(OFFER_ACTIONS)
            .actions(vec![
                Action::builder(ACCEPT, texts.accept).build(),
                Action::builder(REJECT, texts.reject).build(),
            ])
            .build()])
}

/// A stable notification id per referral, so a reminder replaces nothing and an answer maps
/// back to its referral.
fn notification_id(referral: ReferralId) -> i32 {
    i32::try_from(referral.0 % i64::from(1 << 30)).unwrap_or(0)
}
