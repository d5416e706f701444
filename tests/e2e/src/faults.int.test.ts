import assert from 'node:assert/strict';
import path from 'node:path';
import { tenantSchemaName } from '@vigilo/domain';
import { OutageProxy, REPO_ROOT, minimalReport, requireEnv, until } from '@vigilo/testkit';
import { WritePath, run } from './writePath.js';

/**
 * Faults on the write path, with every component real and separate: after
 * each, the anti-entropy check must come out empty (same ids, same versions,
 * nullified reports as tombstones) and nothing may sit in the dead letters.
 */
describe('write path under faults (real processes; anti-entropy must converge to zero differences)', function () {
  // Retries must outlast the outages below: 60 attempts, backoff 0.1 s doubling to 2 s.
  const wp = new WritePath({ tenantPrefix: 'chaos', engineProxy: true, maxAttempts: 60, indexerEnv: { VIGILO_ENGINE_REQUEST_TIMEOUT: '3s' } });
  let tenant: WritePath['tenant'];

  const converged = () => wp.converged('anti-entropy');
  const scalar = async (sql: string) => Number((await wp.db.pool.query<{ n: string }>(sql)).rows[0]!.n);
  const deadLetters = () => scalar(`SELECT count(*) AS n FROM ${tenantSchemaName(tenant)}.dead_letters`);
  const pendingOutbox = () => scalar(`SELECT count(*) AS n FROM ${tenantSchemaName(tenant)}.outbox WHERE dispatched_at IS NULL`);
  const postBulk = (ids: string[], version = 1) =>
    wp
      .postJson(`/v1/tenants/${tenant}/reports/bulk`, ids.map((id) => JSON.stringify(minimalReport({ safetyreportid: id, safetyreportversion: version }))).join('\n'), 'application/x-ndjson')
      .then((r) => r.text());
  const indexerMetrics = () => fetch(`${wp.indexer.url}/metrics`).then((r) => r.text());

  before(async () => {
    await wp.start();
    tenant = wp.tenant;
  });

  after(async () => {
    await wp.stop();
  });

  it('converges after the indexer is killed with SIGKILL in the middle of a quarter import', async () => {
    const importing = wp.importFaers(undefined, ['--batch-size', '10']);
    await until(async () => (await indexerMetrics()).includes('vigilo_index_tasks_total{outcome="indexed"'), (seen) => seen, 'the indexer indexed something');
    wp.indexer.child.kill('SIGKILL');
    await wp.indexer.exited;
    wp.indexer = await wp.startIndexer();
    await importing;
    assert.deepEqual(await until(converged, (d) => d.length === 0, 'anti-entropy after kill -9'), []);
    assert.equal(await deadLetters(), 0);
  });

  it('converges after the search engine is unreachable for 30 s while reports are ingested', async () => {
    wp.proxy!.cut();
    const ids = Array.from({ length: 150 }, (_, i) => `OUT-${i}`);
    await postBulk(ids);
    // The queue keeps retrying while the engine is away (the indexer answers 503).
    await until(async () => (await indexerMetrics()).includes('vigilo_index_tasks_total{outcome="retry"'), (seen) => seen, 'retries during the outage');
    await new Promise((r) => setTimeout(r, 30_000));
    await postBulk(ids.slice(0, 50), 2);
    wp.proxy!.restore();
    assert.deepEqual(await until(converged, (d) => d.length === 0, 'anti-entropy after the outage'), []);
    assert.equal(await deadLetters(), 0);
  });

  it('converges when the relay is killed after the queue accepted its tasks but before it marked the outbox rows', async () => {
    // The relay talks to the emulator through a proxy that lets requests through and drops the answers:
    // the tasks exist (and are delivered) but the relay never hears the acknowledgement, so it cannot mark.
    const tasks = new OutageProxy(new URL(`http://${requireEnv('VIGILO_TEST_CLOUD_TASKS_HOST')}:${requireEnv('VIGILO_TEST_CLOUD_TASKS_PORT')}`));
    await tasks.start();
    try {
      await wp.relay.stop();
      wp.relay = await wp.startRelay({ VIGILO_RELAY_CLOUD_TASKS_EMULATOR: tasks.hostPort });
      const indexed = async (prefix: string) => {
        await wp.engine.refresh(tenant);
        return (await wp.engine.listVersions(tenant, { pageSize: 10_000 })).filter((v) => v.id.startsWith(prefix)).length;
      };
      // First through the open proxy, so that the relay's gRPC connection (HTTP/2 handshake) is established.
      await postBulk(['RELAY-WARM-1']);
      await until(() => indexed('RELAY-WARM-'), (n) => n === 1, 'the relay works through the proxy');
      tasks.mute();
      const ids = Array.from({ length: 20 }, (_, i) => `RELAY-KILL-${i}`);
      await postBulk(ids);
      await until(() => indexed('RELAY-KILL-'), (n) => n > 0, 'a task the relay enqueued was delivered and indexed');
      assert.ok((await pendingOutbox()) > 0, 'the relay has not marked the rows of the tasks it enqueued');
      wp.relay.child.kill('SIGKILL');
      await wp.relay.exited;
    } finally {
      await tasks.stop();
    }
    wp.relay = await wp.startRelay();
    assert.deepEqual(await until(converged, (d) => d.length === 0, 'anti-entropy after the relay was killed'), []);
    assert.equal(await until(pendingOutbox, (n) => n === 0, 'the restarted relay marked every row (already-existing tasks count as enqueued)'), 0);
    assert.equal(await deadLetters(), 0);
  });

  it('loses nothing acknowledged when PostgreSQL restarts during ingestion, and converges', async () => {
    const acknowledged = new Set<string>();
    let restarted = false;
    const restart = (async () => {
      await until(async () => acknowledged.size, (n) => n >= 20, 'some reports stored before the restart');
      await run('bash', [path.join(REPO_ROOT, 'scripts/infra/postgres.sh'), 'restart'], { env: process.env });
      restarted = true;
    })();
    for (let i = 0; i < 120; i++) {
      const id = `PGR-${i}`;
      // A client that retries what was not acknowledged (503 or a dropped connection), as the CLI does.
      await until(
        async () => {
          try {
            const res = await wp.postJson(`/v1/tenants/${tenant}/reports`, minimalReport({ safetyreportid: id }));
            return res.status;
          } catch {
            return 0;
          }
        },
        (status) => status === 201 || status === 200,
        `storing ${id}`,
      );
      acknowledged.add(id);
    }
    await restart;
    assert.ok(restarted);
    const { rows } = await wp.db.pool.query<{ safetyreportid: string }>(`SELECT safetyreportid FROM ${tenantSchemaName(tenant)}.reports WHERE safetyreportid LIKE 'PGR-%'`);
    assert.deepEqual(new Set(rows.map((r) => r.safetyreportid)), acknowledged, 'every acknowledged report is in SQL');
    assert.deepEqual(await until(converged, (d) => d.length === 0, 'anti-entropy after the database restart'), []);
    assert.equal(await deadLetters(), 0);
  });

  it('converges when the same report is updated and nullified in quick succession (out-of-order deliveries)', async () => {
    const id = 'RACE-1';
    for (let version = 1; version <= 8; version++) {
      const body = minimalReport({ safetyreportid: id, safetyreportversion: version, ...(version === 8 ? { reportnullificationamendment: '1' } : {}) });
      await wp.postJson(`/v1/tenants/${tenant}/reports`, body);
    }
    assert.deepEqual(await until(converged, (d) => d.length === 0, 'anti-entropy after a burst of versions'), []);
    const held = (await wp.engine.listVersions(tenant, { pageSize: 1000 })).find((v) => v.id === id);
    assert.deepEqual([held?.version, held?.nullified], [8, true]);
  });
});
