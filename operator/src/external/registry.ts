import { getTenant, migratePlatform, type Pool, type PoolClient, registerTenant } from '@vigilo/postgres';
import { parseTenantId } from '@vigilo/domain';
import type { Tenant } from '../api/v1alpha1/tenant.js';
import { ItemExponentialBackoff } from '../runtime/backoff.js';
import type { ExternalClient, Outcome } from './ports.js';
import { tenantExternalNames } from './names.js';

/** The registry row's `settings`: what services need to know about the tenant, from its spec. */
export function registrySettings(tenant: Tenant): Record<string, unknown> {
  const names = tenantExternalNames(tenant.metadata.name);
  const { spec } = tenant;
  return {
    managedBy: 'vigilo-operator',
    deletionPolicy: spec.deletionPolicy,
    sql: { quotaMiB: spec.sql.quotaMiB },
    search: { shards: spec.search.shards, replicas: spec.search.replicas, readAlias: names.readAlias, writeAlias: names.writeAlias },
    queue: { name: names.queue, ...spec.queue },
    access: { groups: spec.access.groups ?? [], keys: (spec.access.keys ?? []).map((k) => ({ name: k.name, scopes: k.scopes, secretRef: k.secretRef })) },
    rateLimits: spec.rateLimits,
  };
}

/**
 * The tenant's row in `vigilo.tenants`, which the services read. Every change fires the table's trigger
 * (`pg_notify('vigilo_tenants', id)`), so readers are told at once (RegistryListener below, and the services'
 * directories). Retain leaves the row `suspended`; Delete removes it.
 */
export class TenantRegistryClient implements ExternalClient {
  readonly name = 'Registry';
  readonly condition = 'RegistryReady' as const;

  constructor(private readonly deps: { pool: Pool }) {}

  async ensure(tenant: Tenant): Promise<Outcome> {
    const id = parseTenantId(tenant.metadata.name);
    await this.#platform();
    const before = await getTenant(this.deps.pool, id);
    const displayName = tenant.spec.displayName ?? id;
    const settings = registrySettings(tenant);
    const record = await registerTenant(this.deps.pool, { id, displayName, status: 'active', settings });
    const synced = await this.deps.pool.query(
      `UPDATE vigilo.tenants t SET schema_version = l.v, updated_at = now()
         FROM (SELECT max(version) AS v FROM vigilo.schema_migrations WHERE scope = $2) l
        WHERE t.id = $1 AND l.v IS NOT NULL AND t.schema_version <> l.v`,
      [id, `tenant:${id}`],
    );
    const changed = !before || before.displayName !== record.displayName || before.status !== record.status || JSON.stringify(before.settings) !== JSON.stringify(record.settings) || (synced.rowCount ?? 0) > 0;
    const action: Outcome['action'] = !before ? 'created' : changed ? 'updated' : 'none';
    return { action, ...(action === 'none' ? {} : { actionDetail: `${action} the tenant registry row` }) };
  }

  async exists(tenant: Tenant): Promise<boolean> {
    if (!(await this.#hasTable())) return false;
    return (await getTenant(this.deps.pool, parseTenantId(tenant.metadata.name))) !== undefined;
  }

  async delete(tenant: Tenant): Promise<void> {
    if (!(await this.#hasTable())) return;
    await this.deps.pool.query('DELETE FROM vigilo.tenants WHERE id = $1', [parseTenantId(tenant.metadata.name)]);
  }

  async retain(tenant: Tenant): Promise<void> {
    if (!(await this.#hasTable())) return;
    await this.deps.pool.query(`UPDATE vigilo.tenants SET status = 'suspended', updated_at = now() WHERE id = $1 AND status <> 'suspended'`, [
      parseTenantId(tenant.metadata.name),
    ]);
  }

  async #hasTable(): Promise<boolean> {
    const { rows } = await this.deps.pool.query<{ present: boolean }>("SELECT to_regclass('vigilo.tenants') IS NOT NULL AS present");
    return rows[0]?.present ?? false;
  }

  async #platform(): Promise<void> {
    if (!(await this.#hasTable())) await migratePlatform(this.deps.pool);
  }
}

/**
 * LISTENs to `vigilo_tenants` and reports the tenant id of every registry change, so a row edited or deleted
 * by hand is reconciled at once instead of at the next resync. Reconnects with backoff when the connection drops.
 */
export class RegistryListener {
  #client: PoolClient | undefined;
  #stopped = true;
  #timer: NodeJS.Timeout | undefined;
  readonly #backoff = new ItemExponentialBackoff({ baseMs: 500, maxMs: 30_000 });

  constructor(private readonly deps: { pool: Pool; onChange: (tenant: string) => void; onError?: (error: unknown) => void }) {}

  async start(): Promise<void> {
    this.#stopped = false;
    await this.#connect();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    const client = this.#client;
    this.#client = undefined;
    if (client) {
      client.removeAllListeners('notification');
      client.release(true);
    }
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    try {
      const client = await this.deps.pool.connect();
      client.on('notification', (message) => {
        if (message.channel === 'vigilo_tenants' && message.payload) this.deps.onChange(message.payload);
      });
      client.on('error', (error) => this.#lost(client, error));
      await client.query('LISTEN vigilo_tenants');
      this.#client = client;
      this.#backoff.forget('listen');
    } catch (error) {
      this.deps.onError?.(error);
      this.#schedule();
    }
  }

  #lost(client: PoolClient, error: unknown): void {
    if (this.#client !== client) return;
    this.#client = undefined;
    this.deps.onError?.(error);
    client.release(true);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.#connect(), this.#backoff.next('listen'));
    this.#timer.unref();
  }
}
