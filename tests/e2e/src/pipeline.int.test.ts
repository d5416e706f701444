import assert from 'node:assert/strict';
import { minimalReport } from '@vigilo/testkit';
import { liveReportsFilter } from '@vigilo/search-engine';
import { ENGINES, WritePath } from './writePath.js';

/**
 * The whole write path with every real component (see WritePath). It ends with the anti-entropy check of
 * invariant 6: no difference at all.
 */
for (const target of ENGINES)
  describe(`write path end to end (ingest, relay, Cloud Tasks emulator, indexer, ${target.name})`, function () {
    const path = new WritePath({ engine: target, tenantPrefix: 'e2e' });

    before(async () => {
      await path.start();
    });

    after(async () => {
      await path.stop();
    });

    it('makes the FAERS quarter, an update and a nullification searchable exactly as SQL holds them', async () => {
      await path.importFaers();
      const { rows } = await path.db.pool.query<{ safetyreportid: string }>(`SELECT safetyreportid FROM tenant_${path.tenant.replace(/-/g, '_')}.reports ORDER BY 1 LIMIT 2`);
      const [updated, nullified] = rows.map((r) => r.safetyreportid);
      const post = (body: unknown) => path.postJson(`/v1/tenants/${path.tenant}/reports`, body);
      assert.equal((await post(minimalReport({ safetyreportid: updated!, safetyreportversion: 50 }))).status, 201);
      assert.equal((await post(minimalReport({ safetyreportid: nullified!, safetyreportversion: 50, reportnullificationamendment: '1' }))).status, 201);

      assert.deepEqual(await path.converged('anti-entropy: SQL and the engine agree'), []);
      const check = await path.cli('sync', 'check', '--tenant', path.tenant, '--database-url', path.db.url, '--engine-url', path.engineUrl, '--engine', target.kind);
      assert.match(check.stdout, /^0 differences$/m, 'the operator command agrees');
      const live = await path.engine.count(path.tenant, { bool: { filter: [liveReportsFilter()] } });
      assert.equal(live, 100 - 1, 'every FAERS case but the nullified one is searchable');
    });
  });
