//! What operators provide for agents and licenses, and how it is checked.
//!
//! Shared by `POST /v1/admin/agents` and the CSV imports. Every problem is reported, each
//! naming its field; values are normalised (trimmed, usernames lower-case, phone numbers
//! E.164) so the same agent always reads the same.

use crate::store::{NewAgent, NewLicense};
use crate::validation::{FieldError, FieldErrors};
use chrono::NaiveDate;
use hod_domain::language::Language;
use hod_domain::{Rule, ValidationCode};
use serde::Deserialize;

/// An agent as provisioned (JSON body or one CSV row).
///
/// Holds personal data: never log it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentInput {
    pub npn: String,
    pub name: String,
    pub username: String,
    pub mlms_email: String,
    pub mobile_phone: String,
    pub languages: Vec<String>,
}

/// One license row as given.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LicenseInput {
    pub npn: String,
    pub state: String,
    pub line_of_authority: String,
    pub status: String,
    pub effective: String,
    /// Empty when the license does not expire.
    pub expires: String,
}

/// Usernames compare without case and surrounding blanks.
pub fn normalize_username(username: &str) -> String {
    username.trim().to_lowercase()
}

fn malformed(field: &str, message: impl Into<String>) -> FieldError {
    FieldError::new(field, ValidationCode::Malformed, message)
}

fn missing(field: &str, what: &str) -> FieldError {
    FieldError::new(
        field,
        ValidationCode::Missing,
        format!("{what} is required"),
    )
}

fn check_npn(npn: &str, errors: &mut FieldErrors) -> String {
    let npn = npn.trim();
    if npn.is_empty() {
        errors.push(missing("npn", "the NPN"));
    } else if npn.len() > 10 || !npn.bytes().all(|b| b.is_ascii_digit()) {
        errors.push(malformed("npn", "an NPN is 1 to 10 digits"));
    }
    npn.to_owned()
}

fn check_email(email: &str, errors: &mut FieldErrors) -> String {
    let email = email.trim();
    let valid = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && !email.chars().any(char::is_whitespace)
                && email.len() <= 254
        }
        None => false,
    };
    if email.is_empty() {
        errors.push(missing("mlms_email", "the MLMS e-mail"));
    } else if !valid {
        let mut error = malformed("mlms_email", "this is not an e-mail address");
        error.rule = Some(Rule::Cp3);
        errors.push(error);
    }
    email.to_owned()
}

/// A U.S. (NANP) mobile number in E.164 form, from the ways people write one.
fn check_phone(phone: &str, errors: &mut FieldErrors) -> String {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let only_punctuation = phone
        .trim()
        .chars()
        .all(|c| c.is_ascii_digit() || " +-().".contains(c));
    let national = match digits.len() {
        11 if digits.starts_with('1') => &digits[1..],
        _ => digits.as_str(),
    };
    let valid = only_punctuation
        && national.len() == 10
        && !national.starts_with(['0', '1'])
        && !national[3..].starts_with(['0', '1']);
    if phone.trim().is_empty() {
        errors.push(missing("mobile_phone", "the mobile phone"));
        return String::new();
    }
    if !valid {
        errors.push(malformed(
            "mobile_phone",
            "a mobile phone is a 10-digit U.S. number, such as 555-201-0123",
        ));
        return phone.trim().to_owned();
    }
    format!("+1{national}")
}

fn check_date(field: &str, text: &str, errors: &mut FieldErrors) -> Option<NaiveDate> {
    let text = text.trim();
    let parsed = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%m/%d/%Y"));
    match parsed {
        Ok(date) => Some(date),
        Err(_) => {
            errors.push(malformed(
                field,
                format!("{text:?} is not a date (YYYY-MM-DD or MM/DD/YYYY)"),
            ));
            None
        }
    }
}

impl AgentInput {
    /// The agent to store, or every problem found.
    pub fn validate(&self) -> Result<NewAgent, FieldErrors> {
        let mut errors = FieldErrors::new();
        let npn = check_npn(&self.npn, &mut errors);

        let name = self.name.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() {
            errors.push(missing("name", "the name"));
        } else if name.chars().count() > 200 {
            errors.push(FieldError::new(
                "name",
                ValidationCode::OutOfRange,
                "a name has at most 200 characters",
            ));
        }

        let username = normalize_username(&self.username);
        if username.is_empty() {
            errors.push(missing("username", "the username"));
        } else if !(3..=64).contains(&username.chars().count())
            || !username
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._@-".contains(c))
        {
            errors.push(malformed(
                "username",
                "a username has 3 to 64 letters, digits, '.', '_', '@' or '-'",
            ));
        }

        let mlms_email = check_email(&self.mlms_email, &mut errors);
        let mobile_phone = check_phone(&self.mobile_phone, &mut errors);

        let mut languages: Vec<Language> = Vec::new();
        for (i, code) in self.languages.iter().enumerate() {
            match Language::parse(&format!("languages[{i}]"), code) {
                Ok(language) if !languages.contains(&language) => languages.push(language),
                Ok(_) => {}
                Err(e) => errors.push(e),
            }
        }
        if self.languages.is_empty() {
            errors.push(missing("languages", "at least one language"));
        }

        errors.finish(NewAgent {
            npn,
            name,
            username,
            mlms_email,
            mobile_phone,
            languages,
        })
    }
}

