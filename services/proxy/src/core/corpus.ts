import type { ContextSealer } from './contextSeal.js';

/** One request to the engine passthrough: method, path relative to `/engine` with its query, and a body. */
export interface CorpusCase {
  readonly reason: string;
  readonly method: string;
  readonly path: string;
  readonly body?: string;
  /** An engine feature the case needs beyond the open-source core (SQL, async search: Elastic's x-pack modules). */
  readonly needs?: 'x-pack';
}

export interface CorpusInput {
  /** The caller's tenant. */
  readonly tenant: string;
  /** Another tenant whose documents must stay out of reach. */
  readonly other: string;
  /** A document id of the caller's tenant. */
  readonly docId: string;
  /** A document id of the other tenant. */
  readonly otherDocId: string;
  /** The sealer of the proxy under test, to forge ids for the other tenant and with the wrong key. */
  readonly sealer: ContextSealer;
  readonly foreignSealer: ContextSealer;
}

const nd = (...lines: unknown[]) => lines.map((l) => JSON.stringify(l)).join('\n') + '\n';

/**
 * Requests the passthrough must deny (other tenants' indices by every trick, write and admin endpoints) and
 * requests it must allow (reads of the caller's read alias). Shared by the unit tests of the authorizer and
 * the integration test through a running proxy in front of a real engine.
 */
