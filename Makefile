# The two commands of the README: `make run` and `make test`. Each installs what it needs
# (Debian/Ubuntu packages, the pinned Rust toolchain, cargo-nextest) before it starts.

SHELL := /bin/bash
.DEFAULT_GOAL := help

# Packages needed to build and test: C toolchain for bundled SQLite, pkg-config, and
# PostgreSQL's server binaries (the tests start a throwaway cluster of their own).
BUILD_PACKAGES := build-essential pkg-config curl ca-certificates postgresql util-linux python3-aiosmtpd
# The desktop app (Tauri 2 on WebKitGTK) and its bundles.
DESKTOP_PACKAGES := libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev \
	librsvg2-dev libsoup-3.0-dev file
# Running the app with no display, as the tests do: virtual X server, session bus,
# notification daemon, WebDriver for WebKitGTK, screenshots.
HEADLESS_PACKAGES := xvfb xauth dbus-x11 webkit2gtk-driver dunst libnotify-bin xdotool \
	imagemagick x11-utils python3-xlib

ifeq ($(CI),true)
NEXTEST_PROFILE := ci
else
NEXTEST_PROFILE := default
endif

.PHONY: help deps toolchain packages node test fmt fmt-check lint unit doc-test ui ui-test bench run package footprint e2e tauri-driver bindings

help:
	@echo "make run    - build and start the server with demo agents and simulated consumers, and open the app"
	@echo "make test   - install what is needed, then run every check and test"
	@echo "make bench  - run the benchmarks recorded in docs/benchmarks.md"
	@echo "make package - build the desktop app's .deb and .rpm (target/release/bundle/)"
	@echo "make footprint - memory, idle CPU and launch time of the release app (scripts/footprint.py)"
	@echo "make fmt    - format the code"
	@echo "make bindings - regenerate ui/src/lib/bindings.ts from the Rust types"
	@echo "make e2e    - end-to-end tests of the desktop app on a virtual display (scripts/e2e.sh)"

deps: packages toolchain node

packages:
	@scripts/ensure-packages.sh $(BUILD_PACKAGES) $(DESKTOP_PACKAGES) $(HEADLESS_PACKAGES)

node:
	@scripts/ensure-node.sh

toolchain:
	@scripts/ensure-toolchain.sh

# `ui` comes first: the desktop crate embeds ui/dist when it compiles. `e2e` drives the real
# app on a virtual display (Xvfb, its own session bus, dunst) against a real server.
test: deps fmt-check ui lint unit doc-test ui-test e2e

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

# The front end (ui/): locked install from package-lock.json (served from the npm cache when
# it holds every package), type and Svelte checks, then the vitest suite.
ui-test: ui
	cd ui && npm run check && npm test

# Installs the front end's packages (locked) and builds ui/dist.
ui:
	cd ui && npm ci --prefer-offline --no-audit --no-fund --loglevel=error && npm run build

# The Linux bundles, built offline by the Tauri CLI (ui/node_modules/.bin/tauri): a release
# build of the app with ui/dist embedded, then target/release/bundle/{deb,rpm}/. The Windows
# (NSIS, MSI) and macOS (app, DMG) settings are in src-tauri/tauri.conf.json; those bundles
# are built on their own systems with `npx tauri build`. The .deb is then re-compressed with
# xz (scripts/deb-xz.sh; the bundler writes gzip).
package: deps ui
	ui/node_modules/.bin/tauri build --bundles deb,rpm
	scripts/deb-xz.sh target/release/bundle/deb/*.deb

# The desktop footprint of issue 7 on a virtual display: memory (RSS, PSS) of the release app
# idle and with 10,000 cached referrals against an empty Tauri window, idle CPU over 10
# minutes, launch -> window, and the .deb of `make package` when built (scripts/footprint.py,
# docs/benchmarks.md). `make footprint FOOTPRINT_ARGS="--cpu-minutes 1"` for a quick run.
footprint: deps
	/usr/bin/python3 scripts/footprint.py $(FOOTPRINT_ARGS)

# The TypeScript mirror of the Rust types the window sees (src-tauri/src/bindings.rs). The
# unit tests fail while the committed file is stale.
bindings:
	UPDATE_BINDINGS=1 cargo test -p hod-desktop --lib --locked bindings

bench: deps
	cargo bench -p hod-domain --bench availability
	cargo bench -p hod-client --bench cache

# `make run ACCEPT_WINDOW=2m RATE=6/min LISTEN=127.0.0.1:9000` to change the demo.
ACCEPT_WINDOW ?= 15m
RATE ?= 2/min
LISTEN ?= 127.0.0.1:8080

run: deps ui
	ACCEPT_WINDOW=$(ACCEPT_WINDOW) RATE=$(RATE) LISTEN=$(LISTEN) scripts/run-demo.sh

# End-to-end: the real app driven through tauri-driver + WebKitWebDriver on a virtual display
# (Xvfb, its own session bus, dunst), against a throwaway hod-server with a short accept
# window; screenshots and logs in target/e2e-artifacts/. See scripts/e2e.sh and tests/e2e/.
e2e: deps tauri-driver
	PATH="$$HOME/.cargo/bin:$$PATH" scripts/e2e.sh

tauri-driver:
	@command -v tauri-driver >/dev/null || [ -x "$$HOME/.cargo/bin/tauri-driver" ] || \
		cargo install tauri-driver --version ^2 --locked
