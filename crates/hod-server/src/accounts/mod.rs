//! Agent accounts: provisioning input, passwords, login, sessions and login throttling.
//!
//! The functions here are shared by the HTTP API and the operator CLI, so a rule about
//! accounts is written once. They take the store and the instant ("now") as arguments.

mod input;
mod login;
pub mod password;
pub mod throttle;
pub mod token;

pub use input::{normalize_username, AgentInput, LicenseInput};
pub use login::{authenticate, login, logout, set_password, LoginError, LoginOutcome};
