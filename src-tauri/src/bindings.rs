//! The TypeScript bindings of every shape that crosses the IPC boundary: command results,
//! event payloads, and the domain and client types inside them. Generated from the Rust
//! definitions with ts-rs into one committed file, `ui/src/lib/bindings.ts`, which
//! `ui/src/lib/types.ts` re-exports. The test below fails when the file is stale; `make
//! bindings` rewrites it (decision 0503).

use ts_rs::{Config, TS};

/// Where the generated file lives, relative to this crate.
pub const BINDINGS_PATH: &str = "../ui/src/lib/bindings.ts";

const HEADER: &str = "\
// Generated from the Rust types by `make bindings` (src-tauri/src/bindings.rs). Do not edit:
// a test fails when this file and the Rust definitions disagree.
// Instants are RFC 3339 UTC strings; wall times \"HH:MM\"; dates \"YYYY-MM-DD\".
";

/// One declaration, with its doc comment, as ts-rs writes it into a file of its own.
fn declaration<T: TS + ?Sized + 'static>(config: &Config) -> String {
    let mut out = String::new();
    if let Some(docs) = T::docs() {
        out.push_str(&docs);
    }
    out.push_str("export ");
    out.push_str(&T::decl(config));
    out.push('\n');
    out
}

macro_rules! declarations {
    ($config:expr; $($ty:ty),+ $(,)?) => {
        vec![$(declaration::<$ty>($config)),+]
    };
}

/// The whole file. JSON numbers are JavaScript numbers (ids and counts stay far below 2^53),
/// so 64-bit integers are `number`, not `bigint`.
pub fn render() -> String {
    use hod_client as client;
    use hod_domain as domain;
    let config = Config::new().with_large_int("number");
    let parts = declarations![&config;
        // Shared scalars.
        domain::Rule,
        domain::eligibility::StateCode,
        domain::language::Language,
        domain::availability::WallTime,
        domain::availability::AgentTimeZone,
        // Referrals (RS, MR, CE).
        domain::referral::ReferralStatus,
        domain::referral::CompletionOutcome,
        domain::referral::NotAGoodReferralReason,
        domain::referral::StatusChange,
        domain::referral::OfferOutcome,
        domain::referral::ContactChannel,
        domain::referral::ContactOutcome,
        domain::referral::ContactAttempt,
        domain::wire::v1::ReferralId,
        domain::wire::v1::ConsumerContact,
        domain::wire::v1::OfferView,
        domain::wire::v1::Referral,
        domain::wire::v1::RejectRequest,
        domain::wire::v1::ContactAttemptRequest,
        domain::wire::v1::MissedAlertView,
        // Availability (AV).
        domain::availability::Break,
        domain::availability::DaySchedule,
        domain::availability::WeeklySchedule,
        domain::availability::TodaySwitch,
        domain::availability::TodayOverride,
        domain::availability::OutOfOffice,
        domain::availability::AvailabilitySettings,
        domain::availability::AvailabilityReason,
        domain::availability::AvailabilityStatus,
        domain::availability::AvailabilitySegment,
        domain::wire::v1::Availability,
        domain::wire::v1::TodayRequest,
        domain::wire::v1::OutOfOfficeRequest,
        // Profile (CP, ST).
        domain::contact_preference::PreferredContactMethod,
        domain::contact_preference::ContactMethodWarning,
        domain::eligibility::LicenseStatus,
        domain::eligibility::License,
        domain::eligibility::StatePreferences,
        domain::wire::v1::Suspension,
        domain::wire::v1::Profile,
        domain::wire::v1::ProfileUpdate,
        // Errors.
        domain::ValidationCode,
        domain::ValidationError,
        domain::wire::v1::ErrorCode,
        domain::wire::v1::ApiError,
        client::error_body::ErrorBody,
        // The client: cache reads, connection, outbox.
        client::ReferralSort,
        client::SortDirection,
        client::ReferralQuery,
        client::ReferralListPage,
        client::ConnectionState,
        client::OutboxAction,
        client::Rollback,
        client::Refusal,
        client::presence::Locale,
        // The shell: command results and event payloads.
        crate::settings::Theme,
        crate::settings::AppSettings,
        crate::shell::LoginPrefill,
        crate::commands::session::SessionState,
        crate::commands::session::ConnectionInfo,
        crate::commands::availability::Schedule,
        crate::payloads::OfferNew,
        crate::payloads::OfferResolved,
        crate::payloads::ReferralRef,
        crate::payloads::AvailabilityChanged,
        crate::payloads::Screen,
        crate::payloads::Dialog,
        crate::payloads::NavigateTarget,
    ];
    let mut out = String::from(HEADER);
    for part in parts {
        out.push('\n');
        out.push_str(&part);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn committed_path() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(BINDINGS_PATH)
    }

    /// The committed bindings match the Rust types; `UPDATE_BINDINGS=1` rewrites them.
    #[test]
    fn committed_typescript_bindings_are_current() {
        let fresh = render();
        let path = committed_path();
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::write(&path, &fresh).expect("write ui/src/lib/bindings.ts");
            return;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == fresh,
            "ui/src/lib/bindings.ts is stale: the Rust types changed. Run `make bindings` \
             and commit the result.\n--- generated ---\n{fresh}"
        );
    }

    /// Every declaration names a distinct type: two Rust types with one TypeScript name
    /// would silently shadow each other in the one file.
    #[test]
    fn every_declared_type_name_is_unique() {
        let text = render();
        let mut names: Vec<&str> = text
            .lines()
            .filter_map(|line| line.strip_prefix("export type "))
            .filter_map(|rest| rest.split([' ', '<']).next())
            .collect();
        let total = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(
            names.len(),
            total,
            "duplicate TypeScript names in the bindings"
        );
        assert!(total > 50, "only {total} declarations rendered");
    }
}
