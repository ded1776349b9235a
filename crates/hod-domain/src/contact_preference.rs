//! The Preferred Contact Method: which channels announce a new referral (rules CP-1, CP-2).
//!
//! A referral must be answered within 15 minutes of the notification (MR-1), and e-mail and
//! text can be delayed by carrier and location (MR-5), so the more channels announce it, the
//! less of that window is lost. E-mail is part of every option.

use crate::Rule;
use serde::{Deserialize, Serialize};
use std::fmt;

/// One way a new referral is announced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// E-mail to the MLMS profile address (CP-3).
    Email,
    /// A text message (SMS).
    Text,
    /// A notification from the desktop app.
    App,
}

impl Channel {
    /// Every channel, in the order the options name them.
    pub const ALL: [Channel; 3] = [Channel::Email, Channel::Text, Channel::App];
}

/// The channels one Preferred Contact Method turns on. Built only from a
/// [`PreferredContactMethod`], so `email` is always `true`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub struct Channels {
    pub email: bool,
    pub text: bool,
    pub app: bool,
}

impl Channels {
    pub fn contains(self, channel: Channel) -> bool {
        match channel {
            Channel::Email => self.email,
            Channel::Text => self.text,
            Channel::App => self.app,
        }
    }

    /// The channels that are on, in [`Channel::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Channel> {
        Channel::ALL.into_iter().filter(move |c| self.contains(*c))
    }
}

/// The agent's Preferred Contact Method: exactly the four options of CP-1.
///
/// The default is the recommended *Email, Text & App Notification* (CP-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum PreferredContactMethod {
    /// *Email, Text & App Notification* (recommended).
    #[default]
    EmailTextApp,
    /// *Email & Text*.
    EmailText,
    /// *Email & App Notification*.
    EmailApp,
    /// *Email Only*: may delay notifications and lose referrals (CP-2).
    EmailOnly,
}

impl PreferredContactMethod {
    /// The four options, in the order the profile screen lists them.
    pub const ALL: [PreferredContactMethod; 4] = [
        Self::EmailTextApp,
        Self::EmailText,
        Self::EmailApp,
        Self::EmailOnly,
    ];

    /// The option's label, as the program writes it.
    pub const fn label(self) -> &'static str {
        match self {
            Self::EmailTextApp => "Email, Text & App Notification",
            Self::EmailText => "Email & Text",
            Self::EmailApp => "Email & App Notification",
            Self::EmailOnly => "Email Only",
        }
    }

    /// The channels that announce a new referral under this option.
    pub const fn channels(self) -> Channels {
        let (text, app) = match self {
            Self::EmailTextApp => (true, true),
            Self::EmailText => (true, false),
            Self::EmailApp => (false, true),
            Self::EmailOnly => (false, false),
        };
        Channels {
            email: true,
            text,
            app,
        }
    }

    /// Whether this is the option the program recommends (CP-2).
    pub const fn is_recommended(self) -> bool {
        matches!(self, Self::EmailTextApp)
    }

    /// The warning to show when this option is chosen, if any (CP-2).
    pub const fn warning(self) -> Option<ContactMethodWarning> {
        match self {
            Self::EmailOnly => Some(ContactMethodWarning::EmailOnlyMayDelay),
            Self::EmailTextApp | Self::EmailText | Self::EmailApp => None,
        }
    }
}

impl fmt::Display for PreferredContactMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A caution shown when the agent picks a Preferred Contact Method (CP-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ContactMethodWarning {
    /// E-mail alone can arrive late and eat the 15-minute accept window (MR-1, MR-5).
    EmailOnlyMayDelay,
}

impl ContactMethodWarning {
    pub const fn rule(self) -> Rule {
        match self {
            Self::EmailOnlyMayDelay => Rule::Cp2,
        }
    }

    /// The warning in English (the UI translates by variant).
    pub const fn message(self) -> &'static str {
        match self {
            Self::EmailOnlyMayDelay => {
                "With Email Only, referral notifications may be delayed and referrals may be \
                 lost. Email, Text & App Notification is recommended."
            }
        }
    }
}

impl fmt::Display for ContactMethodWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use PreferredContactMethod::*;

    #[test]
    fn rule_cp_1_four_methods_and_their_channels() {
        let expected = [
            (
                EmailTextApp,
                "Email, Text & App Notification",
                [Channel::Email, Channel::Text, Channel::App].as_slice(),
            ),
            (EmailText, "Email & Text", &[Channel::Email, Channel::Text]),
            (
                EmailApp,
                "Email & App Notification",
                &[Channel::Email, Channel::App],
            ),
            (EmailOnly, "Email Only", &[Channel::Email]),
        ];
        assert_eq!(PreferredContactMethod::ALL.len(), 4);
        for (method, label, channels) in expected {
            assert!(PreferredContactMethod::ALL.contains(&method));
            assert_eq!(method.label(), label);
            assert_eq!(method.to_string(), label);
            assert_eq!(method.channels().iter().collect::<Vec<_>>(), channels);
        }
    }

    #[test]
    fn rule_cp_1_email_is_always_on_and_each_option_is_distinct() {
        let all = PreferredContactMethod::ALL;
        assert!(all.iter().all(|m| m.channels().email));
        assert!(all.iter().all(|m| m.channels().contains(Channel::Email)));
        let distinct: HashSet<Channels> = all.iter().map(|m| m.channels()).collect();
        assert_eq!(
            distinct.len(),
            4,
            "every combination of text and app appears once"
        );
    }

    #[test]
    fn rule_cp_1_methods_round_trip_through_serde() {
        let names = ["email_text_app", "email_text", "email_app", "email_only"];
        for (method, name) in PreferredContactMethod::ALL.into_iter().zip(names) {
            let json = serde_json::to_string(&method).expect("serialize");
            assert_eq!(json, format!("\"{name}\""));
            let back: PreferredContactMethod = serde_json::from_str(&json).expect("deserialize");
            assert_eq!(back, method);
        }
        assert!(serde_json::from_str::<PreferredContactMethod>("\"text_only\"").is_err());
        assert_eq!(
            serde_json::to_string(&Channel::App).expect("serialize"),
            "\"app\""
        );
    }

    #[test]
    fn rule_cp_2_email_text_and_app_is_recommended_and_the_default() {
        assert_eq!(PreferredContactMethod::default(), EmailTextApp);
        let recommended: Vec<_> = PreferredContactMethod::ALL
            .into_iter()
            .filter(|m| m.is_recommended())
            .collect();
        assert_eq!(recommended, [EmailTextApp]);
    }

    #[test]
    fn rule_cp_2_email_only_warns() {
        let warning = EmailOnly.warning().expect("Email Only warns");
        assert_eq!(warning, ContactMethodWarning::EmailOnlyMayDelay);
        assert_eq!(warning.rule(), Rule::Cp2);
        assert!(warning.message().contains("delayed"));
        assert!(warning.message().contains("lost"));
        for method in [EmailTextApp, EmailText, EmailApp] {
            assert_eq!(method.warning(), None, "{method}");
        }
        let json = serde_json::to_string(&warning).expect("serialize");
        assert_eq!(json, "\"email_only_may_delay\"");
    }
}
