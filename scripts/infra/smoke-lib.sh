# shellcheck shell=bash
# The shared part of scripts/infra/es/smoke.sh and scripts/infra/opensearch/smoke.sh (sourced, after URL is set):
# the request and check helpers, and the checks both engines must pass on the same data. SMOKE_PRODUCT_HEADER,
# when set, is a header every response must carry (Elasticsearch's client refuses a server without it).

PASSED=0
FAILED=0
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

STATUS=""
# req METHOD PATH [JSON_BODY] [CONTENT_TYPE]: sets STATUS, body in $TMP/body, headers in $TMP/headers
req() {
  local method="$1" path="$2" body="${3:-}" ctype="${4:-application/json}"
  local args=(-sS -m 30 -X "$method" -o "$TMP/body" -D "$TMP/headers" -w '%{http_code}')
  if [[ "$method" == HEAD ]]; then
    : > "$TMP/body"
    args=(-sS -m 30 -I -o /dev/null -D "$TMP/headers" -w '%{http_code}')
  fi
  if [[ -n "$body" ]]; then
    printf '%s' "$body" > "$TMP/req"
    args+=(-H "content-type: $ctype" --data-binary "@$TMP/req")
  fi
  STATUS="$(curl "${args[@]}" "$URL$path")"
  if [[ -n "${SMOKE_PRODUCT_HEADER:-}" ]] && ! grep -qi "^${SMOKE_PRODUCT_HEADER}" "$TMP/headers"; then
    fail "$method $path: response (status $STATUS) lacks the header $SMOKE_PRODUCT_HEADER"
  fi
}

pass() { PASSED=$((PASSED + 1)); printf 'ok   %s\n' "$1"; }
fail() { FAILED=$((FAILED + 1)); printf 'FAIL %s\n' "$1"; }

# check NAME EXPECTED_STATUS JS_EXPRESSION: JS sees the parsed response as `r` and must be truthy
check() {
  local name="$1" want="$2" expr="${3:-true}" got
  if [[ "$STATUS" != "$want" ]]; then
    fail "$name: HTTP $STATUS, wanted $want: $(head -c 400 "$TMP/body")"
    return
  fi
  if got="$(node -e '
    const fs = require("fs");
    const text = fs.readFileSync(process.argv[1], "utf8");
    const r = text ? JSON.parse(text) : {};
    const ok = (function (r) { return eval(process.argv[2]); })(r);
    if (!ok) { console.log(JSON.stringify(r).slice(0, 600)); process.exit(1); }
  ' "$TMP/body" "$expr" 2>&1)"; then
    pass "$name"
  else
    fail "$name: $expr is false on $got"
  fi
}

# The checks both engines pass: template with nested and date mappings, aliases, bulk with external versions,
# nested queries, aggregations, external-version deletes, _count and _cluster/health.
# (Not indented: several checks send multi-line bodies whose every line must stay as it is.)
smoke_common_checks() {
req HEAD /
check "HEAD / returns 200" 200

# --- composable index template with nested + date mapping, index with aliases -----------------------
req PUT /_index_template/vigilo-smoke-tpl '{
  "index_patterns": ["vigilo-smoke-*"],
  "priority": 100,
  "template": {
    "settings": { "number_of_shards": 1, "number_of_replicas": 0,
      "analysis": { "normalizer": { "lc": { "type": "custom", "filter": ["lowercase"] } } } },
    "mappings": {
      "dynamic": "strict",
      "properties": {
        "report_id":   { "type": "keyword" },
        "tenant":      { "type": "keyword" },
        "received_at": { "type": "date" },
        "title":       { "type": "text" },
        "country":     { "type": "keyword", "normalizer": "lc" },
        "patient": { "properties": {
          "age": { "type": "integer" },
          "sex": { "type": "keyword" },
          "drug": { "type": "nested", "properties": {
            "name":    { "type": "keyword" },
            "role":    { "type": "keyword" },
            "dose_mg": { "type": "float" } } } } }
      }
    },
    "aliases": { "vigilo-smoke-all": {} }
  }
}'
check "PUT composable index template (nested patient.drug, date, lowercase normalizer)" 200 'r.acknowledged === true'

req PUT "/$IDX" '{ "aliases": { "vigilo-smoke-write": { "is_write_index": true }, "vigilo-smoke-read": {} } }'
check "PUT index matching the template, with aliases" 200 'r.acknowledged === true && r.index === "'"$IDX"'"'
req GET "/$IDX"
check "index got the template mapping and all three aliases" 200 \
  'const i = r["'"$IDX"'"]; i.mappings.properties.patient.properties.drug.type === "nested" && i.mappings.properties.received_at.type === "date" && ["vigilo-smoke-all","vigilo-smoke-write","vigilo-smoke-read"].every(a => a in i.aliases)'

