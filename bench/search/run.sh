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
source "$VIGILO_ROOT/scripts/lib/bench.sh"
# A search node holds a million documents' doc values and aggregation buffers; the tests' 512 MB heap would make the
# benchmark measure garbage collection (production search nodes have several GB).
export VIGILO_ES_HEAP="${VIGILO_ES_HEAP:-2g}"
bench_run search postgres.sh es/es.sh -- "$@"
