import type { ContextSealer } from './contextSeal.js';
import { resolveIndexExpression } from './indexExpression.js';
import { rewriteSqlQuery } from './sql.js';

/** A request to the engine passthrough, as received (path relative to `/engine`, still URL-encoded). */
export interface EngineRequest {
  readonly method: string;
  readonly rawPath: string;
  /** The raw query string, without `?`. */
  readonly rawQuery: string;
  readonly body: Buffer | undefined;
}

export interface EngineGrant {
  readonly tenant: string;
  /** The only names the tenant may target (its read alias). */
  readonly allowed: readonly string[];
  readonly sealer: ContextSealer;
}

/** What to forward: rebuilt from what was checked, never the raw input. */
export interface EngineAllowed {
  readonly allowed: true;
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly body: Buffer | undefined;
  readonly contentType: string | undefined;
  /** Index expressions met, as written (for the audit record). */
  readonly expressions: readonly string[];
  /** Top-level fields of a JSON answer that hold search-context ids to seal before they reach the caller. */
  readonly sealFields: readonly string[];
  /** The endpoint shape, e.g. `{index}/_search` (for metrics and the audit record). */
  readonly endpoint: string;
}
export interface EngineDenied {
  readonly allowed: false;
  readonly reason: string;
  readonly expressions: readonly string[];
  readonly endpoint: string;
}
export type EngineDecision = EngineAllowed | EngineDenied;

class Denied extends Error {}
const fail = (reason: string): never => {
  throw new Denied(reason);
};

/** Query parameters of read APIs; anything else (notably `source`, a request body in the query string) is denied. */
const QUERY_PARAMS = new Set([
  '_source', '_source_excludes', '_source_includes', 'allow_no_indices', 'allow_partial_search_results', 'analyze_wildcard',
  'analyzer', 'batched_reduce_size', 'bytes', 'ccs_minimize_roundtrips', 'default_operator', 'df', 'docvalue_fields',
  'error_trace', 'expand_wildcards', 'explain', 'fields', 'filter_path', 'flat_settings', 'format', 'from', 'h', 'help',
  'human', 'ids', 'ignore_unavailable', 'include_defaults', 'include_empty_fields', 'include_unmapped', 'keep_alive', 'keep_on_completion',
  'lenient', 'local', 'max_concurrent_searches', 'max_concurrent_shard_requests', 'pre_filter_shard_size', 'preference',
  'pretty', 'q', 'realtime', 'request_cache', 'rest_total_hits_as_int', 'rewrite', 'all_shards', 'routing', 's', 'scroll',
  'scroll_id', 'search_type', 'seq_no_primary_term', 'size', 'sort', 'stored_fields', 'terminate_after', 'timeout',
  'track_scores', 'track_total_hits', 'typed_keys', 'v', 'version', 'wait_for_completion_timeout', 'include_named_queries_score',
]);

/** Keys of an `_msearch` header line. */
const MSEARCH_HEADER_KEYS = new Set([
  'index', 'expand_wildcards', 'ignore_unavailable', 'allow_no_indices', 'preference', 'routing', 'search_type',
  'request_cache', 'ccs_minimize_roundtrips', 'allow_partial_search_results',
]);

/** Keys of an `_sql` body; `catalog` (a remote cluster) and anything unknown are denied. */
const SQL_KEYS = new Set([
  'query', 'cursor', 'fetch_size', 'filter', 'time_zone', 'params', 'columnar', 'field_multi_value_leniency', 'request_timeout',
  'page_timeout', 'keep_alive', 'wait_for_completion_timeout', 'keep_on_completion', 'runtime_mappings', 'index_include_frozen',
]);

type Shape =
  | 'root'
  | 'index'
  | 'search'
  | 'count'
  | 'msearch'
  | 'mget'
  | 'field_caps'
  | 'validate'
  | 'doc'
  | 'source'
  | 'explain'
  | 'mapping'
  | 'mapping_field'
  | 'settings'
  | 'pit'
  | 'async_submit'
  | 'async_get'
  | 'async_status'
  | 'scroll'
  | 'sql'
  | 'sql_translate'
  | 'cat_indices'
  | 'cat_count';

/** Endpoints that accept POST (all read-only); everything else is GET or HEAD. */
const POST_SHAPES = new Set<Shape>(['search', 'count', 'msearch', 'mget', 'field_caps', 'validate', 'pit', 'async_submit', 'scroll', 'sql', 'sql_translate']);
/** Endpoints whose body is not inspected because they take none. */
const NO_BODY_SHAPES = new Set<Shape>(['root', 'index', 'doc', 'source', 'mapping', 'mapping_field', 'settings', 'async_get', 'async_status', 'cat_indices', 'cat_count', 'pit']);

