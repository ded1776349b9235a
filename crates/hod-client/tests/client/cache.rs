#![allow(clippy::unwrap_used)]

use crate::fixtures::*;
use hod_client::cache::{cache_file_name, cache_path_in, SCHEMA_VERSION};
use hod_client::{Cache, CacheError};
use hod_domain::referral::ReferralStatus;

#[test]
fn one_file_per_server_and_agent() {
    let a = cache_file_name("https://hod.example", "ana");
    assert_eq!(a, cache_file_name("https://hod.example/", "ana"));
    assert_ne!(a, cache_file_name("https://other.example", "ana"));
    assert_ne!(a, cache_file_name("https://hod.example", "bob"));
    let odd = cache_file_name("https://hod.example", "../../etc/passwd");
    assert!(!odd.contains('/') && !odd.contains(".."), "{odd}");
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        cache_path_in(dir.path(), "https://hod.example", "ana").parent(),
        Some(dir.path())
    );
}

#[test]
fn a_new_file_is_migrated_in_wal_mode_and_reopens() {
    let t = open();
    let conn = rusqlite::Connection::open(t.path()).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    drop(conn);
    let path = t.path();
    drop(t.cache);
    let again = Cache::open(&path).unwrap();
    assert_eq!(again.cursor().unwrap(), 0);
}

#[test]
fn an_older_app_refuses_a_newer_database_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("newer.sqlite3");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE future (x INTEGER); PRAGMA user_version = 99;")
            .unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let err = Cache::open(&path).unwrap_err();
    match &err {
        CacheError::NewerSchema {
            found, supported, ..
        } => {
            assert_eq!(*found, 99);
            assert_eq!(*supported, SCHEMA_VERSION);
        }
        other => panic!("expected NewerSchema, got {other:?}"),
    }
    assert!(err.to_string().contains("newer version"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert!(!dir.path().join("newer.sqlite3-wal").exists());
}

#[test]
fn a_failing_migration_leaves_nothing_behind() {
    // A table the first migration creates already exists: the migration fails midway and
    // its transaction leaves neither tables nor a version.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clash.sqlite3");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE outbox (x INTEGER);")
            .unwrap();
    }
    assert!(matches!(Cache::open(&path), Err(CacheError::Sqlite(_))));
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 0);
    let tables: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name IN ('meta', 'referrals')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tables, 0);
}

#[test]
fn two_connections_share_one_file() {
    let mut t = loaded(vec![referral(1, ReferralStatus::Pending, 0)], 3);
    let other = Cache::open(&t.path()).unwrap();
    assert_eq!(other.cursor().unwrap(), 3);
    t.cache.apply_snapshot(&snapshot(vec![], 4)).unwrap();
    assert_eq!(other.cursor().unwrap(), 4);
    assert_eq!(other.referrals(&Default::default()).unwrap().total, 0);
}

#[test]
fn the_cache_has_no_place_for_a_token() {
    let t = loaded(vec![referral(1, ReferralStatus::Accepted, 0)], 1);
    let conn = rusqlite::Connection::open(t.path()).unwrap();
    let schema: String = conn
        .query_row(
            "SELECT group_concat(sql, ' ') FROM sqlite_master",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(!schema.to_lowercase().contains("token"), "{schema}");
}

#[test]
fn a_writer_waits_for_another_connection_instead_of_failing() {
    let mut t = loaded(vec![referral(1, ReferralStatus::Pending, 0)], 1);
    let path = t.path();
    let (locked_tx, locked_rx) = std::sync::mpsc::channel();
    let holder = std::thread::spawn(move || {
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .unwrap();
        locked_tx.send(()).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(300));
        tx.commit().unwrap();
    });
    locked_rx.recv().unwrap();
    // The other connection holds the write lock for 300 ms: the busy timeout waits it out.
    t.cache
        .accept(hod_domain::wire::v1::ReferralId(1), monday_10am())
        .unwrap();
    holder.join().unwrap();
    assert_eq!(t.cache.pending().unwrap().len(), 1);
}

#[test]
fn the_default_path_is_under_the_app_data_folder() {
    if let Ok(path) = hod_client::cache::default_cache_path("https://hod.example", "ana") {
        assert!(path.ends_with(cache_file_name("https://hod.example", "ana")));
        assert!(
            path.to_string_lossy().contains("help-on-demand"),
            "{path:?}"
        );
    }
}
