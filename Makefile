# The two commands of the README: `make run` and `make test`. Each installs what it needs
# (Debian/Ubuntu packages, the pinned Rust toolchain, cargo-nextest) before it starts.

SHELL := /bin/bash
.DEFAULT_GOAL := help

# Packages needed to build and test: C toolchain for bundled SQLite, pkg-config, and
# PostgreSQL's server binaries (the tests start a throwaway cluster of their own).
BUILD_PACKAGES := build-essential pkg-config curl ca-certificates postgresql util-linux

ifeq ($(CI),true)
NEXTEST_PROFILE := ci
else
NEXTEST_PROFILE := default
endif

.PHONY: help deps toolchain packages test fmt fmt-check lint unit doc-test bench run

help:
	@echo "make run    - build and start Help On Demand (server with demo data, the desktop app)"
	@echo "make test   - install what is needed, then run every check and test"
	@echo "make bench  - run the benchmarks recorded in docs/benchmarks.md"
	@echo "make fmt    - format the code"

deps: packages toolchain

packages:
	@scripts/ensure-packages.sh $(BUILD_PACKAGES)

toolchain:
	@scripts/ensure-toolchain.sh

test: deps fmt-check lint unit doc-test

fmt:
	cargo fmt --all

fmt-check:
	cargo fmt --all -- --check

lint:
	cargo clippy --workspace --all-targets --locked -- -D warnings

# Every test runs against SQLite; with the throwaway PostgreSQL cluster the server's storage
# and API tests run against PostgreSQL too.
unit:
	scripts/with-postgres.sh cargo nextest run --workspace --locked --profile $(NEXTEST_PROFILE)

doc-test:
	cargo test --workspace --doc --locked

bench: deps
	cargo bench -p hod-domain --bench availability

run: deps
	@echo "Help On Demand: so far the domain core (crates/hod-domain) is built; the server"
	@echo "(crates/hod-server) and the desktop app (src-tauri/, ui/) are being added."
	@echo "Until they land, 'make run' builds the workspace and runs the availability demo:"
	cargo build --workspace --locked
	cargo run -p hod-domain --example availability_today --locked
