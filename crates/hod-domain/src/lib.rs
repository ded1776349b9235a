//! The Help On Demand program rules as code.
//!
//! `hod-domain` is pure: no I/O, no async, no clocks read behind the caller's back (every
//! function that depends on "now" takes the instant as an argument). The server and the
//! desktop client both build on it, so a rule is decided once.
//!
//! Modules are named in the words of the program rules:
//! - [`availability`]: Standard Hours, breaks, Today's Availability, Out of Office (AV-1..AV-8);
//! - [`referral`]: statuses, offers and the accept window, contact attempts, missed referrals
//!   (RS, MR, CE);
//! - [`eligibility`]: HealthCare.gov states by plan year, licenses, state preferences (ST);
//! - [`contact_preference`]: the Preferred Contact Method (CP);
//! - [`wire`]: the versioned JSON shapes shared by server and client.

pub mod availability;
pub mod contact_preference;
pub mod dispatch;
pub mod eligibility;
pub mod language;
pub mod referral;
pub mod rule;
pub mod validation;
pub mod wire;

pub use rule::Rule;
pub use validation::{ValidationCode, ValidationError, ValidationErrors};
