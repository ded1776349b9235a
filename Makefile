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
	@echo "make run    - build and start the server with demo agents and simulated consumers"
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
	cargo bench -p hod-client --bench cache

# `make run ACCEPT_WINDOW=2m RATE=6/min LISTEN=127.0.0.1:9000` to change the demo.
ACCEPT_WINDOW ?= 15m
RATE ?= 2/min
LISTEN ?= 127.0.0.1:8080

run: deps
	ACCEPT_WINDOW=$(ACCEPT_WINDOW) RATE=$(RATE) LISTEN=$(LISTEN) scripts/run-demo.sh
