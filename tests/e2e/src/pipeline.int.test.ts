import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { credentials } from '@grpc/grpc-js';
import { parseTenantId } from '@vigilo/domain';
import { dropTenantSchema, provisionTenant } from '@vigilo/postgres';
import { CloudTasksTaskQueue } from '@vigilo/queue';
import { findDifferences, indexQueueName } from '@vigilo/relay';
import { type SearchIndex, createElasticsearchSearchIndex, createOpenSearchSearchIndex, liveReportsFilter } from '@vigilo/search-engine';
import { REPO_ROOT, createTestDatabase, minimalReport, startServiceProcess, uniqueTenant, type RunningProcess, type TestDatabase } from '@vigilo/testkit';

const run = promisify(execFile);

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run through scripts/test`);
  return value;
}

async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, what: string, limitMs = 90_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`not converged within ${limitMs} ms: ${what}; last: ${JSON.stringify(value).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * The whole write path with every real component: ingest → PostgreSQL (report,
 * version, outbox in one transaction) → relay → Cloud Tasks emulator (HTTP push
 * with a signed OIDC token) → indexer (verifies the token against the
 * emulator's JWKS, loads the current state, de-identifies) → Elasticsearch.
 * It ends with the anti-entropy check of invariant 6: no difference at all.
 */
const ENGINES = [
  { name: 'Elasticsearch', kind: 'elasticsearch', urlVar: 'VIGILO_TEST_ES_URL', create: (node: string) => createElasticsearchSearchIndex({ node, replicas: 0 }) },
  { name: 'OpenSearch', kind: 'opensearch', urlVar: 'VIGILO_TEST_OPENSEARCH_URL', create: (node: string) => createOpenSearchSearchIndex({ node, replicas: 0 }) },
] as const;

for (const target of ENGINES)
describe(`write path end to end (ingest, relay, Cloud Tasks emulator, indexer, ${target.name})`, function () {
  const tenant = parseTenantId(uniqueTenant('e2e'));
  const audience = 'https://indexer.vigilo.test/v1/tasks/index';
  const serviceAccount = 'indexer-invoker@vigilo-test.iam.gserviceaccount.com';
  let db: TestDatabase;
  let engine: SearchIndex;
  let queue: CloudTasksTaskQueue;
  const processes: RunningProcess[] = [];
  let ingest: RunningProcess;

  before(async () => {
    db = await createTestDatabase();
    await provisionTenant(db.pool, { id: tenant });
    engine = target.create(env(target.urlVar));
    await engine.ensureTenant(tenant, { replicas: 0 });
    const emulator = `${env('VIGILO_TEST_CLOUD_TASKS_HOST')}:${env('VIGILO_TEST_CLOUD_TASKS_PORT')}`;
    const indexer = await startServiceProcess('indexer', {
      VIGILO_DATABASE_URL: db.url,
      VIGILO_ENGINE: target.kind,
      VIGILO_ENGINE_URL: env(target.urlVar),
      VIGILO_INDEXER_PORT: '0',
      VIGILO_INDEXER_HOST: '127.0.0.1',
      VIGILO_INDEXER_AUTH_MODE: 'oidc',
      VIGILO_INDEXER_OIDC_ISSUER: env('VIGILO_TEST_CLOUD_TASKS_OIDC_ISSUER'),
      VIGILO_INDEXER_OIDC_AUDIENCE: audience,
      VIGILO_INDEXER_OIDC_SERVICE_ACCOUNT: serviceAccount,
      VIGILO_INDEXER_MAX_ATTEMPTS: '10',
    });
    processes.push(indexer);
    const targetUrl = `${indexer.url}/v1/tasks/index`;
    queue = new CloudTasksTaskQueue({
      project: 'vigilo-test',
      location: 'local',
      targetUrl,
      oidc: { serviceAccountEmail: serviceAccount, audience },
      clientOptions: { servicePath: env('VIGILO_TEST_CLOUD_TASKS_HOST'), port: Number(env('VIGILO_TEST_CLOUD_TASKS_PORT')), sslCreds: credentials.createInsecure() },
    });
    // The operator creates queues; here the test does, as the operator would.
    await queue.ensureQueue({ name: indexQueueName(tenant), maxAttempts: 10, minBackoffMs: 100, maxBackoffMs: 2000 });
    processes.push(
      await startServiceProcess('relay', {
        VIGILO_DATABASE_URL: db.url,
        VIGILO_RELAY_PORT: '0',
        VIGILO_RELAY_HOST: '127.0.0.1',
        VIGILO_RELAY_QUEUE_BACKEND: 'cloud-tasks',
        VIGILO_RELAY_TARGET_URL: targetUrl,
        VIGILO_RELAY_CLOUD_TASKS_PROJECT: 'vigilo-test',
        VIGILO_RELAY_CLOUD_TASKS_LOCATION: 'local',
        VIGILO_RELAY_CLOUD_TASKS_EMULATOR: emulator,
        VIGILO_RELAY_OIDC_SERVICE_ACCOUNT: serviceAccount,
        VIGILO_RELAY_OIDC_AUDIENCE: audience,
        VIGILO_RELAY_POLL_INTERVAL: '500ms',
        METADATA_SERVER_DETECTION: 'none',
      }),
    );
    ingest = await startServiceProcess('ingest', { VIGILO_DATABASE_URL: db.url, VIGILO_INGEST_PORT: '0', VIGILO_INGEST_HOST: '127.0.0.1' });
    processes.push(ingest);
  });

  after(async () => {
    for (const p of processes.reverse()) await p.stop();
    await queue?.close();
    await engine?.dropTenant(tenant);
    await engine?.close();
    await dropTenantSchema(db.pool, tenant);
    await db?.drop();
  });

  it('makes the FAERS quarter, an update and a nullification searchable exactly as SQL holds them', async () => {
    await run(process.execPath, [
      path.join(REPO_ROOT, 'packages/cli/lib/main.js'),
      'faers', 'import', path.join(REPO_ROOT, 'packages/faers/fixtures/faers_ascii_2017q2.zip'),
      '--tenant', tenant, '--ingest-url', ingest.url, '--scopes', 'write',
    ]);
    const { rows } = await db.pool.query<{ safetyreportid: string }>(`SELECT safetyreportid FROM tenant_${tenant.replace(/-/g, '_')}.reports ORDER BY 1 LIMIT 2`);
    const [updated, nullified] = rows.map((r) => r.safetyreportid);
    const post = (body: unknown) =>
      fetch(`${ingest.url}/v1/tenants/${tenant}/reports`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-vigilo-tenant': tenant, 'x-vigilo-scopes': 'write' },
        body: JSON.stringify(body),
      });
    assert.equal((await post(minimalReport({ safetyreportid: updated!, safetyreportversion: 50 }))).status, 201);
    assert.equal((await post(minimalReport({ safetyreportid: nullified!, safetyreportversion: 50, reportnullificationamendment: '1' }))).status, 201);

    const differences = await until(
      async () => {
        await engine.refresh(tenant);
        return findDifferences({ pool: db.pool, engine }, tenant);
      },
      (d) => d.length === 0,
      'anti-entropy: SQL and the engine agree',
    );
    assert.deepEqual(differences, []);
    const check = await run(process.execPath, [path.join(REPO_ROOT, 'packages/cli/lib/main.js'), 'sync', 'check', '--tenant', tenant, '--database-url', db.url, '--engine-url', env(target.urlVar), '--engine', target.kind]);
    assert.match(check.stdout, /^0 differences$/m, 'the operator command agrees');
    const live = await engine.count(tenant, { bool: { filter: [liveReportsFilter()] } });
    assert.equal(live, 100 - 1, 'every FAERS case but the nullified one is searchable');
  });
});
