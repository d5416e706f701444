import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { credentials } from '@grpc/grpc-js';
import { parseTenantId, tenantSchemaName } from '@vigilo/domain';
import { dropTenantSchema, provisionTenant } from '@vigilo/postgres';
import { CloudTasksTaskQueue } from '@vigilo/queue';
import { findDifferences, indexQueueName } from '@vigilo/relay';
import { type SearchIndex, createElasticsearchSearchIndex } from '@vigilo/search-engine';
import { REPO_ROOT, createTestDatabase, minimalReport, startServiceProcess, uniqueTenant, type RunningProcess, type TestDatabase } from '@vigilo/testkit';
import { OutageProxy, freePort, requireEnv, until } from './harness.js';

const run = promisify(execFile);

/**
 * Faults on the write path, with every component real and separate: after
 * each, the anti-entropy check must come out empty (same ids, same versions,
 * nullified reports as tombstones) and nothing may sit in the dead letters.
 */
describe('write path under faults (real processes; anti-entropy must converge to zero differences)', function () {
  const tenant = parseTenantId(uniqueTenant('chaos'));
  const audience = 'https://indexer.vigilo.test/v1/tasks/index';
  const serviceAccount = 'indexer-invoker@vigilo-test.iam.gserviceaccount.com';
  let db: TestDatabase;
  let engine: SearchIndex;
  let queue: CloudTasksTaskQueue;
  let proxy: OutageProxy;
  let indexerPort: number;
  let indexer: RunningProcess;
  let relay: RunningProcess;
  let ingest: RunningProcess;

  const startIndexer = () =>
    startServiceProcess('indexer', {
      VIGILO_DATABASE_URL: db.url,
      VIGILO_ENGINE_URL: proxy.url,
      VIGILO_ENGINE_REQUEST_TIMEOUT: '3s',
      VIGILO_INDEXER_PORT: String(indexerPort),
      VIGILO_INDEXER_HOST: '127.0.0.1',
      VIGILO_INDEXER_AUTH_MODE: 'oidc',
      VIGILO_INDEXER_OIDC_ISSUER: requireEnv('VIGILO_TEST_CLOUD_TASKS_OIDC_ISSUER'),
      VIGILO_INDEXER_OIDC_AUDIENCE: audience,
      VIGILO_INDEXER_OIDC_SERVICE_ACCOUNT: serviceAccount,
      VIGILO_INDEXER_MAX_ATTEMPTS: '60',
    });

  const converged = async () => {
    await engine.refresh(tenant);
    return findDifferences({ pool: db.pool, engine }, tenant);
  };
  const deadLetters = async () => (await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${tenantSchemaName(tenant)}.dead_letters`)).rows[0]!.n;
  const postBulk = (ids: string[], version = 1) =>
    fetch(`${ingest.url}/v1/tenants/${tenant}/reports/bulk`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', 'x-vigilo-tenant': tenant, 'x-vigilo-scopes': 'write' },
      body: ids.map((id) => JSON.stringify(minimalReport({ safetyreportid: id, safetyreportversion: version }))).join('\n'),
    }).then((r) => r.text());

  before(async () => {
    db = await createTestDatabase();
    await provisionTenant(db.pool, { id: tenant });
    engine = createElasticsearchSearchIndex({ node: requireEnv('VIGILO_TEST_ES_URL'), replicas: 0 });
    await engine.ensureTenant(tenant, { replicas: 0 });
    proxy = new OutageProxy(new URL(requireEnv('VIGILO_TEST_ES_URL')));
    await proxy.start();
    indexerPort = await freePort();
    indexer = await startIndexer();
    const targetUrl = `${indexer.url}/v1/tasks/index`;
    queue = new CloudTasksTaskQueue({
      project: 'vigilo-test',
      location: 'local',
      targetUrl,
      oidc: { serviceAccountEmail: serviceAccount, audience },
      clientOptions: { servicePath: requireEnv('VIGILO_TEST_CLOUD_TASKS_HOST'), port: Number(requireEnv('VIGILO_TEST_CLOUD_TASKS_PORT')), sslCreds: credentials.createInsecure() },
    });
    // Retries must outlast the outages below: 60 attempts, backoff 0.1 s doubling to 2 s.
    await queue.ensureQueue({ name: indexQueueName(tenant), maxAttempts: 60, minBackoffMs: 100, maxBackoffMs: 2000 });
    relay = await startServiceProcess('relay', {
      VIGILO_DATABASE_URL: db.url,
      VIGILO_RELAY_PORT: '0',
      VIGILO_RELAY_HOST: '127.0.0.1',
      VIGILO_RELAY_TARGET_URL: targetUrl,
      VIGILO_RELAY_CLOUD_TASKS_PROJECT: 'vigilo-test',
      VIGILO_RELAY_CLOUD_TASKS_LOCATION: 'local',
      VIGILO_RELAY_CLOUD_TASKS_EMULATOR: `${requireEnv('VIGILO_TEST_CLOUD_TASKS_HOST')}:${requireEnv('VIGILO_TEST_CLOUD_TASKS_PORT')}`,
      VIGILO_RELAY_OIDC_SERVICE_ACCOUNT: serviceAccount,
      VIGILO_RELAY_OIDC_AUDIENCE: audience,
      VIGILO_RELAY_POLL_INTERVAL: '500ms',
      METADATA_SERVER_DETECTION: 'none',
    });
    ingest = await startServiceProcess('ingest', { VIGILO_DATABASE_URL: db.url, VIGILO_INGEST_PORT: '0', VIGILO_INGEST_HOST: '127.0.0.1' });
  });

  after(async () => {
    for (const p of [ingest, relay, indexer]) await p?.stop();
    await proxy?.stop();
    await queue?.close();
    await engine?.dropTenant(tenant);
    await engine?.close();
    await dropTenantSchema(db.pool, tenant);
    await db?.drop();
  });

  it('converges after the indexer is killed with SIGKILL in the middle of a quarter import', async () => {
    const importing = run(process.execPath, [
      path.join(REPO_ROOT, 'packages/cli/lib/main.js'),
      'faers', 'import', path.join(REPO_ROOT, 'packages/faers/fixtures/faers_ascii_2017q2.zip'),
      '--tenant', tenant, '--ingest-url', ingest.url, '--scopes', 'write', '--batch-size', '10',
    ]);
    await until(async () => (await fetch(`${indexer.url}/metrics`).then((r) => r.text())).includes('vigilo_index_tasks_total{outcome="indexed"'), (seen) => seen, 'the indexer indexed something');
    indexer.child.kill('SIGKILL');
    await indexer.exited;
    indexer = await startIndexer();
    await importing;
    assert.deepEqual(await until(converged, (d) => d.length === 0, 'anti-entropy after kill -9'), []);
    assert.equal(await deadLetters(), 0);
  });

  it('converges after the search engine is unreachable for 30 s while reports are ingested', async () => {
    proxy.cut();
    const ids = Array.from({ length: 150 }, (_, i) => `OUT-${i}`);
    await postBulk(ids);
    // The queue keeps retrying while the engine is away (the indexer answers 503).
    await until(async () => (await fetch(`${indexer.url}/metrics`).then((r) => r.text())).includes('vigilo_index_tasks_total{outcome="retry"'), (seen) => seen, 'retries during the outage');
    await new Promise((r) => setTimeout(r, 30_000));
    await postBulk(ids.slice(0, 50), 2);
    proxy.restore();
    assert.deepEqual(await until(converged, (d) => d.length === 0, 'anti-entropy after the outage'), []);
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
            const res = await fetch(`${ingest.url}/v1/tenants/${tenant}/reports`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', 'x-vigilo-tenant': tenant, 'x-vigilo-scopes': 'write' },
              body: JSON.stringify(minimalReport({ safetyreportid: id })),
            });
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
    const { rows } = await db.pool.query<{ safetyreportid: string }>(`SELECT safetyreportid FROM ${tenantSchemaName(tenant)}.reports WHERE safetyreportid LIKE 'PGR-%'`);
    assert.deepEqual(new Set(rows.map((r) => r.safetyreportid)), acknowledged, 'every acknowledged report is in SQL');
    assert.deepEqual(await until(converged, (d) => d.length === 0, 'anti-entropy after the database restart'), []);
    assert.equal(await deadLetters(), 0);
  });

  it('converges when the same report is updated and nullified in quick succession (out-of-order deliveries)', async () => {
    const id = 'RACE-1';
    for (let version = 1; version <= 8; version++) {
      const body = minimalReport({ safetyreportid: id, safetyreportversion: version, ...(version === 8 ? { reportnullificationamendment: '1' } : {}) });
      await fetch(`${ingest.url}/v1/tenants/${tenant}/reports`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-vigilo-tenant': tenant, 'x-vigilo-scopes': 'write' }, body: JSON.stringify(body) });
    }
    assert.deepEqual(await until(converged, (d) => d.length === 0, 'anti-entropy after a burst of versions'), []);
    const held = (await engine.listVersions(tenant, { pageSize: 1000 })).find((v) => v.id === id);
    assert.deepEqual([held?.version, held?.nullified], [8, true]);
  });
});
