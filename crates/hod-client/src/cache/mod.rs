//! The local cache: one SQLite file per (server URL, agent).
//!
//! WAL mode so the UI can read while the sync engine writes; a busy timeout so two
//! connections (window and tray, or a restarted process) wait instead of failing. Migrations
//! are embedded and applied all-or-nothing; `PRAGMA user_version` records the schema, and a
//! file migrated by a newer app is refused untouched.

mod apply;
mod reads;
pub(crate) mod store;

pub use apply::{ApplyResult, Snapshot};
pub use reads::{ReferralListPage, ReferralQuery, ReferralSort, SortDirection};

use crate::error::CacheError;
use crate::events::ClientEvent;
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::sync::broadcast;

/// Embedded migrations, in order; migration `i` brings the schema to version `i + 1`.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_initial.sql"),
    include_str!("migrations/0002_sort_indexes.sql"),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// How long a statement waits for another connection's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Events a slow subscriber may fall behind by before it sees `Lagged`.
pub const EVENT_CAPACITY: usize = 1024;

/// The agent's local data. Reads never touch the network.
#[derive(Debug)]
pub struct Cache {
    conn: Connection,
    path: PathBuf,
    events: broadcast::Sender<ClientEvent>,
}

/// The file name for a (server, agent) pair: readable prefix plus a hash of both, so two
/// servers or two agents never share a file and odd characters never reach the file system.
pub fn cache_file_name(server_url: &str, agent: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(server_url.trim_end_matches('/').as_bytes());
    hasher.update([0]);
    hasher.update(agent.as_bytes());
    let digest = hasher.finalize();
    let hash: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    let readable: String = agent
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(32)
        .collect();
    format!("hod-{readable}-{hash}.sqlite3")
}

/// The cache file for a (server, agent) pair under `dir`.
pub fn cache_path_in(dir: &Path, server_url: &str, agent: &str) -> PathBuf {
    dir.join(cache_file_name(server_url, agent))
}

/// The cache file under the OS app-data folder (e.g. `~/.local/share/help-on-demand/cache`).
pub fn default_cache_path(server_url: &str, agent: &str) -> Result<PathBuf, CacheError> {
    let dirs = directories::ProjectDirs::from("gov.cms", "Help On Demand", "help-on-demand")
        .ok_or(CacheError::NoDataDir)?;
    Ok(cache_path_in(
        &dirs.data_dir().join("cache"),
        server_url,
        agent,
    ))
}

impl Cache {
    /// Opens (creating if needed) the cache for a (server, agent) pair in the app-data folder.
    pub fn open_default(server_url: &str, agent: &str) -> Result<Self, CacheError> {
        Self::open(&default_cache_path(server_url, agent)?)
    }

    /// Opens (creating if needed) the cache file at `path` and brings it to this build's
    /// schema. A file from a newer build is refused with [`CacheError::NewerSchema`] before
    /// anything is written to it.
    pub fn open(path: &Path) -> Result<Self, CacheError> {
        let (events, _) = broadcast::channel(EVENT_CAPACITY);
        Self::open_with_events(path, events)
    }

    /// Like [`Cache::open`], emitting on the given channel (the client's, which outlives a
    /// cache: logging in as another agent opens another file).
    pub fn open_with_events(
        path: &Path,
        events: broadcast::Sender<ClientEvent>,
    ) -> Result<Self, CacheError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| CacheError::Io {
                path: dir.to_owned(),
                source,
            })?;
        }
        let mut conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // Checked before WAL is switched on: a newer file is left exactly as it was.
        check_version(&conn, path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        migrate(&mut conn, path)?;
        Ok(Self {
            conn,
            path: path.to_owned(),
            events,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Events emitted after each committed change.
    pub fn subscribe(&self) -> broadcast::Receiver<ClientEvent> {
        self.events.subscribe()
    }

    /// A sender for the same channel, for the sync engine's connection events.
    pub fn event_sender(&self) -> broadcast::Sender<ClientEvent> {
        self.events.clone()
    }

    pub(crate) fn emit(&self, events: Vec<ClientEvent>) {
        for event in events {
            // No subscriber is fine: the UI may not be up yet.
            let _ = self.events.send(event);
        }
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    pub(crate) fn write_tx(&mut self) -> Result<rusqlite::Transaction<'_>, CacheError> {
        Ok(self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?)
    }
}

fn user_version(conn: &Connection) -> Result<i64, CacheError> {
    Ok(conn.query_row("PRAGMA user_version", [], |row| row.get(0))?)
}

fn check_version(conn: &Connection, path: &Path) -> Result<i64, CacheError> {
    let found = user_version(conn)?;
    if found > SCHEMA_VERSION {
        return Err(CacheError::NewerSchema {
            path: path.to_owned(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(found)
}

/// Applies every missing migration and the new `user_version` in one immediate transaction:
/// all or nothing, and a second process opening the same file waits, then sees it done.
fn migrate(conn: &mut Connection, path: &Path) -> Result<(), CacheError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let current = check_version(&tx, path)?;
    for sql in MIGRATIONS
        .iter()
        .skip(usize::try_from(current).unwrap_or(0))
    {
        tx.execute_batch(sql)?;
    }
    if current < SCHEMA_VERSION {
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    }
    tx.commit()?;
    Ok(())
}
