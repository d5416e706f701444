import type { TenantId } from '@vigilo/domain';
import { type EngineConnection, type EngineRequest, type EngineResponse, EngineSearchIndex, type IndexDefaultsOptions, type SearchIndex } from '@vigilo/search-engine';
import type { Tenant } from '../api/v1alpha1/tenant.js';
import type { ExternalClient, Outcome } from './ports.js';
import { tenantExternalNames } from './names.js';

/** Counts the requests that change something, so a convergence can tell whether it did anything. */
export class WriteCountingConnection implements EngineConnection {
  writes = 0;
  constructor(private readonly inner: EngineConnection) {}
  get engine() {
    return this.inner.engine;
  }
  send(request: EngineRequest): Promise<EngineResponse> {
    if (request.method !== 'GET' && request.method !== 'HEAD') this.writes++;
    return this.inner.send(request);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

interface EngineState {
  template: boolean;
  indices: string[];
  writeIndex: string | undefined;
  readAlias: boolean;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The tenant's index template, concrete indices and aliases through the SearchIndex port (`ensureTenant`,
 * `dropTenant`). `ensureTenant` is already convergent (template re-put only when its content hash differs, aliases
 * and replicas repaired); this client counts the writes it made to report what happened, and reads the
 * template and aliases directly only to verify a deletion and fill in the status.
 */
export class SearchIndexClient implements ExternalClient {
  readonly name = 'Search';
  readonly condition = 'SearchReady' as const;
  readonly #connection: EngineConnection;
  readonly #indexDefaults: IndexDefaultsOptions | undefined;
  readonly #index: SearchIndex;

  constructor(deps: { connection: EngineConnection; indexDefaults?: IndexDefaultsOptions }) {
    this.#connection = deps.connection;
    this.#indexDefaults = deps.indexDefaults;
    this.#index = this.#searchIndex(deps.connection);
  }

  async ensure(tenant: Tenant): Promise<Outcome> {
    const names = tenantExternalNames(tenant.metadata.name);
    // A counter per call, over the shared connection: concurrent reconciles of other tenants do not mix in.
    const counting = new WriteCountingConnection(this.#connection);
    const before = await this.#state(names.tenant);
    const { index, created } = await this.#searchIndex(counting).ensureTenant(names.tenant, { shards: tenant.spec.search.shards, replicas: tenant.spec.search.replicas });
    const existed = before.template || before.indices.length > 0;
    const action: Outcome['action'] = !existed ? 'created' : counting.writes > 0 || created ? 'updated' : 'none';
    const detail = !existed
      ? `created index template ${names.template}, index ${index} and aliases ${names.writeAlias}, ${names.readAlias}`
      : !before.template
        ? `recreated index template ${names.template}`
        : `converged index template ${names.template} and aliases to the spec`;
    return {
      action,
      ...(action === 'none' ? {} : { actionDetail: detail }),
      status: { search: { template: names.template, writeAlias: names.writeAlias, readAlias: names.readAlias, writeIndex: index } },
    };
  }

  async exists(tenant: Tenant): Promise<boolean> {
    const state = await this.#state(tenantExternalNames(tenant.metadata.name).tenant);
    return state.template || state.indices.length > 0;
  }

  async delete(tenant: Tenant): Promise<void> {
    await this.#index.dropTenant(tenantExternalNames(tenant.metadata.name).tenant);
  }

  async #state(tenant: TenantId): Promise<EngineState> {
    const names = this.#index.names(tenant);
    const template = await this.#connection.send({ method: 'GET', path: `/_index_template/${encodeURIComponent(names.template)}`, ignore: [404] });
    const aliases = await this.#connection.send({
      method: 'GET',
      path: `/${encodeURIComponent(names.indexPattern)}/_alias`,
      querystring: { expand_wildcards: 'all' },
      ignore: [404],
    });
    const entries = aliases.statusCode === 200 && isRecord(aliases.body) ? Object.entries(aliases.body) : [];
    const aliasesOf = (value: unknown): Record<string, unknown> => (isRecord(value) && isRecord(value['aliases']) ? value['aliases'] : {});
    return {
      template: template.statusCode === 200,
      indices: entries.map(([index]) => index),
      writeIndex: entries.find(([, value]) => names.writeAlias in aliasesOf(value))?.[0],
      readAlias: entries.some(([, value]) => names.readAlias in aliasesOf(value)),
    };
  }

  close(): Promise<void> {
    return this.#connection.close();
  }

  #searchIndex(connection: EngineConnection): SearchIndex {
    return new EngineSearchIndex({ connection, ...(this.#indexDefaults ? { indexDefaults: this.#indexDefaults } : {}) });
  }
}