export function engineCorpus(input: CorpusInput): { denied: CorpusCase[]; allowed: CorpusCase[] } {
  const { tenant, other, docId, otherDocId } = input;
  const own = `vigilo-reports-${tenant}-read`;
  const ownWrite = `vigilo-reports-${tenant}-write`;
  const ownConcrete = `vigilo-reports-${tenant}--000001`;
  const theirs = `vigilo-reports-${other}-read`;
  const theirsConcrete = `vigilo-reports-${other}--000001`;
  const enc = encodeURIComponent;
  const q = { query: { match_all: {} } };
  const d = (reason: string, method: string, path: string, body?: unknown, needs?: 'x-pack'): CorpusCase => ({
    reason,
    method,
    path,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    ...(needs ? { needs } : {}),
  });

  const denied: CorpusCase[] = [
    // Other tenants' names, directly and by every spelling of an index expression.
    d('other tenant read alias', 'GET', `/${theirs}/_search`),
    d('other tenant read alias, POST', 'POST', `/${theirs}/_search`, q),
    d('other tenant concrete index', 'GET', `/${theirsConcrete}/_search`),
    d('own concrete index (only the read alias is allowed)', 'GET', `/${ownConcrete}/_search`),
    d('own write alias', 'GET', `/${ownWrite}/_search`),
    d('comma list with another tenant', 'GET', `/${own},${theirs}/_search`),
    d('comma list, other first', 'GET', `/${theirs},${own}/_search`),
    d('encoded comma %2C', 'GET', `/${own}%2C${theirs}/_search`),
    d('lower-case encoded comma %2c', 'GET', `/${own}%2c${theirs}/_search`),
    d('double-encoded comma %252C', 'GET', `/${own}%252C${theirs}/_search`),
    d('wildcard on the other tenant prefix', 'GET', `/vigilo-reports-${other}*/_search`),
    d('encoded wildcard %2A for the other tenant', 'GET', `/vigilo-reports-${other}%2A/_search`),
    d('double-encoded wildcard %252A', 'GET', `/vigilo-reports-%252A/_search`),
    d('wildcard matching no allowed name', 'GET', `/vigilo-reports-${other}-*/_count`),
    d('exclusion leaving nothing', 'GET', `/*,-${own}/_search`),
    d('_all minus own leaves nothing', 'GET', `/_all,-${own}/_search`),
    d('leading exclusion', 'GET', `/-${own}/_search`),
    d('date math with a date part', 'GET', `/${enc(`<${own}-{now/d}>`)}/_search`),
    d('date math naming the other tenant', 'GET', `/${enc(`<${theirs}>`)}/_search`),
    d('date math with an escaped brace', 'GET', `/${enc(`<vigilo-reports-${other}-read\\{x\\}>`)}/_search`),
    d('malformed date math', 'GET', `/${enc(`<${own}`)}/_search`),
    d('remote cluster', 'GET', `/remote:${own}/_search`),
    d('encoded remote cluster %3A', 'GET', `/remote%3A${own}/_search`),
    d('wildcard remote cluster', 'GET', `/*:*/_search`),
    d('failure store selector', 'GET', `/${own}::failures/_search`),
    d('upper-case spelling', 'GET', `/${theirs.toUpperCase()}/_search`),
    d('encoded slash in the expression', 'GET', `/${own}%2F..%2F${theirs}/_search`),
    d('dot segment', 'GET', `/../${theirs}/_search`),
    d('empty member', 'GET', `/${own},,${theirs}/_search`),
    d('trailing comma', 'GET', `/${own},/_search`),
    d('space in the expression', 'GET', `/${own}%20/_search`),
    d('malformed percent-encoding', 'GET', `/${own}%ZZ/_search`),
    d('empty path segment', 'GET', `//${theirs}/_search`),
    d('question mark encoded', 'GET', `/${theirs}%3F/_search`),
    d('other tenant with wildcard in the middle', 'GET', `/vigilo-*-${other}-read/_search`),
    d('other tenant pattern ending in a wildcard', 'GET', `/vigilo-reports-${other}-r*/_search`),
    d('no index: every index', 'GET', '/_search'),
    d('no index: every index, POST', 'POST', '/_search', q),
    d('no index: count everything', 'GET', '/_count'),
    d('field caps over every index', 'GET', '/_field_caps?fields=*'),
    d('field caps of another tenant', 'GET', `/${theirs}/_field_caps?fields=*`),
    d('validate on another tenant', 'POST', `/${theirs}/_validate/query`, q),
    d('mapping of another tenant', 'GET', `/${theirs}/_mapping`),
    d('settings of another tenant', 'GET', `/${theirs}/_settings`),
    d('index info of another tenant', 'GET', `/${theirs}`),
    d('HEAD index of another tenant', 'HEAD', `/${theirs}`),
    d('document of another tenant', 'GET', `/${theirs}/_doc/${enc(otherDocId)}`),
    d('source of another tenant', 'GET', `/${theirs}/_source/${enc(otherDocId)}`),
    d('explain on another tenant', 'GET', `/${theirs}/_explain/${enc(otherDocId)}`, q),
    d('document from a list with another tenant', 'GET', `/${own},${theirs}/_doc/${enc(otherDocId)}`),
    d('count of another tenant', 'GET', `/${theirs}/_count`),
    d('cat count of another tenant', 'GET', `/_cat/count/${theirs}`),
    d('cat indices of everything', 'GET', '/_cat/indices'),
    d('cat indices with a wildcard on the other tenant', 'GET', `/_cat/indices/vigilo-reports-${other}*`),
    // Bodies that name other indices.
    d('_msearch header naming another tenant', 'POST', `/${own}/_msearch`, nd({ index: theirs }, q)),
    d('_msearch header with a list', 'POST', `/${own}/_msearch`, nd({ index: [own, theirs] }, q)),
    d('_msearch second header names another tenant', 'POST', '/_msearch', nd({ index: own }, q, { index: theirs }, q)),
    d('_msearch header without index and no path index', 'POST', '/_msearch', nd({}, q)),
    d('_msearch header with a wildcard', 'POST', '/_msearch', nd({ index: `vigilo-reports-${other}*` }, q)),
    d('_msearch header with a remote cluster', 'POST', '/_msearch', nd({ index: `remote:${own}` }, q)),
    d('_msearch header with an unknown key', 'POST', `/${own}/_msearch`, nd({ index: own, pit: 'x' }, q)),
    d('_msearch odd number of lines', 'POST', `/${own}/_msearch`, JSON.stringify({ index: own }) + '\n'),
    d('_msearch body with a terms lookup on another tenant', 'POST', `/${own}/_msearch`, nd({}, { query: { terms: { x: { index: theirs, id: otherDocId, path: 'y' } } } })),
    d('_msearch header not JSON', 'POST', `/${own}/_msearch`, `{index: ${theirs}}\n{}\n`),
    d('_mget doc naming another tenant', 'POST', `/${own}/_mget`, { docs: [{ _index: theirs, _id: otherDocId }] }),
    d('_mget without any index', 'POST', '/_mget', { docs: [{ _id: otherDocId }] }),
    d('_mget ids without path index', 'POST', '/_mget', { ids: [otherDocId] }),
    d('_mget doc with a wildcard index', 'POST', '/_mget', { docs: [{ _index: `vigilo-reports-${other}*`, _id: otherDocId }] }),
    d('_mget doc with a comma list', 'POST', '/_mget', { docs: [{ _index: `${own},${theirs}`, _id: otherDocId }] }),
    d('_mget unknown key', 'POST', `/${own}/_mget`, { docs: [], index: theirs }),
    d('terms lookup on another tenant', 'POST', `/${own}/_search`, { query: { terms: { 'patient.drug.medicinalproduct': { index: theirs, id: otherDocId, path: 'x' } } } }),
    d('more_like_this on another tenant document', 'POST', `/${own}/_search`, { query: { more_like_this: { fields: ['a'], like: [{ _index: theirs, _id: otherDocId }] } } }),
    d('percolate from another tenant', 'POST', `/${own}/_search`, { query: { percolate: { field: 'q', index: theirs, id: otherDocId } } }),
    d('geo_shape indexed shape from another tenant', 'POST', `/${own}/_search`, { query: { geo_shape: { loc: { indexed_shape: { index: theirs, id: otherDocId, path: 'p' } } } } }),
    d('pinned docs from another tenant', 'POST', `/${own}/_search`, { query: { pinned: { docs: [{ _index: theirs, _id: otherDocId }], organic: { match_all: {} } } } }),
    d('indices_boost naming another tenant', 'POST', `/${own}/_search`, { indices_boost: [{ [theirs]: 2 }], ...q }),
    d('index key that is not a name', 'POST', `/${own}/_search`, { query: { terms: { x: { index: 5, id: 'y', path: 'z' } } } }),
    d('terms lookup with a wildcard', 'POST', `/${own}/_search`, { query: { terms: { x: { index: `vigilo-reports-${other}*`, id: 'y', path: 'z' } } } }),
    d('body not JSON', 'POST', `/${own}/_search`, '{"query":'),
    d('body is an array', 'POST', `/${own}/_search`, '[]'),
    d('count body with a lookup on another tenant', 'POST', `/${own}/_count`, { query: { terms: { x: { index: theirs, id: 'a', path: 'b' } } } }),
    d('field caps index_filter with a lookup', 'POST', `/${own}/_field_caps?fields=*`, { index_filter: { terms: { x: { index: theirs, id: 'a', path: 'b' } } } }),
    d('request body in the query string (source)', 'GET', `/${own}/_search?source=${enc(JSON.stringify({ query: { terms: { x: { index: theirs, id: 'a', path: 'b' } } } }))}&source_content_type=application/json`),
    d('unknown query parameter', 'GET', `/${own}/_search?index=${theirs}`),
    d('double-encoded query parameter', 'GET', `/${own}/_search?q=%2541`),
    // Search contexts: scroll, point in time, async search, SQL cursors.
    d('scroll id not sealed by the proxy', 'POST', '/_search/scroll', { scroll: '1m', scroll_id: 'FGluY2x1ZGVfY29udGV4dF91dWlk' }),
    d('scroll id sealed for another tenant', 'POST', '/_search/scroll', { scroll: '1m', scroll_id: input.sealer.seal(other, 'abc') }),
    d('scroll id sealed with another key', 'POST', '/_search/scroll', { scroll: '1m', scroll_id: input.foreignSealer.seal(tenant, 'abc') }),
    d('scroll id in the path sealed for another tenant', 'GET', `/_search/scroll/${enc(input.sealer.seal(other, 'abc'))}`),
    d('scroll id in the query sealed for another tenant', 'GET', `/_search/scroll?scroll_id=${enc(input.sealer.seal(other, 'abc'))}`),
    d('scroll id given twice', 'POST', `/_search/scroll?scroll_id=${enc(input.sealer.seal(tenant, 'a'))}`, { scroll_id: input.sealer.seal(tenant, 'b') }),
    d('tampered sealed scroll id', 'POST', '/_search/scroll', { scroll_id: input.sealer.seal(tenant, 'abc').replace(/\.[^.]+$/, '.' + Buffer.from('xyz').toString('base64url')) }),
    d('clear scroll (DELETE)', 'DELETE', '/_search/scroll', { scroll_id: input.sealer.seal(tenant, 'abc') }),
    d('point in time of another tenant', 'POST', '/_search', { pit: { id: input.sealer.seal(other, 'pit'), keep_alive: '1m' } }),
    d('point in time not sealed', 'POST', '/_search', { pit: { id: 'raw-pit-id', keep_alive: '1m' } }),
    d('open point in time on another tenant', 'POST', `/${theirs}/_pit?keep_alive=1m`),
    d('open point in time with GET', 'GET', `/${own}/_pit?keep_alive=1m`),
    d('close point in time (DELETE)', 'DELETE', '/_pit', { id: input.sealer.seal(tenant, 'pit') }),
    d('point in time with an index in the path', 'POST', `/${own}/_search`, { pit: { id: input.sealer.seal(tenant, 'pit') } }),
    d('async search on another tenant', 'POST', `/${theirs}/_async_search`, q),
    d('async search result of another tenant', 'GET', `/_async_search/${enc(input.sealer.seal(other, 'async'))}`),
    d('async search status not sealed', 'GET', '/_async_search/status/FmRldE8zREVEUzA2ZVpUeGs2ejJFUFEaMkZ5QTVrSTZSaVN3WlNFVmtlWHJsdzoxMDc='),
    d('delete an async search', 'DELETE', `/_async_search/${enc(input.sealer.seal(tenant, 'async'))}`),
    d('async search without an index', 'POST', '/_async_search', q),
    d('SQL on another tenant', 'POST', '/_sql', { query: `SELECT * FROM "${theirs}"` }),
    d('SQL unquoted other tenant', 'POST', '/_sql', { query: `SELECT * FROM ${theirs}` }),
    d('SQL with a wildcard table', 'POST', '/_sql', { query: `SELECT * FROM "vigilo-reports-${other}*"` }),
    d('SQL with a subquery', 'POST', '/_sql', { query: `SELECT * FROM (SELECT * FROM "${theirs}")` }),
    d('SQL with a catalog', 'POST', '/_sql', { query: `SELECT * FROM remote:"${own}"` }),
    d('SQL catalog parameter', 'POST', '/_sql', { query: `SELECT * FROM "${own}"`, catalog: 'remote' }),
    d('SQL SHOW TABLES', 'POST', '/_sql', { query: 'SHOW TABLES' }),
    d('SQL DESCRIBE another tenant', 'POST', '/_sql', { query: `DESCRIBE "${theirs}"` }),
    d('SQL SYS COLUMNS', 'POST', '/_sql', { query: 'SYS COLUMNS' }),
    d('SQL two statements', 'POST', '/_sql', { query: `SELECT * FROM "${own}"; SELECT * FROM "${theirs}"` }),
    d('SQL comment hiding a table', 'POST', '/_sql', { query: `SELECT * FROM "${own}" -- , "${theirs}"` }),
    d('SQL block comment', 'POST', '/_sql', { query: `SELECT * /* x */ FROM "${own}"` }),
    d('SQL FROZEN', 'POST', '/_sql', { query: `SELECT * FROM FROZEN "${own}"` }),
    d('SQL table list', 'POST', '/_sql', { query: `SELECT * FROM "${own}", "${theirs}"` }),
    d('SQL cursor of another tenant', 'POST', '/_sql', { cursor: input.sealer.seal(other, 'cursor') }),
    d('SQL cursor not sealed', 'POST', '/_sql', { cursor: 'sDXF1ZXJ5QW5kRmV0Y2gBAAAAAAAAAAEWWWdrRlVfSS1TbDYtcW9lc1FJNmlYdw==' }),
    d('SQL translate on another tenant', 'POST', '/_sql/translate', { query: `SELECT * FROM "${theirs}"` }),
    d('SQL filter with a lookup on another tenant', 'POST', '/_sql', { query: `SELECT * FROM "${own}"`, filter: { terms: { x: { index: theirs, id: 'a', path: 'b' } } } }),
    d('SQL close cursor', 'POST', '/_sql/close', { cursor: input.sealer.seal(tenant, 'cursor') }),
    d('SQL async result', 'GET', '/_sql/async/abc'),
    // Writes.
    d('index a document', 'PUT', `/${own}/_doc/x`, { a: 1 }),
    d('index a document with POST', 'POST', `/${own}/_doc`, { a: 1 }),
    d('create a document', 'PUT', `/${own}/_create/x`, { a: 1 }),
    d('update a document', 'POST', `/${own}/_update/${enc(docId)}`, { doc: { a: 1 } }),
    d('delete a document', 'DELETE', `/${own}/_doc/${enc(docId)}`),
    d('bulk', 'POST', '/_bulk', nd({ index: { _index: own } }, { a: 1 })),
    d('bulk on the index', 'POST', `/${own}/_bulk`, nd({ index: {} }, { a: 1 })),
    d('delete by query', 'POST', `/${own}/_delete_by_query`, q),
    d('update by query', 'POST', `/${own}/_update_by_query`, q),
    d('reindex into own index', 'POST', '/_reindex', { source: { index: theirs }, dest: { index: own } }),
    d('delete the index', 'DELETE', `/${own}`),
    d('create an index', 'PUT', `/vigilo-reports-${tenant}-mine`),
    d('put mapping', 'PUT', `/${own}/_mapping`, { properties: { x: { type: 'keyword' } } }),
    d('put settings', 'PUT', `/${own}/_settings`, { index: { number_of_replicas: 0 } }),
    d('close the index', 'POST', `/${own}/_close`),
    d('refresh', 'POST', `/${own}/_refresh`),
    d('force merge', 'POST', `/${own}/_forcemerge`),
    d('clear cache', 'POST', `/${own}/_cache/clear`),
    d('rollover', 'POST', `/${own}/_rollover`),
    d('PATCH', 'PATCH', `/${own}/_search`),
    d('OPTIONS', 'OPTIONS', `/${own}/_search`),
    d('POST on a document read', 'POST', `/${own}/_source/${enc(docId)}`),
    d('mapping with a body', 'GET', `/${own}/_mapping`, { x: 1 }),
    // Administration.
    d('move aliases', 'POST', '/_aliases', { actions: [{ add: { index: theirsConcrete, alias: own } }] }),
    d('put alias', 'PUT', `/${theirsConcrete}/_alias/${own}`),
    d('cluster settings', 'GET', '/_cluster/settings'),
    d('cluster state', 'GET', '/_cluster/state'),
    d('cluster health', 'GET', '/_cluster/health'),
    d('nodes', 'GET', '/_nodes'),
    d('cat aliases', 'GET', '/_cat/aliases'),
    d('cat shards', 'GET', '/_cat/shards'),
    d('snapshots', 'GET', '/_snapshot'),
    d('security API', 'GET', '/_security/user'),
    d('tasks', 'GET', '/_tasks'),
    d('index templates', 'GET', '/_index_template'),
    d('stored scripts', 'PUT', '/_scripts/x', { script: { lang: 'painless', source: '1' } }),
    d('ingest pipelines', 'GET', '/_ingest/pipeline'),
    d('resolve index', 'GET', '/_resolve/index/*'),
    d('aliases of everything', 'GET', '/_alias'),
    d('mapping of everything', 'GET', '/_mapping'),
    d('search template', 'POST', `/${own}/_search/template`, { id: 'x' }),
    d('render template', 'POST', '/_render/template', { source: '{}' }),
    d('termvectors (not allowlisted)', 'GET', `/${own}/_termvectors/${enc(docId)}`),
    d('shutdown', 'POST', '/_nodes/_local/_shutdown'),
    d('license', 'GET', '/_license'),
    d('eql on another tenant', 'POST', `/${theirs}/_eql/search`, { query: 'any where true' }),
    d('esql', 'POST', '/_query', { query: `FROM ${theirs}` }),
  ];

  const allowed: CorpusCase[] = [
    d('search the read alias', 'GET', `/${own}/_search`),
    d('search the read alias, POST', 'POST', `/${own}/_search`, q),
    d('search with a Lucene query string', 'GET', `/${own}/_search?q=*&size=5`),
    d('search with sort and source filtering', 'GET', `/${own}/_search?sort=vigilo.safetyreportid&_source_includes=vigilo&size=20`),
    d('count', 'GET', `/${own}/_count`),
    d('count, POST', 'POST', `/${own}/_count`, q),
    d('wildcard expanded to the read alias', 'GET', `/*/_search`),
    d('_all expanded to the read alias', 'GET', '/_all/_search'),
    d('encoded wildcard', 'GET', '/%2A/_count'),
    d('prefix pattern', 'GET', `/vigilo-reports-${tenant}-r*/_search`),
    d('exclusion of another tenant after a wildcard', 'GET', `/*,-${theirs}/_search`),
    d('date math without a date part', 'GET', `/${enc(`<${own}>`)}/_search`),
    d('encoded name', 'GET', `/${enc(own).replace(/-/g, '%2D')}/_search`),
    d('duplicate names', 'GET', `/${own},${own}/_count`),
    d('aggregation', 'POST', `/${own}/_search`, { size: 0, aggs: { n: { value_count: { field: 'vigilo.safetyreportid' } } } }),
    d('msearch with the path index', 'POST', `/${own}/_msearch`, nd({}, q, {}, { size: 1, ...q })),
    d('msearch naming the read alias', 'POST', '/_msearch', nd({ index: own }, q)),
    d('msearch with a wildcard header', 'POST', '/_msearch', nd({ index: '*' }, q)),
    d('msearch with a list header', 'POST', '/_msearch', nd({ index: [own] }, q)),
    d('mget by ids', 'POST', `/${own}/_mget`, { ids: [docId] }),
    d('mget with docs', 'POST', '/_mget', { docs: [{ _index: own, _id: docId }] }),
    d('get a document', 'GET', `/${own}/_doc/${enc(docId)}`),
    d('HEAD a document', 'HEAD', `/${own}/_doc/${enc(docId)}`),
    d('get a source', 'GET', `/${own}/_source/${enc(docId)}`),
    d('explain', 'GET', `/${own}/_explain/${enc(docId)}`, q),
    d('field caps', 'GET', `/${own}/_field_caps?fields=*`),
    d('field caps, POST with index filter', 'POST', `/${own}/_field_caps?fields=vigilo.*`, { index_filter: { match_all: {} } }),
    d('validate a query', 'POST', `/${own}/_validate/query?explain=true`, q),
    d('mapping', 'GET', `/${own}/_mapping`),
    d('field mapping', 'GET', `/${own}/_mapping/field/vigilo.version`),
    d('settings', 'GET', `/${own}/_settings`),
    d('index info', 'GET', `/${own}`),
    d('cat count', 'GET', `/_cat/count/${own}?format=json`),
    d('cat indices of own alias', 'GET', `/_cat/indices/${own}?format=json&h=index,docs.count`),
    d('cluster information', 'GET', '/'),
    d('terms lookup on own index', 'POST', `/${own}/_search`, { query: { terms: { _id: { index: own, id: docId, path: 'vigilo.safetyreportid' } } } }),
    d('SQL on the read alias', 'POST', '/_sql?format=json', { query: `SELECT COUNT(*) AS n FROM "${own}"` }, 'x-pack'),
    d('SQL with a wildcard table', 'POST', '/_sql?format=json', { query: `SELECT COUNT(*) AS n FROM "vigilo-reports-${tenant}-*"` }, 'x-pack'),
    d('SQL translate', 'POST', '/_sql/translate', { query: `SELECT "vigilo.safetyreportid" FROM "${own}" LIMIT 3` }, 'x-pack'),
    d('search opening a scroll', 'POST', `/${own}/_search?scroll=1m`, { size: 1, ...q }),
    d('async search', 'POST', `/${own}/_async_search?wait_for_completion_timeout=5s`, q, 'x-pack'),
  ];
  return { denied, allowed };
}
