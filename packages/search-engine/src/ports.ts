import type { SearchDocument, TenantId } from '@vigilo/domain';

/**
 * Names of one tenant's engine objects; derived from the tenant id, never random.
 * See docs/adr/0009-search-documents-and-index-layout.md.
 */
export interface TenantIndexNames {
  /** Composable index template, matching `indexPattern`. */
  readonly template: string;
  /** Prefix of the tenant's concrete indices, e.g. `vigilo-reports-acme`. */
  readonly indexPrefix: string;
  /**
   * Pattern of the tenant's concrete indices, `${indexPrefix}--*` (`vigilo-reports-acme--000001`, `--000002`, ...).
   * The double hyphen cannot occur in a tenant id, so the pattern matches this tenant's indices only
   * (`${indexPrefix}-*` would also match tenant `acme-eu`'s).
   */
  readonly indexPattern: string;
  /** Alias every write goes to (exactly one index behind it, `is_write_index`). */
  readonly writeAlias: string;
  /** Alias every read goes to. */
  readonly readAlias: string;
}

/** Per-tenant overrides of the adapter's index defaults (see the factories' options). */
export interface TenantIndexSettings {
  /** Primary shards of a new index (fixed once the index exists). @default the adapter's `shards`, 1 */
  readonly shards?: number;
  /** Replicas; also applied to the existing write index. @default the adapter's `replicas`: 1 (tests pass 0) */
  readonly replicas?: number;
}

/**
 * One write of a bulk request. `version` is written as an external version and
 * must equal `document.vigilo.version`; `id` must equal `document.vigilo.safetyreportid`.
 */
export type BulkOperation = { readonly id: string; readonly version: number; readonly document: SearchDocument };

export type BulkItemOutcome =
  /** The engine stored this version. */
  | { readonly id: string; readonly outcome: 'written' }
  /** The engine already holds this or a newer version (external version conflict): nothing to do. */
  | { readonly id: string; readonly outcome: 'stale' }
  /**
   * The engine refused it; `retryable` says whether trying again later may work (429, 5xx, unavailable
   * shards, a write alias that does not exist yet). `reason` is `<status> <engine error type>`, plus the
   * field path for mapping errors: never document content.
   */
  | { readonly id: string; readonly outcome: 'failed'; readonly retryable: boolean; readonly reason: string };

/** (id, version) as the engine holds it, for anti-entropy. */
export interface IndexedVersion {
  readonly id: string;
  readonly version: number;
  readonly nullified: boolean;
}

/** One of a tenant's concrete indices. */
export interface TenantIndex {
  readonly index: string;
  readonly generation: number;
  /** `_meta.mapping_version` of its mapping (undefined for an index made without one). */
  readonly mappingVersion: number | undefined;
  readonly write: boolean;
  readonly read: boolean;
}

/** A mapping rollout in progress: writes go to `to`, reads still come from `from`. */
export interface MappingRollout {
  readonly from: string;
  readonly to: string;
}

export interface EngineHealth {
  readonly status: 'green' | 'yellow' | 'red';
  readonly engine: 'elasticsearch' | 'opensearch';
  readonly version: string;
}

/**
 * The search engine as the platform needs it. Two adapters:
 * ElasticsearchSearchIndex (@elastic/elasticsearch 9) and OpenSearchSearchIndex
 * (@opensearch-project/opensearch). Only what a bare engine node offers is used:
 * no scripts, no _delete_by_query/_update_by_query/_reindex, no ILM.
 * Errors: a connection failure, 429 or 5xx becomes UnavailableError (retryable);
 * a mapping or request mistake becomes VigiloError VIG_INTERNAL. Messages and
 * fields never carry document content.
 */
/** Options of `SearchIndex.search`. */
export interface SearchOptions {
  /**
   * The engine's `filter_path`: only these dotted paths (wildcards allowed) of the response are sent back, so a
   * large response (e.g. thousands of date buckets) costs less to serialise, send and parse. Objects and arrays
   * left empty by the filter are dropped from the response.
   * @default undefined (the whole response)
   */
  readonly filterPath?: readonly string[];
}

export interface SearchIndex {
  names(tenant: TenantId): TenantIndexNames;
  health(): Promise<EngineHealth>;
  /**
   * Creates or updates the tenant's index template, makes sure a concrete index
   * exists behind the write and read aliases. Idempotent, level-triggered.
   * `index` is the concrete index behind the write alias; `created` is true
   * only when this call created it.
   */
  ensureTenant(tenant: TenantId, settings?: TenantIndexSettings): Promise<{ readonly index: string; readonly created: boolean }>;
  /** The tenant's concrete indices, oldest generation first. */
  indices(tenant: TenantId): Promise<TenantIndex[]>;
  /**
   * Starts (or resumes) moving the tenant to a new index: when the write index's mapping is not the current
   * `MAPPING_VERSION` (or `force`, e.g. to change the number of shards), creates the next generation from the
   * current template and moves the write alias to it in one atomic alias change; the read alias stays on the old
   * index until `finishRollout`. Returns undefined when there is nothing to roll out. Idempotent: a rollout
   * already started (write and read aliases on different indices) is returned as it is.
   * The caller fills the new index from SQL (external versions make concurrent live writes safe), checks it,
   * then calls `finishRollout`.
   */
  startRollout(tenant: TenantId, options?: { readonly settings?: TenantIndexSettings; readonly force?: boolean }): Promise<MappingRollout | undefined>;
  /** Moves the read alias from `rollout.from` to `rollout.to` in one atomic alias change, then deletes `from`. Idempotent. */
  finishRollout(tenant: TenantId, rollout: MappingRollout): Promise<void>;
  /** Removes the tenant's template, aliases and indices (by exact name, never by wildcard). Idempotent. */
  dropTenant(tenant: TenantId): Promise<void>;
  /**
   * Writes documents with `version_type=external` through the write alias, in
   * one `_bulk`; answers per item in input order. Does not throw for item
   * failures, only when the whole request fails. Never refreshes: documents
   * become searchable within the index refresh interval, or after `refresh()`.
   */
  bulk(tenant: TenantId, operations: readonly BulkOperation[]): Promise<BulkItemOutcome[]>;
  /** Makes recent writes visible to search (tests, anti-entropy). */
  refresh(tenant: TenantId): Promise<void>;
  /**
   * A search request body (query DSL) against the read alias; returns the engine's raw response body.
   * Tombstones are documents too: add `liveReportsFilter()` to the query. A body that names another
   * index (`index`, `_index` or `indices_boost` keys, as in a terms lookup) is refused.
   */
  search(tenant: TenantId, body: Record<string, unknown>, options?: SearchOptions): Promise<Record<string, unknown>>;
  /** `_count` against the read alias (tombstones included unless the query filters them). */
  count(tenant: TenantId, query?: Record<string, unknown>): Promise<number>;
  /**
   * Every (id, version, nullified) in id order, a page at a time (search_after on the keyword
   * `vigilo.safetyreportid`), tombstones included. `after` is the last id of the previous page.
   * Reads the read alias as of its last refresh, or `index`, one of the tenant's concrete indices.
   */
  listVersions(tenant: TenantId, options: { after?: string; pageSize: number; index?: string }): Promise<IndexedVersion[]>;
  /** Raw documents as stored, in id order, tombstones included (tests: PII scans). */
  listDocuments(tenant: TenantId, options: { after?: string; pageSize: number; index?: string }): Promise<Array<{ id: string; source: Record<string, unknown> }>>;
  /** Closes the engine client. */
  close(): Promise<void>;
}
