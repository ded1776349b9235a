//! hod-client against a real hod-server running in this process (port 0, SQLite file,
//! manual clock), sometimes behind a TCP proxy that plays a bad network.

#![allow(clippy::unwrap_used)]

mod crash;
mod half_open;
mod offline;
mod refusal;
mod round_trip;
mod skew;
mod support;
mod token;
