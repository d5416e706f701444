import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from '@vigilo/platform';
import { startServiceProcess, uniqueTenant } from '@vigilo/testkit';
import { PAUSE_ANNOTATION, applySpecDefaults } from '../api/v1alpha1/tenant.js';
import { TenantOperator } from '../operator.js';
import { conditionOf, engineDelete, engineGet, eventually, isReady, realSystems, reconcileCount, silentLogger, sqlFacts, type RealSystems } from '../test/harness.js';
import { FolderTenantSource } from './folderSource.js';
import { LocalTenantStore } from './localStore.js';

/**
 * The operator's reconcilers in local mode (no cluster) against the real PostgreSQL, Elasticsearch and the Cloud
 * Tasks emulator started by scripts/test. Every check reads the external system directly.
 */
describe('operator local mode against real PostgreSQL, Elasticsearch and the Cloud Tasks emulator', function () {
  this.timeout(120_000);
  let systems: RealSystems;
  let store: LocalTenantStore;
  let registry: Registry;
  let operator: TenantOperator;
  const events: Array<{ tenant: string; reason: string }> = [];

  before(async () => {
    systems = await realSystems({ queue: 'cloud-tasks' });
    store = new LocalTenantStore();
    registry = new Registry();
    operator = new TenantOperator({
      listWatch: store,
      writer: store,
      events: { event: (t, _type, reason) => void events.push({ tenant: t.metadata.name, reason }) },
      clients: systems.clients,
      logger: silentLogger,
      registry,
      pool: systems.db.pool,
      workers: 2,
      pollIntervalMs: 3_600_000,
      resyncPeriodMs: 0,
      retry: { baseDelayMs: 200, maxDelayMs: 2_000 },
    });
    await operator.start();
  });

  after(async () => {
    await operator?.stop();
    await systems?.close();
  });

  const templateOf = (tenant: string) => `/_index_template/vigilo-reports-${tenant}`;
  const aliasesOf = (tenant: string) => `/vigilo-reports-${tenant}--*/_alias`;

  async function reconcileOnce(name: string): Promise<void> {
    const before = await reconcileCount(registry);
    operator.controller.enqueue(name);
    await eventually('a reconcile', async () => (await reconcileCount(registry)) > before);
  }

  it('a new Tenant becomes Ready with every condition True for its generation, and everything really exists', async () => {
    const name = uniqueTenant('op');
    assert.deepEqual(store.apply({ name, spec: applySpecDefaults({ search: { replicas: 0 }, queue: { maxAttempts: 5 } }) }), []);
    const tenant = await eventually('Ready', () => (isReady(store.get(name)) ? store.get(name) : undefined));
    assert.equal(tenant.status?.observedGeneration, 1);
    assert.ok(tenant.metadata.finalizers?.includes('vigilo.dev/tenant-cleanup'));
    const sql = await sqlFacts(systems.db, name);
    assert.equal(sql.schema && sql.role && sql.rls, true, 'schema, role and row-level security on every table');
    assert.equal(sql.registry?.status, 'active');
    assert.equal(sql.registry?.settings['queue']?.['maxAttempts'], 5);
    assert.equal(sql.registry?.schema_version, tenant.status?.sql?.schemaVersion);
    assert.equal((await engineGet(systems.esUrl, templateOf(name))).status, 200);
    const aliases = (await engineGet(systems.esUrl, aliasesOf(name))).body as Record<string, { aliases: Record<string, unknown> }>;
    const held = Object.values(aliases).flatMap((v) => Object.keys(v.aliases));
    assert.deepEqual(held.sort(), [`vigilo-reports-${name}-read`, `vigilo-reports-${name}-write`]);
    assert.equal(await systems.queue.queueExists(`vigilo-index-${name}`), true);
    assert.deepEqual(
      events.filter((e) => e.tenant === name).map((e) => e.reason).sort(),
      ['CreatedQueue', 'CreatedRegistry', 'CreatedSearch', 'CreatedSql'],
    );
  });

  it('a second reconcile changes nothing: same resourceVersion, same template, same registry row, no event', async () => {
    const name = uniqueTenant('op');
    store.apply({ name, spec: applySpecDefaults({ search: { replicas: 0 } }) });
    await eventually('Ready', () => isReady(store.get(name)));
    await reconcileOnce(name);
    const rv = store.get(name)!.metadata.resourceVersion;
    const template = (await engineGet(systems.esUrl, templateOf(name))).body;
    const row = (await sqlFacts(systems.db, name)).registry;
    const eventCount = events.length;
    await reconcileOnce(name);
    await reconcileOnce(name);
    assert.equal(store.get(name)!.metadata.resourceVersion, rv);
    assert.deepEqual((await engineGet(systems.esUrl, templateOf(name))).body, template);
    assert.deepEqual((await sqlFacts(systems.db, name)).registry, row);
    assert.equal(events.length, eventCount);
  });

  it('heals drift: a dropped index template, a dropped schema and a deleted registry row come back', async () => {
    const name = uniqueTenant('op');
    store.apply({ name, spec: applySpecDefaults({ search: { replicas: 0 } }) });
    await eventually('Ready', () => isReady(store.get(name)));
    assert.equal(await engineDelete(systems.esUrl, templateOf(name)), 200);
    await systems.db.pool.query(`DROP SCHEMA tenant_${name.replace(/-/g, '_')} CASCADE`);
    await reconcileOnce(name);
    assert.equal((await engineGet(systems.esUrl, templateOf(name))).status, 200);
    const sql = await sqlFacts(systems.db, name);
    assert.equal(sql.schema && sql.rls, true);
    // The registry row: no enqueue by hand, the LISTEN/NOTIFY path brings the reconcile.
    await systems.db.pool.query('DELETE FROM vigilo.tenants WHERE id = $1', [name]);
    await eventually('the registry row to be recreated', async () => (await sqlFacts(systems.db, name)).registry?.status === 'active');
    assert.ok(events.some((e) => e.tenant === name && e.reason === 'UpdatedSearch'));
  });

  it('converges a spec change (replicas) and reports the new observedGeneration', async () => {
    const name = uniqueTenant('op');
    store.apply({ name, spec: applySpecDefaults({ search: { replicas: 0 } }) });
    await eventually('Ready', () => isReady(store.get(name)));
    store.apply({ name, spec: applySpecDefaults({ search: { replicas: 1 } }) });
    const tenant = await eventually('Ready at generation 2', () => (isReady(store.get(name)) && store.get(name)!.status?.observedGeneration === 2 ? store.get(name) : undefined));
    const index = tenant.status!.search!.writeIndex!;
    const settings = (await engineGet(systems.esUrl, `/${index}/_settings?flat_settings=true`)).body;
    assert.equal(settings[index].settings['index.number_of_replicas'], '1');
  });

  it('pauses: nothing is repaired while paused; removing the annotation resumes', async () => {
    const name = uniqueTenant('op');
    const spec = applySpecDefaults({ search: { replicas: 0 } });
    store.apply({ name, spec });
    await eventually('Ready', () => isReady(store.get(name)));
    store.apply({ name, spec, annotations: { [PAUSE_ANNOTATION]: 'true' } });
    await eventually('Synced=False/ReconcilePaused', () => conditionOf(store.get(name), 'Synced') === 'False/ReconcilePaused');
    assert.equal(await engineDelete(systems.esUrl, templateOf(name)), 200);
    await reconcileOnce(name);
    assert.equal((await engineGet(systems.esUrl, templateOf(name))).status, 404, 'a paused Tenant is left alone');
    store.apply({ name, spec });
    await eventually('Ready again', () => isReady(store.get(name)));
    assert.equal((await engineGet(systems.esUrl, templateOf(name))).status, 200);
  });

  it('a queue deleted by hand is reported as QueueNameReserved (the backend keeps its name), not retried hot', async () => {
    const name = uniqueTenant('op');
    store.apply({ name, spec: applySpecDefaults({ search: { replicas: 0 } }) });
    await eventually('Ready', () => isReady(store.get(name)));
    await systems.queue.deleteQueue(`vigilo-index-${name}`);
    await reconcileOnce(name);
    await eventually('QueueReady=False/QueueNameReserved', () => conditionOf(store.get(name), 'QueueReady') === 'False/QueueNameReserved');
    assert.equal(conditionOf(store.get(name), 'Ready'), 'False/Unavailable');
    assert.equal(conditionOf(store.get(name), 'Synced'), 'True/ReconcileSuccess');
  });

  it('Retain: deleting the Tenant keeps schema, indices and queue, and suspends the registry row', async () => {
    const name = uniqueTenant('op');
    store.apply({ name, spec: applySpecDefaults({ search: { replicas: 0 } }) });
    await eventually('Ready', () => isReady(store.get(name)));
    store.delete(name);
    await eventually('the Tenant to be gone', () => store.get(name) === undefined);
    const sql = await sqlFacts(systems.db, name);
    assert.equal(sql.schema && sql.role, true);
    assert.equal(sql.registry?.status, 'suspended');
    assert.equal((await engineGet(systems.esUrl, templateOf(name))).status, 200);
    assert.equal(await systems.queue.queueExists(`vigilo-index-${name}`), true);
  });

  it('Delete: removes schema, role, template, indices, queue and registry row before the Tenant goes', async () => {
    const name = uniqueTenant('op');
    store.apply({ name, spec: applySpecDefaults({ deletionPolicy: 'Delete', search: { replicas: 0 } }) });
    await eventually('Ready', () => isReady(store.get(name)));
    store.delete(name);
    await eventually('the Tenant to be gone', () => store.get(name) === undefined);
    const sql = await sqlFacts(systems.db, name);
    assert.equal(sql.schema, false);
    assert.equal(sql.role, false);
    assert.equal(sql.registry, undefined);
    assert.equal((await engineGet(systems.esUrl, templateOf(name))).status, 404);
    const aliases = await engineGet(systems.esUrl, aliasesOf(name));
    assert.deepEqual(aliases.status === 404 ? {} : aliases.body, {});
    assert.equal(await systems.queue.queueExists(`vigilo-index-${name}`), false);
  });

  it('spreads a tenant over queue shards: every shard created, more when they grow, the registry tells the relay, Delete removes all', async () => {
    const name = uniqueTenant('op');
    store.apply({ name, spec: applySpecDefaults({ deletionPolicy: 'Delete', search: { replicas: 0 }, queue: { shards: 2 } }) });
    await eventually('Ready', () => isReady(store.get(name)));
    const names = (n: number) => [`vigilo-index-${name}`, ...Array.from({ length: n - 1 }, (_, i) => `vigilo-index-${name}--${i + 1}`)];
    for (const queue of names(2)) assert.equal(await systems.queue.queueExists(queue), true, queue);
    assert.equal(await systems.queue.queueExists(`vigilo-index-${name}--2`), false);
    assert.deepEqual(store.get(name)?.status?.queue?.names, names(2));
    assert.equal(((await sqlFacts(systems.db, name)).registry?.settings['queue'] as { shards: number }).shards, 2);

    store.apply({ name, spec: applySpecDefaults({ deletionPolicy: 'Delete', search: { replicas: 0 }, queue: { shards: 3 } }) });
    await eventually('three queues', async () => (await systems.queue.queueExists(`vigilo-index-${name}--2`)) && store.get(name)?.status?.queue?.names?.length === 3);

    store.delete(name);
    await eventually('the Tenant to be gone', () => store.get(name) === undefined);
    for (const queue of names(3)) assert.equal(await systems.queue.queueExists(queue), false, queue);
  });
});

