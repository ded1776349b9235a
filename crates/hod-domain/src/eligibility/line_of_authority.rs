//! Which lines of authority count as "health-related" (rule ST-1).
//!
//! States label the same line differently: the NAIC uniform line is "Accident and Health or
//! Sickness", and states also use "Accident & Health", "Health", "Life, Accident & Health", …
//! So the decision is a lookup in a configurable table of labels, compared after normalising
//! the spelling, rather than a guess from words in the label.

use std::collections::BTreeSet;

/// Decides whether a license's line of authority is health-related.
///
/// Labels are compared after [`normalise_line_of_authority`], so case, spacing, punctuation
/// and "&" / "and" / "or" do not matter, but the words do: "Life" or "Property" alone never
/// match, and neither does a label the table does not name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthLineMatcher {
    labels: BTreeSet<String>,
}

impl HealthLineMatcher {
    /// Labels counted as health-related by [`HealthLineMatcher::default`].
    ///
    /// Limited lines that do not authorise selling Marketplace health plans (Disability
    /// Income, Dental, Medicare Supplement, Long-Term Care, Credit) are left out on purpose;
    /// a deployment that must count one adds it with
    /// [`HealthLineMatcher::with_additional_labels`].
    pub const DEFAULT_LABELS: &'static [&'static str] = &[
        "Accident and Health or Sickness",
        "Accident and Health",
        "Accident and Sickness",
        "Accident, Health and Sickness",
        "Health",
        "Sickness",
        "Life and Health",
        "Life, Accident and Health",
        "Life, Accident and Health or Sickness",
        "General Life, Accident and Health",
    ];

    /// A matcher that counts exactly `labels` (in any spelling) as health-related.
    pub fn with_labels<I>(labels: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        Self {
            labels: BTreeSet::new(),
        }
        .with_additional_labels(labels)
    }

    /// This matcher, also counting `labels` as health-related.
    pub fn with_additional_labels<I>(mut self, labels: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.labels.extend(
            labels
                .into_iter()
                .map(|label| normalise_line_of_authority(label.as_ref()))
                .filter(|label| !label.is_empty()),
        );
        self
    }

    /// Whether `line_of_authority`, as the state labels it, is health-related.
    pub fn is_health_line(&self, line_of_authority: &str) -> bool {
        self.labels
            .contains(&normalise_line_of_authority(line_of_authority))
    }

    /// The table, in normalised form.
    pub fn labels(&self) -> impl Iterator<Item = &str> {
        self.labels.iter().map(String::as_str)
    }
}

impl Default for HealthLineMatcher {
    fn default() -> Self {
        Self::with_labels(Self::DEFAULT_LABELS)
    }
}

/// The comparable form of a line-of-authority label: lower-case words separated by single
/// spaces, punctuation dropped, and the connectives "&", "and" and "or" removed, so that
/// "Accident & Health", "ACCIDENT AND HEALTH" and "Accident/Health" all read
/// `"accident health"`.
pub fn normalise_line_of_authority(label: &str) -> String {
    label
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .filter(|word| word != "and" && word != "or")
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_st_1_health_lines_match_in_any_spelling() {
        let matcher = HealthLineMatcher::default();
        for label in [
            "Accident & Health",
            "ACCIDENT AND HEALTH",
            "accident and health",
            "  Accident  &  Health ",
            "Accident/Health",
            "Accident and Health or Sickness",
            "Accident & Health or Sickness",
            "Health",
            "HEALTH",
            "Sickness",
            "Accident & Sickness",
            "Life, Accident & Health",
            "Life Accident and Health",
            "Life & Health",
            "General Life, Accident and Health",
        ] {
            assert!(
                matcher.is_health_line(label),
                "{label:?} should be a health line"
            );
        }
    }

    #[test]
    fn rule_st_1_life_property_and_limited_lines_do_not_match() {
        let matcher = HealthLineMatcher::default();
        for label in [
            "Life",
            "LIFE",
            "Variable Life and Variable Annuity",
            "Property",
            "Casualty",
            "Property & Casualty",
            "Personal Lines",
            "Title",
            "Credit",
            "Disability Income",
            "Dental",
            "Medicare Supplement",
            "Long-Term Care",
            "Health Care Sharing",
            "Accident",
            "",
            "&",
        ] {
            assert!(
                !matcher.is_health_line(label),
                "{label:?} should not be a health line"
            );
        }
    }

    #[test]
    fn rule_st_1_health_line_table_is_configurable() {
        let matcher = HealthLineMatcher::with_labels(["Disability Income"]);
        assert!(matcher.is_health_line("disability  income"));
        assert!(
            !matcher.is_health_line("Accident & Health"),
            "table replaced"
        );

        let matcher = HealthLineMatcher::default().with_additional_labels(["Disability Income"]);
        assert!(matcher.is_health_line("Disability Income"));
        assert!(matcher.is_health_line("Accident & Health"), "defaults kept");

        let empty = HealthLineMatcher::with_labels(["", " & "]);
        assert_eq!(empty.labels().count(), 0);
        assert!(!empty.is_health_line(""));
    }

    #[test]
    fn normalisation_ignores_case_spacing_punctuation_and_connectives() {
        assert_eq!(
            normalise_line_of_authority(" Life,  Accident & Health OR Sickness. "),
            "life accident health sickness"
        );
        assert_eq!(
            normalise_line_of_authority("Long-Term Care"),
            "long term care"
        );
        // Connectives only as whole words: "Oregon" and "Landlord" keep their letters.
        assert_eq!(
            normalise_line_of_authority("Oregon Landlord"),
            "oregon landlord"
        );
    }
}
