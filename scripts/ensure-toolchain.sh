#!/usr/bin/env bash
# Makes the pinned Rust toolchain (rust-toolchain.toml) and cargo-nextest available.
# Where rustup cannot download (an offline or registry-only network) and the installed
# stable toolchain *is* the pinned version, it is registered under the pinned name.
set -euo pipefail
cd "$(dirname "$0")/.."

pinned=$(sed -n 's/^channel *= *"\(.*\)"/\1/p' rust-toolchain.toml)
host=$(rustc +stable -vV 2>/dev/null | sed -n 's/^host: //p' || true)
host=${host:-x86_64-unknown-linux-gnu}

if ! command -v rustup >/dev/null 2>&1; then
  echo "rustup is required: see https://rustup.rs" >&2
  exit 1
fi

if ! rustup toolchain list | grep -q "^${pinned}-${host}"; then
  if ! rustup toolchain install "$pinned" --profile minimal -c rustfmt -c clippy >/dev/null 2>&1; then
    stable_version=$(rustc +stable --version 2>/dev/null | awk '{print $2}')
    if [ "$stable_version" = "$pinned" ]; then
      home=${RUSTUP_HOME:-$HOME/.rustup}
      ln -sfn "$home/toolchains/stable-${host}" "$home/toolchains/${pinned}-${host}"
      echo "registered stable ($stable_version) as toolchain ${pinned}"
    else
      echo "cannot install Rust ${pinned} (stable is ${stable_version:-missing})" >&2
      exit 1
    fi
  fi
fi

if ! cargo nextest --version >/dev/null 2>&1; then
  cargo install cargo-nextest --locked
fi
