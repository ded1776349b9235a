//! Compiles the PostgreSQL variants of the integration tests in (rather than marked
//! ignored) when `HOD_TEST_DATABASE_URL` is set, e.g. by `scripts/with-postgres.sh`.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(hod_pg_tests)");
    println!("cargo::rerun-if-env-changed=HOD_TEST_DATABASE_URL");
    if std::env::var_os("HOD_TEST_DATABASE_URL").is_some_and(|url| !url.is_empty()) {
        println!("cargo::rustc-cfg=hod_pg_tests");
    }
}
