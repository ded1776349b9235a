#!/usr/bin/env bash
# End-to-end tests: the real desktop app (target/debug/help-on-demand) driven by WebdriverIO
# through tauri-driver + WebKitWebDriver, against a throwaway hod-server on SQLite, on a
# virtual display with its own session bus, a notification daemon (dunst) and dbus-monitor
# recording the notifications the tests read.
#
#   scripts/e2e.sh                 # or: make e2e
#   E2E_ACCEPT_WINDOW=45s scripts/e2e.sh
#   scripts/e2e.sh --mochaOpts.grep "MR-3"     # extra arguments go to `wdio run`
#   E2E_SKIP_BUILD=1 scripts/e2e.sh            # the binaries already built
#
# Outside a virtual display it builds (ui/dist, hod-server, hod-desktop), installs the test
# packages, then runs itself again under `xvfb-run … dbus-run-session`. Inside, it starts
# dunst, dbus-monitor, the server (port 0) with the demo agents, and tauri-driver, runs the
# suite, and stops every process it started on exit, whatever happens.
# Artifacts (screenshots, logs): target/e2e-artifacts/.
set -euo pipefail
self="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
cd "$(dirname "$0")/.."
root="$PWD"

accept_window="${E2E_ACCEPT_WINDOW:-30s}"
driver_port="${E2E_DRIVER_PORT:-4444}"
native_port="${E2E_NATIVE_PORT:-4445}"
artifacts="$root/target/e2e-artifacts"

if [ -z "${HOD_E2E_INNER:-}" ]; then
    for tool in xvfb-run dbus-run-session dunst dbus-monitor dbus-send gdbus WebKitWebDriver; do
        command -v "$tool" >/dev/null || {
            echo "e2e: $tool is missing (make packages installs it)" >&2
            exit 1
        }
    done
    if ! command -v tauri-driver >/dev/null; then
        [ -x "$HOME/.cargo/bin/tauri-driver" ] && export PATH="$HOME/.cargo/bin:$PATH"
    fi
    command -v tauri-driver >/dev/null || {
        echo "e2e: tauri-driver is missing: cargo install tauri-driver --version ^2 --locked" >&2
        exit 1
    }
    # E2E_SKIP_BUILD=1: use the binaries already in target/debug (iterating on the tests).
    if [ -z "${E2E_SKIP_BUILD:-}" ]; then
        make ui
        cargo build -p hod-server -p hod-desktop --locked
    fi
    (cd tests/e2e && npm ci --prefer-offline --no-audit --no-fund --loglevel=error)
    rm -rf "$artifacts"
    mkdir -p "$artifacts"
    HOD_E2E_INNER=1 exec xvfb-run -a -s "-screen 0 1280x800x24" \
        dbus-run-session -- "$self" "$@"
fi

# ---- Inside the virtual display and the session bus ----------------------------------------

run_dir="$(mktemp -d "${TMPDIR:-/tmp}/hod-e2e.XXXXXX")"
mkdir -p "$run_dir/pids" "$artifacts"
pids=()