impl LicenseInput {
    /// The license to store, or every problem found.
    pub fn validate(&self) -> Result<NewLicense, FieldErrors> {
        let mut errors = FieldErrors::new();
        let npn = check_npn(&self.npn, &mut errors);

        let state = self.state.trim().to_ascii_uppercase();
        if state.len() != 2 || !state.bytes().all(|b| b.is_ascii_uppercase()) {
            errors.push(FieldError::new(
                "state",
                ValidationCode::UnknownState,
                format!("{:?} is not a two-letter state code", self.state.trim()),
            ));
        }

        let line_of_authority = self
            .line_of_authority
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if line_of_authority.is_empty() {
            errors.push(missing("line_of_authority", "the line of authority"));
        }

        let status = self.status.trim().to_lowercase();
        if status.is_empty() {
            errors.push(missing("status", "the status"));
        }

        let effective = if self.effective.trim().is_empty() {
            errors.push(missing("effective", "the effective date"));
            None
        } else {
            check_date("effective", &self.effective, &mut errors)
        };
        let expires = if self.expires.trim().is_empty() {
            None
        } else {
            check_date("expires", &self.expires, &mut errors)
        };
        if let (Some(effective), Some(expires)) = (effective, expires) {
            if expires < effective {
                errors.push(FieldError::new(
                    "expires",
                    ValidationCode::EndNotAfterStart,
                    "a license cannot expire before it takes effect",
                ));
            }
        }

        match effective {
            Some(effective) if errors.is_empty() => Ok(NewLicense {
                npn,
                state,
                line_of_authority,
                status,
                effective,
                expires,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent() -> AgentInput {
        AgentInput {
            npn: " 17439876 ".into(),
            name: "  Ana   María Pérez ".into(),
            username: " AnaP ".into(),
            mlms_email: "ana.perez@example.com".into(),
            mobile_phone: "(555) 201-0123".into(),
            languages: vec!["ES".into(), "en".into(), "es".into()],
        }
    }

    #[test]
    fn a_valid_agent_is_normalised() {
        let agent = agent().validate().expect("valid");
        assert_eq!(agent.npn, "17439876");
        assert_eq!(agent.name, "Ana María Pérez");
        assert_eq!(agent.username, "anap");
        assert_eq!(agent.mobile_phone, "+15552010123");
        assert_eq!(
            agent.languages,
            vec![Language::spanish(), Language::english()]
        );
    }

    #[test]
    fn every_bad_field_is_named() {
        let input = AgentInput {
            npn: "12a".into(),
            name: " ".into(),
            username: "a b".into(),
            mlms_email: "not-an-email".into(),
            mobile_phone: "555-0123".into(),
            languages: vec!["spanish!".into()],
        };
        let errors = input.validate().expect_err("invalid");
        for field in [
            "npn",
            "name",
            "username",
            "mlms_email",
            "mobile_phone",
            "languages[0]",
        ] {
            assert!(
                errors.for_field(field).is_some(),
                "no error for {field}: {errors}"
            );
        }
        assert_eq!(
            errors.for_field("mlms_email").and_then(|e| e.rule),
            Some(Rule::Cp3)
        );
    }

    #[test]
    fn phone_numbers_must_be_us_mobile_numbers() {
        let mut errors = FieldErrors::new();
        assert_eq!(check_phone("+1 555 201 0123", &mut errors), "+15552010123");
        assert!(errors.is_empty());
        for bad in [
            "055-201-0123",
            "555-101-0123",
            "555-201-012",
            "555-201-0123 ext 4",
        ] {
            let mut errors = FieldErrors::new();
            check_phone(bad, &mut errors);
            assert!(!errors.is_empty(), "{bad} accepted");
        }
    }

    #[test]
    fn licenses_are_normalised_and_dates_checked() {
        let license = LicenseInput {
            npn: "17439876".into(),
            state: "tx".into(),
            line_of_authority: " Accident  &   Health ".into(),
            status: "Active".into(),
            effective: "01/15/2024".into(),
            expires: "2027-01-31".into(),
        }
        .validate()
        .expect("valid");
        assert_eq!(license.state, "TX");
        assert_eq!(license.line_of_authority, "Accident & Health");
        assert_eq!(license.status, "active");
        assert_eq!(
            license.effective,
            NaiveDate::from_ymd_opt(2024, 1, 15).expect("date")
        );

        let errors = LicenseInput {
            npn: "1".into(),
            state: "Texas".into(),
            line_of_authority: "Health".into(),
            status: "active".into(),
            effective: "2025-01-01".into(),
            expires: "2024-12-31".into(),
        }
        .validate()
        .expect_err("invalid");
        assert!(errors.for_field("state").is_some());
        assert_eq!(
            errors.for_field("expires").map(|e| e.code),
            Some(ValidationCode::EndNotAfterStart)
        );
    }
}
