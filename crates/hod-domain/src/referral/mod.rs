//! The referral lifecycle: an offer answered in the accept window, the statuses an accepted
//! referral moves through, contacting the consumer, and what happens to missed referrals.
//!
//! - [`status`]: the six statuses and the moves between them (RS-1..RS-8);
//! - [`offer`]: the 15-minute accept window and its outcomes (MR-1, MR-2, MR-5);
//! - [`contact_attempt`]: contact within 15/30 minutes, three attempts (CE-1..CE-4);
//! - [`missed`]: the login alert and the missed-referral row (MR-3, MR-4);
//! - [`suspension`]: consecutive misses (AV-9);
//! - [`policy`]: the program's limits as configuration.
//!
//! Everything here is pure: every "now" is an argument.

mod duration;

pub mod contact_attempt;
pub mod missed;
pub mod offer;
pub mod policy;
pub mod status;
pub mod suspension;

pub use contact_attempt::{
    contact_progress, ContactAttempt, ContactChannel, ContactOutcome, ContactProgress,
    ContactTiming, FirstContact, StatusSuggestion,
};
pub use missed::{missed_alert, MissedAlert, MissedReferralRow};
pub use offer::{AcceptWindowClosed, Offer, OfferAction, OfferOutcome};
pub use policy::ProgramPolicy;
pub use status::{
    transition, CompletionOutcome, NotAGoodReferralReason, ReferralStatus, SetStatusError,
    StatusChange, TransitionError,
};
pub use suspension::{consecutive_misses, suspension_due};
