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
source "$VIGILO_ROOT/scripts/lib/bench.sh"
bench_run proxy postgres.sh es/es.sh -- "$@"
