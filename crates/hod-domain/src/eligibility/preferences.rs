//! State Preferences: the eligible states an agent chooses to receive referrals from
//! (rules ST-2, ST-3).

use super::state::StateCode;
use crate::{Rule, ValidationCode, ValidationError, ValidationErrors};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The states an agent wants referrals from.
///
/// Until the agent saves a choice, the preferences are every eligible state (ST-2), and that
/// follows the licenses: a state the agent becomes eligible in is included at once. After
/// saving, only the saved states count (ST-3), and only while they stay eligible, because a
/// license can lapse after the choice was saved.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum StatePreferences {
    /// Nothing saved yet: every eligible state is selected (ST-2).
    #[default]
    AllEligible,
    /// The states the agent saved (ST-3). May be empty: the agent then receives no referrals.
    Selected(BTreeSet<StateCode>),
}

impl StatePreferences {
    /// Checks and saves the agent's selection against the states they are eligible in now.
    ///
    /// Every selected state outside `eligible` is reported, each at its position in
    /// `selection` as `state_preferences[i]` (ST-3). Repeated states are kept once.
    pub fn save(
        selection: &[StateCode],
        eligible: &BTreeSet<StateCode>,
    ) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        for (i, state) in selection.iter().enumerate() {
            if !eligible.contains(state) {
                errors.push(not_eligible(i, *state));
            }
        }
        errors.finish(Self::Selected(selection.iter().copied().collect()))
    }

    /// Like [`StatePreferences::save`], from codes as typed or sent ("tx"): unknown codes
    /// (ST-1) and ineligible states (ST-3) are all reported together.
    pub fn save_codes<S: AsRef<str>>(
        selection: &[S],
        eligible: &BTreeSet<StateCode>,
    ) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let mut states = BTreeSet::new();
        for (i, code) in selection.iter().enumerate() {
            match StateCode::parse(&field(i), code.as_ref()) {
                Ok(state) if eligible.contains(&state) => {
                    states.insert(state);
                }
                Ok(state) => errors.push(not_eligible(i, state)),
                Err(error) => errors.push(error),
            }
        }
        errors.finish(Self::Selected(states))
    }

    /// The states referrals may come from now: the selection, limited to the states the agent
    /// is still eligible in. These are also the states shown selected (blue bubbles) on the
    /// State Preferences screen, among the eligible ones.
    pub fn effective_states(&self, eligible: &BTreeSet<StateCode>) -> BTreeSet<StateCode> {
        match self {
            Self::AllEligible => eligible.clone(),
            Self::Selected(states) => states.intersection(eligible).copied().collect(),
        }
    }

    /// Whether the agent saved an empty selection, deselecting every state.
    pub fn selects_nothing(&self) -> bool {
        matches!(self, Self::Selected(states) if states.is_empty())
    }

    /// Whether no referral can reach the agent: nothing selected, no eligible state, or every
    /// selected state has lapsed.
    pub fn receives_no_referrals(&self, eligible: &BTreeSet<StateCode>) -> bool {
        self.effective_states(eligible).is_empty()
    }
}

fn field(i: usize) -> String {
    format!("state_preferences[{i}]")
}

