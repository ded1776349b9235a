//! hod-client against real SQLite files in temporary folders.

mod cache;
mod fixtures;
mod outbox;
mod reads;
mod sync_apply;
