//! The commands the UI calls, by area. Each is a few lines over `hod-client`: actions go to
//! the outbox (and return the optimistic state at once), reads come from the cache.
//! Failures reach the UI as `{code, message}` ([`ErrorBody`]). Names and argument keys are
//! snake_case, as `ui/src/lib/host.ts` expects.

pub mod availability;
pub mod profile;
pub mod referrals;
pub mod session;
pub mod settings;

use hod_client::error_body::ErrorBody;

pub type CommandResult<T> = Result<T, ErrorBody>;

/// A read that found nothing: the first sync has not brought it yet.
fn not_synced<T>(what: &'static str) -> impl FnOnce(Option<T>) -> CommandResult<T> {
    move |value| {
        value.ok_or_else(|| {
            ErrorBody::new(
                "not_synced",
                format!("the {what} has not been loaded from the server yet"),
            )
        })
    }
}
