//! Two-letter codes of the U.S. states, the District of Columbia and the territories.
//!
//! Licenses (as NIPR records them), the HealthCare.gov state lists and the agent's State
//! Preferences all speak in these codes (rule ST-1). Keeping them a closed set means a typo in
//! data or input is caught where it enters, not when a referral silently fails to route.

use crate::{Rule, ValidationCode, ValidationError};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

macro_rules! state_codes {
    ($($code:ident => $name:literal),+ $(,)?) => {
        /// A U.S. state, the District of Columbia or a territory, written as its postal code
        /// ("TX"). Ordered by code, so sets of states list alphabetically.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS)]
        #[serde(try_from = "String", into = "&'static str")]
        #[ts(type = "string")]
        pub enum StateCode {
            $(#[doc = $name] $code,)+
        }

        impl StateCode {
            /// Every code, in alphabetical order of code.
            pub const ALL: &'static [StateCode] = &[$(StateCode::$code),+];

            /// The upper-case postal code, e.g. `"TX"`.
            pub const fn code(self) -> &'static str {
                match self { $(StateCode::$code => stringify!($code),)+ }
            }

            /// The English name, e.g. `"Texas"`.
            pub const fn name(self) -> &'static str {
                match self { $(StateCode::$code => $name,)+ }
            }
        }
    };
}

// Must stay in alphabetical order of code: the derived `Ord` follows declaration order.
state_codes! {
    AK => "Alaska", AL => "Alabama", AR => "Arkansas", AS => "American Samoa",
    AZ => "Arizona", CA => "California", CO => "Colorado", CT => "Connecticut",
    DC => "District of Columbia", DE => "Delaware", FL => "Florida", GA => "Georgia",
    GU => "Guam", HI => "Hawaii", IA => "Iowa", ID => "Idaho", IL => "Illinois",
    IN => "Indiana", KS => "Kansas", KY => "Kentucky", LA => "Louisiana",
    MA => "Massachusetts", MD => "Maryland", ME => "Maine", MI => "Michigan",
    MN => "Minnesota", MO => "Missouri", MP => "Northern Mariana Islands",
    MS => "Mississippi", MT => "Montana", NC => "North Carolina", ND => "North Dakota",
    NE => "Nebraska", NH => "New Hampshire", NJ => "New Jersey", NM => "New Mexico",
    NV => "Nevada", NY => "New York", OH => "Ohio", OK => "Oklahoma", OR => "Oregon",
    PA => "Pennsylvania", PR => "Puerto Rico", RI => "Rhode Island",
    SC => "South Carolina", SD => "South Dakota", TN => "Tennessee", TX => "Texas",
    UT => "Utah", VA => "Virginia", VI => "U.S. Virgin Islands", VT => "Vermont",
    WA => "Washington", WI => "Wisconsin", WV => "West Virginia", WY => "Wyoming",
}

impl StateCode {
    /// Parses a code in any case, ignoring surrounding spaces ("tx", " Tx " → `TX`).
    ///
    /// `field` names the input in the error, e.g. `licenses[2].state`.
    pub fn parse(field: &str, text: &str) -> Result<Self, ValidationError> {
        let wanted = text.trim();
        Self::ALL
            .iter()
            .copied()
            .find(|state| state.code().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| {
                ValidationError::new(
                    field,
                    Rule::St1,
                    ValidationCode::UnknownState,
                    format!(
                        "\"{text}\" is not the two-letter code of a U.S. state, \
                         the District of Columbia or a territory"
                    ),
                )
            })
    }
}

impl FromStr for StateCode {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse("state", s)
    }
}

impl TryFrom<String> for StateCode {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse("state", &s)
    }
}

impl From<StateCode> for &'static str {
    fn from(state: StateCode) -> Self {
        state.code()
    }
}

impl fmt::Display for StateCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_st_1_state_codes_cover_states_dc_and_territories_in_code_order() {
        // 50 states + DC + 5 inhabited territories.
        assert_eq!(StateCode::ALL.len(), 56);
        let codes: Vec<&str> = StateCode::ALL.iter().map(|s| s.code()).collect();
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(
            codes, sorted,
            "declaration order must be code order, no duplicates"
        );
        for state in StateCode::ALL {
            assert_eq!(state.code().len(), 2);
            assert!(state.code().bytes().all(|b| b.is_ascii_uppercase()));
        }
        assert_eq!(StateCode::TX.name(), "Texas");
        assert_eq!(StateCode::DC.name(), "District of Columbia");
        assert_eq!(StateCode::PR.name(), "Puerto Rico");
    }

    #[test]
    fn rule_st_1_state_codes_parse_in_any_case() {
        for text in ["TX", "tx", "Tx", " tX "] {
            assert_eq!(text.parse::<StateCode>().expect("valid"), StateCode::TX);
        }
        for state in StateCode::ALL {
            let lower = state.code().to_ascii_lowercase();
            assert_eq!(StateCode::parse("s", &lower).expect("valid"), *state);
        }
    }

    #[test]
    fn rule_st_1_unknown_state_names_the_callers_field() {
        for text in ["XX", "", "Texas", "T", "TXX", "UM"] {
            let err = StateCode::parse("licenses[3].state", text).expect_err(text);
            assert_eq!(err.field, "licenses[3].state");
            assert_eq!(err.rule, Rule::St1);
            assert_eq!(err.code, ValidationCode::UnknownState);
        }
    }

    #[test]
    fn rule_st_1_state_codes_round_trip_through_serde() {
        let json = serde_json::to_string(&StateCode::WV).expect("serialize");
        assert_eq!(json, "\"WV\"");
        for state in StateCode::ALL {
            let json = serde_json::to_string(state).expect("serialize");
            let back: StateCode = serde_json::from_str(&json).expect("deserialize");
            assert_eq!(back, *state);
        }
        assert_eq!(
            serde_json::from_str::<StateCode>("\"wv\"").expect("any case"),
            StateCode::WV
        );
        assert!(serde_json::from_str::<StateCode>("\"ZZ\"").is_err());
    }
}
