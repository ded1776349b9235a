#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL cluster, then stops and removes the cluster.
#
#   scripts/with-postgres.sh cargo nextest run -p hod-server
#
# The command sees HOD_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:PORT/hod_test. The
# role is a superuser with trust authentication on 127.0.0.1 only, so tests may CREATE
# DATABASE for a fresh database each. Durability is off (fsync): the data is thrown away.
#
# Needs Debian's server binaries (/usr/lib/postgresql/*/bin; `apt-get install -y postgresql`),
# or PG_BIN pointing at a folder with initdb, pg_ctl and postgres. As root, the server runs
# as the `postgres` user (it refuses to run as root).
set -euo pipefail

if [ "$#" -eq 0 ]; then
    echo "usage: $0 COMMAND [ARGS...]" >&2
    exit 2
fi

pg_bin="${PG_BIN:-}"
if [ -z "$pg_bin" ]; then
    pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
fi
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ] || [ ! -x "$pg_bin/pg_ctl" ]; then
    echo "with-postgres: no PostgreSQL server found under /usr/lib/postgresql/*/bin" \
        "(install it: apt-get install -y postgresql)" >&2
    exit 1
fi

as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

workdir="$(mktemp -d "${TMPDIR:-/tmp}/hod-pg.XXXXXX")"
data="$workdir/data"
if [ "$(id -u)" -eq 0 ]; then
    chown postgres:postgres "$workdir"
fi
chmod 700 "$workdir"

started=""
cleanup() {
    if [ -n "$started" ]; then
        as_postgres "$pg_bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

as_postgres "$pg_bin/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 \
    --no-locale >"$workdir/initdb.log" 2>&1 || {
    cat "$workdir/initdb.log" >&2
    exit 1
}

# A free port: try a few random ones; the server itself is the final judge.
port_free() {
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
for _ in 1 2 3 4 5 6 7 8 9 10; do
    port=$((20000 + RANDOM % 40000))
    port_free "$port" || continue
    if as_postgres "$pg_bin/pg_ctl" -D "$data" -l "$workdir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $workdir -c fsync=off \
            -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null; then
        started=yes
        break
    fi
done
if [ -z "$started" ]; then
    echo "with-postgres: the server did not start:" >&2
    cat "$workdir/server.log" >&2 || true
    exit 1
fi

as_postgres "$pg_bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 \
    -q -c "CREATE DATABASE hod_test" >/dev/null

export HOD_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/hod_test"
echo "with-postgres: PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2

set +e
"$@"
status=$?
set -e
exit "$status"
