#!/usr/bin/env bash
# Search benchmark: a mixed openFDA workload at 50 concurrent clients against the search service answering
# from the engine and answering from SQL (the fallback), in one run.
# Prints human-readable lines and one JSON line, appended to bench/.data/results.jsonl.
#
#   bash bench/search/run.sh                        # 1,000,000 reports, 50 clients, 30 s per path
#   bash bench/search/run.sh --reports 200000 --seconds 20
#   bash bench/search/run.sh --help
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
  if [ "$arg" = --help ] || [ "$arg" = -h ]; then exec node bench/lib/search/run.js --help; fi
done

COMPONENTS=(scripts/infra/postgres.sh scripts/infra/es/es.sh)
cleanup() { for c in "${COMPONENTS[@]}"; do bash "$c" stop >/dev/null 2>&1 || true; done; }
trap cleanup EXIT
for c in "${COMPONENTS[@]}"; do eval "$(bash "$c" start)"; done
export VIGILO_TEST_DATABASE_URL VIGILO_TEST_ES_URL
export METADATA_SERVER_DETECTION=none

mkdir -p bench/.data
node bench/lib/search/run.js --results bench/.data/results.jsonl "$@"
