#!/usr/bin/env bash
# One real Elasticsearch node inside one JVM, built from Maven Central jars only (no Docker, no
# distribution download). See docs/adr/0100-elasticsearch-in-one-jvm.md.
#
#   es.sh build    resolve jars (mvn) and compile the launcher into the cache; skipped when up to date
#   es.sh start    build if needed, start the node in the background on a free port, wait until GET /
#                  answers, print `export VIGILO_TEST_ES_URL=http://127.0.0.1:PORT` on stdout
#                  (all progress goes to stderr, so `eval "$(scripts/infra/es/es.sh start)"` works)
#   es.sh stop     stop the node and remove its temporary home (the log is kept as last.log)
#   es.sh status   print state; exit 0 when running, 3 when not
#   es.sh url      print the URL of the running node (exit 3 when not running)
#
# Environment (all optional):
#   VIGILO_CACHE_DIR        cache root (default $HOME/.cache/vigilo); builds go to $VIGILO_CACHE_DIR/es/<hash>
#   VIGILO_ES_STATE_DIR     where pid/url/home of the running node are kept (default $VIGILO_CACHE_DIR/es/run)
#   VIGILO_ES_JAVA_HOME     a JDK >= 21 to use (default: /usr/lib/jvm/temurin-25-jdk-amd64, else any JDK >= 21)
#   VIGILO_ES_HTTP_PORT     fixed HTTP port (default 0 = a free port chosen by the node)
#   VIGILO_ES_HEAP          heap size, -Xms = -Xmx (default 512m)
#   VIGILO_ES_START_TIMEOUT seconds to wait for GET / (default 120)
#   VIGILO_ES_LOG_LEVEL     node log level (default WARN; INFO shows the startup sequence)
set -euo pipefail

ES_SRC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE_ROOT="${VIGILO_CACHE_DIR:-$HOME/.cache/vigilo}/es"
STATE_DIR="${VIGILO_ES_STATE_DIR:-$CACHE_ROOT/run}"
HEAP="${VIGILO_ES_HEAP:-512m}"
START_TIMEOUT="${VIGILO_ES_START_TIMEOUT:-120}"
MAIN_CLASS="dev.vigilo.es.Main"
# bump when the way this script builds changes (flags, layout), so old cache entries are not reused
RECIPE="v1 javac --release 21"

