#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests and CI: one place for the logic, used by .ci/run and by
# the tests' `postgres_url` fixture (tests/pgcluster.py) when AUDITOR_TEST_POSTGRES_URL is not set.
#
#   scripts/pg_cluster.sh start [DIR]   initdb + pg_ctl start in DIR (default: a new temp dir);
#                                       prints "DIR URL" on one line, URL as postgresql+psycopg://...
#   scripts/pg_cluster.sh stop DIR      stops the server (fast, then immediate) and removes DIR
#   scripts/pg_cluster.sh available     exit 0 if the server binaries are there, 1 if not
#
# The server listens on 127.0.0.1 only, on a free port, with its unix socket inside DIR and trust
# authentication (nothing but this machine's loopback can reach it, and it lives minutes). PostgreSQL
# refuses to run as root, so as root the cluster belongs to an unprivileged user: $PG_CLUSTER_USER,
# else `nobody`, else a system user `auditor-pg` created for it. Durability is switched off (fsync,
# synchronous_commit, full_page_writes): the data is thrown away anyway, and tests run faster.
# Binaries: $PG_BIN, else the newest /usr/lib/postgresql/*/bin (15 on the CI image), else $PATH.
set -euo pipefail

log() { echo "pg_cluster: $*" >&2; }

find_bin() {
    if [[ -n "${PG_BIN:-}" ]]; then
        [[ -x "$PG_BIN/initdb" ]] && { echo "$PG_BIN"; return 0; }
        return 1
    fi
    local dir
    for dir in /usr/lib/postgresql/15/bin $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]] && { echo "$dir"; return 0; }
    done
    if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
        dirname "$(command -v initdb)"; return 0
    fi
    return 1
}

cluster_user() {
    if [[ -n "${PG_CLUSTER_USER:-}" ]]; then echo "$PG_CLUSTER_USER"; return; fi
    if id -u nobody >/dev/null 2>&1; then echo nobody; return; fi
    if ! id -u auditor-pg >/dev/null 2>&1; then
        useradd --system --no-create-home --shell /usr/sbin/nologin auditor-pg >&2
    fi
    echo auditor-pg
}

# Run a command as the cluster's owner (directly when we are not root).
as_owner() {
    if [[ "$(id -u)" -eq 0 ]]; then
        runuser -u "$OWNER" -- "$@"
    else
        "$@"
    fi
}

free_port() {
    python3 - <<'PY'
import socket
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
PY
}

cmd_start() {
    local bin dir port attempt
    bin="$(find_bin)" || { log "no PostgreSQL server binaries (initdb, pg_ctl) found"; exit 2; }
    dir="${1:-$(mktemp -d "${TMPDIR:-/tmp}/auditor-pg.XXXXXX")}"
    mkdir -p "$dir"
    OWNER="$(id -un)"
    if [[ "$(id -u)" -eq 0 ]]; then
        OWNER="$(cluster_user)"
        chown "$OWNER" "$dir"
    fi
    chmod 700 "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -U auditor --auth=trust -E UTF8 --locale=C.UTF-8 \
        >"$dir/initdb.log" 2>&1 || { log "initdb failed:"; cat "$dir/initdb.log" >&2; exit 1; }
    for attempt in 1 2 3 4 5; do
        port="$(free_port)"
        # -k: the socket lives in DIR, so no shared /var/run/postgresql is needed or touched.
        if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o \
            "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
            start >"$dir/pg_ctl.log" 2>&1; then
            echo "$port" >"$dir/port"
            echo "$dir postgresql+psycopg://auditor@127.0.0.1:$port/postgres"
            return 0
        fi
        log "start on port $port failed (attempt $attempt); retrying on another port"
    done
    log "could not start PostgreSQL:"; tail -n 20 "$dir/server.log" >&2 || true
    exit 1
}

cmd_stop() {
    local dir="${1:?usage: pg_cluster.sh stop DIR}" bin
    [[ -d "$dir" ]] || return 0
    OWNER="$(stat -c %U "$dir")"
    if [[ -f "$dir/data/postmaster.pid" ]] && bin="$(find_bin)"; then
        as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 20 stop >/dev/null 2>&1 \
            || as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 20 stop >/dev/null 2>&1 \
            || log "could not stop the server in $dir"
    fi
    rm -rf "$dir"
}

case "${1:-}" in
    start) shift; cmd_start "$@" ;;
    stop) shift; cmd_stop "$@" ;;
    available) find_bin >/dev/null ;;
    *) echo "usage: $0 start [DIR] | stop DIR | available" >&2; exit 64 ;;
esac
