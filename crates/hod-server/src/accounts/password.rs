//! The password policy and argon2id hashing.
//!
//! Policy (the sibling deployment's rule, see program-rules "Context"): 8–20 characters,
//! with a digit, a lower-case letter, an upper-case letter and a special character, and no
//! spaces. Hashes are argon2id PHC strings with the crate's default cost (19 MiB, t=2, p=1,
//! the OWASP minimum); verifying reads the parameters from the stored string, so raising
//! the cost later keeps old hashes valid.
//!
//! Hashing is deliberately slow: call these from a blocking thread, not an async task.

use crate::validation::{FieldError, FieldErrors};
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;
use hod_domain::ValidationCode;
use std::sync::LazyLock;

pub const MIN_CHARS: usize = 8;
pub const MAX_CHARS: usize = 20;

/// The policy in one sentence, repeated in every message so each stands alone.
pub const POLICY: &str = "a password has 8 to 20 characters, with at least one digit, one \
     lower-case letter, one upper-case letter and one special character, and no spaces";

/// Checks the policy; every violation is reported, each naming the field `password`.
pub fn check_policy(password: &str) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::new();
    let problem = |code, what: &str| FieldError::new("password", code, format!("{what}: {POLICY}"));
    let chars = password.chars().count();
    if !(MIN_CHARS..=MAX_CHARS).contains(&chars) {
        errors.push(problem(
            ValidationCode::OutOfRange,
            &format!("the password has {chars} characters"),
        ));
    }
    if password.chars().any(char::is_whitespace) {
        errors.push(problem(
            ValidationCode::NotAllowed,
            "the password contains a space",
        ));
    }
    type Present = fn(&char) -> bool;
    let needs: [(&str, Present); 4] = [
        ("digit", |c| c.is_ascii_digit()),
        ("lower-case letter", |c| c.is_lowercase()),
        ("upper-case letter", |c| c.is_uppercase()),
        ("special character", |c| {
            !c.is_alphanumeric() && !c.is_whitespace()
        }),
    ];
    for (what, present) in needs {
        if !password.chars().any(|c| present(&c)) {
            errors.push(problem(
                ValidationCode::Missing,
                &format!("the password has no {what}"),
            ));
        }
    }
    errors.finish(())
}

/// Why hashing failed (never because of the password's content).
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// Hashes a password (any password: check the policy first) to an argon2id PHC string.
pub fn hash(password: &str) -> Result<String, HashError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| HashError(e.to_string()))
}

/// Whether `password` matches the PHC string; an unreadable hash matches nothing.
pub fn verify(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Spends the time of one verification without a stored hash, so that "no such user" and
/// "wrong password" take the same time and cannot be told apart.
pub fn verify_nothing(password: &str) {
    static DUMMY: LazyLock<Option<String>> = LazyLock::new(|| hash("not-a-password-Aa1!").ok());
    if let Some(phc) = DUMMY.as_deref() {
        let _ = verify(password, phc);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(password: &str) -> Vec<ValidationCode> {
        check_policy(password)
            .err()
            .map(|e| e.iter().map(|e| e.code).collect())
            .unwrap_or_default()
    }

    #[test]
    fn a_password_that_meets_every_rule_passes() {
        assert_eq!(check_policy("Abcdef1!"), Ok(()));
        assert_eq!(check_policy("Zz9#Zz9#Zz9#Zz9#Zz9#"), Ok(()));
        assert_eq!(check_policy("Ñandú2024*"), Ok(()));
    }

    #[test]
    fn length_is_counted_in_characters_and_bounded_both_ways() {
        assert_eq!(codes("Abcde1!"), vec![ValidationCode::OutOfRange]);
        assert_eq!(
            codes("Abcdefghij1!Abcdefghi"),
            vec![ValidationCode::OutOfRange]
        );
        // 8 characters, more than 8 bytes.
        assert_eq!(check_policy("Ññññññ1!"), Ok(()));
    }

    #[test]
    fn each_missing_class_is_reported_on_the_password_field() {
        let err = check_policy("abcdefgh").expect_err("weak");
        let messages: Vec<&str> = err.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(err.0.len(), 3, "{messages:?}");
        assert!(err
            .iter()
            .all(|e| e.field == "password" && e.rule.is_none()));
        assert!(messages
            .iter()
            .any(|m| m.starts_with("the password has no digit")));
        assert!(messages
            .iter()
            .any(|m| m.starts_with("the password has no upper-case letter")));
        assert!(messages
            .iter()
            .any(|m| m.starts_with("the password has no special character")));
        assert!(messages.iter().all(|m| m.ends_with(POLICY)));
    }

    #[test]
    fn spaces_are_not_allowed() {
        assert_eq!(codes("Abc def1!"), vec![ValidationCode::NotAllowed]);
        assert_eq!(codes("Abcdef1!\t"), vec![ValidationCode::NotAllowed]);
    }

    #[test]
    fn hashes_are_argon2id_and_verify_only_the_right_password() {
        let phc = hash("Abcdef1!").expect("hash");
        assert!(phc.starts_with("$argon2id$"), "{phc}");
        assert!(verify("Abcdef1!", &phc));
        assert!(!verify("Abcdef1?", &phc));
        assert!(!verify("Abcdef1!", "not a phc string"));
        // A fresh salt every time.
        assert_ne!(phc, hash("Abcdef1!").expect("hash"));
    }
}
