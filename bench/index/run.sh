#!/usr/bin/env bash
# Indexer benchmark: documents per second through the indexer vs raw _bulk of the same documents from the same
# process, and freshness (SQL commit -> engine acknowledged) p50/p99 at a steady ingest rate, in one run.
# Prints human-readable lines and one JSON line, appended to bench/.data/results.jsonl.
#
#   bash bench/index/run.sh                                   # 50,000 reports; 1,000 reports/s for 60 s over 4 queues
#   bash bench/index/run.sh --reports 20000 --skip-freshness
#   bash bench/index/run.sh --help
#
# Starts PostgreSQL, Elasticsearch and the Cloud Tasks emulator with scripts/infra (state under
# VIGILO_STATE_DIR, default bench/.data/state) and stops them at the end.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/common.sh"
source "$VIGILO_ROOT/scripts/lib/bench.sh"
bench_run index postgres.sh es/es.sh cloud-tasks/cloud-tasks.sh -- "$@"
