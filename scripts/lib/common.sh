# Shared helpers for the project's scripts. Source it; do not execute it.
# - Resolves the repository root and the cache directory.
# - Makes sure a Node.js >= 22 is on PATH (the system one when new enough,
#   otherwise Node 24 installed from the npm registry into the cache).
# - Installs the workspace's npm dependencies when package-lock.json changed.

VIGILO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VIGILO_CACHE_DIR="${VIGILO_CACHE_DIR:-$HOME/.cache/vigilo}"
export VIGILO_ROOT VIGILO_CACHE_DIR
mkdir -p "$VIGILO_CACHE_DIR"

VIGILO_NODE_MAJOR_MIN=22
VIGILO_NODE_PINNED="24.21.0"

log() { printf '[vigilo %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# timed LABEL CMD... : runs CMD and prints how long it took.
timed() {
  local label="$1"; shift
  local start=$SECONDS
  "$@"
  local rc=$?
  log "$label took $((SECONDS - start))s"
  return $rc
}

ensure_node() {
  local major=0
  if command -v node >/dev/null 2>&1; then
    major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
  fi
  if [ "$major" -ge "$VIGILO_NODE_MAJOR_MIN" ]; then
    return 0
  fi
  local dir="$VIGILO_CACHE_DIR/node-$VIGILO_NODE_PINNED"
  if [ ! -x "$dir/node_modules/.bin/node" ]; then
    log "system Node is $(node -v 2>/dev/null || echo missing); installing Node $VIGILO_NODE_PINNED from the npm registry"
    mkdir -p "$dir"
    (cd "$dir" && npm install --no-audit --no-fund --loglevel=error "node@$VIGILO_NODE_PINNED" >/dev/null)
  fi
  export PATH="$dir/node_modules/.bin:$PATH"
  log "using Node $(node -v) from $dir"
}

ensure_deps() {
  cd "$VIGILO_ROOT"
  local stamp="node_modules/.vigilo-lock-hash"
  local want
  want="$( (cat package-lock.json; node -v) | sha256sum | cut -c1-16)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  # A fresh clone gets exactly the lock file (npm ci); an existing node_modules is updated in place
  # (npm install), so that a build or test running beside this one never sees it deleted. The lock
  # serialises installs of concurrent runs on one machine.
  (
    flock 9
    if [ -d node_modules ]; then
      timed "npm install" npm install --no-audit --no-fund --loglevel=error
    else
      timed "npm ci" npm ci --no-audit --no-fund --loglevel=error
    fi
  ) 9>"${TMPDIR:-/tmp}/vigilo-npm.lock"
  want="$( (cat package-lock.json; node -v) | sha256sum | cut -c1-16)"
  echo "$want" > "$stamp"
}

ensure_build() {
  cd "$VIGILO_ROOT"
  timed "tsc -b" npx --no-install tsc -b
  ensure_web
}

# Builds the analyst page (web/analyst) with Vite into web/analyst/dist, unless its inputs are unchanged since
# the last build. Runs after tsc -b: the page bundles the compiled @vigilo/query.
VIGILO_WEB_DIST="$VIGILO_ROOT/web/analyst/dist"
export VIGILO_WEB_DIST
ensure_web() {
  cd "$VIGILO_ROOT"
  local stamp="$VIGILO_WEB_DIST/.vigilo-build-hash" want
  want="$( { find web/analyst/src web/analyst/index.html web/analyst/vite.config.ts web/analyst/package.json \
                packages/query/src packages/errors/src -type f -not -name '*.test.ts' -print0 | sort -z | xargs -0 cat
              cat package-lock.json; } 2>/dev/null | sha256sum | cut -c1-16)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  (cd web/analyst && timed "vite build (web/analyst)" npx --no-install vite build --logLevel warn) || return 1
  echo "$want" > "$stamp"
}