stop_all() {
    local status=$?
    trap - EXIT INT TERM
    # Processes the tests started (a restarted server) write their pid here.
    for file in "$run_dir"/pids/*.pid; do
        [ -e "$file" ] || continue
        kill -TERM "$(cat "$file")" 2>/dev/null || true
    done
    # Ours, newest first; tauri-driver leads its own process group (WebKitWebDriver, the app).
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        kill -TERM -- "-${pids[i]}" 2>/dev/null || kill -TERM "${pids[i]}" 2>/dev/null || true
    done
    sleep 0.5
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        kill -KILL -- "-${pids[i]}" 2>/dev/null || kill -KILL "${pids[i]}" 2>/dev/null || true
    done
    for file in "$run_dir"/pids/*.pid; do
        [ -e "$file" ] || continue
        kill -KILL "$(cat "$file")" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    cp "$run_dir"/*.log "$artifacts/" 2>/dev/null || true
    rm -rf "$run_dir"
    exit "$status"
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Each in its own process group (setsid), so stopping it stops its children too.
start() {
    local log="$1"
    shift
    setsid "$@" >"$run_dir/$log" 2>&1 &
    pids+=("$!")
}

port_free() {
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
for port in "$driver_port" "$native_port"; do
    port_free "$port" || {
        echo "e2e: port $port is taken (a leftover tauri-driver?); set E2E_DRIVER_PORT/E2E_NATIVE_PORT" >&2
        exit 1
    }
done

# Notification daemon: notifications never time out, so an action can be injected later.
cat >"$run_dir/dunstrc" <<'EOF'
[global]
    geometry = "300x5-10+10"
[urgency_low]
    timeout = 0
[urgency_normal]
    timeout = 0
[urgency_critical]
    timeout = 0
EOF
start dunst.log dunst -config "$run_dir/dunstrc"
start dbus-monitor.log stdbuf -oL dbus-monitor --session \
    "interface='org.freedesktop.Notifications'" \
    "type='method_return',sender='org.freedesktop.Notifications'"
for _ in $(seq 1 100); do
    gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
        --method org.freedesktop.DBus.NameHasOwner org.freedesktop.Notifications 2>/dev/null |
        grep -q true && break
    sleep 0.1
done

# The server: SQLite in the run folder, a free port, a short accept window.
server_bin="$root/target/debug/hod-server"
database="sqlite://$run_dir/hod.sqlite3"
intake_key="e2e-intake-key-0123456789abcdef"
"$server_bin" --database "$database" seed-demo | tee "$run_dir/seed-demo.log"
start server.log env HOD_DATABASE="$database" HOD_LISTEN="127.0.0.1:0" \
    HOD_ACCEPT_WINDOW="$accept_window" HOD_INTAKE_API_KEYS="$intake_key" \
    HOD_HEARTBEAT_INTERVAL=2s HOD_DISPATCH_RETRY_INTERVAL=2s "$server_bin" serve
echo "${pids[-1]}" >"$run_dir/server.pgid"
base=""
for _ in $(seq 1 200); do
    base="$(sed -n 's/^listening on //p' "$run_dir/server.log" | head -n 1)"
    [ -n "$base" ] && break
    kill -0 "${pids[-1]}" 2>/dev/null || {
        cat "$run_dir/server.log" >&2
        echo "e2e: the server did not start" >&2
        exit 1
    }
    sleep 0.1
done
[ -n "$base" ] || { echo "e2e: the server did not report its address" >&2; exit 1; }
echo "e2e: server at $base (accept window $accept_window)"

# What the app sees: a fresh data folder and a pre-filled login.
export HOD_DATA_DIR="$run_dir/app-data"
export HOD_SERVER_URL="$base"
export HOD_USERNAME="ana"
export HOD_PASSWORD="Ana#Demo2027"
# What the tests see.
export HOD_E2E_RUN_DIR="$run_dir"
export HOD_E2E_ARTIFACTS="$artifacts"
export HOD_E2E_SERVER_BIN="$server_bin"
export HOD_E2E_DATABASE="$database"
export HOD_E2E_SERVER_URL="$base"
export HOD_E2E_SERVER_PGID="${pids[-1]}"
export HOD_E2E_ACCEPT_WINDOW="$accept_window"
export HOD_E2E_INTAKE_KEY="$intake_key"
export HOD_E2E_DBUS_LOG="$run_dir/dbus-monitor.log"
export HOD_E2E_APP="$root/target/debug/help-on-demand"
export E2E_DRIVER_PORT="$driver_port"

start tauri-driver.log tauri-driver --port "$driver_port" --native-port "$native_port"
for _ in $(seq 1 100); do
    port_free "$driver_port" || break
    sleep 0.1
done
port_free "$driver_port" && { echo "e2e: tauri-driver did not start" >&2; exit 1; }

cd tests/e2e
npx wdio run wdio.conf.js "$@"