# --- bulk with external versions -------------------------------------------------------------------
req POST "/_bulk?refresh=true" '{"index":{"_index":"vigilo-smoke-write","_id":"r1","version":5,"version_type":"external"}}
{"report_id":"r1","tenant":"t1","received_at":"2026-01-15T10:00:00Z","title":"rash after aspirin","country":"FR","patient":{"age":54,"sex":"F","drug":[{"name":"ASPIRIN","role":"suspect","dose_mg":500},{"name":"METFORMIN","role":"concomitant","dose_mg":850}]}}
{"index":{"_index":"vigilo-smoke-write","_id":"r2","version":3,"version_type":"external"}}
{"report_id":"r2","tenant":"t1","received_at":"2026-02-03T08:30:00Z","title":"nausea","country":"fr","patient":{"age":31,"sex":"M","drug":[{"name":"METFORMIN","role":"suspect","dose_mg":1000},{"name":"ASPIRIN","role":"concomitant","dose_mg":100}]}}
{"index":{"_index":"vigilo-smoke-write","_id":"r3","version":7,"version_type":"external"}}
{"report_id":"r3","tenant":"t2","received_at":"2026-02-20T12:00:00Z","title":"headache","country":"DE","patient":{"age":70,"sex":"F","drug":[{"name":"IBUPROFEN","role":"suspect","dose_mg":400}]}}
' application/x-ndjson
check "bulk index 3 docs with version_type=external" 200 \
  'r.errors === false && r.items.length === 3 && r.items.every(i => i.index.status === 201) && r.items.map(i => i.index._version).join() === "5,3,7"'

req POST "/_bulk?refresh=true" '{"index":{"_index":"vigilo-smoke-write","_id":"r1","version":4,"version_type":"external"}}
{"report_id":"r1","tenant":"t1","received_at":"2026-01-15T10:00:00Z","title":"STALE","patient":{"drug":[]}}
{"index":{"_index":"vigilo-smoke-write","_id":"r2","version":3,"version_type":"external"}}
{"report_id":"r2","tenant":"t1","received_at":"2026-02-03T08:30:00Z","title":"STALE","patient":{"drug":[]}}
' application/x-ndjson
check "bulk re-send of older/equal external versions: both items 409 version_conflict_engine_exception" 200 \
  'r.errors === true && r.items.every(i => i.index.status === 409 && i.index.error.type === "version_conflict_engine_exception")'
req GET "/vigilo-smoke-read/_doc/r1"
check "stale write did not land (r1 still version 5)" 200 'r._version === 5 && r._source.title === "rash after aspirin"'

# --- nested query ----------------------------------------------------------------------------------
req POST "/vigilo-smoke-read/_search" '{
  "query": { "nested": { "path": "patient.drug", "query": { "bool": { "filter": [
    { "term": { "patient.drug.name": "ASPIRIN" } }, { "term": { "patient.drug.role": "suspect" } } ] } } } } }'
check "nested query: ASPIRIN as suspect in the same drug object matches r1 only" 200 \
  'r.hits.total.value === 1 && r.hits.hits[0]._id === "r1"'

req POST "/vigilo-smoke-read/_search" '{ "query": { "term": { "country": "fr" } } }'
check "lowercase normalizer: country FR/fr both match fr" 200 'r.hits.total.value === 2'

# --- aggregations ----------------------------------------------------------------------------------
req POST "/vigilo-smoke-all/_search" '{
  "size": 0,
  "aggs": {
    "by_tenant": { "terms": { "field": "tenant" } },
    "drugs": { "nested": { "path": "patient.drug" }, "aggs": {
      "suspects": { "filter": { "term": { "patient.drug.role": "suspect" } }, "aggs": {
        "names": { "terms": { "field": "patient.drug.name" } } } } } },
    "per_month": { "date_histogram": { "field": "received_at", "calendar_interval": "month" } },
    "avg_age": { "avg": { "field": "patient.age" } }
  } }'
check "terms agg on tenant" 200 \
  'const b = r.aggregations.by_tenant.buckets; b[0].key === "t1" && b[0].doc_count === 2 && b[1].key === "t2" && b[1].doc_count === 1'
check "nested agg: 5 drug objects, 3 suspects by name" 200 \
  'const d = r.aggregations.drugs; d.doc_count === 5 && d.suspects.doc_count === 3 && d.suspects.names.buckets.length === 3'
check "date_histogram per month: Jan 1, Feb 2" 200 \
  'const b = r.aggregations.per_month.buckets; b.length === 2 && b[0].key_as_string.startsWith("2026-01") && b[0].doc_count === 1 && b[1].doc_count === 2'
check "avg metric agg" 200 'Math.abs(r.aggregations.avg_age.value - 155/3) < 1e-9'

# --- partial update without a script ---------------------------------------------------------------
req POST "/vigilo-smoke-write/_update/r2?refresh=true" '{ "doc": { "title": "nausea and vomiting" } }'
check "partial update (doc merge, no script)" 200 'r.result === "updated"'

# --- delete with external version ------------------------------------------------------------------
req DELETE "/vigilo-smoke-write/_doc/r3?version=6&version_type=external&refresh=true"
check "delete with an older external version: 409" 409 'r.error.type === "version_conflict_engine_exception"'
req DELETE "/vigilo-smoke-write/_doc/r3?version=8&version_type=external&refresh=true"
check "delete with a newer external version" 200 'r.result === "deleted" && r._version === 8'
req POST "/_bulk?refresh=true" '{"delete":{"_index":"vigilo-smoke-write","_id":"r2","version":2,"version_type":"external"}}
' application/x-ndjson
check "bulk delete with an older external version: item 409" 200 'r.errors === true && r.items[0].delete.status === 409'

req GET "/vigilo-smoke-read/_count"
check "_count after the delete is 2" 200 'r.count === 2'

req GET "/_cluster/health/vigilo-smoke-*?wait_for_status=green&timeout=30s"
check "_cluster/health green" 200 'r.status === "green" && r.number_of_nodes === 1 && r.active_primary_shards === 1'
}

smoke_summary() {
  printf '%s passed, %s failed\n' "$PASSED" "$FAILED"
  [[ "$FAILED" == 0 ]]
}
