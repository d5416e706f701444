#!/usr/bin/env bash
# Smoke test of a running OpenSearch node with plain curl: the same checks and data as
# scripts/infra/es/smoke.sh (index template with nested mapping, aliases, bulk with external versions and
# the 409 for an older one, nested query, terms/nested/date_histogram aggs, external-version delete,
# _count, _cluster/health), then the features the Elasticsearch-in-one-JVM node lacks and this node has
# (painless scripts, _delete_by_query/_update_by_query/_reindex, analysis-common, pipeline aggs, ...).
#
#   scripts/infra/opensearch/smoke.sh [URL]     (default: $VIGILO_TEST_OPENSEARCH_URL, else `opensearch.sh status`)
#
# Needs curl and node (JSON checks). Uses indices named vigilo-smoke-* and removes them at the end.
# Prints one line per check and closes with 'N passed, N failed'; exits non-zero when a check fails.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
URL="${1:-${VIGILO_TEST_OPENSEARCH_URL:-}}"
if [[ -z "$URL" ]]; then
  URL="$("$HERE/opensearch.sh" status | sed -n 's/^export VIGILO_TEST_OPENSEARCH_URL=//p')"
fi
[[ -n "$URL" ]] || { echo "no OpenSearch URL (start one with opensearch.sh start)" >&2; exit 1; }
SMOKE_PRODUCT_HEADER=''
source "$HERE/../smoke-lib.sh"

IDX=vigilo-smoke-000001
req DELETE "/vigilo-smoke-*"
req DELETE "/_index_template/vigilo-smoke-tpl"
req DELETE "/_ingest/pipeline/vigilo-smoke-pipe"

# --- root endpoint ---------------------------------------------------------------------------------
req GET /
check "GET / returns name, cluster_name, cluster_uuid, version.distribution opensearch 2.19.x" 200 \
  'r.name && r.cluster_name && r.cluster_uuid && r.version.distribution === "opensearch" && /^2\.19\.\d+$/.test(r.version.number)'
VERSION="$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).version.number)' "$TMP/body")"
printf '     server version %s\n' "$VERSION"
smoke_common_checks

# --- what this node has that the Elasticsearch-in-one-JVM node lacks -------------------------------
req POST "/vigilo-smoke-read/_search" '{ "query": { "bool": { "filter": { "script": { "script": {
  "lang": "painless", "source": "doc[\"patient.age\"].value > params.min", "params": { "min": 50 } } } } } } }'
check "painless script query (age > 50: r1 only)" 200 'r.hits.total.value === 1 && r.hits.hits[0]._id === "r1"'
req POST "/vigilo-smoke-read/_search" '{ "query": { "match_all": {} }, "sort": ["report_id"],
  "script_fields": { "age_next_year": { "script": { "source": "doc[\"patient.age\"].value + 1" } } } }'
check "painless script_fields" 200 'r.hits.hits.map(h => h.fields.age_next_year[0]).join() === "55,32"'
req POST "/vigilo-smoke-write/_update/r1?refresh=true" '{ "script": { "source": "ctx._source.title += params.s", "params": { "s": " (followed up)" } } }'
check "scripted partial update (painless)" 200 'r.result === "updated"'
req POST "/vigilo-smoke-read/_search" '{ "size": 0, "aggs": {
  "per_month": { "date_histogram": { "field": "received_at", "calendar_interval": "month" }, "aggs": {
    "sort": { "bucket_sort": { "sort": [ { "_count": { "order": "desc" } } ] } },
    "keep": { "bucket_selector": { "buckets_path": { "n": "_count" }, "script": "params.n >= 1" } } } },
  "auto": { "auto_date_histogram": { "field": "received_at", "buckets": 5 } } } }'
check "pipeline aggs bucket_sort + bucket_selector (script) and auto_date_histogram" 200 \
  'r.aggregations.per_month.buckets.length === 2 && r.aggregations.auto.buckets.length >= 1'
req POST "/vigilo-smoke-write/_update_by_query?refresh=true&conflicts=proceed" '{ "query": { "term": { "tenant": "t1" } },
  "script": { "source": "ctx._source.country = \"XX\"" } }'
check "_update_by_query with a script (reindex module)" 200 'r.updated === 2 && r.failures.length === 0'
req POST "/_reindex?refresh=true" '{ "source": { "index": "vigilo-smoke-read" }, "dest": { "index": "vigilo-smoke-copy" } }'
check "_reindex into a new index (gets the template too)" 200 'r.created === 2 && r.failures.length === 0'
req POST "/vigilo-smoke-copy/_delete_by_query?refresh=true" '{ "query": { "term": { "report_id": "r1" } } }'
check "_delete_by_query" 200 'r.deleted === 1'
req POST "/_analyze" '{ "tokenizer": "standard", "filter": ["lowercase", "asciifolding"], "text": "Réaction cutanée" }'
check "analysis-common: asciifolding" 200 'r.tokens.map(t => t.token).join(" ") === "reaction cutanee"'
req POST "/_analyze" '{ "tokenizer": { "type": "edge_ngram", "min_gram": 2, "max_gram": 4 }, "text": "aspirin" }'
check "analysis-common: edge_ngram tokenizer" 200 'r.tokens.map(t => t.token).join() === "as,asp,aspi"'
req POST "/_analyze" '{ "tokenizer": "standard", "filter": [ { "type": "stemmer", "language": "english" } ], "text": "reactions" }'
check "analysis-common: stemmer" 200 'r.tokens[0].token === "reaction"'
req PUT "/vigilo-smoke-types" '{ "mappings": { "properties": {
  "w": { "type": "scaled_float", "scaling_factor": 100 }, "t": { "type": "match_only_text" } } } }'
check "mapper-extras scaled_float + match_only_text mapping" 200 'r.acknowledged === true'
req PUT "/_ingest/pipeline/vigilo-smoke-pipe" '{ "processors": [ { "lowercase": { "field": "tenant" } }, { "set": { "field": "via", "value": "pipe" } } ] }'
check "ingest-common pipeline (lowercase, set)" 200 'r.acknowledged === true'
req POST "/vigilo-smoke-read/_search/template" '{ "source": { "query": { "term": { "tenant": "{{t}}" } } }, "params": { "t": "t1" } }'
check "mustache search template" 200 'r.hits.total.value === 2'
req POST "/vigilo-smoke-read/_search" '{ "query": { "match_all": {} }, "runtime_mappings": { "x": { "type": "keyword", "script": "emit(\"a\")" } } }'
check "NOT AVAILABLE: runtime_mappings (Elasticsearch runtime fields) -> 400" 400 'JSON.stringify(r.error).includes("runtime_mappings")'

req DELETE "/vigilo-smoke-*"
check "cleanup: delete indices" 200 'r.acknowledged === true'
req DELETE "/_index_template/vigilo-smoke-tpl"
check "cleanup: delete template" 200 'r.acknowledged === true'
req DELETE "/_ingest/pipeline/vigilo-smoke-pipe"
check "cleanup: delete pipeline" 200 'r.acknowledged === true'

smoke_summary
