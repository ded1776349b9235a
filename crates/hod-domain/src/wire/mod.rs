//! The JSON shapes shared by the server and the desktop client, versioned by module.
//!
//! `v1` is served under `/v1`. A field may be added to a v1 type (readers ignore unknown
//! fields); renaming or removing one needs `v2`.

pub mod v1;
