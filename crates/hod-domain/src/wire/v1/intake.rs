//! The intake API: a consumer's request for local help, as HealthCare.gov hands it over.

use super::referral::ReferralId;
use crate::eligibility::StateCode;
use crate::language::Language;
use crate::{Rule, ValidationCode, ValidationError, ValidationErrors};
use serde::{Deserialize, Serialize};

/// A consumer's request. Everything but state, city, zip and language is personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntakeReferral {
    pub consumer_name: String,
    pub phone: String,
    #[serde(default)]
    pub email: Option<String>,
    pub state: StateCode,
    pub city: String,
    pub zip: String,
    pub preferred_language: Language,
    #[serde(default)]
    pub notes: Option<String>,
}

impl IntakeReferral {
    /// Contact details the agent could not use make a referral "not good" (RS-5), so they are
    /// refused at the door, each naming its field.
    pub fn validate(&self) -> ValidationErrors {
        let mut errors = ValidationErrors::new();
        let mut bad = |field: &str, code, message: &str| {
            errors.push(ValidationError::new(field, Rule::Rs5, code, message));
        };
        if self.consumer_name.trim().is_empty() {
            bad(
                "consumer_name",
                ValidationCode::Missing,
                "the consumer's name is required",
            );
        } else if self.consumer_name.chars().count() > 200 {
            bad(
                "consumer_name",
                ValidationCode::OutOfRange,
                "the name is longer than 200 characters",
            );
        }
        let digits: String = self.phone.chars().filter(char::is_ascii_digit).collect();
        let digits = digits
            .strip_prefix('1')
            .filter(|d| d.len() == 10)
            .unwrap_or(&digits);
        if digits.len() != 10 || self.phone.chars().any(|c| c.is_alphabetic()) {
            bad(
                "phone",
                ValidationCode::Malformed,
                "the phone must be a 10-digit U.S. number",
            );
        }
        if let Some(email) = &self.email {
            let ok = email.split_once('@').is_some_and(|(user, domain)| {
                !user.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            }) && !email.chars().any(char::is_whitespace);
            if !ok {
                bad(
                    "email",
                    ValidationCode::Malformed,
                    "the e-mail address is not valid",
                );
            }
        }
        if self.city.trim().is_empty() {
            bad("city", ValidationCode::Missing, "the city is required");
        }
        let zip_ok = match self.zip.split_once('-') {
            Some((five, four)) => is_digits(five, 5) && is_digits(four, 4),
            None => is_digits(&self.zip, 5),
        };
        if !zip_ok {
            bad(
                "zip",
                ValidationCode::Malformed,
                "the ZIP code must be 5 digits (or ZIP+4)",
            );
        }
        if self
            .notes
            .as_ref()
            .is_some_and(|n| n.chars().count() > 2000)
        {
            bad(
                "notes",
                ValidationCode::OutOfRange,
                "notes are limited to 2,000 characters",
            );
        }
        errors
    }

    /// The phone as ten digits, e.g. `5125550100`.
    pub fn phone_digits(&self) -> String {
        let digits: String = self.phone.chars().filter(char::is_ascii_digit).collect();
        match digits.strip_prefix('1') {
            Some(rest) if rest.len() == 10 => rest.to_owned(),
            _ => digits,
        }
    }
}

fn is_digits(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| b.is_ascii_digit())
}

/// Where a consumer's request stands, as the intake side may see it (no agent identity).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferralState {
    /// Waiting for an eligible, available agent.
    Waiting,
    /// Offered to an agent, inside the accept window.
    Offered,
    /// An agent accepted it and is working it.
    Accepted,
    /// The agent completed it (RS-6).
    Completed,
    /// Closed: the agent could not help (RS-5).
    NotAGoodReferral,
    /// Closed: no agent took it within the maximum wait.
    Unassigned,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntakeReceipt {
    pub id: ReferralId,
    pub state: ReferralState,
}