fn not_eligible(i: usize, state: StateCode) -> ValidationError {
    ValidationError::new(
        field(i),
        Rule::St3,
        ValidationCode::StateNotEligible,
        format!(
            "{} ({state}) is not one of your eligible states: referrals come only from \
             HealthCare.gov states where you hold an active health license",
            state.name()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use StateCode::*;

    fn set(states: &[StateCode]) -> BTreeSet<StateCode> {
        states.iter().copied().collect()
    }

    #[test]
    fn rule_st_2_preferences_default_to_all_eligible_states() {
        let eligible = set(&[FL, OH, TX]);
        let prefs = StatePreferences::default();
        assert_eq!(prefs.effective_states(&eligible), eligible);
        // Not saved yet: a newly eligible state is included too.
        let more = set(&[FL, OH, TX, UT]);
        assert_eq!(prefs.effective_states(&more), more);
        assert!(!prefs.selects_nothing());
        assert!(prefs.receives_no_referrals(&BTreeSet::new()));
    }

    #[test]
    fn rule_st_3_licensed_in_seven_may_choose_four() {
        let eligible = set(&[AL, FL, NC, OH, SC, TX, UT]);
        let prefs = StatePreferences::save(&[TX, FL, OH, UT], &eligible).expect("all eligible");
        assert_eq!(prefs.effective_states(&eligible), set(&[FL, OH, TX, UT]));
        // A state that becomes eligible after saving is not selected until the agent picks it.
        let more: BTreeSet<_> = eligible.iter().copied().chain([WY]).collect();
        assert!(!prefs.effective_states(&more).contains(&WY));
    }

    #[test]
    fn rule_st_3_saving_a_state_outside_the_eligible_set_is_an_error() {
        let eligible = set(&[FL, TX]);
        let errors = StatePreferences::save(&[TX, CA, FL, NY], &eligible).expect_err("CA, NY");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["state_preferences[1]", "state_preferences[3]"]);
        for error in errors.iter() {
            assert_eq!(error.rule, Rule::St3);
            assert_eq!(error.code, ValidationCode::StateNotEligible);
        }
        assert!(errors
            .for_field("state_preferences[1]")
            .expect("CA")
            .message
            .contains("California"));
    }

    #[test]
    fn rule_st_3_saving_codes_reports_unknown_and_ineligible_together() {
        let eligible = set(&[FL, TX]);
        let prefs = StatePreferences::save_codes(&["tx", " FL", "TX"], &eligible).expect("ok");
        assert_eq!(prefs, StatePreferences::Selected(set(&[FL, TX])));

        let errors = StatePreferences::save_codes(&["TX", "ZZ", "ca"], &eligible).expect_err("bad");
        let unknown = errors.for_field("state_preferences[1]").expect("ZZ");
        assert_eq!(
            (unknown.rule, unknown.code),
            (Rule::St1, ValidationCode::UnknownState)
        );
        let ineligible = errors.for_field("state_preferences[2]").expect("CA");
        assert_eq!(
            (ineligible.rule, ineligible.code),
            (Rule::St3, ValidationCode::StateNotEligible)
        );
        assert_eq!(errors.iter().count(), 2);
    }

    #[test]
    fn rule_st_3_effective_states_drop_lapsed_licenses() {
        let prefs = StatePreferences::save(&[FL, TX], &set(&[FL, OH, TX])).expect("eligible");
        // The Florida license lapsed after saving.
        let now = set(&[OH, TX]);
        assert_eq!(prefs.effective_states(&now), set(&[TX]));
        assert!(!prefs.receives_no_referrals(&now));
        assert!(prefs.receives_no_referrals(&set(&[OH])));
        assert!(!prefs.selects_nothing());
    }

    #[test]
    fn rule_st_3_an_empty_selection_is_allowed_and_detectable() {
        let eligible = set(&[FL, TX]);
        let prefs = StatePreferences::save(&[], &eligible).expect("empty is allowed");
        assert!(prefs.selects_nothing());
        assert!(prefs.receives_no_referrals(&eligible));
        assert!(prefs.effective_states(&eligible).is_empty());
    }

    #[test]
    fn state_preferences_round_trip_through_serde() {
        for prefs in [
            StatePreferences::AllEligible,
            StatePreferences::Selected(set(&[TX, FL])),
            StatePreferences::Selected(BTreeSet::new()),
        ] {
            let json = serde_json::to_string(&prefs).expect("serialize");
            let back: StatePreferences = serde_json::from_str(&json).expect("deserialize");
            assert_eq!(back, prefs);
        }
        let json = serde_json::to_string(&StatePreferences::Selected(set(&[TX, FL]))).expect("ser");
        assert_eq!(json, r#"{"selected":["FL","TX"]}"#);
        assert_eq!(
            serde_json::to_string(&StatePreferences::AllEligible).expect("ser"),
            r#""all_eligible""#
        );
    }
}
