import type { TenantId } from '@vigilo/domain';
import { InputError, VigiloError } from '@vigilo/errors';
import { BULK_QUERYSTRING, buildBulkBody, interpretBulkResponse, invalidOperationReason } from './bulk.js';
import { type EngineName, summarizeEngineError, translateEngineError } from './errors.js';
import { MAPPING_VERSION, type ResolvedIndexSettings, TEMPLATE_HASH_META_KEY, dynamicIndexSettings, indexTemplateBody } from './mapping.js';
import { concreteIndexName, indexGeneration, initialIndexName, tenantIndexNames } from './names.js';
import type {
  BulkItemOutcome,
  BulkOperation,
  EngineHealth,
  IndexedVersion,
  MappingRollout,
  SearchIndex,
  SearchOptions,
  TenantIndex,
  TenantIndexNames,
  TenantIndexSettings,
} from './ports.js';
import { assertNoIndexReferences, countOf, hitsOf, indexedVersionOf, type PageOptions, pageRequestBody } from './queries.js';

/** One REST call, engine-independent. Both engines answer these paths the same way. */
export interface EngineRequest {
  readonly method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';
  /** Absolute path; every name in it comes from `tenantIndexNames`, which is URL-safe. */
  readonly path: string;
  readonly querystring?: Readonly<Record<string, string>>;
  /** A JSON body. */
  readonly body?: unknown;
  /** An NDJSON body, one object per line (`_bulk`). */
  readonly ndjson?: readonly unknown[];
  /** Statuses returned as a response instead of thrown (e.g. 404 on lookups). */
  readonly ignore?: readonly number[];
}

export interface EngineResponse {
  readonly statusCode: number;
  readonly body: unknown;
}

/**
 * The engine-specific part of an adapter: sends a request through the engine's official client
 * (its connection pool, retries, authentication, product check) and closes it. Throws the
 * client's own errors; the adapter translates them.
 */
export interface EngineConnection {
  readonly engine: EngineName;
  send(request: EngineRequest): Promise<EngineResponse>;
  close(): Promise<void>;
}

/**
 * The parameters of an engine client's `transport.request` for a request: both official clients take the same
 * shape (an NDJSON body goes as `bulkBody`, which they serialise a line per object).
 */
export function transportParams(request: EngineRequest): {
  method: EngineRequest['method'];
  path: string;
  querystring?: Record<string, string>;
  body?: Record<string, unknown>;
  bulkBody?: Record<string, unknown>[];
} {
  return {
    method: request.method,
    path: request.path,
    ...(request.querystring === undefined ? {} : { querystring: { ...request.querystring } }),
    ...(request.body === undefined ? {} : { body: request.body as Record<string, unknown> }),
    ...(request.ndjson === undefined ? {} : { bulkBody: [...request.ndjson] as Record<string, unknown>[] }),
  };
}

/** Index defaults shared by both factories. */
export interface IndexDefaultsOptions {
  /** Primary shards of each new tenant index. @default 1 */
  readonly shards?: number;
  /** Replicas of each tenant index (a single test node needs 0 to be green). @default 1 */
  readonly replicas?: number;
  /**
   * `index.refresh_interval`: how soon a write becomes searchable. Set explicitly so that idle
   * shards keep refreshing (engine "search idle" otherwise defers refreshes). `-1` disables it.
   * @default '1s'
   */
  readonly refreshInterval?: string;
  /**
   * `index.gc_deletes`: how long the engine remembers the version of a deleted document. The
   * platform never deletes (it writes tombstones), so this only matters for tests that prove it.
   * @default undefined (the engine's default, 60s)
   */
  readonly gcDeletes?: string;
}

export const INDEX_DEFAULTS = Object.freeze({ shards: 1, replicas: 1, refreshInterval: '1s', gcDeletes: undefined });

const TIME_VALUE = /^(?:-1|0|[1-9][0-9]{0,8}(?:nanos|micros|ms|s|m|h|d))$/;

function checkCount(name: string, value: number, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new VigiloError('VIG_CONFIG_INVALID', `search index option ${name} must be an integer from ${min} to ${max}`);
  }
}

