#!/usr/bin/env bash
# Throw-away Synapse homeserver for Matrix integration tests.
#
#   .ci/synapse.sh start    # idempotent; prints export lines on stdout (see below)
#   .ci/synapse.sh stop     # idempotent; stops the server (keeps its SQLite db + keys)
#   .ci/synapse.sh status   # exit 0 if running and healthy (and prints the export lines)
#   .ci/synapse.sh purge    # stop and delete the state dir (next start is a clean server)
#   .ci/synapse.sh install  # only make sure the Synapse venv exists
#
# Typical use:   eval "$(.ci/synapse.sh start)"
# stdout of start/status:
#   export MAGBOT_TEST_HOMESERVER=http://127.0.0.1:PORT
#   export MAGBOT_TEST_REGISTRATION_SECRET=...
#   export MAGBOT_TEST_SERVER_NAME=localhost
# Everything else goes to stderr.
#
# The server: server_name "localhost", one HTTP listener (client + admin API) on
# 127.0.0.1 only, no federation, SQLite, presence and URL previews off, open
# registration off (use the shared-secret admin API, see tests/matrix_admin.py),
# all rate limits raised very high, logging to $STATE_DIR/homeserver.log at WARNING.
#
# Env knobs:
#   MAGBOT_SYNAPSE_VENV     venv holding Synapse   (default /tmp/magbot-synapse-venv)
#   MAGBOT_SYNAPSE_SPEC     pip requirement        (default matrix-synapse==1.163.2)
#   MAGBOT_SYNAPSE_DIR      state dir              (default /tmp/magbot-synapse)
#   MAGBOT_SYNAPSE_PORT     preferred port         (default 8448; a free one is picked if taken)
#   MAGBOT_SYNAPSE_SECRET   registration secret    (default magbot-test-registration-secret)
#   MAGBOT_SYNAPSE_TIMEOUT  seconds to wait for /health (default 60)
#   MAGBOT_SYNAPSE_FRESH=1  wipe the database before starting
#   MAGBOT_UV               a uv to install Synapse with (pip otherwise)
set -euo pipefail

VENV="${MAGBOT_SYNAPSE_VENV:-/tmp/magbot-synapse-venv}"
SPEC="${MAGBOT_SYNAPSE_SPEC:-matrix-synapse==1.163.2}"
STATE_DIR="${MAGBOT_SYNAPSE_DIR:-/tmp/magbot-synapse}"
PREF_PORT="${MAGBOT_SYNAPSE_PORT:-8448}"
SECRET="${MAGBOT_SYNAPSE_SECRET:-magbot-test-registration-secret}"
TIMEOUT="${MAGBOT_SYNAPSE_TIMEOUT:-60}"
SERVER_NAME=localhost

CONF="$STATE_DIR/homeserver.yaml"
LOGCONF="$STATE_DIR/log.yaml"
PID_FILE="$STATE_DIR/synapse.pid"
PORT_FILE="$STATE_DIR/port"
PY="$VENV/bin/python"

log() { echo "[synapse.sh] $*" >&2; }

install_synapse() {
    if [[ -n "${MAGBOT_UV:-}" && -x "$MAGBOT_UV" ]]; then  # .ci/test's uv: seconds instead of half a minute
        "$MAGBOT_UV" pip install -q --compile-bytecode --python "$PY" "$SPEC"
    else
        "$PY" -m pip install -q --disable-pip-version-check --upgrade pip \
            && "$PY" -m pip install -q --disable-pip-version-check "$SPEC"
    fi
}

