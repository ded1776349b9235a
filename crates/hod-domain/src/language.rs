//! Languages agents speak and consumers prefer, as lower-case ISO 639-1 codes ("en", "es").

use crate::{Rule, ValidationCode, ValidationError};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A language as a lower-case ISO 639 code of two or three letters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS)]
#[ts(type = "string")]
#[serde(try_from = "String", into = "String")]
pub struct Language(String);

impl Language {
    pub fn english() -> Self {
        Self("en".to_owned())
    }

    pub fn spanish() -> Self {
        Self("es".to_owned())
    }

    pub fn code(&self) -> &str {
        &self.0
    }

    /// Parses a code, accepting any case ("ES" → "es"); `field` names the input in the error.
    pub fn parse(field: &str, text: &str) -> Result<Self, ValidationError> {
        let code = text.trim().to_ascii_lowercase();
        if (2..=3).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_lowercase()) {
            Ok(Self(code))
        } else {
            Err(ValidationError::new(
                field,
                Rule::Rs8,
                ValidationCode::Malformed,
                format!("\"{text}\" is not a language code such as \"en\" or \"es\""),
            ))
        }
    }
}

impl FromStr for Language {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse("language", s)
    }
}

impl TryFrom<String> for Language {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse("language", &s)
    }
}

impl From<Language> for String {
    fn from(l: Language) -> Self {
        l.0
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_codes_are_normalised_and_checked() {
        assert_eq!(
            "ES".parse::<Language>().expect("valid"),
            Language::spanish()
        );
        let err = "spanish!".parse::<Language>().expect_err("invalid");
        assert_eq!(err.field, "language");
        assert_eq!(err.code, ValidationCode::Malformed);
        let json = serde_json::to_string(&Language::english()).expect("serialize");
        assert_eq!(json, "\"en\"");
        assert!(serde_json::from_str::<Language>("\"e1\"").is_err());
    }
}
