#!/usr/bin/env bash
# The Cloud Tasks emulator (github.com/aertje/cloud-tasks-emulator v1.2.0, pinned in go.mod beside this
# script) for the tests: built once from the Go module proxy into the cache, run on free loopback ports,
# with a real OIDC issuer.
# See docs/adr/0101-cloud-tasks-emulator.md for what the emulator does and does not do.
#
#   scripts/infra/cloud-tasks/cloud-tasks.sh build    # go build into the cache (skipped when cached)
#   scripts/infra/cloud-tasks/cloud-tasks.sh start    # prints the `export VIGILO_TEST_CLOUD_TASKS_*=...` lines
#   scripts/infra/cloud-tasks/cloud-tasks.sh stop
#   scripts/infra/cloud-tasks/cloud-tasks.sh status   # prints the exports; exit 1 when not running
#
# `start` prints only `export ...` lines on stdout (progress goes to stderr), so
# `eval "$(scripts/infra/cloud-tasks/cloud-tasks.sh start)"` works. It is idempotent: when the
# emulator is already running and answering, it prints the same exports again.
#
#   VIGILO_TEST_CLOUD_TASKS_HOST         127.0.0.1
#   VIGILO_TEST_CLOUD_TASKS_PORT         gRPC port (CloudTasksClient {servicePath, port, sslCreds: insecure})
#   VIGILO_TEST_CLOUD_TASKS_OIDC_ISSUER  http://127.0.0.1:<port>: the `iss` of the tokens it signs;
#                                        /.well-known/openid-configuration and /jwks are served there
#
# Environment (all optional):
#   VIGILO_CACHE_DIR                 cache root (default $HOME/.cache/vigilo); the binary goes to
#                                    $VIGILO_CACHE_DIR/cloud-tasks/<hash>/bin/
#   VIGILO_STATE_DIR                 state root (default $VIGILO_ROOT/.vigilo); pid, ports and log in
#                                    $VIGILO_STATE_DIR/cloud-tasks/
#   VIGILO_CLOUD_TASKS_QUEUES        space-separated queue names to create at start
#                                    (projects/P/locations/L/queues/Q); default none, tests create their own
#   VIGILO_CLOUD_TASKS_START_TIMEOUT seconds to wait for the ports (default 30)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../lib/common.sh"

NAME=cloud-tasks
SRC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# The emulator's main package, built inside the wrapper module go.mod/go.sum beside this script (see the ADR:
# `go install github.com/aertje/cloud-tasks-emulator@v1.2.0` fails here because the proxy refuses the module's
# version list, and there is no v2 module line).
PKG=github.com/aertje/cloud-tasks-emulator
BIN_NAME=cloud-tasks-emulator
# bump when the way this script builds changes, so old cache entries are not reused
RECIPE="v2 CGO_ENABLED=0 go build -mod=readonly -trimpath, with the patches beside this script"
CACHE_ROOT="$VIGILO_CACHE_DIR/$NAME"
STATE_DIR="${VIGILO_STATE_DIR:-$VIGILO_ROOT/.vigilo}/$NAME"
STATE_FILE="$STATE_DIR/state.env"
START_TIMEOUT="${VIGILO_CLOUD_TASKS_START_TIMEOUT:-30}"

die() { log "$NAME: ERROR: $*"; exit 1; }

# The Go toolchain lives in /usr/local/go on these machines; a non-login shell may not have it on PATH.
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then export PATH="/usr/local/go/bin:$PATH"; fi

build_dir() {
  local gov
  gov="$(go env GOVERSION 2>/dev/null || echo unknown)"
  printf '%s/%s\n' "$CACHE_ROOT" "$( (printf '%s\n%s\n%s\n' "$RECIPE" "$gov" "$(uname -m)"; cat "$SRC_DIR/go.mod" "$SRC_DIR/go.sum" "$SRC_DIR"/*.patch) | sha256sum | cut -c1-16)"
}

binary() { printf '%s/bin/%s\n' "$(build_dir)" "$BIN_NAME"; }

