#!/usr/bin/env bash
# `make run`: a live Help On Demand server with demo agents and simulated consumers.
#
#   scripts/run-demo.sh            # or: make run ACCEPT_WINDOW=2m RATE=6/min LISTEN=127.0.0.1:9000
#
# Builds hod-server, migrates a SQLite database under target/demo/, creates the demo agents
# (`seed-demo`, which prints their logins), serves on LISTEN (127.0.0.1:8080, or a free port
# when that one is taken) and feeds it consumers with `simulate`. Server logs go to this
# terminal; Ctrl-C stops both. The database is kept between runs (delete target/demo/ to
# start over); `seed-demo` is idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

accept_window="${ACCEPT_WINDOW:-15m}"
rate="${RATE:-2/min}"
listen="${LISTEN:-127.0.0.1:8080}"
run_dir="target/demo"
database="sqlite://$PWD/$run_dir/hod.sqlite3"
# Demo-only keys (at least 16 characters); passed through the environment, not flags.
intake_key="demo-intake-key-$(date +%Y)-0123456789"
admin_key="demo-admin-key-$(date +%Y)-0123456789"

cargo build -p hod-server -p hod-desktop --locked
bin="target/debug/hod-server"
app="target/debug/help-on-demand"
mkdir -p "$run_dir"

"$bin" --database "$database" migrate
echo
"$bin" --database "$database" seed-demo
echo

port_free() {
    ! (exec 3<>"/dev/tcp/${1%:*}/${1##*:}") 2>/dev/null
}
if ! port_free "$listen"; then
    echo "$listen is taken: using a free port instead"
    listen="${listen%:*}:0"
fi

server_pid=""
simulate_pid=""
app_pid=""
stop() {
    trap - INT TERM EXIT
    [ -n "$app_pid" ] && kill -TERM "$app_pid" 2>/dev/null || true
    [ -n "$simulate_pid" ] && kill -TERM "$simulate_pid" 2>/dev/null || true
    [ -n "$server_pid" ] && kill -TERM "$server_pid" 2>/dev/null || true
    wait 2>/dev/null || true
    echo "stopped"
}
trap stop INT TERM EXIT

out="$run_dir/server.out"
: >"$out"
HOD_DATABASE="$database" HOD_LISTEN="$listen" HOD_ACCEPT_WINDOW="$accept_window" \
    HOD_INTAKE_API_KEYS="$intake_key" HOD_ADMIN_API_KEYS="$admin_key" \
    "$bin" serve >"$out" &
server_pid=$!

# The server prints `listening on http://HOST:PORT` once it is bound.
base=""
for _ in $(seq 1 100); do
    base="$(sed -n 's/^listening on //p' "$out" | head -n 1)"
    [ -n "$base" ] && break
    kill -0 "$server_pid" 2>/dev/null || { echo "the server did not start" >&2; exit 1; }
    sleep 0.1
done
[ -n "$base" ] || { echo "the server did not report its address" >&2; exit 1; }

cat <<EOF

Help On Demand is running (accept window $accept_window; consumers at $rate):
  API                $base/v1/   (OpenAPI: $base/v1/openapi.json)
  health             $base/healthz
  metrics            $base/metrics
  intake key         $intake_key
  admin key          $admin_key
  log in             curl -s $base/v1/auth/login -H 'content-type: application/json' \\
                       -d '{"username":"ana","password":"Ana#Demo2027"}'
The desktop app opens at its login, pre-filled for ana; closing its window keeps it in the
tray. Ctrl-C stops the server, the simulator and the app.

EOF

HOD_SIMULATE_INTAKE_KEY="$intake_key" "$bin" simulate --rate "$rate" --server "$base" &
simulate_pid=$!

if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
    # Its own data folder, so the demo never touches a real installation's session.
    HOD_DATA_DIR="$PWD/$run_dir/app" HOD_SERVER_URL="$base" HOD_USERNAME=ana \
        HOD_PASSWORD='Ana#Demo2027' "$app" &
    app_pid=$!
else
    cat <<EOF
No display: the desktop app was built but not opened. On a machine without a screen, run the
demo on a virtual display (and look at it with a VNC viewer such as x11vnc + vncviewer):
  xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- make run
From a desktop session, plain \`make run\` opens the app. The server and the simulator keep
running here.
EOF
fi

wait "$server_pid"