/** Validates and resolves the index options; throws VIG_CONFIG_INVALID naming the option. */
export function resolveIndexSettings(options: IndexDefaultsOptions, overrides: TenantIndexSettings = {}): ResolvedIndexSettings {
  const resolved: ResolvedIndexSettings = {
    shards: overrides.shards ?? options.shards ?? INDEX_DEFAULTS.shards,
    replicas: overrides.replicas ?? options.replicas ?? INDEX_DEFAULTS.replicas,
    refreshInterval: options.refreshInterval ?? INDEX_DEFAULTS.refreshInterval,
    gcDeletes: options.gcDeletes ?? INDEX_DEFAULTS.gcDeletes,
  };
  checkCount('shards', resolved.shards, 1, 1024);
  checkCount('replicas', resolved.replicas, 0, 32);
  if (!TIME_VALUE.test(resolved.refreshInterval)) {
    throw new VigiloError('VIG_CONFIG_INVALID', 'search index option refreshInterval must be a time value such as 1s or -1');
  }
  if (resolved.gcDeletes !== undefined && (!TIME_VALUE.test(resolved.gcDeletes) || resolved.gcDeletes === '-1')) {
    throw new VigiloError('VIG_CONFIG_INVALID', 'search index option gcDeletes must be a time value such as 60s');
  }
  return resolved;
}

/**
 * Validates the client options both factories share, before a client is built; throws
 * VIG_CONFIG_INVALID naming the option.
 */
