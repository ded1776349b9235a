//! Logging through `tracing`, to standard error.
//!
//! The filter comes from `HOD_LOG` (or `RUST_LOG`), e.g. `HOD_LOG=hod_server=debug`.
//! Logs name agents by id and requests by method and path, never by personal data.

use tracing_subscriber::EnvFilter;

/// Installs the subscriber once; later calls do nothing.
pub fn init(default_filter: &str) {
    let filter = EnvFilter::try_from_env("HOD_LOG")
        .or_else(|_| EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| EnvFilter::new(default_filter));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// For tests: silent unless `HOD_TEST_LOG` holds a filter, then captured per test.
pub fn init_for_tests() {
    if let Ok(filter) = std::env::var("HOD_TEST_LOG") {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(EnvFilter::new(filter))
            .with_test_writer()
            .try_init();
    }
}
