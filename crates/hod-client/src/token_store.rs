//! Where the session token lives between runs: the OS keychain (the `keyring` crate: macOS
//! Keychain, Windows Credential Manager, the Secret Service on Linux), or, where no keychain
//! is usable (headless Linux, no Secret Service on D-Bus), a file only the user can read
//! (mode 0600 in a 0700 folder under the app-data folder).
//!
//! The token never goes into the SQLite cache, and its `Debug` is redacted so it cannot reach
//! a log or a test failure by accident.

use sha2::{Digest, Sha256};
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The keychain service name the token is filed under.
pub const KEYRING_SERVICE: &str = "gov.cms.help-on-demand";

/// A bearer token. Only [`AuthToken::expose`] gives the text, for the `Authorization` header.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthToken(String);

impl AuthToken {
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AuthToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuthToken(<redacted>)")
    }
}

/// Whose token: one per (server URL, username).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TokenAccount {
    pub server_url: String,
    pub username: String,
}

impl TokenAccount {
    pub fn new(server_url: &str, username: &str) -> Self {
        Self {
            server_url: server_url.trim_end_matches('/').to_owned(),
            username: username.to_owned(),
        }
    }

    /// The name the keychain entry and the token file are filed under.
    fn key(&self) -> String {
        format!("{}|{}", self.server_url, self.username)
    }

    fn file_name(&self) -> String {
        let digest = Sha256::digest(self.key().as_bytes());
        let hash: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        format!("token-{hash}")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TokenStoreError {
    #[error("the system keychain failed: {0}")]
    Keychain(String),
    #[error("the token file {path} could not be used: {source}")]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Keeps the token of each account.
pub trait TokenStore: Send + Sync + fmt::Debug {
    /// Which kind of store, for diagnostics ("keychain", "file").
    fn kind(&self) -> &'static str;
    fn load(&self, account: &TokenAccount) -> Result<Option<AuthToken>, TokenStoreError>;
    fn save(&self, account: &TokenAccount, token: &AuthToken) -> Result<(), TokenStoreError>;
    /// Deleting a token that is not there is not an error.
    fn delete(&self, account: &TokenAccount) -> Result<(), TokenStoreError>;
}

/// The OS keychain.
#[derive(Debug, Clone)]
pub struct KeyringTokenStore {
    service: String,
}

impl Default for KeyringTokenStore {
    fn default() -> Self {
        Self::new(KEYRING_SERVICE)
    }
}

impl KeyringTokenStore {
    pub fn new(service: &str) -> Self {
        Self {
            service: service.to_owned(),
        }
    }

    fn entry(&self, account: &TokenAccount) -> Result<keyring::Entry, TokenStoreError> {
        keyring::Entry::new(&self.service, &account.key())
            .map_err(|e| TokenStoreError::Keychain(e.to_string()))
    }

    /// Whether the keychain answers at all: a read of an entry that may not exist must come
    /// back as found or not found, not as a platform failure.
    pub fn is_usable(&self) -> bool {
        let probe = TokenAccount::new("probe", "probe");
        match self.entry(&probe) {
            Ok(entry) => matches!(entry.get_password(), Ok(_) | Err(keyring::Error::NoEntry)),
            Err(_) => false,
        }
    }
}

impl TokenStore for KeyringTokenStore {
    fn kind(&self) -> &'static str {
        "keychain"
    }

    fn load(&self, account: &TokenAccount) -> Result<Option<AuthToken>, TokenStoreError> {
        match self.entry(account)?.get_password() {
            Ok(token) => Ok(Some(AuthToken(token))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(TokenStoreError::Keychain(e.to_string())),
        }
    }

    fn save(&self, account: &TokenAccount, token: &AuthToken) -> Result<(), TokenStoreError> {
        self.entry(account)?
            .set_password(token.expose())
            .map_err(|e| TokenStoreError::Keychain(e.to_string()))
    }

    fn delete(&self, account: &TokenAccount) -> Result<(), TokenStoreError> {
        match self.entry(account)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(TokenStoreError::Keychain(e.to_string())),
        }
    }
}

/// A file per account, readable and writable by the user only (0600, folder 0700).
#[derive(Debug, Clone)]
pub struct FileTokenStore {
    dir: PathBuf,
}

impl FileTokenStore {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The file holding `account`'s token.
    pub fn path_for(&self, account: &TokenAccount) -> PathBuf {
        self.dir.join(account.file_name())
    }

    fn io(path: &Path) -> impl FnOnce(std::io::Error) -> TokenStoreError + '_ {
        move |source| TokenStoreError::File {
            path: path.to_owned(),
            source,
        }
    }

    fn create_dir(&self) -> Result<(), TokenStoreError> {
        std::fs::create_dir_all(&self.dir).map_err(Self::io(&self.dir))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&self.dir, std::fs::Permissions::from_mode(0o700))
                .map_err(Self::io(&self.dir))?;
        }
        Ok(())
    }
}

