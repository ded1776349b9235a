//! Opaque bearer tokens: 32 random bytes, base64url without padding (43 characters).
//!
//! The client holds the token; the store holds only its SHA-256. A leaked database
//! therefore cannot be used to log in, and a token needs no slow hash: it has 256 bits of
//! entropy, so it cannot be guessed from its hash.

use crate::store::TokenHash;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::fmt;

/// Length of an encoded token.
pub const TOKEN_CHARS: usize = 43;

/// A bearer token as the client sees it. Its `Debug` never shows the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct BearerToken(String);

#[derive(Debug, thiserror::Error)]
#[error("the operating system's random source failed: {0}")]
pub struct RandomError(String);

impl BearerToken {
    /// A fresh token from the operating system's random source.
    pub fn generate() -> Result<Self, RandomError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| RandomError(e.to_string()))?;
        Ok(Self(URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// Reads a token presented by a client; `None` if it cannot be one of ours.
    pub fn parse(text: &str) -> Option<Self> {
        let well_formed = text.len() == TOKEN_CHARS
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        well_formed.then(|| Self(text.to_owned()))
    }

    /// The secret, for the response to the client that logged in.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What the store keeps.
    pub fn hash(&self) -> TokenHash {
        TokenHash(Sha256::digest(self.0.as_bytes()).into())
    }
}

impl fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BearerToken(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_43_url_safe_characters_and_unique() {
        let a = BearerToken::generate().expect("random");
        let b = BearerToken::generate().expect("random");
        assert_eq!(a.expose().len(), TOKEN_CHARS);
        assert_ne!(a, b);
        assert_eq!(BearerToken::parse(a.expose()), Some(a.clone()));
        assert_ne!(a.hash(), b.hash());
        assert_eq!(format!("{a:?}"), "BearerToken(***)");
    }

    #[test]
    fn malformed_tokens_are_refused_before_any_lookup() {
        assert_eq!(BearerToken::parse(""), None);
        assert_eq!(BearerToken::parse(&"a".repeat(42)), None);
        assert_eq!(BearerToken::parse(&format!("{}=", "a".repeat(42))), None);
    }

    #[test]
    fn the_hash_is_sha256_of_the_token_text() {
        let token = BearerToken::parse(&"A".repeat(43)).expect("well formed");
        let expected: [u8; 32] = Sha256::digest("A".repeat(43).as_bytes()).into();
        assert_eq!(token.hash(), TokenHash(expected));
    }
}
