//! Schema migrations: SQL files per backend, embedded in the binary, applied in order.
//!
//! A shipped migration is never edited: the runner records each file's SHA-256 and refuses
//! to start when an applied migration's text has changed. Change the schema by adding a
//! file (`migrations/<backend>/NNNN_name.sql`) and a line in the list below, for both
//! backends (a test checks the lists match the folders and each other).

use sha2::{Digest, Sha256};

/// One embedded migration.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub version: i64,
    /// The file name in `migrations/<backend>/`, e.g. `0001_accounts.sql`.
    pub file: &'static str,
    pub sql: &'static str,
}

impl Migration {
    /// Lower-case hex SHA-256 of the SQL text.
    pub fn checksum(&self) -> String {
        hex(&Sha256::digest(self.sql.as_bytes()))
    }

    /// The name recorded in the database: the file name without number and extension.
    pub fn name(&self) -> &'static str {
        let stem = self.file.strip_suffix(".sql").unwrap_or(self.file);
        stem.split_once('_').map_or(stem, |(_, name)| name)
    }
}

/// A migration the runner applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub version: i64,
    pub name: String,
}

macro_rules! migrations {
    ($dir:literal: $($version:literal => $file:literal),+ $(,)?) => {
        &[$(Migration {
            version: $version,
            file: $file,
            sql: include_str!(concat!("../../migrations/", $dir, "/", $file)),
        }),+]
    };
}

/// SQLite migrations, in order.
pub const SQLITE: &[Migration] = migrations!("sqlite":
    1 => "0001_accounts.sql",
    2 => "0002_referrals.sql",
    3 => "0003_notifications.sql",
    4 => "0004_change_fan_out.sql",
    5 => "0005_waiting_in_arrival_order.sql",
    6 => "0006_feed_order.sql",
);

/// PostgreSQL migrations, in order.
pub const POSTGRES: &[Migration] = migrations!("postgres":
    1 => "0001_accounts.sql",
    2 => "0002_referrals.sql",
    3 => "0003_notifications.sql",
    4 => "0004_change_fan_out.sql",
    5 => "0005_waiting_in_arrival_order.sql",
    6 => "0006_feed_order.sql",
);

/// What to do given the migrations already applied (version, name, checksum): the pending
/// ones in order, or an error when history and the embedded list disagree.
pub fn plan<'a>(
    embedded: &'a [Migration],
    applied: &[(i64, String, String)],
) -> Result<Vec<&'a Migration>, String> {
    for (version, name, checksum) in applied {
        match embedded.iter().find(|m| m.version == *version) {
            None => {
                return Err(format!(
                    "the database has migration {version:04}_{name}, which this build does not \
                     know: it was written by a newer hod-server"
                ))
            }
            Some(m) if m.checksum() != *checksum => {
                return Err(format!(
                    "migration {} was edited after it was applied; shipped migrations must \
                     never change (add a new one instead)",
                    m.file
                ))
            }
            Some(_) => {}
        }
    }
    Ok(embedded
        .iter()
        .filter(|m| applied.iter().all(|(v, _, _)| *v != m.version))
        .collect())
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn files_in(dir: &str) -> Vec<String> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(dir);
        let mut names: Vec<String> = std::fs::read_dir(&path)
            .expect("migrations folder")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn every_migration_file_is_embedded_in_order() {
        for (dir, list) in [("sqlite", SQLITE), ("postgres", POSTGRES)] {
            let embedded: Vec<String> = list.iter().map(|m| m.file.to_owned()).collect();
            assert_eq!(files_in(dir), embedded, "migrations/{dir}");
            for m in list {
                assert!(
                    m.file.starts_with(&format!("{:04}_", m.version)),
                    "{dir}/{} must start with its version",
                    m.file
                );
            }
            assert!(
                list.windows(2).all(|w| w[0].version < w[1].version),
                "{dir} versions must increase"
            );
        }
    }

    #[test]
    fn both_backends_have_the_same_migrations() {
        let names = |list: &[Migration]| -> Vec<(i64, &str)> {
            list.iter().map(|m| (m.version, m.name())).collect()
        };
        assert_eq!(names(SQLITE), names(POSTGRES));
    }

    #[test]
    fn an_edited_migration_is_refused() {
        let applied = vec![(1, "accounts".to_owned(), "0".repeat(64))];
        let err = plan(SQLITE, &applied).expect_err("checksum differs");
        assert!(err.contains("0001_accounts.sql was edited"), "{err}");
    }

    #[test]
    fn applied_migrations_are_not_planned_again() {
        let first = &SQLITE[0];
        let applied = vec![(first.version, first.name().to_owned(), first.checksum())];
        let pending = plan(SQLITE, &applied).expect("consistent");
        assert!(pending.iter().all(|m| m.version != first.version));
        assert_eq!(plan(SQLITE, &[]).expect("fresh").len(), SQLITE.len());
    }

    #[test]
    fn a_migration_from_a_newer_build_is_refused() {
        let applied = vec![(9999, "future".to_owned(), "x".into())];
        assert!(plan(SQLITE, &applied).is_err());
    }
}
