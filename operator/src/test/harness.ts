import * as grpc from '@grpc/grpc-js';
import { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import { Registry, createLogger } from '@vigilo/platform';
import { CloudTasksTaskQueue, PostgresTaskQueue, type TaskQueue, migrateTaskQueue } from '@vigilo/queue';
import { elasticsearchConnection } from '@vigilo/search-engine';
import { createTestDatabase, type TestDatabase } from '@vigilo/testkit';
import type { Tenant } from '../api/v1alpha1/tenant.js';
import { SearchIndexClient } from '../external/indexTemplate.js';
import type { ExternalClient } from '../external/ports.js';
import { TenantRegistryClient } from '../external/registry.js';
import { PostgresSqlSchemaClient } from '../external/sqlSchema.js';
import { TaskQueueClient } from '../external/taskQueue.js';

/** Test-only wiring of the real adapters to the components scripts/test started; a missing one fails, never skips. */
export function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through scripts/test (it starts every component)`);
  return value;
}

export const silentLogger = createLogger({ name: 'operator-test', level: process.env['VIGILO_TEST_LOG_LEVEL'] ?? 'silent' });

export interface RealSystems {
  db: TestDatabase;
  queue: TaskQueue;
  clients: ExternalClient[];
  search: SearchIndexClient;
  esUrl: string;
  close(): Promise<void>;
}

export async function realSystems(options: { queue: 'cloud-tasks' | 'postgres' }): Promise<RealSystems> {
  const esUrl = required('VIGILO_TEST_ES_URL');
  const db = await createTestDatabase('vigilo_operator');
  let queue: TaskQueue;
  if (options.queue === 'postgres') {
    await migrateTaskQueue(db.pool);
    queue = new PostgresTaskQueue({ pool: db.pool });
  } else {
    process.env['METADATA_SERVER_DETECTION'] ??= 'none';
    queue = new CloudTasksTaskQueue({
      project: 'vigilo-operator-test',
      location: 'local',
      targetUrl: 'http://127.0.0.1:9/unused',
      clientOptions: { servicePath: required('VIGILO_TEST_CLOUD_TASKS_HOST'), port: Number(required('VIGILO_TEST_CLOUD_TASKS_PORT')), sslCreds: grpc.credentials.createInsecure() },
      callTimeoutMs: 10_000,
    });
  }
  const search = new SearchIndexClient({ connection: elasticsearchConnection(new ElasticsearchClient({ node: esUrl })) });
  const clients = [new PostgresSqlSchemaClient({ pool: db.pool }), search, new TaskQueueClient({ queue }), new TenantRegistryClient({ pool: db.pool })];
  return {
    db,
    queue,
    clients,
    search,
    esUrl,
    async close() {
      await search.close();
      await queue.close();
      await db.drop();
    },
  };
}

/** Plain HTTP to the engine: the checks do not go through the code under test. */
export async function engineGet(esUrl: string, path: string): Promise<{ status: number; body: any }> {
  const response = await fetch(new URL(path, esUrl));
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

export async function engineDelete(esUrl: string, path: string): Promise<number> {
  return (await fetch(new URL(path, esUrl), { method: 'DELETE' })).status;
}

/** Polls until `check` answers a value (not undefined/false), or fails after `timeoutMs` with `what`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function conditionOf(tenant: Tenant | undefined, type: string): string | undefined {
  const c = tenant?.status?.conditions?.find((x) => x.type === type);
  return c ? `${c.status}/${c.reason}` : undefined;
}

/** True when every condition is True and was computed for the current generation. */
export function isReady(tenant: Tenant | undefined): boolean {
  if (!tenant?.status?.conditions) return false;
  const generation = tenant.metadata.generation;
  return (
    tenant.status.observedGeneration === generation &&
    ['Ready', 'Synced', 'SqlReady', 'SearchReady', 'QueueReady', 'RegistryReady'].every((type) => {
      const c = tenant.status!.conditions!.find((x) => x.type === type);
      return c?.status === 'True' && c.observedGeneration === generation;
    })
  );
}

/** Sum of controller_runtime_reconcile_total, to wait for "one more reconcile happened". */
export async function reconcileCount(registry: Registry): Promise<number> {
  const metric = registry.getSingleMetric('controller_runtime_reconcile_total');
  if (!metric) return 0;
  return (await metric.get()).values.reduce((sum, v) => sum + v.value, 0);
}

/** What SQL holds for a tenant, read with plain catalog queries. */
export async function sqlFacts(db: TestDatabase, tenant: string) {
  const schema = `tenant_${tenant.replace(/-/g, '_')}`;
  const role = `vigilo_tenant_${tenant.replace(/-/g, '_')}`;
  const { rows } = await db.pool.query<{ schema: boolean; role: boolean; rls: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS schema,
            EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $2) AS role,
            COALESCE((SELECT bool_and(c.relrowsecurity) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                      WHERE n.nspname = $1 AND c.relkind = 'r'), false) AS rls`,
    [schema, role],
  );
  const registry = (await db.pool.query<{ status: string; settings: Record<string, any>; updated_at: Date; schema_version: number }>(
    `SELECT status, settings, updated_at, schema_version FROM vigilo.tenants WHERE id = $1`,
    [tenant],
  ).catch(() => ({ rows: [] }))).rows[0];
  return { schemaName: schema, roleName: role, ...rows[0]!, registry };
}
