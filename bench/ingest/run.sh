#!/usr/bin/env bash
# Ingest benchmark: N synthetic FAERS-shaped reports through the bulk API of a
# real ingest process, then the same rows with raw COPY into an unindexed
# table, in the same run. Prints one JSON line and one human-readable line,
# and appends the JSON line to bench/.data/results.jsonl.
#
#   bash bench/ingest/run.sh                      # 200,000 reports, 4 bulk streams, 1 COPY stream
#   bash bench/ingest/run.sh --reports 20000 --streams 2 --repeat 3
#   VIGILO_BENCH_REPORTS=50000 bash bench/ingest/run.sh
#   bash bench/ingest/run.sh --help               # every flag
#
# Uses the private PostgreSQL of scripts/infra/postgres.sh: reuses a running
# one, or starts one and stops it at the end. Set VIGILO_STATE_DIR to a
# directory of your own to get a cluster no concurrent `scripts/test` can stop.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/common.sh"
cd "$VIGILO_ROOT"

ensure_node
[ -d node_modules/@vigilo/bench ] || ensure_deps
ensure_build
for arg in "$@"; do
  if [ "$arg" = --help ] || [ "$arg" = -h ]; then exec node bench/lib/ingest/run.js --help; fi
done

started_pg=0
if ! bash scripts/infra/postgres.sh status >/dev/null 2>&1; then started_pg=1; fi
cleanup() {
  if [ "$started_pg" = 1 ]; then bash scripts/infra/postgres.sh stop || true; fi
}
trap cleanup EXIT
eval "$(bash scripts/infra/postgres.sh start)"
export VIGILO_TEST_DATABASE_URL

mkdir -p bench/.data
node bench/lib/ingest/run.js --results bench/.data/results.jsonl "$@"