# The module's source from the module cache, with each *.patch beside this script applied (ADR 0101: the emulator
# signs a new RS256 token per dispatch, so oidc-token-cache.patch reuses one for 4 of its 5 minutes), built from a
# copy of the wrapper module that replaces the module with the patched source.
apply_patch() { # $1 = source dir, $2 = patch file; with `patch`, else with git in a repository of the dir's own
  if command -v patch >/dev/null 2>&1; then
    patch -p1 -d "$1" < "$2"
  else
    git init -q "$1" && git -C "$1" apply -p1 "$2"
  fi
}

go_build() { # $1 = build dir, $2 = log file
  local build="$1" module_dir patch_file
  {
    module_dir="$(cd "$SRC_DIR" && GOWORK=off go mod download -json "$PKG" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')" &&
      cp -R "$module_dir" "$build/emulator-src" && chmod -R u+w "$build/emulator-src" &&
      for patch_file in "$SRC_DIR"/*.patch; do apply_patch "$build/emulator-src" "$patch_file" || return 1; done &&
      mkdir -p "$build/wrapper" && cp "$SRC_DIR/go.mod" "$SRC_DIR/go.sum" "$build/wrapper/" &&
      printf '\nreplace %s => %s\n' "$PKG" "$build/emulator-src" >> "$build/wrapper/go.mod" &&
      (cd "$build/wrapper" && GOWORK=off CGO_ENABLED=0 go build -mod=readonly -trimpath -o "$build/bin/" "$PKG")
  } > "$2" 2>&1
}

cmd_build() {
  command -v go >/dev/null || die "go not found (it is in /usr/local/go/bin on these machines)"
  local dir bin tmp version
  dir="$(build_dir)"
  bin="$dir/bin/$BIN_NAME"
  if [ -x "$bin" ]; then
    log "$NAME: build: up to date ($bin)"
    return 0
  fi
  version="$(awk -v p="$PKG" '$1 == p { print $2 } $1 == "require" && $2 == p { print $3 }' "$SRC_DIR/go.mod" | head -n 1)"
  mkdir -p "$CACHE_ROOT"
  find "$CACHE_ROOT" -maxdepth 1 -name '.build.*' -mmin +60 -exec rm -rf {} + 2>/dev/null || true
  tmp="$(mktemp -d "$CACHE_ROOT/.build.XXXXXX")"
  log "$NAME: build: $PKG@$version with $(go env GOVERSION) (a cold build downloads ~20 modules and takes 1-2 min on 2 cores)"
  if ! timed "$NAME: go build $PKG@$version" go_build "$tmp" "$tmp/build.log"; then
    cat "$tmp/build.log" >&2
    rm -rf "$tmp"
    die "go build $PKG@$version failed"
  fi
  [ -x "$tmp/bin/$BIN_NAME" ] || die "go build produced no $BIN_NAME in $tmp/bin"
  printf '%s@%s\n' "$PKG" "$version" > "$tmp/pkg"
  rm -rf "$dir"
  mv "$tmp" "$dir"
  log "$NAME: build: $bin ($(du -h "$bin" | cut -f1))"
}

free_port() {
  python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1]);s.close()'
}

port_free() { # $1 = port: can be bound on all interfaces (the issuer endpoint binds 0.0.0.0)
  python3 -c 'import socket,sys;s=socket.socket();s.bind(("0.0.0.0",int(sys.argv[1])));s.close()' "$1" 2>/dev/null
}

tcp_open() { # $1 = port: something accepts TCP connections on 127.0.0.1:$1
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

issuer_answers() { # $1 = issuer URL: the discovery document names it as issuer
  curl -fsS -m 2 "$1/.well-known/openid-configuration" 2>/dev/null | grep -q "\"issuer\":\"$1\""
}

alive() { # $1 = pid: exists and is not a zombie waiting to be reaped
  [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null && [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

load_state() {
  [ -f "$STATE_FILE" ] || return 1
  # shellcheck disable=SC1090
  source "$STATE_FILE"
}

is_ours() { # $1 = pid: alive and running the emulator binary
  alive "${1:-}" \
    && tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null | grep -q -- "-openid-issuer"
}

is_running() {
  load_state || return 1
  is_ours "$CT_PID" && tcp_open "$CT_PORT" && issuer_answers "$CT_ISSUER"
}

print_env() {
  load_state
  echo "export VIGILO_TEST_CLOUD_TASKS_HOST=127.0.0.1"
  echo "export VIGILO_TEST_CLOUD_TASKS_PORT=$CT_PORT"
  echo "export VIGILO_TEST_CLOUD_TASKS_OIDC_ISSUER=$CT_ISSUER"
}

cmd_start() {
  local t0=$SECONDS
  if is_running; then
    log "$NAME: already running (pid $CT_PID) on 127.0.0.1:$CT_PORT"
    print_env
    return 0
  fi
  # After a crash (see the ADR: some RPCs panic the emulator) reuse the previous ports when they are
  # free again, so a test run that restarts it keeps its VIGILO_TEST_CLOUD_TASKS_* values.
  local prev_port="" prev_issuer_port=""
  if load_state; then
    prev_port="${CT_PORT:-}"
    prev_issuer_port="${CT_ISSUER##*:}"
    log "$NAME: previous emulator (pid ${CT_PID:-?}) is gone or not answering; restarting it"
  fi
  cmd_stop_quiet
  cmd_build
  command -v curl >/dev/null || die "curl not found"
  local bin port issuer_port issuer logf pid i q
  bin="$(binary)"
  if [ -n "$prev_port" ] && [ -n "$prev_issuer_port" ] && port_free "$prev_port" && port_free "$prev_issuer_port"; then
    port="$prev_port"
    issuer_port="$prev_issuer_port"
  else
    port="$(free_port)"
    issuer_port="$(free_port)"
    while [ "$issuer_port" = "$port" ]; do issuer_port="$(free_port)"; done
  fi
  issuer="http://127.0.0.1:$issuer_port"
  mkdir -p "$STATE_DIR"
  logf="$STATE_DIR/emulator.log"
  local args=(-host 127.0.0.1 -port "$port" -openid-issuer "$issuer" -hard-reset-on-purge-queue)
  for q in ${VIGILO_CLOUD_TASKS_QUEUES:-}; do args+=(-queue "$q"); done
  # setsid: survives the shell that started it; output to the log so `$(... start)` does not hang.
  setsid "$bin" "${args[@]}" > "$logf" 2>&1 < /dev/null &
  pid=$!
  cat > "$STATE_FILE" <<STATE
CT_PID=$pid
CT_PORT=$port
CT_ISSUER=$issuer
CT_LOG=$logf
CT_BIN=$bin
STATE
  log "$NAME: launched pid $pid: $BIN_NAME ${args[*]}"
  for ((i = 0; i < START_TIMEOUT * 10; i++)); do
    if ! alive "$pid"; then
      tail -n 30 "$logf" >&2 || true
      rm -f "$STATE_FILE"
      die "the emulator exited during start-up (log above)"
    fi
    if tcp_open "$port" && issuer_answers "$issuer"; then break; fi
    sleep 0.1
  done
  if ! is_running; then
    tail -n 30 "$logf" >&2 || true
    cmd_stop_quiet
    die "gRPC 127.0.0.1:$port or $issuer/.well-known/openid-configuration not answering after ${START_TIMEOUT}s"
  fi
  log "$NAME: gRPC on 127.0.0.1:$port, OIDC issuer $issuer (started in $((SECONDS - t0))s; log $logf)"
  print_env
}

cmd_stop_quiet() {
  load_state || return 0
  local i
  if is_ours "${CT_PID:-}"; then
    kill -TERM "$CT_PID" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do alive "$CT_PID" || break; sleep 0.1; done
    if is_ours "$CT_PID"; then kill -KILL "$CT_PID" 2>/dev/null || true; fi
    log "$NAME: stopped pid $CT_PID"
  fi
  [ -f "${CT_LOG:-}" ] && mv -f "$CT_LOG" "$STATE_DIR/last.log" 2>/dev/null || true
  rm -f "$STATE_FILE"
}

cmd_stop() {
  if ! load_state; then log "$NAME: not running"; return 0; fi
  cmd_stop_quiet
}

case "${1:-}" in
  build) cmd_build ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) if is_running; then print_env; else echo "not running"; exit 1; fi ;;
  *) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
esac
