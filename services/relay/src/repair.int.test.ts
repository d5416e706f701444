import assert from 'node:assert/strict';
import { contentHash, parseTenantId, tenantSchemaName } from '@vigilo/domain';
import { PostgresDeadLetterStore, PostgresReportStore, dropTenantSchema, provisionTenant } from '@vigilo/postgres';
import { PostgresTaskQueue, migrateTaskQueue } from '@vigilo/queue';
import { type SearchIndex, createElasticsearchSearchIndex } from '@vigilo/search-engine';
import { createTestDatabase, minimalReport, uniqueTenant, type TestDatabase } from '@vigilo/testkit';
import { findDifferences } from './antiEntropy.js';
import { OutboxRelay, indexQueueName } from './relay.js';
import { repairDifferences, replayDeadLetters } from './repair.js';

describe('anti-entropy, repair and dead-letter replay (real PostgreSQL and Elasticsearch)', function () {
  let db: TestDatabase;
  let engine: SearchIndex;
  const tenant = parseTenantId(uniqueTenant('ae'));
  const t = () => tenantSchemaName(tenant);

  before(async () => {
    const url = process.env['VIGILO_TEST_ES_URL'];
    if (!url) throw new Error('VIGILO_TEST_ES_URL is not set: run through scripts/test');
    db = await createTestDatabase();
    await provisionTenant(db.pool, { id: tenant });
    await migrateTaskQueue(db.pool);
    engine = createElasticsearchSearchIndex({ node: url, replicas: 0 });
    await engine.ensureTenant(tenant, { replicas: 0 });
    const reports = ['A', 'B', 'C', 'D'].map((id) => minimalReport({ safetyreportid: id }));
    await new PostgresReportStore({ pool: db.pool }).putReports(tenant, reports.map((report) => ({ report, contentHash: contentHash(report) })));
  });
  after(async () => {
    await engine?.dropTenant(tenant);
    await engine?.close();
    await dropTenantSchema(db.pool, tenant);
    await db?.drop();
  });

  const doc = (id: string, version: number, nullified = false) => ({
    id,
    version,
    document: { vigilo: { tenant, safetyreportid: id, version, nullified, committedAt: new Date().toISOString() }, ...(nullified ? {} : { report: minimalReport({ safetyreportid: id, safetyreportversion: version }) }) },
  });

  it('finds missing, stale and extra documents in one paged pass', async () => {
    // B is current in the engine, A is stale there, C and D are missing, Z exists only in the engine.
    await engine.bulk(tenant, [doc('B', 1), doc('Z', 1)]);
    const engineHasOldA = await engine.bulk(tenant, [doc('A', 1, true)]);
    assert.equal(engineHasOldA[0]?.outcome, 'written');
    await engine.refresh(tenant);
    const differences = await findDifferences({ pool: db.pool, engine }, tenant, 2);
    assert.deepEqual(
      differences.map((d) => [d.id, d.kind]),
      [
        ['A', 'stale'],
        ['C', 'missing'],
        ['D', 'missing'],
        ['Z', 'extra'],
      ],
    );
  });

  it('repairs through the outbox under repair task names the relay sends like any other', async () => {
    await engine.refresh(tenant);
    const differences = await findDifferences({ pool: db.pool, engine }, tenant);
    await db.pool.query(`UPDATE ${t()}.outbox SET dispatched_at = now()`);
    assert.equal(await repairDifferences(db.pool, tenant, differences, 'g1'), 3);
    const queue = new PostgresTaskQueue({ pool: db.pool });
    await queue.ensureQueue({ name: indexQueueName(tenant), maxAttempts: 3, minBackoffMs: 100, maxBackoffMs: 1000 });
    await new OutboxRelay({ pool: db.pool, queue }).drain(tenant);
    const { rows } = await db.pool.query<{ name: string; payload: { origin: string } }>(`SELECT name, payload FROM vigilo.tasks ORDER BY name`);
    assert.equal(rows.length, 3);
    assert.ok(rows.every((r) => r.name.endsWith('-repair-g1') && r.payload.origin === 'repair'));
  });

  it('replays dead letters through the outbox and marks them replayed', async () => {
    const letters = new PostgresDeadLetterStore(db.pool);
    await letters.park(tenant, { taskName: 'dead-1', queue: 'q', safetyreportid: 'C', version: 1, attempts: 3, errorCode: 'VIG_UNAVAILABLE', errorDetail: '503' });
    assert.equal(await letters.depth(tenant), 1);
    assert.equal(await replayDeadLetters(db.pool, tenant), 1);
    assert.equal(await letters.depth(tenant), 0);
    const { rows } = await db.pool.query(`SELECT safetyreportid, origin FROM ${t()}.outbox WHERE origin = 'replay'`);
    assert.deepEqual(rows, [{ safetyreportid: 'C', origin: 'replay' }]);
  });
});

describe('periodic anti-entropy job (real PostgreSQL and Elasticsearch)', function () {
  it('repairs a difference that persists across the grace period, through the outbox', async () => {
    const url = process.env['VIGILO_TEST_ES_URL'];
    if (!url) throw new Error('VIGILO_TEST_ES_URL is not set: run through scripts/test');
    const { AntiEntropyJob } = await import('./antiEntropyJob.js');
    const { createLogger } = await import('@vigilo/platform');
    const db = await createTestDatabase();
    const tenant = parseTenantId(uniqueTenant('aej'));
    const engine = createElasticsearchSearchIndex({ node: url, replicas: 0 });
    try {
      await provisionTenant(db.pool, { id: tenant });
      await engine.ensureTenant(tenant, { replicas: 0 });
      const report = minimalReport({ safetyreportid: 'LOST-1' });
      await new PostgresReportStore({ pool: db.pool }).putReports(tenant, [{ report, contentHash: contentHash(report) }]);
      await db.pool.query(`UPDATE ${tenantSchemaName(tenant)}.outbox SET dispatched_at = now()`); // as if the task had been lost
      const results: Array<[string, number, number]> = [];
      const job = new AntiEntropyJob({ pool: db.pool, engine, logger: createLogger({ name: 'test', level: 'silent' }), intervalMs: 60_000, graceMs: 100, onResult: (t, d, r) => results.push([t, d, r]) });
      await job.runOnce();
      assert.deepEqual(results.find(([t]) => t === tenant), [tenant, 1, 1]);
      const { rows } = await db.pool.query(`SELECT safetyreportid, origin FROM ${tenantSchemaName(tenant)}.outbox WHERE dispatched_at IS NULL`);
      assert.deepEqual(rows, [{ safetyreportid: 'LOST-1', origin: 'repair' }]);
    } finally {
      await engine.dropTenant(tenant);
      await engine.close();
      await dropTenantSchema(db.pool, tenant);
      await db.drop();
    }
  });
});
