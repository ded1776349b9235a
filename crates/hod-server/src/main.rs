//! `hod-server`: see `hod_server::cli`.

use std::process::ExitCode;

fn main() -> ExitCode {
    hod_server::cli::main()
}
