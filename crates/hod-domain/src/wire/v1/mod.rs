//! Version 1 of the wire types, served under `/v1`.
//!
//! Instants are RFC 3339 in UTC; wall times `"HH:MM"`; states `"TX"`; languages `"es"`.
//! Consumer contact details appear in exactly one place, [`ConsumerContact`], and only the
//! agent who accepted the referral ever receives one (MR-4).

mod changes;
mod error;
mod intake;
mod profile;
mod referral;

pub use changes::{Change, ChangeEvent, ServerMessage};
pub use error::{ApiError, ErrorCode};
pub use intake::{IntakeReceipt, IntakeReferral, ReferralState};
pub use profile::{
    Availability, LoginRequest, LoginResponse, OutOfOfficeRequest, Profile, ProfileUpdate,
    Suspension, TodayRequest,
};
pub use referral::{
    referral_app_link, ConsumerContact, ContactAttemptRequest, OfferView, Referral, ReferralId,
    ReferralPage, RejectRequest, APP_LINK_SCHEME, MISSED_REFERRAL_NAME,
};

/// The missed-referral alert (MR-3), present only when the count is above zero.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
pub struct MissedAlertView {
    pub count: u32,
    /// The program's wording, in the language asked for.
    pub message: String,
}

#[cfg(test)]
mod tests;
