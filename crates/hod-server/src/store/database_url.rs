//! `--database URL`: `sqlite://PATH` or `postgres://…`, printed without its password.

use serde::Deserialize;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// Where a SQLite database lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqliteLocation {
    File(PathBuf),
    /// `sqlite://:memory:`: gone when the process ends (one connection, so one database).
    Memory,
}

/// A database to open.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub enum DatabaseUrl {
    Sqlite(SqliteLocation),
    /// The full `postgres://` URL, which may hold a password: never print it, use `Display`.
    Postgres(String),
}

impl DatabaseUrl {
    pub fn sqlite_file(path: impl Into<PathBuf>) -> Self {
        Self::Sqlite(SqliteLocation::File(path.into()))
    }

    /// The URL with its password, for the driver only.
    pub fn expose_secret(&self) -> &str {
        match self {
            Self::Postgres(url) => url,
            Self::Sqlite(_) => "",
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("database URL must be sqlite://PATH or postgres://USER@HOST/DB: {0}")]
pub struct DatabaseUrlError(String);

impl FromStr for DatabaseUrl {
    type Err = DatabaseUrlError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if let Some(rest) = s.strip_prefix("sqlite://") {
            return match rest {
                "" => Err(DatabaseUrlError("the SQLite path is empty".into())),
                ":memory:" => Ok(Self::Sqlite(SqliteLocation::Memory)),
                path => Ok(Self::sqlite_file(path)),
            };
        }
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            // Let the driver judge the details, but fail early on what is not a URL at all.
            url::Url::parse(s).map_err(|e| DatabaseUrlError(e.to_string()))?;
            return Ok(Self::Postgres(s.to_owned()));
        }
        Err(DatabaseUrlError(format!(
            "unknown scheme in {:?}",
            s.split("://").next().unwrap_or_default()
        )))
    }
}

impl TryFrom<String> for DatabaseUrl {
    type Error = DatabaseUrlError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(SqliteLocation::File(path)) => write!(f, "sqlite://{}", path.display()),
            Self::Sqlite(SqliteLocation::Memory) => f.write_str("sqlite://:memory:"),
            Self::Postgres(raw) => match url::Url::parse(raw) {
                Ok(mut url) => {
                    if url.password().is_some() {
                        // Cannot fail on a URL that already has a password.
                        let _ = url.set_password(Some("***"));
                    }
                    f.write_str(url.as_str())
                }
                Err(_) => f.write_str("postgres://(unparsable)"),
            },
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_schemes() {
        assert_eq!(
            "sqlite:///var/lib/hod/hod.sqlite3"
                .parse::<DatabaseUrl>()
                .expect("valid"),
            DatabaseUrl::sqlite_file("/var/lib/hod/hod.sqlite3")
        );
        assert_eq!(
            "sqlite://data/hod.sqlite3"
                .parse::<DatabaseUrl>()
                .expect("valid"),
            DatabaseUrl::sqlite_file("data/hod.sqlite3")
        );
        assert!(matches!(
            "postgres://hod@localhost/hod".parse::<DatabaseUrl>(),
            Ok(DatabaseUrl::Postgres(_))
        ));
        assert!("mysql://x".parse::<DatabaseUrl>().is_err());
        assert!("sqlite://".parse::<DatabaseUrl>().is_err());
    }

    #[test]
    fn the_password_is_never_displayed() {
        let url: DatabaseUrl = "postgres://hod:s3cr3t-pw@db.example:5432/hod"
            .parse()
            .expect("valid");
        assert_eq!(url.to_string(), "postgres://hod:***@db.example:5432/hod");
        assert!(!format!("{url:?}").contains("s3cr3t-pw"));
        assert!(url.expose_secret().contains("s3cr3t-pw"));
    }
}