describe('operator local mode: Tenant manifests in a folder, PostgreSQL queue', function () {
  this.timeout(120_000);
  let systems: RealSystems;
  let dir: string;
  let store: LocalTenantStore;
  let folder: FolderTenantSource;
  let operator: TenantOperator;

  before(async () => {
    systems = await realSystems({ queue: 'postgres' });
    dir = await mkdtemp(join(tmpdir(), 'vigilo-tenants-'));
    store = new LocalTenantStore();
    folder = new FolderTenantSource({ dir, store, logger: silentLogger, pollIntervalMs: 200 });
    operator = new TenantOperator({
      listWatch: store,
      writer: store,
      events: { event: () => undefined },
      clients: systems.clients,
      logger: silentLogger,
      pool: systems.db.pool,
      pollIntervalMs: 3_600_000,
      resyncPeriodMs: 0,
    });
    await folder.start();
    await operator.start();
  });

  after(async () => {
    folder?.stop();
    await operator?.stop();
    await systems?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reconciles a manifest file, recreates a queue dropped by hand, and deletes on file removal (Delete)', async () => {
    const name = uniqueTenant('lf');
    const file = join(dir, `${name}.yaml`);
    await writeFile(
      file,
      `apiVersion: vigilo.dev/v1alpha1\nkind: Tenant\nmetadata:\n  name: ${name}\nspec:\n  deletionPolicy: Delete\n  search:\n    replicas: 0\n  queue:\n    maxAttempts: 3\n---\napiVersion: vigilo.dev/v1alpha1\nkind: Tenant\nmetadata:\n  name: Not_Valid\nspec: {}\n`,
    );
    await eventually('Ready', () => isReady(store.get(name)));
    assert.equal(store.get('Not_Valid'), undefined, 'an invalid manifest is rejected, not reconciled');
    await systems.queue.deleteQueue(`vigilo-index-${name}`);
    operator.controller.enqueue(name);
    await eventually('the queue to be recreated', () => systems.queue.queueExists(`vigilo-index-${name}`));
    await unlink(file);
    await eventually('the Tenant to be gone', () => store.get(name) === undefined);
    assert.equal(await systems.queue.queueExists(`vigilo-index-${name}`), false);
    assert.equal((await sqlFacts(systems.db, name)).schema, false);
  });

  it('runs as its own process: `VIGILO_OPERATOR_MODE=local node operator/lib/main.js` reconciles the folder', async () => {
    folder.stop();
    await operator.stop();
    const name = uniqueTenant('lp');
    const own = await mkdtemp(join(tmpdir(), 'vigilo-tenants-'));
    await writeFile(join(own, 't.yaml'), `apiVersion: vigilo.dev/v1alpha1\nkind: Tenant\nmetadata:\n  name: ${name}\nspec:\n  displayName: Local Process\n  search:\n    replicas: 0\n`);
    // startServiceProcess runs `services/<name>/lib/main.js`; the operator sits beside services/.
    const proc = await startServiceProcess('../operator', {
      VIGILO_OPERATOR_MODE: 'local',
      VIGILO_OPERATOR_TENANTS_DIR: own,
      VIGILO_OPERATOR_QUEUE_BACKEND: 'postgres',
      VIGILO_OPERATOR_PORT: '0',
      VIGILO_OPERATOR_HOST: '127.0.0.1',
      VIGILO_DATABASE_URL: systems.db.url,
      VIGILO_ENGINE_URL: systems.esUrl,
      VIGILO_LOG_LEVEL: 'info',
    });
    try {
      const row = await eventually('the registry row', async () => (await sqlFacts(systems.db, name)).registry);
      assert.equal(row.status, 'active');
      assert.equal(await systems.queue.queueExists(`vigilo-index-${name}`), true);
      const metrics = await (await fetch(`${proc.url}/metrics`)).text();
      assert.match(metrics, /controller_runtime_reconcile_total\{[^}]*result="requeue_after"[^}]*\} [1-9]/);
    } finally {
      assert.equal(await proc.stop('SIGTERM'), 0);
      await rm(own, { recursive: true, force: true });
    }
  });
});