ensure_venv() {
    if [[ -x "$PY" ]] && "$PY" -c 'import synapse, synapse.app.homeserver' >/dev/null 2>&1; then
        return 0
    fi
    local t0=$SECONDS
    log "installing $SPEC into $VENV (log: $VENV.install.log)"
    rm -rf "$VENV"
    if [[ -n "${MAGBOT_UV:-}" && -x "$MAGBOT_UV" ]]; then
        python3 -m venv --without-pip "$VENV"  # uv installs into it from outside: no pip to set up first
    else
        python3 -m venv "$VENV"
    fi
    if ! install_synapse >"$VENV.install.log" 2>&1; then
        grep -v '^WARNING: Location' "$VENV.install.log" | tail -n 30 >&2
        log "pip install failed"; exit 1
    fi
    "$PY" -c 'import synapse.app.homeserver' || { log "synapse not importable after install"; exit 1; }
    log "installed $("$PY" -c 'import synapse; print(synapse.__version__)') in $((SECONDS - t0))s"
}

# shellcheck source=.ci/ports.sh
. "$(dirname "${BASH_SOURCE[0]}")/ports.sh"

# pid of our running homeserver, or nothing. Checks the cmdline so a recycled pid is never touched.
running_pid() {
    [[ -f "$PID_FILE" ]] || return 1
    local pid; pid="$(cat "$PID_FILE")"
    [[ -n "$pid" && -r "/proc/$pid/cmdline" ]] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "synapse.app.homeserver -c $CONF" || return 1
    echo "$pid"
}

healthy() {
    local port="$1"
    curl -fsS --max-time 2 "http://127.0.0.1:$port/health" >/dev/null 2>&1
}

print_env() {
    local port; port="$(cat "$PORT_FILE")"
    echo "export MAGBOT_TEST_HOMESERVER=http://127.0.0.1:${port}"
    echo "export MAGBOT_TEST_REGISTRATION_SECRET=${SECRET}"
    echo "export MAGBOT_TEST_SERVER_NAME=${SERVER_NAME}"
}

write_config() {
    local port="$1"
    cat >"$LOGCONF" <<EOF
version: 1
formatters:
  precise:
    format: '%(asctime)s - %(name)s - %(lineno)d - %(levelname)s - %(request)s - %(message)s'
handlers:
  file:
    class: logging.FileHandler
    formatter: precise
    filename: $STATE_DIR/homeserver.log
    level: WARNING
    filters: [context]
filters:
  context:
    (): synapse.logging.context.LoggingContextFilter
    request: ""
loggers:
  synapse.storage.SQL:
    level: WARNING
root:
  level: WARNING
  handlers: [file]
disable_existing_loggers: false
EOF

    # rate limit: effectively unlimited
    local RL="{per_second: 10000, burst_count: 100000}"
    cat >"$CONF" <<EOF
# generated by .ci/synapse.sh -- test-only homeserver, do not use in production
server_name: "$SERVER_NAME"
public_baseurl: "http://127.0.0.1:$port/"
pid_file: "$STATE_DIR/homeserver.pid"
signing_key_path: "$STATE_DIR/signing.key"
log_config: "$LOGCONF"
media_store_path: "$STATE_DIR/media_store"
report_stats: false
enable_metrics: false

listeners:
  - port: $port
    bind_addresses: ['127.0.0.1']
    type: http
    tls: false
    x_forwarded: false
    resources:
      - names: [client]
        compress: false

database:
  name: sqlite3
  args:
    database: "$STATE_DIR/homeserver.db"

# no federation at all
federation_domain_whitelist: []
trusted_key_servers: []
suppress_key_server_warning: true
allow_public_rooms_over_federation: false

presence:
  enabled: false
url_preview_enabled: false
enable_registration: false
registration_shared_secret: "$SECRET"
allow_guest_access: false
bcrypt_rounds: 4   # fast registration/login in tests
require_auth_for_profile_requests: false

# rate limits raised so that tests never hit M_LIMIT_EXCEEDED
rc_message: $RL
rc_registration: $RL
rc_registration_token_validity: $RL
rc_login:
  address: $RL
  account: $RL
  failed_attempts: $RL
rc_admin_redaction: $RL
rc_joins:
  local: $RL
  remote: $RL
rc_joins_per_room: $RL
rc_key_requests: $RL
rc_3pid_validation: $RL
rc_invites:
  per_room: $RL
  per_user: $RL
  per_issuer: $RL
rc_third_party_invite: $RL
rc_media_create: $RL
rc_presence:
  per_user: $RL
rc_delayed_event_mgmt: $RL
rc_room_creation: $RL
rc_reports: $RL
rc_user_directory: $RL
rc_profile: $RL
EOF
}

