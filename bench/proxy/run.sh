#!/usr/bin/env bash
# Proxy benchmark: the same openFDA requests straight to the search service and through the proxy, in one run.
# Prints human-readable lines and one JSON line, appended to bench/.data/results.jsonl.
#
#   bash bench/proxy/run.sh                          # 2,000 reports, 4 clients, 4 alternating rounds of 10 s per side, vs the search service and vs a fixed upstream
#   bash bench/proxy/run.sh --connections 20 --seconds 20
#   bash bench/proxy/run.sh --help
#
# Starts PostgreSQL and Elasticsearch with scripts/infra (state under
# VIGILO_STATE_DIR, default bench/.data/state) and stops them at the end.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/common.sh"
cd "$VIGILO_ROOT"
export VIGILO_STATE_DIR="${VIGILO_STATE_DIR:-$VIGILO_ROOT/bench/.data/state}"
export VIGILO_ES_STATE_DIR="${VIGILO_ES_STATE_DIR:-$VIGILO_STATE_DIR/es}"

ensure_node
ensure_deps
ensure_build
for arg in "$@"; do
  if [ "$arg" = --help ] || [ "$arg" = -h ]; then exec node bench/lib/proxy/run.js --help; fi
done

COMPONENTS=(scripts/infra/postgres.sh scripts/infra/es/es.sh)
cleanup() { for c in "${COMPONENTS[@]}"; do bash "$c" stop >/dev/null 2>&1 || true; done; }
trap cleanup EXIT
for c in "${COMPONENTS[@]}"; do eval "$(bash "$c" start)"; done
export VIGILO_TEST_DATABASE_URL VIGILO_TEST_ES_URL
export METADATA_SERVER_DETECTION=none

mkdir -p bench/.data
node bench/lib/proxy/run.js --results bench/.data/results.jsonl "$@"
