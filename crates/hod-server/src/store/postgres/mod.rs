//! The scale-out backend: PostgreSQL through tokio-postgres and a deadpool connection pool.
//!
//! Several server instances may share one database: migrations run under an advisory lock,
//! and each store method is one transaction.

mod accounts;
mod agents;
mod changes;
mod fan_out;
mod notifications;
mod referrals;
mod statements;

use super::migrations::{self, Applied};
use super::{Backend, Store, StoreError, StoreResult};
use async_trait::async_trait;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use statements::Prepared;
use std::fmt;
use tokio_postgres::NoTls;

/// Connections kept open per server instance.
const POOL_SIZE: usize = 16;

/// Any constant: the key of the advisory lock that serialises migrations across instances.
const MIGRATION_LOCK: i64 = 0x484f_445f_4d49_4752; // "HOD_MIGR"

/// A store on one PostgreSQL database.
#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
    /// For connections of its own outside the pool (the LISTEN of the change fan-out).
    config: tokio_postgres::Config,
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The pool's config holds the password: print nothing of it.
        f.debug_struct("PostgresStore").finish_non_exhaustive()
    }
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        match e.as_db_error() {
            // The server's DETAIL and HINT can quote row values (personal data), and the
            // driver's Display includes them: keep only what identifies the failure.
            Some(db) => StoreError::Backend(
                format!(
                    "postgres {} {}: {}{}",
                    db.severity(),
                    db.code().code(),
                    db.message(),
                    db.constraint()
                        .map(|c| format!(" (constraint {c})"))
                        .unwrap_or_default()
                )
                .into(),
            ),
            None => StoreError::backend(e),
        }
    }
}

impl From<deadpool_postgres::PoolError> for StoreError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        StoreError::backend(e)
    }
}

impl PostgresStore {
    /// Connects (and checks that one connection can be made); does not migrate.
    ///
    /// TLS is not supported yet: use a local socket, a private network or a TLS-terminating
    /// proxy.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let config: tokio_postgres::Config = url.parse()?;
        let manager = Manager::from_config(
            config.clone(),
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .build()
            .map_err(StoreError::backend)?;
        let store = Self { pool, config };
        store.ping().await?;
        Ok(store)
    }

    async fn client(&self) -> StoreResult<deadpool_postgres::Client> {
        Ok(self.pool.get().await?)
    }
}

#[async_trait]
impl Store for PostgresStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    async fn migrate(&self) -> StoreResult<Vec<Applied>> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // Held until commit: a second instance starting at the same time waits here, then
        // finds nothing left to do.
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                 version    BIGINT      PRIMARY KEY,
                 name       TEXT        NOT NULL,
                 checksum   TEXT        NOT NULL,
                 applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
             )",
        )
        .await?;
        let applied: Vec<(i64, String, String)> = tx
            .query(
                "SELECT version, name, checksum FROM schema_migrations ORDER BY version",
                &[],
            )
            .await?
            .iter()
            .map(|row| (row.get(0), row.get(1), row.get(2)))
            .collect();
        let pending =
            migrations::plan(migrations::POSTGRES, &applied).map_err(StoreError::Migration)?;
        let mut done = Vec::new();
        for m in pending {
            tx.batch_execute(m.sql)
                .await
                .map_err(|e| StoreError::Migration(format!("{} failed: {e}", m.file)))?;
            tx.execute(
                "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                &[&m.version, &m.name(), &m.checksum()],
            )
            .await?;
            done.push(Applied {
                version: m.version,
                name: m.name().to_owned(),
            });
        }
        tx.commit().await?;
        Ok(done)
    }

    async fn ping(&self) -> StoreResult<()> {
        let client = self.client().await?;
        let one: i32 = client.query_one_cached("SELECT 1", &[]).await?.get(0);
        if one == 1 {
            Ok(())
        } else {
            Err(StoreError::corrupt("SELECT 1 did not answer 1"))
        }
    }

    fn follow_commits(
        &self,
        notifier: crate::changes::ChangeNotifier,
        stop: tokio::sync::oneshot::Receiver<()>,
    ) -> Option<tokio::task::JoinHandle<()>> {
        Some(tokio::spawn(fan_out::follow(
            self.config.clone(),
            notifier,
            stop,
        )))
    }
}