interface Parsed {
  shape: Shape;
  /** The index expression segment (decoded), if the shape has one. */
  expression?: string;
  /** Segments after the expression (decoded), re-encoded when the path is rebuilt. */
  rest: string[];
}

function decodeSegment(raw: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return fail('malformed percent-encoding in the path');
  }
  if (decoded.includes('%')) fail('percent sign in a path segment (double encoding)');
  if (decoded.includes('/')) fail('encoded slash in a path segment');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\s\\#?"|]/.test(decoded)) fail('forbidden character in a path segment');
  return decoded;
}

function classify(segments: string[]): Parsed {
  const [first, ...after] = segments;
  if (first === undefined) return { shape: 'root', rest: [] };
  const isExpression = first === '_all' || !first.startsWith('_');
  if (!isExpression) {
    const key = segments.join('/');
    if (key === '_search') return { shape: 'search', rest: [] };
    if (key === '_msearch') return { shape: 'msearch', rest: [] };
    if (key === '_mget') return { shape: 'mget', rest: [] };
    if (key === '_search/scroll') return { shape: 'scroll', rest: [] };
    if (segments.length === 3 && first === '_search' && segments[1] === 'scroll') return { shape: 'scroll', rest: [segments[2]!] };
    if (segments.length === 2 && first === '_async_search' && segments[1] !== 'status') return { shape: 'async_get', rest: [segments[1]!] };
    if (segments.length === 3 && first === '_async_search' && segments[1] === 'status') return { shape: 'async_status', rest: [segments[2]!] };
    if (key === '_sql') return { shape: 'sql', rest: [] };
    if (key === '_sql/translate') return { shape: 'sql_translate', rest: [] };
    if (segments.length === 3 && first === '_cat' && segments[1] === 'indices') return { shape: 'cat_indices', expression: segments[2]!, rest: [] };
    if (segments.length === 3 && first === '_cat' && segments[1] === 'count') return { shape: 'cat_count', expression: segments[2]!, rest: [] };
    return fail(`endpoint not allowed: /${key.split('/').slice(0, 2).join('/')}`);
  }
  const key = after.join('/');
  const withIndex = (shape: Shape, rest: string[] = []): Parsed => ({ shape, expression: first, rest });
  if (after.length === 0) return withIndex('index');
  if (key === '_search') return withIndex('search');
  if (key === '_count') return withIndex('count');
  if (key === '_msearch') return withIndex('msearch');
  if (key === '_mget') return withIndex('mget');
  if (key === '_field_caps') return withIndex('field_caps');
  if (key === '_validate/query') return withIndex('validate');
  if (key === '_mapping') return withIndex('mapping');
  if (key === '_settings') return withIndex('settings');
  if (key === '_pit') return withIndex('pit');
  if (key === '_async_search') return withIndex('async_submit');
  if (after.length === 2 && after[0] === '_doc') return withIndex('doc', [after[1]!]);
  if (after.length === 2 && after[0] === '_source') return withIndex('source', [after[1]!]);
  if (after.length === 2 && after[0] === '_explain') return withIndex('explain', [after[1]!]);
  if (after.length === 3 && after[0] === '_mapping' && after[1] === 'field') return withIndex('mapping_field', [after[2]!]);
  return fail(`endpoint not allowed: {index}/${after.slice(0, 2).join('/')}`);
}

const ENDPOINT_LABEL: Record<Shape, string> = {
  root: '/',
  index: '{index}',
  search: '{index}/_search',
  count: '{index}/_count',
  msearch: '{index}/_msearch',
  mget: '{index}/_mget',
  field_caps: '{index}/_field_caps',
  validate: '{index}/_validate/query',
  doc: '{index}/_doc/{id}',
  source: '{index}/_source/{id}',
  explain: '{index}/_explain/{id}',
  mapping: '{index}/_mapping',
  mapping_field: '{index}/_mapping/field/{field}',
  settings: '{index}/_settings',
  pit: '{index}/_pit',
  async_submit: '{index}/_async_search',
  async_get: '_async_search/{id}',
  async_status: '_async_search/status/{id}',
  scroll: '_search/scroll',
  sql: '_sql',
  sql_translate: '_sql/translate',
  cat_indices: '_cat/indices/{index}',
  cat_count: '_cat/count/{index}',
};

