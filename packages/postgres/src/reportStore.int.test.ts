import assert from 'node:assert/strict';
import { type AdverseEventReport, contentHash, parseTenantId, tenantSchemaName } from '@vigilo/domain';
import { createTestDatabase, minimalReport, uniqueTenant, type TestDatabase } from '@vigilo/testkit';
import { dropTenantSchema } from './migrations.js';
import { provisionTenant } from './tenants.js';
import { PostgresReportStore } from './reportStore.js';
import { ident } from './sql.js';

const item = (report: AdverseEventReport) => ({ report, contentHash: contentHash(report) });

describe('PostgresReportStore (real PostgreSQL)', function () {
  let db: TestDatabase;
  const tenant = parseTenantId(uniqueTenant('store'));
  let store: PostgresReportStore;
  const t = (table: string) => `${ident(tenantSchemaName(tenant))}.${ident(table)}`;

  before(async () => {
    db = await createTestDatabase();
    await provisionTenant(db.pool, { id: tenant });
    store = new PostgresReportStore({ pool: db.pool, copyThreshold: 3 });
  });
  after(async () => {
    await dropTenantSchema(db.pool, tenant);
    await db.drop();
  });

  it('stores every version, keeps the highest as current and writes an outbox row with each advance', async () => {
    const v1 = minimalReport({ safetyreportid: 'S-1', safetyreportversion: 1 });
    const v2 = minimalReport({ safetyreportid: 'S-1', safetyreportversion: 2, serious: '2', seriousnesshospitalization: undefined });
    const [first] = await store.putReports(tenant, [item(v1)]);
    const [second] = await store.putReports(tenant, [item(v2)]);
    assert.equal(first?.outcome, 'created');
    assert.equal(second?.outcome === 'created' && second.becameCurrent, true);
    const current = await store.getCurrent(tenant, 'S-1');
    assert.equal(current?.version, 2);
    assert.equal(current?.content.serious, '2');
    assert.deepEqual((await store.listVersions(tenant, 'S-1')).map((v) => v.version), [1, 2]);
    const outbox = await db.pool.query(`SELECT version FROM ${t('outbox')} WHERE safetyreportid = 'S-1' ORDER BY id`);
    assert.deepEqual(outbox.rows.map((r: { version: number }) => r.version), [1, 2]);
  });

  it('notifies listeners on vigilo_outbox with the tenant id when outbox rows are written', async () => {
    const listener = await db.pool.connect();
    try {
      await listener.query('LISTEN vigilo_outbox');
      const heard = new Promise<string | undefined>((resolve) => listener.once('notification', (n) => resolve(n.payload)));
      await store.putReports(tenant, [item(minimalReport({ safetyreportid: 'N-1' }))]);
      assert.equal(await heard, tenant);
    } finally {
      await listener.query('UNLISTEN vigilo_outbox');
      listener.release();
    }
  });

  it('stores a late older version in history without moving current back or queueing it', async () => {
    const v5 = minimalReport({ safetyreportid: 'S-2', safetyreportversion: 5 });
    const v3 = minimalReport({ safetyreportid: 'S-2', safetyreportversion: 3, occurcountry: 'DE' });
    await store.putReports(tenant, [item(v5)]);
    const [late] = await store.putReports(tenant, [item(v3)]);
    assert.equal(late?.outcome === 'created' && late.becameCurrent, false);
    assert.equal((await store.getCurrent(tenant, 'S-2'))?.version, 5);
    assert.equal((await store.getVersion(tenant, 'S-2', 3))?.content.occurcountry, 'DE');
    const outbox = await db.pool.query(`SELECT version FROM ${t('outbox')} WHERE safetyreportid = 'S-2'`);
    assert.deepEqual(outbox.rows.map((r: { version: number }) => r.version), [5]);
  });

  it('answers a re-sent identical version as unchanged with the original receipt, and a changed one as a conflict', async () => {
    const v1 = minimalReport({ safetyreportid: 'S-3' });
    const [created] = await store.putReports(tenant, [item(v1)]);
    const [again] = await store.putReports(tenant, [item({ ...v1 })]);
    const [changed] = await store.putReports(tenant, [item({ ...v1, occurcountry: 'JP' })]);
    assert.equal(again?.outcome, 'unchanged');
    assert.equal(again?.outcome === 'unchanged' && created?.outcome === 'created' && again.receivedAt.getTime() === created.receivedAt.getTime(), true);
    assert.deepEqual(changed, { outcome: 'conflict', safetyreportid: 'S-3', version: 1 });
  });

  it('marks a nullified report and keeps its history', async () => {
    const v1 = minimalReport({ safetyreportid: 'S-4' });
    const v2 = minimalReport({ safetyreportid: 'S-4', safetyreportversion: 2, reportnullificationamendment: '1' });
    await store.putReports(tenant, [item(v1), item(v2)]);
    const current = await store.getCurrent(tenant, 'S-4');
    assert.equal(current?.nullified, true);
    assert.equal(current?.version, 2);
    assert.equal((await store.listVersions(tenant, 'S-4')).length, 2);
  });

  it('handles duplicates inside one batch: first line created, identical repeat unchanged, different repeat conflict', async () => {
    const r = minimalReport({ safetyreportid: 'S-5' });
    const outcomes = await store.putReports(tenant, [item(r), item(r), item({ ...r, occurcountry: 'IT' }), item(minimalReport({ safetyreportid: 'S-6' }))]);
    assert.deepEqual(outcomes.map((o) => o.outcome), ['created', 'unchanged', 'conflict', 'created']);
  });

  it('leaves no duplicate and loses no version when the same batch is stored concurrently (COPY path)', async () => {
    const batch = Array.from({ length: 300 }, (_, i) => item(minimalReport({ safetyreportid: `C-${i % 100}`, safetyreportversion: 1 + Math.floor(i / 100) })));
    const reversed = [...batch].reverse();
    const results = await Promise.all([store.putReports(tenant, batch), store.putReports(tenant, reversed), store.putReports(tenant, batch)]);
    const created = results.flat().filter((o) => o.outcome === 'created').length;
    const unchanged = results.flat().filter((o) => o.outcome === 'unchanged').length;
    assert.equal(created, 300, 'each version created exactly once');
    assert.equal(unchanged, 600);
    const versions = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t('report_versions')} WHERE safetyreportid LIKE 'C-%'`);
    assert.equal(versions.rows[0]?.n, 300);
    const currents = await db.pool.query<{ v: number; n: number }>(`SELECT current_version AS v, count(*)::int AS n FROM ${t('reports')} WHERE safetyreportid LIKE 'C-%' GROUP BY 1`);
    assert.deepEqual(currents.rows, [{ v: 3, n: 100 }]);
    // Every report's newest version has an outbox row, so the indexer cannot miss it.
    const missing = await db.pool.query(
      `SELECT r.safetyreportid FROM ${t('reports')} r WHERE r.safetyreportid LIKE 'C-%'
       AND NOT EXISTS (SELECT 1 FROM ${t('outbox')} o WHERE o.safetyreportid = r.safetyreportid AND o.version = r.current_version)`,
    );
    assert.equal(missing.rowCount, 0);
  });
});
