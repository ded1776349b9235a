#!/usr/bin/env bash
# Makes sure Node.js >= 20.19 and npm are on PATH (the front end's tools need them).
# Debian 12 packages Node 18: when that is all there is, Node 20 is installed from the npm
# registry (the `node` package ships the official binaries) into /usr/local.
set -euo pipefail
want_major=20
want_minor=19

new_enough() {
  command -v node >/dev/null 2>&1 || return 1
  local v major minor
  v="$(node --version)"; v="${v#v}"
  major="${v%%.*}"; minor="${v#*.}"; minor="${minor%%.*}"
  [ "$major" -gt "$want_major" ] || { [ "$major" -eq "$want_major" ] && [ "$minor" -ge "$want_minor" ]; }
}

new_enough && exit 0
if ! command -v npm >/dev/null 2>&1; then
  "$(dirname "$0")/ensure-packages.sh" nodejs npm
fi
echo "installing Node.js ${want_major} (found: $(node --version 2>/dev/null || echo none))"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
$sudo npm install --global --no-audit --no-fund --loglevel=error "node@${want_major}"
hash -r
new_enough || { echo "Node.js >= ${want_major}.${want_minor} is needed; found $(node --version)" >&2; exit 1; }
