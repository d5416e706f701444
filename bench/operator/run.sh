#!/usr/bin/env bash
# Operator benchmark (issue 7): N Tenants applied at once to a real kube-apiserver → time until all are Ready and
# the operator's CPU; then the steady-state CPU per reconcile, projected to 1,000 Tenants at the default intervals.
# Starts PostgreSQL, Elasticsearch, the Cloud Tasks emulator and kube-apiserver + etcd (scripts/infra/*) and stops
# them at the end. Appends one JSON line to bench/.data/results.jsonl.
#
#   VIGILO_STATE_DIR=$PWD/bench/.data/state bash bench/operator/run.sh [--tenants 100] [--steady-seconds 60]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/common.sh"
source "$VIGILO_ROOT/scripts/lib/bench.sh"
bench_run operator postgres.sh es/es.sh cloud-tasks/cloud-tasks.sh kube/kube.sh -- "$@"
