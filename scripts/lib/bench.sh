# shellcheck shell=bash
# The shared body of bench/<name>/run.sh (sourced after scripts/lib/common.sh):
#
#   bench_run <name> <component script under scripts/infra>... -- "$@"
#
# Installs and builds what is missing, answers --help from bench/lib/<name>/run.js, starts the components (state
# under VIGILO_STATE_DIR, default bench/.data/state), exports what they print, stops them on exit, and runs the
# benchmark with its JSON line appended to bench/.data/results.jsonl.

bench_run() {
  local name="$1" arg component
  shift
  BENCH_COMPONENTS=()
  while [ "$#" -gt 0 ] && [ "$1" != -- ]; do
    BENCH_COMPONENTS+=("scripts/infra/$1")
    shift
  done
  [ "${1:-}" = -- ] && shift
  cd "$VIGILO_ROOT"
  export VIGILO_STATE_DIR="${VIGILO_STATE_DIR:-$VIGILO_ROOT/bench/.data/state}"
  export VIGILO_ES_STATE_DIR="${VIGILO_ES_STATE_DIR:-$VIGILO_STATE_DIR/es}"
  ensure_node
  ensure_deps
  ensure_build
  for arg in "$@"; do
    if [ "$arg" = --help ] || [ "$arg" = -h ]; then exec node "bench/lib/$name/run.js" --help; fi
  done
  trap 'for component in "${BENCH_COMPONENTS[@]}"; do bash "$component" stop >/dev/null 2>&1 || true; done' EXIT
  for component in "${BENCH_COMPONENTS[@]}"; do eval "$(bash "$component" start)"; done
  export METADATA_SERVER_DETECTION=none
  mkdir -p bench/.data
  node "bench/lib/$name/run.js" --results bench/.data/results.jsonl "$@"
}
