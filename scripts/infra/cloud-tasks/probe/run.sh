#!/usr/bin/env bash
# Re-checks what docs/adr/0101-cloud-tasks-emulator.md says about the emulator: installs the Node client
# in a temporary directory outside the repository, starts the emulator with ../cloud-tasks.sh, runs
# probe.mjs and extra.mjs, then each crash case of crash.mjs on a fresh emulator, and stops it.
#
#   scripts/infra/cloud-tasks/probe/run.sh        (needs the npm registry the first time; ~1 min)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../../lib/common.sh"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CT="$HERE/../cloud-tasks.sh"
ensure_node
WORK="$(mktemp -d "${TMPDIR:-/tmp}/vigilo-ct-probe.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
cp "$HERE"/*.mjs "$WORK/"
(cd "$WORK" && printf '{"private":true,"type":"module"}\n' > package.json \
  && timed "npm install client" npm install --no-audit --no-fund --loglevel=error \
     @google-cloud/tasks@7.1.0 @grpc/grpc-js@1.14.7 jose@6.2.18 >/dev/null)
export METADATA_SERVER_DETECTION=none
rc=0
"$CT" stop
eval "$("$CT" start)"
(cd "$WORK" && timed "probe.mjs" node probe.mjs) || rc=1
(cd "$WORK" && timed "extra.mjs" node extra.mjs) || rc=1
for mode in exhausted-purge inflight-purge pause-missing purge-missing; do
  "$CT" stop
  eval "$("$CT" start)"
  (cd "$WORK" && node crash.mjs "$mode") || rc=1
  if "$CT" status >/dev/null; then echo "$mode: emulator survived"; else echo "$mode: emulator CRASHED"; fi
done
"$CT" stop
exit "$rc"