do_start() {
    local pid port
    if pid="$(running_pid)" && [[ -f "$PORT_FILE" ]]; then
        port="$(cat "$PORT_FILE")"
        if healthy "$port"; then
            log "already running (pid $pid, port $port)"
            print_env; return 0
        fi
        log "pid $pid is alive but not healthy; restarting it"
        do_stop
    fi
    ensure_venv

    mkdir -p "$STATE_DIR/media_store"
    chmod 700 "$STATE_DIR"
    if [[ "${MAGBOT_SYNAPSE_FRESH:-0}" == 1 ]]; then
        rm -f "$STATE_DIR"/homeserver.db*
        rm -rf "$STATE_DIR/media_store"/*
    fi
    if [[ ! -s "$STATE_DIR/signing.key" ]]; then
        "$PY" - "$STATE_DIR/signing.key" <<'EOF'
import sys, secrets
from signedjson.key import generate_signing_key, write_signing_keys
with open(sys.argv[1], "w") as f:
    write_signing_keys(f, [generate_signing_key("a_" + secrets.token_hex(2))])
EOF
    fi

    port="$(pick_port)"
    write_config "$port"
    echo "$port" >"$PORT_FILE"

    local t0=$SECONDS
    log "starting on 127.0.0.1:$port (logs: $STATE_DIR/homeserver.log, $STATE_DIR/stdout.log)"
    (cd "$STATE_DIR" && exec setsid "$PY" -m synapse.app.homeserver -c "$CONF" \
        </dev/null >>"$STATE_DIR/stdout.log" 2>&1) &
    echo $! >"$PID_FILE"

    local deadline=$((SECONDS + TIMEOUT))
    until healthy "$port"; do
        if ! running_pid >/dev/null; then
            log "homeserver exited during startup:"
            tail -n 40 "$STATE_DIR/stdout.log" "$STATE_DIR/homeserver.log" >&2 2>/dev/null || true
            rm -f "$PID_FILE"; exit 1
        fi
        if ((SECONDS >= deadline)); then
            log "no /health after ${TIMEOUT}s"
            tail -n 40 "$STATE_DIR/stdout.log" "$STATE_DIR/homeserver.log" >&2 2>/dev/null || true
            do_stop; exit 1
        fi
        sleep 0.2
    done
    log "healthy after ~$((SECONDS - t0))s"
    print_env
}

do_stop() {
    local pid
    if ! pid="$(running_pid)"; then
        log "not running"; rm -f "$PID_FILE"; return 0
    fi
    log "stopping pid $pid"
    kill -TERM "$pid" 2>/dev/null || true
    local _
    for _ in $(seq 1 100); do   # up to 20 s
        [[ -d "/proc/$pid" ]] || break
        sleep 0.2
    done
    if [[ -d "/proc/$pid" ]]; then
        log "still alive, SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$PID_FILE"
}

case "${1:-}" in
    start) do_start ;;
    stop) do_stop ;;
    install) ensure_venv ;;
    status)
        if running_pid >/dev/null && [[ -f "$PORT_FILE" ]] && healthy "$(cat "$PORT_FILE")"; then
            print_env
        else
            log "not running"; exit 1
        fi ;;
    purge) do_stop; rm -rf "$STATE_DIR"; log "removed $STATE_DIR" ;;
    *) echo "usage: $0 start|stop|status|purge|install" >&2; exit 2 ;;
esac
