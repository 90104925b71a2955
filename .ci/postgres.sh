#!/usr/bin/env bash
# Throw-away PostgreSQL server for tests.
#
#   .ci/postgres.sh start    # idempotent; prints `export MAGBOT_TEST_PG_URL=...` on stdout
#   .ci/postgres.sh stop     # idempotent; stops the server (keeps the data dir)
#   .ci/postgres.sh status   # exit 0 if running (and prints the export line)
#   .ci/postgres.sh purge    # stop and delete the data dir
#
# Typical use:   eval "$(.ci/postgres.sh start)"
#
# Listens on 127.0.0.1 only (plus a unix socket inside the state dir), trust auth,
# durability switched off (fsync etc.) because it is a test database.
# Everything except the export line goes to stderr.
#
# Env knobs:
#   MAGBOT_PG_DIR   state dir        (default /tmp/magbot-pg)
#   MAGBOT_PG_PORT  preferred port   (default 54329; a free one is picked if taken)
#   MAGBOT_PG_DB    database name    (default magbot_test)
#   MAGBOT_PG_BIN   server bin dir   (default: newest /usr/lib/postgresql/*/bin)
set -euo pipefail

STATE_DIR="${MAGBOT_PG_DIR:-/tmp/magbot-pg}"
PREF_PORT="${MAGBOT_PG_PORT:-54329}"
DB_NAME="${MAGBOT_PG_DB:-magbot_test}"
DATA="$STATE_DIR/data"
SOCK="$STATE_DIR/sock"
LOG="$STATE_DIR/postgres.log"
PORT_FILE="$STATE_DIR/port"

log() { echo "[postgres.sh] $*" >&2; }

find_bin() {
    if [[ -n "${MAGBOT_PG_BIN:-}" && -x "$MAGBOT_PG_BIN/initdb" ]]; then
        echo "$MAGBOT_PG_BIN"; return 0
    fi
    local d
    d="$(printf "%s\n" /usr/lib/postgresql/*/bin | grep -v "\*" | sort -V | tail -n1 || true)"
    if [[ -n "$d" && -x "$d/initdb" && -x "$d/postgres" ]]; then
        echo "$d"; return 0
    fi
    return 1
}

ensure_bin() {
    if PGBIN="$(find_bin)"; then return 0; fi
    log "PostgreSQL server binaries not found; installing with apt-get"
    if [[ "$(id -u)" != 0 ]]; then
        log "not root: cannot apt-get install postgresql"; exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -q --no-install-recommends postgresql >&2; then
        apt-get update -q >&2
        apt-get install -y -q --no-install-recommends postgresql >&2
    fi
    PGBIN="$(find_bin)" || { log "still no server binaries after install"; exit 1; }
    # Debian's postinst may have created and started a default cluster (port 5432, also on ::1):
    # we started it just now, so stop it; this script runs its own server.
    if command -v pg_lsclusters >/dev/null; then
        pg_lsclusters --no-header 2>/dev/null | awk '$4 == "online" {print $1, $2}' |
            while read -r ver name; do
                log "stopping the cluster $ver/$name that the package install started"
                pg_ctlcluster "$ver" "$name" stop >&2 || true
            done
    fi
}

# Run a command as the postgres OS user when we are root (initdb/postgres refuse root).
as_pg() {
    if [[ "$(id -u)" == 0 ]]; then
        (cd / && runuser -u postgres -- "$@")
    else
        (cd / && "$@")
    fi
}

# shellcheck source=.ci/ports.sh
. "$(dirname "${BASH_SOURCE[0]}")/ports.sh"

is_running() {
    [[ -n "${PGBIN:-}" && -f "$DATA/PG_VERSION" ]] || return 1
    as_pg "$PGBIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

print_env() {
    local port; port="$(cat "$PORT_FILE")"
    echo "export MAGBOT_TEST_PG_URL=postgresql+asyncpg://postgres@127.0.0.1:${port}/${DB_NAME}"
}

do_start() {
    ensure_bin
    if is_running && [[ -f "$PORT_FILE" ]]; then
        log "already running on port $(cat "$PORT_FILE")"
        print_env; return 0
    fi
    mkdir -p "$STATE_DIR" "$SOCK"
    if [[ "$(id -u)" == 0 ]]; then chown postgres: "$STATE_DIR" "$SOCK"; fi
    chmod 700 "$STATE_DIR"

    if [[ ! -f "$DATA/PG_VERSION" ]]; then
        rm -rf "$DATA"
        log "initdb in $DATA"
        as_pg "$PGBIN/initdb" -D "$DATA" -U postgres -A trust -E UTF8 --locale=C \
            --no-sync >"$STATE_DIR/initdb.log" 2>&1 \
            || { cat "$STATE_DIR/initdb.log" >&2; exit 1; }
        cat >>"$DATA/postgresql.conf" <<EOF

# --- magbot test settings ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$SOCK'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 100
logging_collector = off
EOF
    fi
    # a stale pid file from a killed server would block the start
    if [[ -f "$DATA/postmaster.pid" ]] && ! is_running; then rm -f "$DATA/postmaster.pid"; fi

    local port; port="$(pick_port)"
    log "starting on 127.0.0.1:$port"
    if ! as_pg "$PGBIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 \
            -o "-p $port -c listen_addresses=127.0.0.1 -k $SOCK" start >&2; then
        tail -n 30 "$LOG" >&2 || true; exit 1
    fi
    echo "$port" >"$PORT_FILE"

    local psql=("$PGBIN/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1)
    if [[ "$("${psql[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname='$DB_NAME'")" != 1 ]]; then
        log "creating database $DB_NAME"
        "${psql[@]}" -c "CREATE DATABASE \"$DB_NAME\"" >&2
    fi
    print_env
}

do_stop() {
    PGBIN="$(find_bin)" || { log "no server binaries; nothing to stop"; return 0; }
    if is_running; then
        log "stopping"
        as_pg "$PGBIN/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >&2
    else
        log "not running"
    fi
}

case "${1:-}" in
    start) do_start ;;
    stop) do_stop ;;
    status)
        PGBIN="$(find_bin)" || exit 1
        if is_running && [[ -f "$PORT_FILE" ]]; then print_env; else log "not running"; exit 1; fi ;;
    purge) do_stop; rm -rf "$STATE_DIR"; log "removed $STATE_DIR" ;;
    *) echo "usage: $0 start|stop|status|purge" >&2; exit 2 ;;
esac
