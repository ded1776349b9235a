//! The embedded default: one SQLite file in WAL mode, through rusqlite.
//!
//! One connection, owned by a thread of its own that runs the store's calls one after
//! another, in the order they were made: SQLite allows one writer at a time anyway, and a
//! single server process is what this backend is for. (A mutex taken from tokio's blocking
//! pool cost more in thread wake-ups and lock hand-offs than the statements themselves under
//! load.) Other processes (the operator CLI while the server runs) wait up to the busy
//! timeout. Writes start with `BEGIN IMMEDIATE` so two writers never deadlock upgrading a
//! read lock.

mod accounts;
mod agents;
mod changes;
mod notifications;
mod referrals;

use super::migrations::{self, Applied};
use super::{Backend, SqliteLocation, Store, StoreError, StoreResult};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::types::Type;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior};
use std::panic::AssertUnwindSafe;
use std::sync::mpsc;
use std::time::Duration;

/// How long a statement waits for another process's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// One call of the store, run on the connection's thread.
type Job = Box<dyn FnOnce(&mut Connection) + Send>;

/// A store on one SQLite database.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    /// To the thread that owns the connection; it ends when the last clone is dropped.
    jobs: mpsc::Sender<Job>,
    location: SqliteLocation,
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::backend(e)
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database and its folder; does not migrate.
    pub async fn open(location: &SqliteLocation) -> StoreResult<Self> {
        let location = location.clone();
        let opened = location.clone();
        let conn = tokio::task::spawn_blocking(move || open_connection(&opened))
            .await
            .map_err(StoreError::backend)??;
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("hod-sqlite".to_owned())
            .spawn(move || {
                let mut conn = conn;
                for job in queue {
                    // A panic mid-call rolled its transaction back when the transaction
                    // dropped, so the connection is still usable; the caller sees the call
                    // fail.
                    let _ = std::panic::catch_unwind(AssertUnwindSafe(|| job(&mut conn)));
                }
            })
            .map_err(StoreError::backend)?;
        Ok(Self { jobs, location })
    }

    /// Runs a long read (seconds, on a big database) on a read-only connection of its own,
    /// so the calls queued on the main connection do not wait behind it; WAL lets it read
    /// beside the writer. An in-memory database has one connection: the read queues there.
    async fn read_aside<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    {
        match &self.location {
            SqliteLocation::Memory => self.call(f).await,
            SqliteLocation::File(path) => {
                let path = path.clone();
                tokio::task::spawn_blocking(move || {
                    let mut conn = Connection::open_with_flags(
                        path,
                        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
                            | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
                    )?;
                    conn.busy_timeout(BUSY_TIMEOUT)?;
                    f(&mut conn)
                })
                .await
                .map_err(StoreError::backend)?
            }
        }
    }

    /// Runs `f` with the connection on its thread, after the calls made before it.
    async fn call<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    {
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let _ = done.send(f(conn));
        });
        let stopped = || StoreError::backend(std::io::Error::other("the database thread stopped"));
        self.jobs.send(job).map_err(|_| stopped())?;
        result.await.map_err(|_| stopped())?
    }
}

fn open_connection(location: &SqliteLocation) -> StoreResult<Connection> {
    let conn = match location {
        SqliteLocation::File(path) => {
            if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(folder).map_err(StoreError::backend)?;
            }
            Connection::open(path)?
        }
        SqliteLocation::Memory => Connection::open_in_memory()?,
    };
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // Every statement the server runs stays prepared (routing runs a handful per pass).
    conn.set_prepared_statement_cache_capacity(256);
    // journal_mode answers with the mode in force ("memory" for an in-memory database).
    let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    Ok(conn)
}

/// A write transaction that takes the write lock at once.
fn write(conn: &mut Connection) -> StoreResult<Transaction<'_>> {
    Ok(conn.transaction_with_behavior(TransactionBehavior::Immediate)?)
}

pub(super) fn millis(instant: DateTime<Utc>) -> i64 {
    instant.timestamp_millis()
}

pub(super) fn instant(ms: i64, column: usize) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            column,
            Type::Integer,
            format!("{ms} ms is out of range").into(),
        )
    })
}

pub(super) fn date_text(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

pub(super) fn date(text: &str, column: usize) -> rusqlite::Result<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(column, Type::Text, Box::new(e)))
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    async fn migrate(&self) -> StoreResult<Vec<Applied>> {
        self.call(|conn| {
            let tx = write(conn)?;
            tx.execute_batch(
                "CREATE TABLE IF NOT EXISTS schema_migrations (
                     version    INTEGER PRIMARY KEY,
                     name       TEXT    NOT NULL,
                     checksum   TEXT    NOT NULL,
                     applied_at INTEGER NOT NULL
                 )",
            )?;
            let applied: Vec<(i64, String, String)> = tx
                .prepare_cached(
                    "SELECT version, name, checksum FROM schema_migrations ORDER BY version",
                )?
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
                .collect::<Result<_, _>>()?;
            let pending =
                migrations::plan(migrations::SQLITE, &applied).map_err(StoreError::Migration)?;
            let mut done = Vec::new();
            for m in pending {
                tx.execute_batch(m.sql)
                    .map_err(|e| StoreError::Migration(format!("{} failed: {e}", m.file)))?;
                tx.execute(
                    "INSERT INTO schema_migrations (version, name, checksum, applied_at)
                     VALUES (?1, ?2, ?3, ?4)",
                    rusqlite::params![m.version, m.name(), m.checksum(), millis(Utc::now())],
                )?;
                done.push(Applied {
                    version: m.version,
                    name: m.name().to_owned(),
                });
            }
            tx.commit()?;
            Ok(done)
        })
        .await
    }

    async fn ping(&self) -> StoreResult<()> {
        self.call(|conn| {
            let one: Option<i64> = conn.query_row("SELECT 1", [], |r| r.get(0)).optional()?;
            match one {
                Some(1) => Ok(()),
                _ => Err(StoreError::corrupt("SELECT 1 did not answer 1")),
            }
        })
        .await
    }
}
