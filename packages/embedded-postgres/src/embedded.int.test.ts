import assert from 'node:assert/strict';
import { contentHash, parseTenantId } from '@vigilo/domain';
import { createPool, provisionTenant, PostgresReportStore, asTenant, ident, type Pool } from '@vigilo/postgres';
import { minimalReport } from '@vigilo/testkit';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './index.js';

/**
 * The local mode runs the same SQL adapter against the embedded engine; this
 * suite proves the parts the local mode relies on behave as on PostgreSQL 15.
 */
describe('the PostgreSQL adapter on the embedded engine (local mode)', function () {
  this.timeout(120_000);
  let embedded: EmbeddedPostgres;
  let pool: Pool;
  const a = parseTenantId('local-a');
  const b = parseTenantId('local-b');

  before(async () => {
    embedded = await startEmbeddedPostgres();
    pool = createPool({ connectionString: embedded.url, max: 4 });
    await provisionTenant(pool, { id: a });
    await provisionTenant(pool, { id: b });
  });
  after(async () => {
    await pool?.end();
    await embedded?.stop();
  });

  it('stores versions with their outbox rows through the array-insert path', async () => {
    const store = new PostgresReportStore({ pool, useCopy: false });
    const items = [1, 2].map((v) => minimalReport({ safetyreportid: 'E-1', safetyreportversion: v })).map((report) => ({ report, contentHash: contentHash(report) }));
    const outcomes = await store.putReports(a, items);
    assert.deepEqual(outcomes.map((o) => o.outcome), ['created', 'created']);
    assert.equal((await store.putReports(a, [items[0]!]))[0]?.outcome, 'unchanged');
    assert.equal((await store.getCurrent(a, 'E-1'))?.version, 2);
  });

  it("enforces the tenant role boundary: tenant A's role cannot read tenant B's schema", async () => {
    await assert.rejects(
      asTenant(pool, a, (client) => client.query(`SELECT * FROM ${ident('tenant_local_b')}.reports`)),
      (error: { cause?: { code?: string }; code?: string }) => (error.code ?? error.cause?.code) === '42501',
    );
  });

  it('serves concurrent clients (sessions are serialised, not refused)', async () => {
    const store = new PostgresReportStore({ pool, useCopy: false });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => {
        const report = minimalReport({ safetyreportid: `E-C${i}` });
        return store.putReports(b, [{ report, contentHash: contentHash(report) }]);
      }),
    );
    assert.equal(results.flat().filter((o) => o.outcome === 'created').length, 20);
  });
});
