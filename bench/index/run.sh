#!/usr/bin/env bash
# Indexer benchmark: documents per second through the indexer vs raw _bulk of the same documents from the same
# process, and freshness (SQL commit -> engine acknowledged) p50/p99 at a steady ingest rate, in one run.
# Prints human-readable lines and one JSON line, appended to bench/.data/results.jsonl.
#
#   bash bench/index/run.sh                                   # 50,000 reports; 1,000 reports/s for 60 s
#   bash bench/index/run.sh --reports 20000 --skip-freshness
#   bash bench/index/run.sh --help
#
# Starts PostgreSQL, Elasticsearch and the Cloud Tasks emulator with scripts/infra (state under
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
  if [ "$arg" = --help ] || [ "$arg" = -h ]; then exec node bench/lib/index/run.js --help; fi
done

COMPONENTS=(scripts/infra/postgres.sh scripts/infra/es/es.sh scripts/infra/cloud-tasks/cloud-tasks.sh)
cleanup() { for c in "${COMPONENTS[@]}"; do bash "$c" stop >/dev/null 2>&1 || true; done; }
trap cleanup EXIT
for c in "${COMPONENTS[@]}"; do eval "$(bash "$c" start)"; done
export VIGILO_TEST_DATABASE_URL VIGILO_TEST_ES_URL VIGILO_TEST_CLOUD_TASKS_HOST VIGILO_TEST_CLOUD_TASKS_PORT VIGILO_TEST_CLOUD_TASKS_OIDC_ISSUER
export METADATA_SERVER_DETECTION=none

mkdir -p bench/.data
node bench/lib/index/run.js --results bench/.data/results.jsonl "$@"
