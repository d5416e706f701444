#!/usr/bin/env bash
# A private PostgreSQL 15 cluster for the tests: initdb into a temporary
# directory, listen on a free loopback port, stop and remove it afterwards.
#
#   scripts/infra/postgres.sh start   # prints `export VIGILO_TEST_DATABASE_URL=...`
#   scripts/infra/postgres.sh stop
#   scripts/infra/postgres.sh status
#   scripts/infra/postgres.sh restart # fast shutdown and start on the same port (fault tests)
#
# Idempotent: `start` when already running prints the same URL again.
# Installs Debian's postgresql package when no server binaries are found.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

STATE_DIR="${VIGILO_STATE_DIR:-$VIGILO_ROOT/.vigilo}/postgres"
STATE_FILE="$STATE_DIR/state.env"
PG_PASSWORD="${VIGILO_TEST_PG_PASSWORD:-vigilo-test}"

find_bindir() {
  local d
  for d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
  done
  return 1
}

ensure_server() {
  if find_bindir >/dev/null; then return 0; fi
  log "no PostgreSQL server found; installing Debian's postgresql package"
  if [ "$(id -u)" -ne 0 ]; then
    log "need root to apt-get install postgresql"; exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  timed "apt-get update" apt-get update -qq
  timed "apt-get install postgresql" apt-get install -y -qq postgresql >/dev/null
  find_bindir >/dev/null
}

free_port() {
  python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1]);s.close()'
}

# Run a command as the unprivileged owner of the cluster (postgres refuses root).
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

is_running() {
  [ -f "$STATE_FILE" ] || return 1
  # shellcheck disable=SC1090
  source "$STATE_FILE"
  as_owner "$PG_BINDIR/pg_ctl" -D "$PG_DATADIR" status >/dev/null 2>&1
}

print_env() {
  # shellcheck disable=SC1090
  source "$STATE_FILE"
  echo "export VIGILO_TEST_DATABASE_URL=postgres://postgres:${PG_PASSWORD}@127.0.0.1:${PG_PORT}/postgres"
}

start() {
  if is_running; then print_env; return 0; fi
  ensure_server
  local bindir datadir port
  bindir="$(find_bindir)"
  if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  fi
  datadir="$(mktemp -d /tmp/vigilo-pg.XXXXXX)"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$datadir"
  port="$(free_port)"
  local pwfile="$datadir.pw"
  printf '%s\n' "$PG_PASSWORD" > "$pwfile"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$pwfile"
  timed "initdb" as_owner "$bindir/initdb" -D "$datadir/data" -U postgres --pwfile="$pwfile" \
    --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$pwfile"
  cat >> "$datadir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$datadir'
max_connections = 300
shared_buffers = 256MB
fsync = off
synchronous_commit = off
full_page_writes = off
max_wal_size = 2GB
log_min_messages = warning
CONF
  timed "pg_ctl start" as_owner "$bindir/pg_ctl" -D "$datadir/data" -l "$datadir/server.log" -w -t 60 start >/dev/null
  mkdir -p "$STATE_DIR"
  cat > "$STATE_FILE" <<STATE
PG_BINDIR=$bindir
PG_DATADIR=$datadir/data
PG_ROOTDIR=$datadir
PG_PORT=$port
STATE
  log "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') listening on 127.0.0.1:$port (data in $datadir)"
  print_env
}

stop() {
  if [ ! -f "$STATE_FILE" ]; then return 0; fi
  # shellcheck disable=SC1090
  source "$STATE_FILE"
  as_owner "$PG_BINDIR/pg_ctl" -D "$PG_DATADIR" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$PG_ROOTDIR"
  rm -f "$STATE_FILE"
  log "PostgreSQL stopped"
}

restart() {
  # Fault tests: a fast shutdown (connections are terminated) and a start on the same port.
  is_running || { echo "not running" >&2; exit 1; }
  # shellcheck disable=SC1090
  source "$STATE_FILE"
  timed "pg_ctl restart" as_owner "$PG_BINDIR/pg_ctl" -D "$PG_DATADIR" -m fast -w -t 60 restart -l "$PG_ROOTDIR/server.log" >/dev/null
}

case "${1:-}" in
  start) start ;;
  restart) restart ;;
  stop) stop ;;
  status) if is_running; then print_env; else echo "not running"; exit 1; fi ;;
  *) echo "usage: $0 start|stop|status|restart" >&2; exit 2 ;;
esac