log() { printf '[es] %s\n' "$*" >&2; }
die() { printf '[es] ERROR: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
took() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

java_major() { # $1 = java binary; prints the feature version (17, 21, 25, ...) or nothing
  "$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version =/ { print $2; exit }'
}

find_java_home() {
  local candidates=() c major
  [[ -n "${VIGILO_ES_JAVA_HOME:-}" ]] && candidates+=("$VIGILO_ES_JAVA_HOME")
  candidates+=(/usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk-*)
  candidates+=(/usr/lib/jvm/*25* /usr/lib/jvm/*21* /usr/lib/jvm/*)
  [[ -n "${JAVA_HOME:-}" ]] && candidates+=("$JAVA_HOME")
  for c in "${candidates[@]}"; do
    [[ -x "$c/bin/java" && -x "$c/bin/javac" ]] || continue
    major="$(java_major "$c/bin/java")"
    if [[ "$major" =~ ^[0-9]+$ ]] && (( major >= 21 )); then
      printf '%s\n' "$c"
      return 0
    fi
  done
  return 1
}

source_hash() {
  (
    cd "$ES_SRC_DIR"
    printf '%s\n' "$RECIPE"
    find pom.xml src -type f | LC_ALL=C sort | while read -r f; do
      printf '%s\n' "$f"
      cat "$f"
    done
  ) | sha256sum | cut -c1-16
}

build_dir() { printf '%s/%s\n' "$CACHE_ROOT" "$(source_hash)"; }

classpath_complete() { # $1 = cp.txt: every jar it names is still in the local Maven repository
  local jar
  [[ -s "$1" ]] || return 1
  while IFS= read -r -d ':' jar; do
    [[ -f "$jar" ]] || return 1
  done < <(tr -d '\n' < "$1"; printf ':')
}

cmd_build() {
  local t0 t dir tmp java_home
  t0="$(now)"
  dir="$(build_dir)"
  if [[ -f "$dir/.built" ]] && classpath_complete "$dir/cp.txt"; then
    log "build: up to date in $dir ($(took "$t0"))"
    printf '%s\n' "$dir"
    return 0
  fi
  command -v mvn >/dev/null || die "mvn not found (Debian: apt-get install -y maven)"
  t="$(now)"
  java_home="$(find_java_home)" || die "no JDK >= 21 found (set VIGILO_ES_JAVA_HOME; /usr/lib/jvm/temurin-25-jdk-amd64 expected)"
  log "build: JDK $java_home (java $(java_major "$java_home/bin/java")) ($(took "$t"))"

  mkdir -p "$CACHE_ROOT"
  find "$CACHE_ROOT" -maxdepth 1 -name '.build.*' -mmin +60 -exec rm -rf {} + 2>/dev/null || true # failed builds
  tmp="$(mktemp -d "$CACHE_ROOT/.build.XXXXXX")"

  t="$(now)"
  log "build: resolving Elasticsearch jars from Maven Central (mvn dependency:build-classpath)"
  if ! (cd "$ES_SRC_DIR" && mvn -q -B -Dstyle.color=never dependency:build-classpath -Dmdep.outputFile="$tmp/cp.txt") \
    > "$tmp/mvn.log" 2>&1; then
    cat "$tmp/mvn.log" >&2
    die "maven could not resolve the dependencies of $ES_SRC_DIR/pom.xml"
  fi
  classpath_complete "$tmp/cp.txt" || die "classpath from maven is empty or incomplete"
  log "build: classpath resolved, $(tr ':' '\n' < "$tmp/cp.txt" | grep -c .) jars ($(took "$t"))"

  t="$(now)"
  mkdir -p "$tmp/classes"
  find "$ES_SRC_DIR/src/main/java" -name '*.java' | LC_ALL=C sort > "$tmp/sources.txt"
  "$java_home/bin/javac" --release 21 -nowarn -encoding UTF-8 -cp "$(cat "$tmp/cp.txt")" \
    -d "$tmp/classes" @"$tmp/sources.txt" >&2 || die "javac failed"
  printf '%s\n' "$java_home" > "$tmp/java_home"
  touch "$tmp/.built"
  log "build: compiled $(grep -c . "$tmp/sources.txt") sources with javac --release 21 ($(took "$t"))"

  rm -rf "$dir"
  mv "$tmp" "$dir"
  log "build: done in $dir ($(took "$t0"))"
  printf '%s\n' "$dir"
}

# --- running node state -------------------------------------------------------------------------

state_pid() { [[ -f "$STATE_DIR/pid" ]] && cat "$STATE_DIR/pid" || true; }

is_our_java() { # $1 = pid: alive and running our main class
  [[ -n "$1" ]] && kill -0 "$1" 2>/dev/null && tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null | grep -q "$MAIN_CLASS"
}

answers() { # $1 = url: GET / returns 200 with the Elasticsearch product header
  local headers
  headers="$(curl -sS -m 5 -o /dev/null -D - "$1/" 2>/dev/null)" || return 1
  grep -qi '^HTTP/[0-9.]* 200' <<<"$headers" && grep -qi '^x-elastic-product: *Elasticsearch' <<<"$headers"
}

cmd_status() {
  local pid url
  pid="$(state_pid)"
  if is_our_java "$pid"; then
    url="$(cat "$STATE_DIR/url" 2>/dev/null || true)"
    if [[ -n "$url" ]] && answers "$url"; then
      log "status: running, pid $pid, $url, home $(cat "$STATE_DIR/home" 2>/dev/null)"
      printf 'running %s\n' "$url"
      return 0
    fi
    log "status: pid $pid alive but not answering (starting or stuck); log: $(cat "$STATE_DIR/home" 2>/dev/null)/es.log"
    printf 'unhealthy\n'
    return 3
  fi
  log "status: not running"
  printf 'stopped\n'
  return 3
}

cmd_url() {
  local pid
  pid="$(state_pid)"
  is_our_java "$pid" && [[ -s "$STATE_DIR/url" ]] || { log "not running"; return 3; }
  cat "$STATE_DIR/url"
}

cleanup_state() {
  local home
  home="$(cat "$STATE_DIR/home" 2>/dev/null || true)"
  if [[ -n "$home" && -d "$home" ]]; then
    [[ -f "$home/es.log" ]] && cp "$home/es.log" "$STATE_DIR/last.log" 2>/dev/null || true
    case "$home" in
      */vigilo-es.*) rm -rf "$home" ;;
      *) log "not removing unexpected home '$home'" ;;
    esac
  fi
  rm -f "$STATE_DIR/pid" "$STATE_DIR/url" "$STATE_DIR/home"
}

