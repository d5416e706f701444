#!/usr/bin/env bash
# Smoke test of a running node with plain curl: index template with nested mapping, aliases, bulk with
# external versions (and the 409 for an older one), nested query, terms/nested/date_histogram aggs,
# external-version delete, _count, _cluster/health, and what is known to be missing.
#
#   scripts/infra/es/smoke.sh [URL]     (default: $VIGILO_TEST_ES_URL, else `es.sh url`)
#
# Needs curl and node (JSON checks). Uses indices named vigilo-smoke-* and removes them at the end.
# Prints one line per check and closes with 'N passed, N failed'; exits non-zero when a check fails.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
URL="${1:-${VIGILO_TEST_ES_URL:-}}"
[[ -n "$URL" ]] || URL="$("$HERE/es.sh" url)"
SMOKE_PRODUCT_HEADER='x-elastic-product: *Elasticsearch'
source "$HERE/../smoke-lib.sh"

IDX=vigilo-smoke-000001
req DELETE "/vigilo-smoke-*"
req DELETE "/_index_template/vigilo-smoke-tpl"

# --- root endpoint ---------------------------------------------------------------------------------
req GET /
check "GET / returns name, cluster_name, cluster_uuid, version.number, tagline" 200 \
  'r.name && r.cluster_name && r.cluster_uuid && /^9\.\d+\.\d+$/.test(r.version.number) && r.tagline === "You Know, for Search"'
VERSION="$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).version.number)' "$TMP/body")"
printf '     server version %s\n' "$VERSION"
smoke_common_checks

# --- known to be missing (no modules beyond the server jar and netty4) ------------------------------
req POST "/vigilo-smoke-read/_delete_by_query" '{ "query": { "match_all": {} } }'
check "NOT AVAILABLE: _delete_by_query (no reindex module): 400 no handler found" 400 'r.error.includes("no handler found")'
req POST "/vigilo-smoke-read/_update_by_query" '{ "query": { "match_all": {} } }'
check "NOT AVAILABLE: _update_by_query: 400 no handler found" 400 'r.error.includes("no handler found")'
req POST "/vigilo-smoke-read/_search" '{ "query": { "script": { "script": { "source": "true" } } } }'
check "NOT AVAILABLE: scripts (no painless) fail with 400" 400 'JSON.stringify(r.error).includes("painless")'

req DELETE "/vigilo-smoke-*"
check "cleanup: delete indices" 200 'r.acknowledged === true'
req DELETE "/_index_template/vigilo-smoke-tpl"
check "cleanup: delete template" 200 'r.acknowledged === true'

smoke_summary
