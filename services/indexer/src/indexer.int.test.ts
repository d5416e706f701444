import assert from 'node:assert/strict';
import path from 'node:path';
import { type AdverseEventReport, PERSONAL_DATA, contentHash, parseTenantId, tenantSchemaName } from '@vigilo/domain';
import { readFaersQuarter } from '@vigilo/faers';
import { PostgresReportStore, dropTenantSchema, provisionTenant } from '@vigilo/postgres';
import { type SearchIndex, createElasticsearchSearchIndex } from '@vigilo/search-engine';
import { REPO_ROOT, createTestDatabase, findPersonalData, minimalReport, reportWithEveryPersonalField, startServiceProcess, uniqueTenant, type RunningProcess, type TestDatabase } from '@vigilo/testkit';

const SECRET = 'test-secret-of-at-least-thirty-two-characters';

function esUrl(): string {
  const url = process.env['VIGILO_TEST_ES_URL'];
  if (!url) throw new Error('VIGILO_TEST_ES_URL is not set: run through scripts/test');
  return url;
}

/** Visits the value at a declared dotted path (`[]` = every element), independently of deidentify(). */
function visit(node: unknown, steps: string[], onLeaf: (parent: Record<string, unknown>, key: string) => void): void {
  if (node === null || typeof node !== 'object') return;
  const [step, ...rest] = steps as [string, ...string[]];
  const key = step.replace('[]', '');
  const obj = node as Record<string, unknown>;
  if (rest.length === 0 && !step.endsWith('[]')) return onLeaf(obj, key);
  const child = obj[key];
  if (step.endsWith('[]') && Array.isArray(child)) for (const item of child) visit(item, rest, onLeaf);
  else visit(child, rest, onLeaf);
}

/**
 * Personal values of a report that would betray a leak: values (6+ characters)
 * of the declared personal fields that do not also occur in the report's
 * other fields (FAERS writes "UNKNOWN" as a lot number and elsewhere too).
 */
function telltaleValues(report: AdverseEventReport): string[] {
  const personal: string[] = [];
  const rest = JSON.parse(JSON.stringify(report)) as Record<string, unknown>;
  for (const field of PERSONAL_DATA) {
    visit(report, field.path.split('.'), (parent, key) => {
      for (const leaf of JSON.stringify(parent[key] ?? null).match(/"([^"\\]{6,})"/g) ?? []) personal.push(leaf.slice(1, -1));
    });
    visit(rest, field.path.split('.'), (parent, key) => void delete parent[key]);
  }
  const restText = JSON.stringify(rest);
  return personal.filter((value) => !restText.includes(value));
}