cmd_stop() {
  local pid t0 i
  t0="$(now)"
  pid="$(state_pid)"
  if is_our_java "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 300; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "stop: pid $pid still alive after 30s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
    fi
    log "stop: stopped pid $pid ($(took "$t0"))"
  else
    log "stop: not running"
  fi
  cleanup_state
}

cmd_start() {
  local t0 t dir java_home home pid url i port
  t0="$(now)"
  mkdir -p "$STATE_DIR"
  pid="$(state_pid)"
  if is_our_java "$pid"; then
    url="$(cat "$STATE_DIR/url" 2>/dev/null || true)"
    if [[ -n "$url" ]] && answers "$url"; then
      log "start: already running (pid $pid) at $url"
      printf 'export VIGILO_TEST_ES_URL=%s\n' "$url"
      return 0
    fi
    log "start: pid $pid is not answering, restarting it"
    cmd_stop
  else
    cleanup_state # leftovers of a node that died
  fi
  command -v curl >/dev/null || die "curl not found"

  dir="$(cmd_build)"
  java_home="$(cat "$dir/java_home")"
  [[ -x "$java_home/bin/java" ]] || java_home="$(find_java_home)" || die "no JDK >= 21 found"

  home="$(mktemp -d "${TMPDIR:-/tmp}/vigilo-es.XXXXXX")"
  port="${VIGILO_ES_HTTP_PORT:-0}"
  printf '%s\n' "$home" > "$STATE_DIR/home"
  : > "$home/es.log"

  t="$(now)"
  # setsid: the node survives the shell that started it and gets no terminal signals;
  # all output goes to the log so `$(es.sh start)` does not wait on the node's stdout.
  VIGILO_ES_LOG_LEVEL="${VIGILO_ES_LOG_LEVEL:-WARN}" setsid "$java_home/bin/java" \
    "-Xms$HEAP" "-Xmx$HEAP" \
    --enable-native-access=ALL-UNNAMED \
    -Dio.netty.noUnsafe=true -Dio.netty.noKeySetOptimization=true -Dio.netty.recycler.maxCapacityPerThread=0 \
    -Dlog4j2.disable.jmx=true -Dlog4j2.formatMsgNoLookups=true -Dlog4j.shutdownHookEnabled=false \
    -Djava.locale.providers=CLDR -Dfile.encoding=UTF-8 \
    "-Djava.io.tmpdir=$home" \
    -cp "$dir/classes:$(cat "$dir/cp.txt")" \
    "$MAIN_CLASS" "$port" "$home" > "$home/es.log" 2>&1 < /dev/null &
  pid=$!
  printf '%s\n' "$pid" > "$STATE_DIR/pid"
  log "start: launched pid $pid, home $home, http.port $port"

  url=""
  for ((i = 0; i < START_TIMEOUT * 5; i++)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "start: the node exited; last lines of $home/es.log:"
      tail -n 40 "$home/es.log" >&2 || true
      cleanup_state
      die "Elasticsearch did not start"
    fi
    if [[ -z "$url" ]]; then
      url="$(sed -n 's/^VIGILO_ES_READY \(http:[^ ]*\)$/\1/p' "$home/es.log" 2>/dev/null | head -n 1 || true)"
    fi
    if [[ -n "$url" ]] && answers "$url"; then
      break
    fi
    sleep 0.2
  done
  if [[ -z "$url" ]] || ! answers "$url"; then
    log "start: no answer after ${START_TIMEOUT}s; last lines of $home/es.log:"
    tail -n 40 "$home/es.log" >&2 || true
    cmd_stop
    die "Elasticsearch did not answer GET / within ${START_TIMEOUT}s"
  fi
  printf '%s\n' "$url" > "$STATE_DIR/url"
  log "start: node answering at $url ($(took "$t") to start the JVM and node, $(took "$t0") in all)"
  printf 'export VIGILO_TEST_ES_URL=%s\n' "$url"
}

case "${1:-}" in
  build) cmd_build > /dev/null ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  url) cmd_url ;;
  *)
    sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
