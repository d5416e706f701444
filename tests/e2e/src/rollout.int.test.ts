import assert from 'node:assert/strict';
import { MAPPING_VERSION, initialIndexName } from '@vigilo/search-engine';
import { minimalReport } from '@vigilo/testkit';
import { WritePath } from './writePath.js';

/**
 * A mapping change rolls out to a new index filled from SQL, then the read alias swaps, while reports keep
 * arriving through the whole write path: no downtime for readers, no lost update.
 */
describe('mapping rollout under live writes (vigilo reindex while ingest, relay, Cloud Tasks and the indexer run)', function () {
  const wp = new WritePath({ tenantPrefix: 'roll' });

  before(async () => {
    await wp.start();
  });

  after(async () => {
    await wp.stop();
  });

  it('moves the tenant to a new index with the current mapping; SQL and the engine agree afterwards', async () => {
    await wp.importFaers();
    assert.deepEqual(await wp.converged('the quarter is indexed'), []);
    const names = wp.engine.names(wp.tenant);
    // The tenant's index as an older release made it.
    const old = await fetch(new URL(`/${initialIndexName(names)}/_mapping`, wp.engineUrl), {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ _meta: { mapping_version: MAPPING_VERSION - 1 } }),
    });
    assert.equal(old.status, 200);

    // Writers: new versions of existing reports, new reports, and a nullification, all through ingest.
    let writing = true;
    let round = 0;
    const acknowledged: string[] = [];
    const writer = (async () => {
      while (writing) {
        round++;
        const lines = Array.from({ length: 20 }, (_, i) => JSON.stringify(minimalReport({ safetyreportid: `LIVE-${i}`, safetyreportversion: round, ...(i === 0 && round % 5 === 0 ? { reportnullificationamendment: '1' } : {}) })));
        const res = await wp.postJson(`/v1/tenants/${wp.tenant}/reports/bulk`, lines.join('\n'), 'application/x-ndjson');
        const body = await res.text();
        assert.equal(res.status, 200, body);
        const summary = (JSON.parse(body.trim().split('\n').at(-1)!) as { summary: { created: number } }).summary;
        assert.equal(summary.created, 20, body);
        acknowledged.push(`round ${round}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    // Readers never see an error while the rollout runs.
    let reads = 0;
    const reader = (async () => {
      while (writing) {
        await wp.engine.count(wp.tenant);
        reads++;
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

    await new Promise((r) => setTimeout(r, 1000));
    const reindexed = await wp.cli('reindex', '--tenant', wp.tenant, '--database-url', wp.db.url, '--engine-url', wp.engineUrl, '--json');
    await new Promise((r) => setTimeout(r, 1000));
    writing = false;
    await Promise.all([writer, reader]);
    const result = JSON.parse(reindexed.stdout) as { rollout: { from: string; to: string }; written: number };
    assert.deepEqual(result.rollout, { from: initialIndexName(names), to: `${names.indexPrefix}--000002` });
    assert.ok(result.written >= 100, `the backfill wrote the quarter (${result.written})`);
    assert.ok(acknowledged.length >= 3 && reads > 10, `writes (${acknowledged.length}) and reads (${reads}) went on during the rollout`);

    assert.deepEqual(await wp.converged('every acknowledged version is in the new index'), []);
    const indices = await wp.engine.indices(wp.tenant);
    assert.deepEqual(
      indices.map((i) => [i.index, i.mappingVersion, i.write, i.read]),
      [[result.rollout.to, MAPPING_VERSION, true, true]],
    );
    const { rows } = await wp.db.pool.query<{ n: string }>(`SELECT count(*) AS n FROM tenant_${wp.tenant.replace(/-/g, '_')}.reports WHERE safetyreportid LIKE 'LIVE-%' AND current_version = $1`, [round]);
    assert.equal(Number(rows[0]!.n), 20, 'the last round is current in SQL (and, by the check above, in the engine)');
    const again = await wp.cli('reindex', '--tenant', wp.tenant, '--database-url', wp.db.url, '--engine-url', wp.engineUrl);
    assert.match(again.stdout, /nothing to roll out/);
  });
});
