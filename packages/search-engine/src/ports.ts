import type { SearchDocument, TenantId } from '@vigilo/domain';

/** Names of one tenant's engine objects; derived from the tenant id, never random. */
export interface TenantIndexNames {
  /** Composable index template, matching `${indexPrefix}-*`. */
  readonly template: string;
  /** Prefix of the tenant's concrete indices, e.g. `vigilo-reports-acme`. */
  readonly indexPrefix: string;
  /** Alias every write goes to (exactly one index behind it, `is_write_index`). */
  readonly writeAlias: string;
  /** Alias every read goes to. */
  readonly readAlias: string;
}

export interface TenantIndexSettings {
  /** @default 1 */
  readonly shards?: number;
  /** @default 0 in tests, 1 in production */
  readonly replicas?: number;
}

/** One write of a bulk request. `version` is written as an external version. */
export type BulkOperation = { readonly id: string; readonly version: number; readonly document: SearchDocument };

export type BulkItemOutcome =
  /** The engine stored this version. */
  | { readonly id: string; readonly outcome: 'written' }
  /** The engine already holds this or a newer version (external version conflict): nothing to do. */
  | { readonly id: string; readonly outcome: 'stale' }
  /** The engine refused it; `retryable` says whether trying again later may work (429, 5xx, unavailable shards). */
  | { readonly id: string; readonly outcome: 'failed'; readonly retryable: boolean; readonly reason: string };

/** (id, version) as the engine holds it, for anti-entropy. */
export interface IndexedVersion {
  readonly id: string;
  readonly version: number;
  readonly nullified: boolean;
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
 * a mapping or request mistake becomes VigiloError VIG_INTERNAL.
 */
export interface SearchIndex {
  names(tenant: TenantId): TenantIndexNames;
  health(): Promise<EngineHealth>;
  /**
   * Creates or updates the tenant's index template, makes sure a concrete index
   * exists behind the write and read aliases. Idempotent, level-triggered.
   */
  ensureTenant(tenant: TenantId, settings?: TenantIndexSettings): Promise<{ readonly index: string; readonly created: boolean }>;
  /** Removes the tenant's template, aliases and indices. Idempotent. */
  dropTenant(tenant: TenantId): Promise<void>;
  /**
   * Writes documents with `version_type=external` through the write alias, in
   * one `_bulk`; answers per item in input order. Does not throw for item
   * failures, only when the whole request fails.
   */
  bulk(tenant: TenantId, operations: readonly BulkOperation[]): Promise<BulkItemOutcome[]>;
  /** Makes recent writes visible to search (tests, anti-entropy). */
  refresh(tenant: TenantId): Promise<void>;
  /** A search request body (query DSL) against the read alias; returns the engine's raw response body. */
  search(tenant: TenantId, body: Record<string, unknown>): Promise<Record<string, unknown>>;
  count(tenant: TenantId, query?: Record<string, unknown>): Promise<number>;
  /** Every (id, version, nullified) in id order, a page at a time (search_after on the keyword id). */
  listVersions(tenant: TenantId, options: { after?: string; pageSize: number }): Promise<IndexedVersion[]>;
  /** Raw documents as stored (tests: PII scans). */
  listDocuments(tenant: TenantId, options: { after?: string; pageSize: number }): Promise<Array<{ id: string; source: Record<string, unknown> }>>;
  close(): Promise<void>;
}
