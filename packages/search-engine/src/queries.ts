import { InputError } from '@vigilo/errors';
import type { IndexedVersion } from './ports.js';

/** The keyword every listing sorts and pages on (`_id` cannot be sorted on in recent engines). */
export const ID_SORT_FIELD = 'vigilo.safetyreportid';

/** The largest page `listVersions`/`listDocuments` accept (the engines' default `index.max_result_window`). */
export const MAX_PAGE_SIZE = 10_000;

/**
 * A query clause that keeps live reports and drops tombstones (nullified reports). Put it in a
 * `bool.filter` next to the caller's query: `{ bool: { must: [q], filter: [liveReportsFilter()] } }`.
 * A fresh object on each call.
 */
export function liveReportsFilter(): Record<string, unknown> {
  return { bool: { must_not: [{ term: { 'vigilo.nullified': true } }] } };
}

/** Keys of a request body that would let it read another index (terms lookup, more_like_this, indices_boost...). */
const INDEX_REFERENCE_KEYS = new Set(['index', '_index', 'indices_boost']);

/**
 * Refuses a search or count body that names an index anywhere: the read alias in the path must
 * be the only index a tenant's request can touch. Throws InputError VIG_REQUEST_INVALID_PARAMETER
 * naming the JSON pointer of the first offending key (never a value).
 */
export function assertNoIndexReferences(body: unknown, pointer = ''): void {
  if (Array.isArray(body)) {
    body.forEach((item, i) => assertNoIndexReferences(item, `${pointer}/${i}`));
    return;
  }
  if (body === null || typeof body !== 'object') return;
  for (const [key, value] of Object.entries(body)) {
    const here = `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (INDEX_REFERENCE_KEYS.has(key)) {
      throw new InputError(`A search body must not name an index (key at ${here}); the tenant's read alias is the only index it may read`, {
        code: 'VIG_REQUEST_INVALID_PARAMETER',
        fields: { pointer: here },
      });
    }
    assertNoIndexReferences(value, here);
  }
}

export interface PageOptions {
  readonly after?: string | undefined;
  readonly pageSize: number;
  /**
   * One of the tenant's concrete indices to list instead of the read alias (a mapping rollout compares the
   * new index with SQL before it swaps the read alias).
   */
  readonly index?: string | undefined;
}

function checkPage(options: PageOptions): void {
  if (!Number.isSafeInteger(options.pageSize) || options.pageSize < 1 || options.pageSize > MAX_PAGE_SIZE) {
    throw new InputError(`pageSize must be an integer from 1 to ${MAX_PAGE_SIZE}`, { code: 'VIG_REQUEST_INVALID_PARAMETER' });
  }
  if (options.after !== undefined && (typeof options.after !== 'string' || options.after.length === 0)) {
    throw new InputError('after must be a non-empty id', { code: 'VIG_REQUEST_INVALID_PARAMETER' });
  }
}

/**
 * The `_search` body of one page of a listing in id order: `search_after` on the keyword id,
 * `version: true` for `_version` (the external version), tombstones included.
 * `source`: 'versions' reads only `vigilo.nullified`; 'all' reads the whole document.
 */
export function pageRequestBody(options: PageOptions, source: 'versions' | 'all'): Record<string, unknown> {
  checkPage(options);
  return {
    size: options.pageSize,
    query: { match_all: {} },
    sort: [{ [ID_SORT_FIELD]: 'asc' }],
    ...(options.after === undefined ? {} : { search_after: [options.after] }),
    version: true,
    track_total_hits: false,
    _source: source === 'all' ? true : { includes: ['vigilo.nullified'] },
  };
}

/** One hit of a listing, as much of it as the listings read. */
export interface ListingHit {
  readonly _id: string;
  readonly _version?: number;
  readonly _source?: Record<string, unknown>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The hits of a `_search` response; throws TypeError when the body is not one. */
export function hitsOf(body: unknown): ListingHit[] {
  const hits = isRecord(body) && isRecord(body['hits']) ? body['hits']['hits'] : undefined;
  if (!Array.isArray(hits)) throw new TypeError('search response without hits.hits');
  return hits.map((hit: unknown) => {
    if (!isRecord(hit) || typeof hit['_id'] !== 'string') throw new TypeError('search hit without _id');
    return hit as unknown as ListingHit;
  });
}

/** (id, version, nullified) of a listing hit read with `version: true`. */
export function indexedVersionOf(hit: ListingHit): IndexedVersion {
  if (typeof hit._version !== 'number') throw new TypeError('search hit without _version (version: true missing)');
  const vigilo = hit._source?.['vigilo'];
  const nullified = isRecord(vigilo) && vigilo['nullified'] === true;
  return { id: hit._id, version: hit._version, nullified };
}

/** The number of a `_count` response; throws TypeError when the body is not one. */
export function countOf(body: unknown): number {
  const count = isRecord(body) ? body['count'] : undefined;
  if (typeof count !== 'number') throw new TypeError('count response without count');
  return count;
}
