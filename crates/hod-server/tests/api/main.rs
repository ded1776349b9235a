//! Integration tests: one binary, every test on a fresh database.
//!
//! Each story runs on SQLite (a temporary file) and on PostgreSQL. The PostgreSQL variants
//! run when `HOD_TEST_DATABASE_URL` names a server whose role may create databases (see
//! `scripts/with-postgres.sh`); without it they are reported as ignored, never as passed.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location

mod support;

/// Declares `sqlite::NAME` and `postgres::NAME` tests, each calling `NAME(backend)`.
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(crate::support::Backend::Sqlite).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[cfg_attr(
                    not(hod_pg_tests),
                    ignore = "PostgreSQL: set HOD_TEST_DATABASE_URL (scripts/with-postgres.sh)"
                )]
                async fn $name() {
                    super::$name(crate::support::Backend::Postgres).await;
                }
            )+
        }
    };
}
pub(crate) use on_both_backends;

mod admin;
mod auth;
mod bench;
mod cli;
mod demo;
mod events;
mod faults;
mod metrics;
mod notifications;
mod notify_support;
mod openapi;
mod profile;
mod readme;
mod routing;
mod routing_support;
mod scale_out;
mod simulate;
mod storage_story;
