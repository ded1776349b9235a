//! The payloads of the events the shell emits to the window, one type per event, so the
//! window's TypeScript (`ui/src/lib/bindings.ts`) is generated from the same definitions.

use chrono::{DateTime, Utc};
use hod_domain::availability::AvailabilityStatus;
use hod_domain::referral::OfferOutcome;
use hod_domain::wire::v1::ReferralId;
use serde::Serialize;
use ts_rs::TS;

/// `offer_new`: a new offer inside its accept window (MR-1).
#[derive(Debug, Clone, Serialize, TS)]
pub struct OfferNew {
    pub referral_id: ReferralId,
    /// The accept deadline by the server's clock.
    pub deadline: Option<DateTime<Utc>>,
}

/// `offer_resolved`: an offer ended (accepted, rejected, missed or withdrawn).
#[derive(Debug, Clone, Serialize, TS)]
pub struct OfferResolved {
    pub referral_id: ReferralId,
    pub outcome: OfferOutcome,
}

/// `referral_changed`, and `open_referral` (a notification click or deep link asks for a
/// referral).
#[derive(Debug, Clone, Serialize, TS)]
pub struct ReferralRef {
    pub referral_id: ReferralId,
}

/// `availability_changed`: the settings changed; `status` is the server's, when it sent one.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AvailabilityChanged {
    pub status: Option<AvailabilityStatus>,
}

/// The window's screens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Screen {
    Referrals,
    Availability,
    Profile,
    Settings,
}

/// A dialog a `navigate` event opens on arrival.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Dialog {
    /// The Out of Office dialog (tray "Out of Office…").
    OutOfOffice,
}

/// `navigate`: the tray menu asks for a screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
pub struct NavigateTarget {
    pub screen: Screen,
    pub dialog: Option<Dialog>,
}
