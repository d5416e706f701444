import type { CountResult, ParsedRequest, Query, SearchPage, SortSpec } from './ast.js';
import type { ResolvedField } from './catalogue.js';
import { encodeCursor, missingSortKey } from './cursor.js';
import { dayToEpochMillis, epochMillisToDay, nextDay } from './values.js';

/** The keyword every result order ends with, so pages are stable and cursors exact. */
export const ID_FIELD = 'vigilo.safetyreportid';
const DATE_FORMAT = 'yyyyMMdd';

type Json = Record<string, unknown>;

/** The engine query DSL of a typed query (filter context: no scoring, results are ordered by sort only). */
export function engineQuery(query: Query): Json {
  switch (query.kind) {
    case 'and':
      return { bool: { filter: query.all.map(engineQuery) } };
    case 'or': {
      const bool: Json = {};
      if (query.any.length > 0) Object.assign(bool, { should: query.any.map(engineQuery), minimum_should_match: 1 });
      if (query.none.length > 0) bool['must_not'] = query.none.map(engineQuery);
      return { bool };
    }
    case 'not':
      return { bool: { must_not: [engineQuery(query.query)] } };
    case 'element':
      return { nested: { path: `report.${query.group}`, query: engineQuery(query.query), score_mode: 'none' } };
    case 'words':
      return { match_phrase: { [query.field.enginePath]: { query: query.text } } };
    case 'equals':
      return { term: { [query.field.enginePath]: { value: query.value } } };
    case 'prefix':
      // constant_score visits each matching term once into a bit set: no clause explosion, and the same
      // answer as SQL (a top_terms_N rewrite would silently drop matches beyond N).
      return { prefix: { [query.field.enginePath]: { value: query.prefix, rewrite: 'constant_score' } } };
    case 'range':
      return { range: { [query.field.enginePath]: rangeBounds(query.field, query.gte, query.lte) } };
    case 'exists':
      return { exists: { field: query.field.enginePath } };
  }
}

function rangeBounds(field: ResolvedField, gte: string | number | undefined, lte: string | number | undefined): Json {
  if (field.kind === 'date') {
    // Whole days: from 00:00 of the first to before 00:00 of the day after the last, so no rounding rule applies.
    return {
      ...(gte === undefined ? {} : { gte: gte }),
      ...(lte === undefined ? {} : { lt: nextDay(lte as string) }),
      format: DATE_FORMAT,
    };
  }
  return { ...(gte === undefined ? {} : { gte }), ...(lte === undefined ? {} : { lte }) };
}

function filtered(p: ParsedRequest, filter: Json): Json {
  return { bool: { filter: p.query ? [filter, engineQuery(p.query)] : [filter] } };
}

function engineSortKey(sort: SortSpec, key: string | number): string | number {
  return sort.field.kind === 'date' ? dayToEpochMillis(key as string) : key;
}

function sortClause(p: ParsedRequest): Json[] {
  const byId = { [ID_FIELD]: { order: 'asc' } };
  if (!p.sort) return [byId];
  const { field, order } = p.sort;
  const clause: Json = { order, missing: engineSortKey(p.sort, missingSortKey(p.sort)) };
  // The engine refuses to sort on a field under a nested mapping without naming the nested path;
  // min (asc) or max (desc) over the report's elements, as SQL computes it.
  if (field.group) clause['nested'] = { path: `report.${field.group}` };
  clause['mode'] = order === 'asc' ? 'min' : 'max';
  return [{ [field.enginePath]: clause }, byId];
}

/**
 * The `_search` body of a results page. `filter` is the caller's (e.g. liveReportsFilter()); the package
 * knows nothing of tombstones or tenants.
 */
export function buildEngineSearch(p: ParsedRequest, o: { filter: Json }): Json {
  const body: Json = {
    query: filtered(p, o.filter),
    size: p.limit,
    sort: sortClause(p),
    track_total_hits: true,
    _source: ['report'],
  };
  if (p.after) {
    body['search_after'] = p.sort ? [engineSortKey(p.sort, p.after.key!), p.after.id] : [p.after.id];
  } else if (p.skip > 0) {
    body['from'] = p.skip;
  }
  return body;
}