export function checkClientOptions(options: { readonly node: string | readonly string[]; readonly requestTimeoutMs?: number; readonly maxRetries?: number }): void {
  const nodes = typeof options.node === 'string' ? [options.node] : [...options.node];
  if (nodes.length === 0 || nodes.some((node) => !URL.canParse(node))) {
    throw new VigiloError('VIG_CONFIG_INVALID', 'search index option node must be one or more URLs');
  }
  if (options.requestTimeoutMs !== undefined) checkCount('requestTimeoutMs', options.requestTimeoutMs, 1, 3_600_000);
  if (options.maxRetries !== undefined) checkCount('maxRetries', options.maxRetries, 0, 100);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** What the engine holds of one tenant: its concrete indices (oldest first) and their aliases. */
interface TenantLayout {
  readonly indices: readonly string[];
  readonly writeIndex: string | undefined;
  /** Indices holding the write alias without a write flag (an alias edited by hand). */
  readonly unflaggedWriteHolders: readonly string[];
  readonly readIndices: readonly string[];
}

export interface EngineSearchIndexDeps {
  readonly connection: EngineConnection;
  readonly indexDefaults?: IndexDefaultsOptions;
}

/**
 * The engine-independent implementation of SearchIndex: every REST call, body and
 * interpretation, over an EngineConnection. ElasticsearchSearchIndex and
 * OpenSearchSearchIndex only supply the connection.
 */
export class EngineSearchIndex implements SearchIndex {
  readonly #connection: EngineConnection;
  readonly #defaults: IndexDefaultsOptions;

  constructor(deps: EngineSearchIndexDeps) {
    this.#connection = deps.connection;
    this.#defaults = Object.freeze({ ...(deps.indexDefaults ?? {}) });
    resolveIndexSettings(this.#defaults);
  }

  /** The engine this adapter talks to. */
  get engine(): EngineName {
    return this.#connection.engine;
  }

  names(tenant: TenantId): TenantIndexNames {
    return tenantIndexNames(tenant);
  }

  async health(): Promise<EngineHealth> {
    return this.#call('health', undefined, async () => {
      const [root, cluster] = await Promise.all([
        this.#send({ method: 'GET', path: '/' }),
        this.#send({ method: 'GET', path: '/_cluster/health' }),
      ]);
      const version = isRecord(root.body) && isRecord(root.body['version']) ? root.body['version'] : undefined;
      const number = version?.['number'];
      if (typeof number !== 'string') throw new TypeError('root endpoint without version.number');
      const engine: EngineName = version?.['distribution'] === 'opensearch' ? 'opensearch' : 'elasticsearch';
      if (engine !== this.engine) throw new TypeError(`the node is ${engine}, not ${this.engine}`);
      const status = isRecord(cluster.body) ? cluster.body['status'] : undefined;
      if (status !== 'green' && status !== 'yellow' && status !== 'red') throw new TypeError('cluster health without status');
      return { status, engine, version: number };
    });
  }

  async ensureTenant(tenant: TenantId, settings?: TenantIndexSettings): Promise<{ readonly index: string; readonly created: boolean }> {
    const names = this.names(tenant);
    return this.#call('ensureTenant', tenant, async () => {
      const resolved = resolveIndexSettings(this.#defaults, settings);
      await this.#convergeTemplate(names, tenant, resolved);
      let layout = await this.#layout(names);
      let created = false;
      if (layout.indices.length === 0) {
        created = await this.#createInitialIndex(names);
        layout = await this.#layout(names);
      }
      let writeIndex = layout.writeIndex;
      if (writeIndex === undefined) {
        // Indices without a (flagged) write alias: converge by giving it to the newest generation
        // that holds it, else to the newest generation.
        writeIndex = layout.unflaggedWriteHolders.at(-1) ?? layout.indices.at(-1);
        if (writeIndex === undefined) throw new TypeError('tenant index vanished while being ensured');
        await this.#aliasActions([{ add: { index: writeIndex, alias: names.writeAlias, is_write_index: true } }]);
      }
      if (layout.readIndices.length === 0) {
        await this.#aliasActions([{ add: { index: writeIndex, alias: names.readAlias } }]);
      }
      if (!created) await this.#convergeIndexSettings(writeIndex, resolved);
      return { index: writeIndex, created };
    });
  }

  async indices(tenant: TenantId): Promise<TenantIndex[]> {
    const names = this.names(tenant);
    return this.#call('indices', tenant, async () => {
      const [layout, versions] = await Promise.all([this.#layout(names), this.#mappingVersions(names)]);
      return layout.indices.map((index) => ({
        index,
        generation: indexGeneration(names, index)!,
        mappingVersion: versions.get(index),
        write: index === layout.writeIndex,
        read: layout.readIndices.includes(index),
      }));
    });
  }

  async startRollout(tenant: TenantId, options: { readonly settings?: TenantIndexSettings; readonly force?: boolean } = {}): Promise<MappingRollout | undefined> {
    const { index: writeIndex } = await this.ensureTenant(tenant, options.settings);
    const names = this.names(tenant);
    return this.#call('startRollout', tenant, async () => {
      const layout = await this.#layout(names);
      const readIndex = layout.readIndices.at(-1);
      if (readIndex !== undefined && readIndex !== writeIndex) return { from: readIndex, to: writeIndex };
      const versions = await this.#mappingVersions(names);
      if (!options.force && versions.get(writeIndex) === MAPPING_VERSION) return undefined;
      const newest = layout.indices.at(-1)!;
      const next = concreteIndexName(names, indexGeneration(names, newest)! + 1);
      try {
        // No aliases here: the index takes the current template's mapping and settings, then the write alias moves.
        await this.#send({ method: 'PUT', path: `/${encodeURIComponent(next)}` });
      } catch (error) {
        if (summarizeEngineError(error).type !== 'resource_already_exists_exception') throw error;
      }
      await this.#aliasActions([
        { remove: { index: writeIndex, alias: names.writeAlias } },
        { add: { index: next, alias: names.writeAlias, is_write_index: true } },
      ]);
      return { from: readIndex ?? writeIndex, to: next };
    });
  }

  async finishRollout(tenant: TenantId, rollout: MappingRollout): Promise<void> {
    const names = this.names(tenant);
    for (const index of [rollout.from, rollout.to]) {
      if (indexGeneration(names, index) === undefined) throw new InputError(`${index} is not an index of this tenant`, { code: 'VIG_REQUEST_INVALID_PARAMETER' });
    }
    await this.#call('finishRollout', tenant, async () => {
      const layout = await this.#layout(names);
      if (layout.writeIndex !== rollout.to) throw new VigiloError('VIG_ROLLOUT_CONFLICT', 'The write alias is not on the rollout\'s new index', { fields: { tenantId: tenant } });
      if (layout.indices.includes(rollout.from)) {
        if (layout.readIndices.includes(rollout.from) || !layout.readIndices.includes(rollout.to)) {
          await this.#aliasActions([
            ...layout.readIndices.filter((i) => i !== rollout.to).map((index) => ({ remove: { index, alias: names.readAlias } })),
            ...(layout.readIndices.includes(rollout.to) ? [] : [{ add: { index: rollout.to, alias: names.readAlias } }]),
          ]);
        }
        await this.#send({ method: 'DELETE', path: `/${encodeURIComponent(rollout.from)}`, ignore: [404] });
      }
    });
  }

  async dropTenant(tenant: TenantId): Promise<void> {
    const names = this.names(tenant);
    await this.#call('dropTenant', tenant, async () => {
      const { indices } = await this.#layout(names);
      if (indices.length > 0) {
        // Exact names only: production clusters refuse wildcard deletes (action.destructive_requires_name).
        await this.#send({
          method: 'DELETE',
          path: `/${indices.map(encodeURIComponent).join(',')}`,
          querystring: { ignore_unavailable: 'true' },
          ignore: [404],
        });
      }
      await this.#send({ method: 'DELETE', path: `/_index_template/${encodeURIComponent(names.template)}`, ignore: [404] });
    });
  }

  async bulk(tenant: TenantId, operations: readonly BulkOperation[]): Promise<BulkItemOutcome[]> {
    const names = this.names(tenant);
    const outcomes: Array<BulkItemOutcome | undefined> = operations.map((operation) => {
      const reason = invalidOperationReason(tenant, operation);
      return reason === undefined ? undefined : { id: String(operation?.id), outcome: 'failed', retryable: false, reason };
    });
    const sent = operations.filter((_, i) => outcomes[i] === undefined);
    if (sent.length > 0) {
      const interpreted = await this.#call('bulk', tenant, async () => {
        const response = await this.#send({
          method: 'POST',
          path: '/_bulk',
          querystring: BULK_QUERYSTRING,
          ndjson: buildBulkBody(names.writeAlias, sent),
        });
        return interpretBulkResponse(sent, response.body);
      });
      let next = 0;
      for (let i = 0; i < outcomes.length; i++) if (outcomes[i] === undefined) outcomes[i] = interpreted[next++];
    }
    return outcomes as BulkItemOutcome[];
  }

  async refresh(tenant: TenantId): Promise<void> {
    const names = this.names(tenant);
    await this.#call('refresh', tenant, async () => {
      await this.#send({ method: 'POST', path: `/${encodeURIComponent(names.writeAlias)},${encodeURIComponent(names.readAlias)}/_refresh` });
    });
  }

  async search(tenant: TenantId, body: Record<string, unknown>, options: SearchOptions = {}): Promise<Record<string, unknown>> {
    const names = this.names(tenant);
    assertNoIndexReferences(body);
    const filterPath = options.filterPath?.length ? { querystring: { filter_path: options.filterPath.join(',') } } : {};
    return this.#call('search', tenant, async () => {
      const response = await this.#send({ method: 'POST', path: `/${encodeURIComponent(names.readAlias)}/_search`, body, ...filterPath });
      if (!isRecord(response.body)) throw new TypeError('search response is not an object');
      return response.body;
    });
  }

  async count(tenant: TenantId, query?: Record<string, unknown>): Promise<number> {
    const names = this.names(tenant);
    if (query !== undefined) assertNoIndexReferences(query, '/query');
    return this.#call('count', tenant, async () => {
      const response = await this.#send({
        method: 'POST',
        path: `/${encodeURIComponent(names.readAlias)}/_count`,
        body: query === undefined ? {} : { query },
      });
      return countOf(response.body);
    });
  }

  /** The read alias, or one of the tenant's concrete indices when a listing names one. */
  #listingTarget(tenant: TenantId, index: string | undefined): string {
    const names = this.names(tenant);
    if (index === undefined) return names.readAlias;
    if (indexGeneration(names, index) === undefined) throw new InputError(`${index} is not an index of this tenant`, { code: 'VIG_REQUEST_INVALID_PARAMETER' });
    return index;
  }

  async listVersions(tenant: TenantId, options: PageOptions): Promise<IndexedVersion[]> {
    const target = this.#listingTarget(tenant, options.index);
    const body = pageRequestBody(options, 'versions');
    return this.#call('listVersions', tenant, async () => {
      const response = await this.#send({ method: 'POST', path: `/${encodeURIComponent(target)}/_search`, body });
      return hitsOf(response.body).map(indexedVersionOf);
    });
  }

  async listDocuments(tenant: TenantId, options: PageOptions): Promise<Array<{ id: string; source: Record<string, unknown> }>> {
    const target = this.#listingTarget(tenant, options.index);
    const body = pageRequestBody(options, 'all');
    return this.#call('listDocuments', tenant, async () => {
      const response = await this.#send({ method: 'POST', path: `/${encodeURIComponent(target)}/_search`, body });
      return hitsOf(response.body).map((hit) => ({ id: hit._id, source: hit._source ?? {} }));
    });
  }

  async close(): Promise<void> {
    await this.#call('close', undefined, () => this.#connection.close());
  }

  async #call<T>(operation: string, tenant: string | undefined, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw translateEngineError(error, { engine: this.engine, operation, tenantId: tenant });
    }
  }

  #send(request: EngineRequest): Promise<EngineResponse> {
    return this.#connection.send(request);
  }

  async #convergeTemplate(names: TenantIndexNames, tenant: string, settings: ResolvedIndexSettings): Promise<void> {
    const desired = indexTemplateBody(names, tenant, settings);
    const path = `/_index_template/${encodeURIComponent(names.template)}`;
    const current = await this.#send({ method: 'GET', path, ignore: [404] });
    const desiredHash = (desired['_meta'] as Record<string, unknown>)[TEMPLATE_HASH_META_KEY];
    if (current.statusCode === 200 && templateHash(current.body, names.template) === desiredHash) return;
    await this.#send({ method: 'PUT', path, body: desired });
  }

  async #layout(names: TenantIndexNames): Promise<TenantLayout> {
    const response = await this.#send({
      method: 'GET',
      path: `/${encodeURIComponent(names.indexPattern)}/_alias`,
      querystring: { expand_wildcards: 'all' },
      ignore: [404],
    });
    const entries = isRecord(response.body) && response.statusCode === 200 ? Object.entries(response.body) : [];
    const ours = entries
      .map(([index, value]) => ({
        index,
        generation: indexGeneration(names, index),
        aliases: isRecord(value) && isRecord(value['aliases']) ? value['aliases'] : {},
      }))
      .filter((entry): entry is typeof entry & { generation: number } => entry.generation !== undefined)
      .sort((a, b) => a.generation - b.generation);
    const writeHolders = ours.filter((entry) => names.writeAlias in entry.aliases);
    const flagged = writeHolders.filter((entry) => {
      const alias = entry.aliases[names.writeAlias];
      return isRecord(alias) && alias['is_write_index'] === true;
    });
    // An alias on a single index without the flag is that index's write alias too.
    const writeIndex = flagged.at(-1)?.index ?? (writeHolders.length === 1 ? writeHolders[0]?.index : undefined);
    return {
      indices: ours.map((entry) => entry.index),
      writeIndex,
      unflaggedWriteHolders: writeIndex === undefined ? writeHolders.map((entry) => entry.index) : [],
      readIndices: ours.filter((entry) => names.readAlias in entry.aliases).map((entry) => entry.index),
    };
  }

  /** Creates generation 1 with both aliases in one request; false when it already exists (a concurrent reconcile). */
  async #createInitialIndex(names: TenantIndexNames): Promise<boolean> {
    try {
      await this.#send({
        method: 'PUT',
        path: `/${encodeURIComponent(initialIndexName(names))}`,
        body: { aliases: { [names.writeAlias]: { is_write_index: true }, [names.readAlias]: {} } },
      });
      return true;
    } catch (error) {
      if (summarizeEngineError(error).type === 'resource_already_exists_exception') return false;
      throw error;
    }
  }

  /** `_meta.mapping_version` of each of the tenant's indices. */
  async #mappingVersions(names: TenantIndexNames): Promise<Map<string, number | undefined>> {
    const response = await this.#send({
      method: 'GET',
      path: `/${encodeURIComponent(names.indexPattern)}/_mapping`,
      querystring: { expand_wildcards: 'all' },
      ignore: [404],
    });
    const versions = new Map<string, number | undefined>();
    if (response.statusCode !== 200 || !isRecord(response.body)) return versions;
    for (const [index, value] of Object.entries(response.body)) {
      const mappings = isRecord(value) ? value['mappings'] : undefined;
      const meta = isRecord(mappings) ? mappings['_meta'] : undefined;
      const version = isRecord(meta) ? meta['mapping_version'] : undefined;
      versions.set(index, typeof version === 'number' ? version : undefined);
    }
    return versions;
  }

  async #aliasActions(actions: readonly Record<string, unknown>[]): Promise<void> {
    await this.#send({ method: 'POST', path: '/_aliases', body: { actions } });
  }

  async #convergeIndexSettings(index: string, settings: ResolvedIndexSettings): Promise<void> {
    const path = `/${encodeURIComponent(index)}/_settings`;
    const response = await this.#send({ method: 'GET', path, querystring: { flat_settings: 'true' } });
    const entry = isRecord(response.body) ? response.body[index] : undefined;
    const current = isRecord(entry) && isRecord(entry['settings']) ? entry['settings'] : {};
    const changes: Record<string, string | null> = {};
    for (const [key, value] of Object.entries(dynamicIndexSettings(settings))) {
      if ((current[key] ?? null) !== value) changes[key] = value;
    }
    if (Object.keys(changes).length > 0) await this.#send({ method: 'PUT', path, body: changes });
  }
}

function templateHash(body: unknown, name: string): unknown {
  const templates = isRecord(body) ? body['index_templates'] : undefined;
  if (!Array.isArray(templates)) return undefined;
  const entry: unknown = templates.find((t: unknown) => isRecord(t) && t['name'] === name);
  const template = isRecord(entry) ? entry['index_template'] : undefined;
  const meta = isRecord(template) ? template['_meta'] : undefined;
  return isRecord(meta) ? meta[TEMPLATE_HASH_META_KEY] : undefined;
}
