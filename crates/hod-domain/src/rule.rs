//! Identifiers of the Help On Demand program rules (see `docs/program-rules.md`).
//!
//! Errors and warnings carry the rule they enforce so that a user, an operator and a
//! test can all name it the same way ("AV-4").

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! rules {
    ($($variant:ident => $id:literal),+ $(,)?) => {
        /// A program rule id, written like `AV-4` on the wire and in messages.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS)]
        pub enum Rule {
            $(#[serde(rename = $id)] $variant,)+
        }

        impl Rule {
            /// Every rule id, in document order.
            pub const ALL: &'static [Rule] = &[$(Rule::$variant),+];

            /// The id as written in the program rules, e.g. `"AV-4"`.
            pub const fn id(self) -> &'static str {
                match self { $(Rule::$variant => $id,)+ }
            }
        }
    };
}

rules! {
    Cp1 => "CP-1", Cp2 => "CP-2", Cp3 => "CP-3",
    Ce1 => "CE-1", Ce2 => "CE-2", Ce3 => "CE-3", Ce4 => "CE-4",
    Av1 => "AV-1", Av2 => "AV-2", Av3 => "AV-3", Av4 => "AV-4", Av5 => "AV-5",
    Av6 => "AV-6", Av7 => "AV-7", Av8 => "AV-8", Av9 => "AV-9",
    Rs1 => "RS-1", Rs2 => "RS-2", Rs3 => "RS-3", Rs4 => "RS-4", Rs5 => "RS-5",
    Rs6 => "RS-6", Rs7 => "RS-7", Rs8 => "RS-8",
    St1 => "ST-1", St2 => "ST-2", St3 => "ST-3",
    Mr1 => "MR-1", Mr2 => "MR-2", Mr3 => "MR-3", Mr4 => "MR-4", Mr5 => "MR-5",
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_round_trip_through_serde() {
        for rule in Rule::ALL {
            let json = serde_json::to_string(rule).expect("serialize");
            assert_eq!(json, format!("\"{}\"", rule.id()));
            let back: Rule = serde_json::from_str(&json).expect("deserialize");
            assert_eq!(back, *rule);
        }
    }
}
