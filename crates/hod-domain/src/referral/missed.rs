//! Missed referrals: the login alert (MR-3) and how a missed referral is listed (MR-4).
//!
//! An offer not answered inside the accept window is missed (MR-2) and goes to the next agent.
//! On login the agent is told how many they missed "in the last 7 days" (MR-3), only when there
//! was at least one. The missed referral stays in Manage Referrals with its *Referral Assigned*
//! date and time, but "Missed Referral" in the name column and no contact information (MR-4):
//! the consumer's details belong to the agent who accepted, never to one who let the offer lapse.

use super::duration::{phrase_en, phrase_es, saturating_sub, seconds};
use super::offer::Offer;
use super::policy::ProgramPolicy;
use crate::language::Language;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// The MR-3 login alert: how many referrals the agent missed in the lookback window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissedAlert {
    /// Misses in the window; never zero (there is no alert then).
    pub count: usize,
    /// Start of the window, *excluded*: `now - lookback`.
    pub window_start: DateTime<Utc>,
    /// End of the window, *included*: the `now` the alert was computed at.
    pub window_end: DateTime<Utc>,
    /// The lookback of the policy ("the last 7 days").
    #[serde(rename = "lookback_seconds", with = "seconds")]
    pub lookback: Duration,
    /// The accept window of the policy ("within 15 minutes"), quoted in the reminder.
    #[serde(rename = "accept_window_seconds", with = "seconds")]
    pub accept_window: Duration,
}

/// The login alert for an agent whose offers were missed at the instants `missed_at` (each
/// offer's deadline), or `None` when none fall in the window.
///
/// The window is `(now - lookback, now]`: a miss exactly 7 days old has aged out, a miss at `now`
/// counts, and a miss after `now` (a clock ahead of the server's) is not counted yet.
pub fn missed_alert(
    missed_at: impl IntoIterator<Item = DateTime<Utc>>,
    now: DateTime<Utc>,
    policy: &ProgramPolicy,
) -> Option<MissedAlert> {
    let window_start = saturating_sub(now, policy.missed_alert_lookback);
    let count = missed_at
        .into_iter()
        .filter(|at| window_start < *at && *at <= now)
        .count();
    (count > 0).then_some(MissedAlert {
        count,
        window_start,
        window_end: now,
        lookback: policy.missed_alert_lookback,
        accept_window: policy.accept_window,
    })
}

impl MissedAlert {
    /// The alert in English, as the program words it (MR-3).
    ///
    /// The tip sheet shows "missed 1 referral"; more than one reads "referrals".
    pub fn message_en(&self) -> String {
        let referrals = if self.count == 1 {
            "referral"
        } else {
            "referrals"
        };
        format!(
            "Alert! You have missed {} {referrals} in the last {}. As a reminder, you must accept \
             a referral within {} of receiving your notification. Missed referrals are sent to \
             the next available Help On Demand agent or broker.",
            self.count,
            phrase_en(self.lookback),
            phrase_en(self.accept_window),
        )
    }

    /// The alert in Spanish, in the tip sheet's translation.
    pub fn message_es(&self) -> String {
        let referidos = if self.count == 1 {
            "referido"
        } else {
            "referidos"
        };
        format!(
            "¡Alerta! Ha perdido {} {referidos} en los últimos {}. Como recordatorio, debe aceptar \
             un referido en {} después de recibir su notificación. Los referidos perdidos se envían \
             al siguiente agente o corredor disponible de Help On Demand.",
            self.count,
            phrase_es(self.lookback),
            phrase_es(self.accept_window),
        )
    }

    /// The alert in `language`: Spanish for "es", English otherwise.
    pub fn message(&self, language: &Language) -> String {
        if language.code() == "es" {
            self.message_es()
        } else {
            self.message_en()
        }
    }
}

/// A missed referral as listed in Manage Referrals (MR-4).
///
/// It has no field for the consumer's name or contact details, so none can leak through it; and
/// deserialising refuses unknown fields, so a payload that carries them is rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MissedReferralRow {
    /// The *Referral Assigned* column: when the referral was offered to this agent.
    pub referral_assigned_at: DateTime<Utc>,
    /// When the accept window closed (the offer's deadline).
    pub missed_at: DateTime<Utc>,
}

impl MissedReferralRow {
    /// What the name column reads, in English.
    pub const NAME_EN: &'static str = "Missed Referral";
    /// What the name column reads, in Spanish ("Referido perdido", tip sheet).
    pub const NAME_ES: &'static str = "Referido perdido";

    /// The row for a missed offer.
    pub const fn from_offer(offer: &Offer) -> Self {
        Self {
            referral_assigned_at: offer.offered_at,
            missed_at: offer.deadline,
        }
    }

    /// The name column in `language`: Spanish for "es", English otherwise.
    pub fn name(&self, language: &Language) -> &'static str {
        if language.code() == "es" {
            Self::NAME_ES
        } else {
            Self::NAME_EN
        }
    }
}

#[cfg(test)]
mod tests;
