//! Links into the app. The server's e-mails carry `hod://referral/<id>`, and a click opens the
//! app on that referral; the operating system hands the link to the app (a new launch, or the
//! running instance through the single-instance plugin), and the shell asks [`parse`] what it
//! means.

use hod_domain::wire::v1::{ReferralId, APP_LINK_SCHEME as SCHEME};

/// Where a link points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeepLink {
    /// `hod://referral/<id>`: Manage Referrals, on that referral.
    Referral(ReferralId),
}

/// Reads a link; `None` for anything that is not one of the app's links (another scheme, an
/// unknown target, an id that is not a positive number). The scheme and target are
/// case-insensitive; a trailing slash, a query and a fragment are ignored.
pub fn parse(link: &str) -> Option<DeepLink> {
    let link = link.trim();
    let (scheme, rest) = link.split_once("://")?;
    if !scheme.eq_ignore_ascii_case(SCHEME) {
        return None;
    }
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    let mut parts = rest.trim_end_matches('/').split('/');
    let target = parts.next()?;
    let id = parts.next()?;
    if parts.next().is_some() || !target.eq_ignore_ascii_case("referral") {
        return None;
    }
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let id: i64 = id.parse().ok()?;
    (id > 0).then_some(DeepLink::Referral(ReferralId(id)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use hod_domain::wire::v1::referral_app_link;

    #[test]
    fn a_referral_link_opens_that_referral() {
        assert_eq!(
            parse("hod://referral/42"),
            Some(DeepLink::Referral(ReferralId(42)))
        );
        assert_eq!(
            parse("HOD://Referral/42/?utm=mail#top"),
            Some(DeepLink::Referral(ReferralId(42)))
        );
        assert_eq!(
            parse(&referral_app_link(ReferralId(7))),
            Some(DeepLink::Referral(ReferralId(7)))
        );
    }

    #[test]
    fn anything_else_is_not_a_link_of_the_app() {
        for link in [
            "https://example.org/referral/42",
            "hod://referral/",
            "hod://referral/0",
            "hod://referral/-3",
            "hod://referral/+3",
            "hod://referral/4x2",
            "hod://referral/99999999999999999999",
            "hod://referral/42/extra",
            "hod://profile/42",
            "hod:referral/42",
            "--flag",
            "",
        ] {
            assert_eq!(parse(link), None, "{link}");
        }
    }
}
