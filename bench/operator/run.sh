#!/usr/bin/env bash
# Operator benchmark (issue 7): N Tenants applied at once to a real kube-apiserver → time until all are Ready and
# the operator's CPU; then the steady-state CPU per reconcile, projected to 1,000 Tenants at the default intervals.
# Starts PostgreSQL, Elasticsearch, the Cloud Tasks emulator and kube-apiserver + etcd (scripts/infra/*) and stops
# them at the end. Appends one JSON line to bench/.data/results.jsonl.
#
#   VIGILO_STATE_DIR=$PWD/bench/.data/state bash bench/operator/run.sh [--tenants 100] [--steady-seconds 60]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/common.sh"
cd "$VIGILO_ROOT"
export VIGILO_STATE_DIR="${VIGILO_STATE_DIR:-$VIGILO_ROOT/bench/.data/state}"
export VIGILO_ES_STATE_DIR="${VIGILO_ES_STATE_DIR:-$VIGILO_STATE_DIR/es}"

ensure_node
[ -d node_modules/@vigilo/bench ] || ensure_deps
ensure_build

COMPONENTS=(scripts/infra/postgres.sh scripts/infra/es/es.sh scripts/infra/cloud-tasks/cloud-tasks.sh scripts/infra/kube/kube.sh)
cleanup() {
  for script in "${COMPONENTS[@]}"; do bash "$script" stop >/dev/null 2>&1 || true; done
}
trap cleanup EXIT
for script in "${COMPONENTS[@]}"; do
  eval "$(bash "$script" start)"
done
export VIGILO_TEST_DATABASE_URL VIGILO_TEST_ES_URL VIGILO_TEST_CLOUD_TASKS_HOST VIGILO_TEST_CLOUD_TASKS_PORT VIGILO_TEST_KUBECONFIG VIGILO_KUBECTL
export METADATA_SERVER_DETECTION=none

mkdir -p bench/.data
node bench/lib/operator/run.js --results bench/.data/results.jsonl "$@"