function parseJsonObject(text: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return fail(`${what} is not valid JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

class Checker {
  readonly expressions: string[] = [];
  constructor(private readonly grant: EngineGrant) {}

  /** Resolves an expression or throws; records it for the audit. */
  resolve(expression: string): string[] {
    this.expressions.push(expression);
    const resolution = resolveIndexExpression(expression, this.grant.allowed);
    if (!resolution.ok) return fail(`${resolution.reason}: ${expression.slice(0, 200)}`);
    return [...resolution.names];
  }

  unseal(sealed: unknown, what: string): string {
    if (typeof sealed !== 'string') return fail(`${what} must be a string`);
    const id = this.grant.sealer.unseal(this.grant.tenant, sealed);
    if (id === undefined) return fail(`${what} was not issued to this tenant by the proxy`);
    return id;
  }

  /**
   * Walks a request body: every value under a key that names indices anywhere in it (terms lookup,
   * more_like_this, percolate, geo_shape indexed shapes, pinned docs, indices_boost) must resolve to allowed
   * names and is replaced by them.
   */
  walk(value: unknown, depth = 0): unknown {
    if (depth > 100) return fail('request body nested too deeply');
    if (Array.isArray(value)) return value.map((v) => this.walk(v, depth + 1));
    if (!isPlainObject(value)) return value;
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      if (key === 'index' || key === '_index' || key === 'indices') {
        if (typeof v === 'string') out[key] = this.resolve(v).join(',');
        else if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string')) out[key] = v.flatMap((x: string) => this.resolve(x));
        else fail(`"${key}" in the body must be an index name or a list of them`);
      } else if (key === 'indices_boost') {
        const entries = Array.isArray(v) ? v : [v];
        out[key] = entries.map((entry) => {
          if (!isPlainObject(entry)) return fail('indices_boost must name indices');
          return Object.fromEntries(Object.entries(entry).map(([name, boost]) => [this.resolve(name).join(','), boost]));
        });
      } else if (key === 'pit' && depth === 0) {
        if (!isPlainObject(v)) fail('pit must be an object');
        const pit = v as Record<string, unknown>;
        out[key] = { ...pit, id: this.unseal(pit['id'], 'pit.id') };
      } else {
        out[key] = this.walk(v, depth + 1);
      }
    }
    return out;
  }
}

function parseQuery(rawQuery: string, checker: Checker, sealFields: string[]): URLSearchParams {
  if (/%25/i.test(rawQuery)) fail('percent sign in the query string (double encoding)');
  const input = new URLSearchParams(rawQuery);
  const output = new URLSearchParams();
  for (const [name, value] of input) {
    if (!QUERY_PARAMS.has(name)) fail(`query parameter not allowed: ${name.slice(0, 64)}`);
    if (name === 'scroll_id') output.append(name, checker.unseal(value, 'scroll_id'));
    else output.append(name, value);
    if (name === 'scroll') sealFields.push('_scroll_id');
  }
  return output;
}

const encodePath = (segments: string[]) => '/' + segments.map((s) => encodeURIComponent(s).replace(/%2C/g, ',')).join('/');

/**
 * Decides whether a request may reach the engine on behalf of `grant.tenant`, and if so what exactly is sent:
 * method allowlist, endpoint allowlist, every index expression in the path, query and body expanded against
 * the tenant's allowed names, search-context ids unsealed. Pure: no I/O.
 */
export function authorizeEngineRequest(request: EngineRequest, grant: EngineGrant): EngineDecision {
  const checker = new Checker(grant);
  let endpoint = 'unknown';
  try {
    const method = request.method.toUpperCase();
    if (!['GET', 'HEAD', 'POST'].includes(method)) fail(`method not allowed: ${method}`);
    if (!request.rawPath.startsWith('/')) fail('path must start with /');
    const rawSegments = request.rawPath === '/' ? [] : request.rawPath.slice(1).split('/');
    if (rawSegments.some((s) => s.length === 0)) fail('empty path segment');
    const segments = rawSegments.map(decodeSegment);
    const parsed = classify(segments);
    endpoint = ENDPOINT_LABEL[parsed.shape];
    if (method === 'POST' && !POST_SHAPES.has(parsed.shape)) fail(`POST not allowed on ${endpoint}`);
    if (method !== 'POST' && (parsed.shape === 'pit' || parsed.shape === 'async_submit')) fail(`${method} not allowed on ${endpoint}`);

    const sealFields: string[] = [];
    const query = parseQuery(request.rawQuery, checker, sealFields);
    const names = parsed.expression !== undefined ? checker.resolve(parsed.expression) : undefined;
    const hasBody = request.body !== undefined && request.body.length > 0;
    if (hasBody && NO_BODY_SHAPES.has(parsed.shape)) fail(`${endpoint} takes no body`);
    const text = hasBody ? request.body!.toString('utf8') : '';
    let body: string | undefined;
    let contentType: string | undefined = hasBody ? 'application/json' : undefined;
    let pathSegments: string[];
    const indexed = (rest: string[]) => [names!.join(','), ...rest];

    switch (parsed.shape) {
      case 'root':
        pathSegments = [];
        break;
      case 'search':
      case 'count':
      case 'field_caps':
      case 'validate':
      case 'explain':
      case 'async_submit': {
        let json: Record<string, unknown> | undefined;
        if (hasBody) json = checker.walk(parseJsonObject(text, 'the body')) as Record<string, unknown>;
        const usesPit = json !== undefined && 'pit' in json;
        if (names === undefined) {
          if (!(parsed.shape === 'search' && usesPit)) fail('a target index is required');
          pathSegments = ['_search'];
        } else {
          if (usesPit) fail('a point-in-time search takes no index in the path');
          const tail = { search: ['_search'], count: ['_count'], field_caps: ['_field_caps'], validate: ['_validate', 'query'], explain: ['_explain', ...parsed.rest], async_submit: ['_async_search'] }[parsed.shape];
          pathSegments = indexed(tail);
        }
        if (usesPit) sealFields.push('pit_id');
        if (parsed.shape === 'async_submit') sealFields.push('id');
        if (json !== undefined) body = JSON.stringify(json);
        break;
      }
      case 'msearch': {
        if (!hasBody) fail('_msearch needs a body');
        const lines = text.split('\n').filter((l) => l.trim().length > 0);
        if (lines.length % 2 !== 0) fail('_msearch body must alternate header and body lines');
        const out: string[] = [];
        for (let i = 0; i < lines.length; i += 2) {
          const header = parseJsonObject(lines[i]!, `_msearch header line ${i + 1}`);
          for (const key of Object.keys(header)) if (!MSEARCH_HEADER_KEYS.has(key)) fail(`_msearch header key not allowed: ${key.slice(0, 64)}`);
          const target = header['index'];
          let resolved: string[];
          if (target === undefined) {
            if (names === undefined) fail(`_msearch header line ${i + 1} names no index`);
            resolved = names!;
          } else if (typeof target === 'string') resolved = checker.resolve(target);
          else if (Array.isArray(target) && target.length > 0 && target.every((x) => typeof x === 'string')) resolved = target.flatMap((x: string) => checker.resolve(x));
          else resolved = fail(`_msearch header line ${i + 1} has an invalid index`);
          const search = checker.walk(parseJsonObject(lines[i + 1]!, `_msearch body line ${i + 2}`)) as Record<string, unknown>;
          if ('pit' in search) fail('point-in-time is not allowed inside _msearch');
          out.push(JSON.stringify({ ...header, index: resolved.join(',') }), JSON.stringify(search));
        }
        body = out.join('\n') + '\n';
        contentType = 'application/x-ndjson';
        pathSegments = names === undefined ? ['_msearch'] : indexed(['_msearch']);
        break;
      }
      case 'mget': {
        if (!hasBody) fail('_mget needs a body');
        const json = parseJsonObject(text, 'the body');
        for (const key of Object.keys(json)) if (key !== 'docs' && key !== 'ids') fail(`_mget key not allowed: ${key.slice(0, 64)}`);
        const out: Record<string, unknown> = {};
        if (json['ids'] !== undefined) {
          if (names === undefined) fail('_mget by ids needs an index in the path');
          if (!Array.isArray(json['ids'])) fail('_mget ids must be a list');
          out['ids'] = json['ids'];
        }
        if (json['docs'] !== undefined) {
          if (!Array.isArray(json['docs'])) fail('_mget docs must be a list');
          out['docs'] = (json['docs'] as unknown[]).map((doc, n) => {
            if (!isPlainObject(doc)) return fail(`_mget doc ${n} is not an object`);
            const { _index: target, ...restOfDoc } = doc;
            const walked = checker.walk(restOfDoc) as Record<string, unknown>;
            if (target === undefined) {
              if (names === undefined) fail(`_mget doc ${n} names no index`);
              return walked;
            }
            if (typeof target !== 'string') return fail(`_mget doc ${n} has an invalid _index`);
            const resolved = checker.resolve(target);
            if (resolved.length !== 1) fail(`_mget doc ${n} must name exactly one index`);
            return { _index: resolved[0], ...walked };
          });
        }
        body = JSON.stringify(out);
        pathSegments = names === undefined ? ['_mget'] : indexed(['_mget']);
        break;
      }
      case 'scroll': {
        let id: string;
        let json: Record<string, unknown> = {};
        if (hasBody) json = parseJsonObject(text, 'the body');
        for (const key of Object.keys(json)) if (key !== 'scroll' && key !== 'scroll_id' && key !== 'rest_total_hits_as_int') fail(`scroll key not allowed: ${key.slice(0, 64)}`);
        const given = [json['scroll_id'], parsed.rest[0], query.get('scroll_id') ?? undefined].filter((x) => x !== undefined);
        if (given.length !== 1) fail('give the scroll id exactly once');
        if (parsed.rest[0] !== undefined) id = checker.unseal(parsed.rest[0], 'scroll id');
        else if (json['scroll_id'] !== undefined) id = checker.unseal(json['scroll_id'], 'scroll_id');
        else id = query.get('scroll_id')!; // already unsealed by parseQuery
        query.delete('scroll_id');
        body = JSON.stringify({ ...json, scroll_id: id });
        contentType = 'application/json';
        sealFields.push('_scroll_id');
        pathSegments = ['_search', 'scroll'];
        break;
      }
      case 'async_get':
      case 'async_status': {
        const id = checker.unseal(parsed.rest[0], 'async search id');
        pathSegments = parsed.shape === 'async_get' ? ['_async_search', id] : ['_async_search', 'status', id];
        sealFields.push('id');
        break;
      }
      case 'sql':
      case 'sql_translate': {
        if (!hasBody) fail('_sql needs a body');
        const json = parseJsonObject(text, 'the body');
        for (const key of Object.keys(json)) if (!SQL_KEYS.has(key)) fail(`_sql key not allowed: ${key.slice(0, 64)}`);
        const out: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(json)) {
          if (key === 'query') {
            if (typeof value !== 'string') fail('_sql query must be a string');
            const rewritten = rewriteSqlQuery(value as string, (table) => checker.resolve(table));
            if (!rewritten.ok) fail(`_sql: ${rewritten.reason}`);
            out[key] = rewritten.ok ? rewritten.query : undefined;
          } else if (key === 'cursor') {
            out[key] = checker.unseal(value, 'cursor');
          } else out[key] = checker.walk(value, 1);
        }
        if (out['query'] === undefined && out['cursor'] === undefined) fail('_sql needs a query or a cursor');
        if (out['query'] !== undefined && out['cursor'] !== undefined) fail('_sql takes a query or a cursor, not both');
        if (parsed.shape === 'sql') sealFields.push('cursor', 'id');
        body = JSON.stringify(out);
        pathSegments = parsed.shape === 'sql' ? ['_sql'] : ['_sql', 'translate'];
        break;
      }
      case 'pit':
        sealFields.push('id');
        pathSegments = indexed(['_pit']);
        break;
      case 'cat_indices':
        pathSegments = ['_cat', 'indices', names!.join(',')];
        break;
      case 'cat_count':
        pathSegments = ['_cat', 'count', names!.join(',')];
        break;
      case 'index':
        pathSegments = indexed([]);
        break;
      case 'doc':
        if (names!.length !== 1) fail('a document is read from exactly one index');
        pathSegments = indexed(['_doc', ...parsed.rest]);
        break;
      case 'source':
        if (names!.length !== 1) fail('a document is read from exactly one index');
        pathSegments = indexed(['_source', ...parsed.rest]);
        break;
      case 'mapping':
        pathSegments = indexed(['_mapping']);
        break;
      case 'mapping_field':
        pathSegments = indexed(['_mapping', 'field', ...parsed.rest]);
        break;
      case 'settings':
        pathSegments = indexed(['_settings']);
        break;
    }
    const queryString = query.toString();
    return {
      allowed: true,
      method,
      path: encodePath(pathSegments),
      query: queryString,
      body: body === undefined ? undefined : Buffer.from(body),
      contentType: body === undefined ? undefined : contentType,
      expressions: checker.expressions,
      sealFields: [...new Set(sealFields)],
      endpoint,
    };
  } catch (error) {
    if (error instanceof Denied) return { allowed: false, reason: error.message, expressions: checker.expressions, endpoint };
    throw error;
  }
}

/** Replaces the search-context ids of an engine answer by ids sealed to the tenant. */
export function sealAnswer(answer: Record<string, unknown>, fields: readonly string[], tenant: string, sealer: ContextSealer): Record<string, unknown> {
  const out = { ...answer };
  for (const field of fields) {
    const value = out[field];
    if (typeof value === 'string' && value.length > 0) out[field] = sealer.seal(tenant, value);
  }
  return out;
}