describe('indexer service (real process, real PostgreSQL and Elasticsearch)', function () {
  let db: TestDatabase;
  let engine: SearchIndex;
  let indexer: RunningProcess;
  let store: PostgresReportStore;
  const tenant = parseTenantId(uniqueTenant('idx'));

  const deliver = (body: unknown, retryCount = 0, secret = SECRET, base = indexer.url) =>
    fetch(`${base}/v1/tasks/index`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${secret}`,
        'x-cloudtasks-taskretrycount': String(retryCount),
        'x-cloudtasks-taskname': `t-${JSON.stringify(body).length}-${retryCount}-${Math.random().toString(36).slice(2)}`,
        'x-cloudtasks-queuename': 'vigilo-index-test',
      },
      body: JSON.stringify(body),
    });
  const put = (report: AdverseEventReport) => store.putReports(tenant, [{ report, contentHash: contentHash(report) }]);
  const engineVersion = async (id: string) => {
    await engine.refresh(tenant);
    return (await engine.listVersions(tenant, { pageSize: 1000 })).find((v) => v.id === id);
  };

  before(async () => {
    db = await createTestDatabase();
    await provisionTenant(db.pool, { id: tenant });
    store = new PostgresReportStore({ pool: db.pool });
    engine = createElasticsearchSearchIndex({ node: esUrl(), replicas: 0 });
    await engine.ensureTenant(tenant, { replicas: 0 });
    indexer = await startServiceProcess('indexer', {
      VIGILO_DATABASE_URL: db.url,
      VIGILO_ENGINE_URL: esUrl(),
      VIGILO_INDEXER_PORT: '0',
      VIGILO_INDEXER_HOST: '127.0.0.1',
      VIGILO_INDEXER_AUTH_MODE: 'shared-secret',
      VIGILO_INDEXER_SHARED_SECRET: SECRET,
      VIGILO_INDEXER_MAX_ATTEMPTS: '3',
      VIGILO_LOG_LEVEL: 'debug',
    });
  });
  after(async () => {
    await indexer?.stop();
    await engine?.dropTenant(tenant);
    await engine?.close();
    await dropTenantSchema(db.pool, tenant);
    await db?.drop();
  });

  it('refuses a delivery without the shared secret (401) and indexes nothing', async () => {
    await put(minimalReport({ safetyreportid: 'AUTH-1' }));
    const res = await deliver({ tenant, safetyreportid: 'AUTH-1', version: 1 }, 0, 'wrong-secret-of-at-least-thirty-two-characters!');
    assert.equal(res.status, 401);
    assert.equal(await engineVersion('AUTH-1'), undefined);
  });

  it('indexes the current SQL version, even when the task names an older one', async () => {
    await put(minimalReport({ safetyreportid: 'CUR-1', safetyreportversion: 1 }));
    await put(minimalReport({ safetyreportid: 'CUR-1', safetyreportversion: 2, occurcountry: 'DE' }));
    const res = await deliver({ tenant, safetyreportid: 'CUR-1', version: 1 });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { outcome: 'indexed' });
    assert.equal((await engineVersion('CUR-1'))?.version, 2);
  });

  it('acknowledges a duplicate delivery as stale and never moves the engine backwards', async () => {
    await put(minimalReport({ safetyreportid: 'DUP-1', safetyreportversion: 3 }));
    assert.deepEqual(await (await deliver({ tenant, safetyreportid: 'DUP-1', version: 3 })).json(), { outcome: 'indexed' });
    assert.deepEqual(await (await deliver({ tenant, safetyreportid: 'DUP-1', version: 3 })).json(), { outcome: 'stale' });
    assert.deepEqual(await (await deliver({ tenant, safetyreportid: 'DUP-1', version: 1 })).json(), { outcome: 'stale' });
    assert.equal((await engineVersion('DUP-1'))?.version, 3);
  });

  it('turns a nullification into a tombstone that live searches do not return', async () => {
    await put(minimalReport({ safetyreportid: 'NUL-1' }));
    await deliver({ tenant, safetyreportid: 'NUL-1', version: 1 });
    await put(minimalReport({ safetyreportid: 'NUL-1', safetyreportversion: 2, reportnullificationamendment: '1' }));
    await deliver({ tenant, safetyreportid: 'NUL-1', version: 2 });
    const held = await engineVersion('NUL-1');
    assert.deepEqual([held?.version, held?.nullified], [2, true]);
  });

  it('micro-batches concurrent deliveries and indexes all of them', async () => {
    const ids = Array.from({ length: 60 }, (_, i) => `BATCH-${i}`);
    await store.putReports(tenant, ids.map((id) => ({ report: minimalReport({ safetyreportid: id }), contentHash: contentHash(minimalReport({ safetyreportid: id })) })));
    const responses = await Promise.all(ids.map((id) => deliver({ tenant, safetyreportid: id, version: 1 })));
    assert.ok(responses.every((r) => r.status === 200));
    await engine.refresh(tenant);
    const held = await engine.listVersions(tenant, { pageSize: 1000 });
    assert.equal(held.filter((v) => v.id.startsWith('BATCH-')).length, 60);
    const metrics = await (await fetch(`${indexer.url}/metrics`)).text();
    const bulks = Number(/vigilo_index_bulk_documents_count(?:\{[^}]*\})? (\d+)/.exec(metrics)?.[1]);
    assert.ok(bulks < 60 + 10, `60 deliveries used ${bulks} bulk requests in all`);
  });

  it('answers 400 to a malformed task payload', async () => {
    const res = await deliver({ tenant, safetyreportid: 'x y', version: 0 });
    assert.equal(res.status, 400);
  });

  it('keeps every personal field and value of the FAERS fixtures and of a fully filled report out of the engine', async () => {
    const zip = path.join(REPO_ROOT, 'packages/faers/fixtures/faers_ascii_2017q2.zip');
    const reports: AdverseEventReport[] = [reportWithEveryPersonalField('PII-ALL')];
    for await (const record of readFaersQuarter(zip)) if (record.kind === 'report') reports.push(record.report);
    await store.putReports(tenant, reports.map((report) => ({ report, contentHash: contentHash(report) })));
    const responses = await Promise.all(reports.map((r) => deliver({ tenant, safetyreportid: r.safetyreportid, version: r.safetyreportversion })));
    assert.ok(responses.every((r) => r.status === 200));
    await engine.refresh(tenant);
    const stored = new Map<string, string>();
    let after: string | undefined;
    for (;;) {
      const page = await engine.listDocuments(tenant, { pageSize: 100, ...(after ? { after } : {}) });
      if (page.length === 0) break;
      for (const d of page) stored.set(d.id, JSON.stringify(d.source));
      after = page[page.length - 1]!.id;
    }
    const text = [...stored.values()].join('\n');
    assert.ok(stored.size >= reports.length);
    assert.deepEqual(findPersonalData(text), [], 'testkit markers');
    const leaked = reports.flatMap((r) => telltaleValues(r).filter((value) => stored.get(r.safetyreportid)?.includes(value)).map((v) => `${r.safetyreportid}: ${v}`));
    assert.deepEqual(leaked, [], 'personal values from SQL found in engine documents');
    for (const field of PERSONAL_DATA.filter((f) => f.action === 'remove')) {
      const key = field.path.split('.').pop()!.replace('[]', '');
      assert.ok(!text.includes(`"${key}"`), `field ${key} reached the engine`);
    }
    assert.deepEqual(findPersonalData(indexer.output.join('\n')), [], 'and none in the indexer logs');
  });
});

describe('indexer dead letters (real process, engine unreachable)', function () {
  let db: TestDatabase;
  let indexer: RunningProcess;
  const tenant = parseTenantId(uniqueTenant('idx-dl'));

  before(async () => {
    db = await createTestDatabase();
    await provisionTenant(db.pool, { id: tenant });
    const report = minimalReport({ safetyreportid: 'DL-1' });
    await new PostgresReportStore({ pool: db.pool }).putReports(tenant, [{ report, contentHash: contentHash(report) }]);
    indexer = await startServiceProcess('indexer', {
      VIGILO_DATABASE_URL: db.url,
      VIGILO_ENGINE_URL: 'http://127.0.0.1:9', // nothing listens on the discard port
      VIGILO_ENGINE_REQUEST_TIMEOUT: '2s',
      VIGILO_INDEXER_PORT: '0',
      VIGILO_INDEXER_HOST: '127.0.0.1',
      VIGILO_INDEXER_AUTH_MODE: 'shared-secret',
      VIGILO_INDEXER_SHARED_SECRET: SECRET,
      VIGILO_INDEXER_MAX_ATTEMPTS: '3',
    });
  });
  after(async () => {
    await indexer?.stop();
    await dropTenantSchema(db.pool, tenant);
    await db?.drop();
  });

  const deliver = (retryCount: number) =>
    fetch(`${indexer.url}/v1/tasks/index`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRET}`, 'x-cloudtasks-taskretrycount': String(retryCount), 'x-cloudtasks-taskname': 'dl-task-1', 'x-cloudtasks-queuename': 'q' },
      body: JSON.stringify({ tenant, safetyreportid: 'DL-1', version: 1 }),
    });

  it('asks for a retry (503) before the last attempt, then parks the task and acknowledges it', async () => {
    const first = await deliver(0);
    assert.equal(first.status, 503);
    assert.equal(((await first.json()) as { code: string }).code, 'VIG_UNAVAILABLE');
    const last = await deliver(2);
    assert.equal(last.status, 200);
    assert.deepEqual(await last.json(), { outcome: 'parked' });
    const { rows } = await db.pool.query(`SELECT task_name, safetyreportid, attempts, error_code FROM ${tenantSchemaName(tenant)}.dead_letters`);
    assert.deepEqual(rows, [{ task_name: 'dl-task-1', safetyreportid: 'DL-1', attempts: 3, error_code: 'VIG_UNAVAILABLE' }]);
  });
});