impl TokenStore for FileTokenStore {
    fn kind(&self) -> &'static str {
        "file"
    }

    fn load(&self, account: &TokenAccount) -> Result<Option<AuthToken>, TokenStoreError> {
        let path = self.path_for(account);
        match std::fs::read_to_string(&path) {
            Ok(text) if text.trim().is_empty() => Ok(None),
            Ok(text) => Ok(Some(AuthToken(text.trim().to_owned()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Self::io(&path)(e)),
        }
    }

    /// Written to a temporary file created 0600, then renamed over the old one: the token is
    /// never readable by others, not even for a moment, and a crash leaves old or new.
    fn save(&self, account: &TokenAccount, token: &AuthToken) -> Result<(), TokenStoreError> {
        self.create_dir()?;
        let path = self.path_for(account);
        let tmp = path.with_extension("tmp");
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&tmp).map_err(Self::io(&tmp))?;
        #[cfg(unix)]
        {
            // An older file of that name may have had wider rights.
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(std::fs::Permissions::from_mode(0o600))
                .map_err(Self::io(&tmp))?;
        }
        file.write_all(token.expose().as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(Self::io(&tmp))?;
        drop(file);
        std::fs::rename(&tmp, &path).map_err(Self::io(&path))?;
        Ok(())
    }

    fn delete(&self, account: &TokenAccount) -> Result<(), TokenStoreError> {
        let path = self.path_for(account);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Self::io(&path)(e)),
        }
    }
}

/// How long the keychain may take to answer the probe before it counts as unusable (a D-Bus
/// session without a Secret Service can hang on activation).
const KEYCHAIN_PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// The keychain when it answers, else the 0600 file store in `fallback_dir`. Setting
/// `HOD_TOKEN_STORE=file` forces the file store (headless machines, CI).
pub fn choose_token_store(fallback_dir: &Path) -> Arc<dyn TokenStore> {
    let forced_file = std::env::var("HOD_TOKEN_STORE").is_ok_and(|v| v == "file");
    if !forced_file {
        let keyring = KeyringTokenStore::default();
        let probe = keyring.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        // A thread of its own: the probe blocks, and may block for long.
        let spawned = std::thread::Builder::new()
            .name("keychain-probe".into())
            .spawn(move || {
                let _ = tx.send(probe.is_usable());
            });
        if spawned.is_ok() && rx.recv_timeout(KEYCHAIN_PROBE_TIMEOUT) == Ok(true) {
            return Arc::new(keyring);
        }
        tracing::info!("no usable system keychain: the token is kept in a user-only file");
    }
    Arc::new(FileTokenStore::new(fallback_dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_never_shows_in_debug() {
        let token = AuthToken::new("s3cret-token-value");
        assert_eq!(format!("{token:?}"), "AuthToken(<redacted>)");
        assert!(!format!("{:?}", Some(token)).contains("s3cret"));
    }
}