function isRecord(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function shapeError(what: string): never {
  throw new TypeError(`engine response without ${what}`);
}

/** Reads the engine's `_search` response into a page. */
export function readEngineSearch(p: ParsedRequest, body: Json): SearchPage {
  const hitsNode = isRecord(body['hits']) ? body['hits'] : shapeError('hits');
  const totalNode = hitsNode['total'];
  const total = isRecord(totalNode) && typeof totalNode['value'] === 'number' ? totalNode['value'] : shapeError('hits.total.value');
  const raw = Array.isArray(hitsNode['hits']) ? (hitsNode['hits'] as unknown[]) : shapeError('hits.hits');
  const hits = raw.map((hit) => {
    if (!isRecord(hit) || typeof hit['_id'] !== 'string') return shapeError('hit _id');
    const source = isRecord(hit['_source']) && isRecord(hit['_source']['report']) ? hit['_source']['report'] : {};
    return { id: hit['_id'], source, sort: Array.isArray(hit['sort']) ? (hit['sort'] as unknown[]) : [] };
  });
  let next: string | undefined;
  const last = hits[hits.length - 1];
  if (last && p.limit > 0 && hits.length === p.limit) {
    let key: string | number | undefined;
    if (p.sort) {
      const value = last.sort[0];
      if (p.sort.field.kind === 'date') key = typeof value === 'number' ? epochMillisToDay(value) : shapeError('a date sort value');
      else if (p.sort.field.kind === 'number') key = typeof value === 'number' ? value : shapeError('a number sort value');
      else key = typeof value === 'string' ? value : shapeError('a keyword sort value');
    }
    next = encodeCursor(p.sort, key === undefined ? { id: last.id } : { key, id: last.id });
  }
  return { total, hits: hits.map(({ id, source }) => ({ id, source })), next };
}

const COUNT_AGG = 'count';

/** The `_search` body of a count: term counts (reports per whole value) or a daily series. */
export function buildEngineCount(p: ParsedRequest, o: { filter: Json }): Json {
  const count = p.count ?? shapeError('a count in the parsed request');
  const agg =
    count.kind === 'time'
      ? { date_histogram: { field: count.field.enginePath, calendar_interval: 'day', format: DATE_FORMAT, min_doc_count: 1 } }
      : {
          terms: {
            field: count.field.enginePath,
            size: p.limit,
            // Several shards make term counts approximate; asking each shard for more keeps the top exact in practice.
            shard_size: Math.max(p.limit * 10, 1000),
            order: [{ _count: 'desc' }, { _key: 'asc' }],
          },
        };
  return { query: filtered(p, o.filter), size: 0, track_total_hits: true, aggs: { [COUNT_AGG]: agg } };
}

/**
 * The engine's `filter_path` for a count: only what `readEngineCount` reads. A daily series has a bucket per day,
 * and each bucket's epoch `key` beside its `key_as_string` would double what is serialised, sent and parsed.
 */
export function engineCountFilterPath(p: ParsedRequest): string[] {
  const count = p.count ?? shapeError('a count in the parsed request');
  const buckets = `aggregations.${COUNT_AGG}.buckets`;
  return [`${buckets}.${count.kind === 'time' ? 'key_as_string' : 'key'}`, `${buckets}.doc_count`];
}

/**
 * Reads the engine's count response, whole or filtered by `engineCountFilterPath` (which drops the
 * aggregation when it has no buckets, so a response without `aggregations` at all is an empty count).
 */
export function readEngineCount(p: ParsedRequest, body: Json): CountResult {
  const count = p.count ?? shapeError('a count in the parsed request');
  const aggs = body['aggregations'] === undefined ? { [COUNT_AGG]: { buckets: [] } } : isRecord(body['aggregations']) ? body['aggregations'] : shapeError('aggregations');
  const agg = isRecord(aggs[COUNT_AGG]) ? aggs[COUNT_AGG] : shapeError('the count aggregation');
  const buckets = Array.isArray(agg['buckets']) ? (agg['buckets'] as unknown[]) : shapeError('buckets');
  const rows = buckets.map((b) => (isRecord(b) && typeof b['doc_count'] === 'number' ? b : shapeError('a bucket doc_count')));
  if (count.kind === 'time') {
    return { kind: 'time', results: rows.map((b) => ({ time: String(b['key_as_string']), count: b['doc_count'] as number })) };
  }
  return { kind: 'terms', results: rows.map((b) => ({ term: String(b['key']), count: b['doc_count'] as number })) };
}
