import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { contentHash, parseTenantId, tenantSchemaName, type AdverseEventReport } from '@vigilo/domain';
import { provisionTenant, dropTenantSchema, registerTenant } from '@vigilo/postgres';
import {
  createTestDatabase,
  findPersonalData,
  minimalReport,
  reportWithEveryPersonalField,
  startServiceProcess,
  uniqueTenant,
  type RunningProcess,
  type TestDatabase,
} from '@vigilo/testkit';
import { MALFORMED_CORPUS } from './malformedCorpus.js';

const WRITE = { 'x-vigilo-scopes': 'write read' };
const PII = { 'x-vigilo-scopes': 'read pii:read' };

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: () => any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function call(base: string, method: string, path: string, options: { body?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  const res = await fetch(base + path, { method, headers: options.headers ?? {}, ...(options.body !== undefined ? { body: options.body } : {}) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
}

describe('ingest service over HTTP (real process, real PostgreSQL)', function () {
  let db: TestDatabase;
  let svc: RunningProcess;
  const tenant = parseTenantId(uniqueTenant('ing'));
  const other = parseTenantId(uniqueTenant('ing-other'));
  const as = (t: string, headers: Record<string, string>) => ({ ...headers, 'x-vigilo-tenant': t });
  const post = (path: string, body: string, headers: Record<string, string>, contentType = 'application/json') =>
    call(svc.url, 'POST', path, { body, headers: { 'content-type': contentType, ...headers } });

  before(async () => {
    db = await createTestDatabase();
    await provisionTenant(db.pool, { id: tenant });
    await provisionTenant(db.pool, { id: other });
    svc = await startServiceProcess('ingest', {
      VIGILO_DATABASE_URL: db.url,
      VIGILO_INGEST_PORT: '0',
      VIGILO_INGEST_HOST: '127.0.0.1',
      VIGILO_LOG_LEVEL: 'debug',
      VIGILO_INGEST_MAX_REPORT_SIZE: '256kb',
      VIGILO_INGEST_BULK_BATCH_SIZE: '100',
      VIGILO_INGEST_TENANT_CACHE_TTL: '0ms',
    });
  });

  after(async () => {
    await svc?.stop();
    await dropTenantSchema(db.pool, tenant);
    await dropTenantSchema(db.pool, other);
    await db.drop();
  });

  describe('single reports', () => {
    it('stores a report (201), answers an identical re-send the same way (200) and a changed one with 409', async () => {
      const report = minimalReport({ safetyreportid: 'ONE-1' });
      const first = await post(`/v1/tenants/${tenant}/reports`, JSON.stringify(report), as(tenant, WRITE));
      assert.equal(first.status, 201, first.text);
      assert.equal(first.headers.get('location'), `/v1/tenants/${tenant}/reports/ONE-1/versions/1`);
      assert.equal(first.json().contentHash, contentHash(report));
      // Same content with another key order is the same version.
      const reordered = JSON.stringify(Object.fromEntries(Object.entries(report).reverse()));
      const again = await post(`/v1/tenants/${tenant}/reports`, reordered, as(tenant, WRITE));
      assert.equal(again.status, 200);
      assert.deepEqual(again.json(), first.json());
      const changed = await post(`/v1/tenants/${tenant}/reports`, JSON.stringify({ ...report, occurcountry: 'CA' }), as(tenant, WRITE));
      assert.equal(changed.status, 409);
      assert.equal(changed.json().code, 'VIG_INGEST_VERSION_CONFLICT');
      assert.equal(changed.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    });

    it('keeps every version, serves the current one and the history', async () => {
      for (const version of [1, 3, 2]) {
        const res = await post(`/v1/tenants/${tenant}/reports`, JSON.stringify(minimalReport({ safetyreportid: 'HIST-1', safetyreportversion: version })), as(tenant, WRITE));
        assert.equal(res.status, 201);
      }
      const current = await call(svc.url, 'GET', `/v1/tenants/${tenant}/reports/HIST-1`, { headers: as(tenant, PII) });
      assert.equal(current.json().safetyreportversion, 3);
      const versions = await call(svc.url, 'GET', `/v1/tenants/${tenant}/reports/HIST-1/versions`, { headers: as(tenant, { 'x-vigilo-scopes': 'read' }) });
      assert.deepEqual(versions.json().versions.map((v: { version: number }) => v.version), [1, 2, 3]);
      const v2 = await call(svc.url, 'GET', `/v1/tenants/${tenant}/reports/HIST-1/versions/2`, { headers: as(tenant, PII) });
      assert.equal(v2.json().safetyreportversion, 2);
      const missing = await call(svc.url, 'GET', `/v1/tenants/${tenant}/reports/HIST-1/versions/9`, { headers: as(tenant, PII) });
      assert.equal(missing.json().code, 'VIG_REPORT_VERSION_NOT_FOUND');
    });

    it('stores a nullification as the current state and keeps the history', async () => {
      await post(`/v1/tenants/${tenant}/reports`, JSON.stringify(minimalReport({ safetyreportid: 'NUL-1' })), as(tenant, WRITE));
      const res = await post(`/v1/tenants/${tenant}/reports`, JSON.stringify(minimalReport({ safetyreportid: 'NUL-1', safetyreportversion: 2, reportnullificationamendment: '1' })), as(tenant, WRITE));
      assert.equal(res.json().nullified, true);
      const current = await call(svc.url, 'GET', `/v1/tenants/${tenant}/reports/NUL-1`, { headers: as(tenant, PII) });
      assert.equal(current.json().nullified, true);
      const { rows } = await db.pool.query(`SELECT version FROM ${tenantSchemaName(tenant)}.outbox WHERE safetyreportid = 'NUL-1' ORDER BY id`);
      assert.deepEqual(rows.map((r: { version: number }) => r.version), [1, 2], 'the nullification reaches the outbox like any version');
    });

    it('requires the pii:read scope for the full report and serves a de-identified view with read', async () => {
      const report = reportWithEveryPersonalField('PII-1');
      assert.equal((await post(`/v1/tenants/${tenant}/reports`, JSON.stringify(report), as(tenant, WRITE))).status, 201);
      const denied = await call(svc.url, 'GET', `/v1/tenants/${tenant}/reports/PII-1`, { headers: as(tenant, { 'x-vigilo-scopes': 'read write' }) });
      assert.equal(denied.status, 403);
      assert.equal(denied.json().code, 'VIG_FORBIDDEN_SCOPE');
      assert.deepEqual(findPersonalData(denied.text), []);
      const full = await call(svc.url, 'GET', `/v1/tenants/${tenant}/reports/PII-1`, { headers: as(tenant, PII) });
      assert.deepEqual(full.json().report, report);
      const deid = await call(svc.url, 'GET', `/v1/tenants/${tenant}/reports/PII-1?view=deidentified`, { headers: as(tenant, { 'x-vigilo-scopes': 'read' }) });
      assert.equal(deid.status, 200);
      assert.deepEqual(findPersonalData(deid.text), []);
      assert.equal(deid.json().report.patient.reaction[0].reactionmeddrapt, 'HAEMORRHAGE');
    });
  });

  describe('tenancy and credentials', () => {
    const body = JSON.stringify(minimalReport({ safetyreportid: 'T-1' }));
    it('answers 401 without a principal', async () => {
      const res = await post(`/v1/tenants/${tenant}/reports`, body, {});
      assert.deepEqual([res.status, res.json().code], [401, 'VIG_AUTH_REQUIRED']);
    });
    it('answers 403 when the credential belongs to another tenant, and stores nothing', async () => {
      const res = await post(`/v1/tenants/${other}/reports`, body, as(tenant, WRITE));
      assert.deepEqual([res.status, res.json().code], [403, 'VIG_FORBIDDEN_TENANT']);
      const { rowCount } = await db.pool.query(`SELECT 1 FROM ${tenantSchemaName(other)}.report_versions`);
      assert.equal(rowCount, 0);
    });
    it('answers 403 without the write scope', async () => {
      const res = await post(`/v1/tenants/${tenant}/reports`, body, as(tenant, { 'x-vigilo-scopes': 'read' }));
      assert.deepEqual([res.status, res.json().code], [403, 'VIG_FORBIDDEN_SCOPE']);
    });
    it('answers 404 for an unknown tenant and 400 for an invalid tenant id', async () => {
      const unknown = await post(`/v1/tenants/nobody-here/reports`, body, as('nobody-here', WRITE));
      assert.deepEqual([unknown.status, unknown.json().code], [404, 'VIG_TENANT_NOT_FOUND']);
      const invalid = await post(`/v1/tenants/No_Such/reports`, body, as('No_Such', WRITE));
      assert.deepEqual([invalid.status, invalid.json().code], [400, 'VIG_TENANT_INVALID_ID']);
    });
    it('refuses writes to a suspended tenant with 409', async () => {
      const suspended = uniqueTenant('ing-susp');
      await provisionTenant(db.pool, { id: suspended });
      await registerTenant(db.pool, { id: suspended, status: 'suspended' });
      const res = await post(`/v1/tenants/${suspended}/reports`, body, as(suspended, WRITE));
      assert.deepEqual([res.status, res.json().code], [409, 'VIG_TENANT_NOT_ACTIVE']);
      await dropTenantSchema(db.pool, suspended);
    });
  });

  describe('malformed input corpus', () => {
    it(`has at least 50 cases`, () => assert.ok(MALFORMED_CORPUS.length >= 50, String(MALFORMED_CORPUS.length)));
    for (const testCase of MALFORMED_CORPUS) {
      it(`rejects ${testCase.reason} with ${testCase.status} ${testCase.code}`, async () => {
        const res = await post(`/v1/tenants/${tenant}/reports`, testCase.body, as(tenant, WRITE), testCase.contentType ?? 'application/json');
        assert.equal(res.status, testCase.status, `${testCase.reason}: ${res.text}`);
        assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
        const problem = res.json();
        assert.equal(problem.code, testCase.code, testCase.reason);
        if (testCase.pointer) assert.equal(problem.errors?.[0]?.pointer, testCase.pointer, testCase.reason);
        assert.ok(!/\bat .+\.js:\d+/.test(res.text), 'no stack trace in the body');
      });
    }

    it('answers 413 with a problem body for a body over the size limit', async () => {
      const big = minimalReport({ safetyreportid: 'BIG-1', companynumb: 'X'.repeat(300_000) });
      const res = await post(`/v1/tenants/${tenant}/reports`, JSON.stringify(big), as(tenant, WRITE));
      assert.deepEqual([res.status, res.json().code], [413, 'VIG_REQUEST_BODY_TOO_LARGE']);
    });

    it('answers an unknown route with a 404 problem', async () => {
      const res = await call(svc.url, 'GET', '/v2/nothing');
      assert.deepEqual([res.status, res.json().code], [404, 'VIG_ROUTE_NOT_FOUND']);
    });
  });

  describe('bulk NDJSON', () => {
    it('answers every line in order with partial success and a summary', async () => {
      const lines = [
        JSON.stringify(minimalReport({ safetyreportid: 'BULK-1' })),
        '{not json',
        JSON.stringify(minimalReport({ safetyreportid: 'BULK-2', serious: '7' as never })),
        '',
        JSON.stringify(minimalReport({ safetyreportid: 'BULK-1' })),
        JSON.stringify(minimalReport({ safetyreportid: 'BULK-1', occurcountry: 'DE' })),
        JSON.stringify({ ...minimalReport({ safetyreportid: 'BULK-3' }), companynumb: 'C'.repeat(300_000) }),
        JSON.stringify(minimalReport({ safetyreportid: 'BULK-4' })),
        JSON.stringify(minimalReport({ safetyreportid: 'BULK-5', companynumb: 'NUL\u0000' })),
      ];
      const res = await post(`/v1/tenants/${tenant}/reports/bulk`, lines.join('\n') + '\n', as(tenant, WRITE), 'application/x-ndjson');
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^application\/x-ndjson/);
      const results = res.text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      const summary = results.pop();
      assert.deepEqual(
        results.map((r) => [r['line'], r['status'], r['code'] ?? r['outcome']]),
        [
          [1, 201, 'created'],
          [2, 400, 'VIG_REQUEST_MALFORMED_JSON'],
          [3, 422, 'VIG_REPORT_FIELD_CODE'],
          [5, 200, 'unchanged'],
          [6, 409, 'VIG_INGEST_VERSION_CONFLICT'],
          [7, 413, 'VIG_INGEST_BULK_LINE_TOO_LARGE'],
          [8, 201, 'created'],
          [9, 422, 'VIG_REPORT_FIELD_FORMAT'],
        ],
      );
      assert.deepEqual(summary, { summary: { lines: 8, created: 2, unchanged: 1, rejected: 5 } });
    });

    it('leaves no duplicate and no lost version when the same body is posted twice at once', async () => {
      const reports: AdverseEventReport[] = [];
      for (let i = 0; i < 600; i++) reports.push(minimalReport({ safetyreportid: `CONC-${i % 200}`, safetyreportversion: 1 + Math.floor(i / 200) }));
      const body = reports.map((r) => JSON.stringify(r)).join('\n');
      const [a, b] = await Promise.all([
        post(`/v1/tenants/${tenant}/reports/bulk`, body, as(tenant, WRITE), 'application/x-ndjson'),
        post(`/v1/tenants/${tenant}/reports/bulk`, body, as(tenant, WRITE), 'application/x-ndjson'),
      ]);
      const outcomes = [a, b].flatMap((r) => r.text.trim().split('\n').slice(0, -1).map((l) => (JSON.parse(l) as { outcome: string }).outcome));
      assert.equal(outcomes.filter((o) => o === 'created').length, 600);
      assert.equal(outcomes.filter((o) => o === 'unchanged').length, 600);
      const schema = tenantSchemaName(tenant);
      const versions = await db.pool.query<{ n: number; d: number }>(`SELECT count(*)::int AS n, count(DISTINCT (safetyreportid, version))::int AS d FROM ${schema}.report_versions WHERE safetyreportid LIKE 'CONC-%'`);
      assert.deepEqual(versions.rows[0], { n: 600, d: 600 });
      const current = await db.pool.query<{ v: number; n: number }>(`SELECT current_version AS v, count(*)::int AS n FROM ${schema}.reports WHERE safetyreportid LIKE 'CONC-%' GROUP BY 1`);
      assert.deepEqual(current.rows, [{ v: 3, n: 200 }]);
    });

    it('refuses a bulk body with the wrong content type', async () => {
      const res = await post(`/v1/tenants/${tenant}/reports/bulk`, '{}', as(tenant, WRITE), 'application/json');
      assert.deepEqual([res.status, res.json().code], [415, 'VIG_REQUEST_UNSUPPORTED_MEDIA_TYPE']);
    });
  });

  describe('operations', () => {
    it('exposes RED metrics per route, report outcomes and the outbox depth', async () => {
      const res = await call(svc.url, 'GET', '/metrics');
      assert.match(res.text, /http_requests_total\{method="POST",route="\/v1\/tenants\/:tenant\/reports",status="201"/);
      assert.match(res.text, new RegExp(`vigilo_reports_total\\{tenant="${tenant}",outcome="created"`));
      assert.match(res.text, new RegExp(`vigilo_outbox_pending\\{tenant="${tenant}"`));
    });

    it('answers /healthz and /readyz', async () => {
      assert.equal((await call(svc.url, 'GET', '/healthz')).status, 200);
      const ready = await call(svc.url, 'GET', '/readyz');
      assert.deepEqual([ready.status, ready.json().status], [200, 'ready']);
    });

    it('publishes its OpenAPI document with the report schema', async () => {
      const doc = (await call(svc.url, 'GET', '/openapi.json')).json();
      assert.equal(doc.openapi, '3.1.0');
      assert.ok(doc.components.schemas.AdverseEventReport.properties.patient);
    });

    it('wrote no personal data to its logs (debug level, after every test above)', async () => {
      await post(`/v1/tenants/${tenant}/reports`, JSON.stringify({ ...reportWithEveryPersonalField('PII-LOG'), serious: '9' }), as(tenant, WRITE));
      await post(`/v1/tenants/${tenant}/reports/bulk`, JSON.stringify(reportWithEveryPersonalField('PII-LOG2')) + '\n{bad', as(tenant, WRITE), 'application/x-ndjson');
      const logs = svc.output.join('\n');
      assert.ok(svc.output.length > 20, 'the service logged');
      assert.deepEqual(findPersonalData(logs), []);
    });
  });
});

describe('ingest graceful shutdown (real process)', function () {
  let db: TestDatabase;
  const tenant = parseTenantId(uniqueTenant('ing-stop'));

  before(async () => {
    db = await createTestDatabase();
    await provisionTenant(db.pool, { id: tenant });
  });
  after(async () => {
    await dropTenantSchema(db.pool, tenant);
    await db.drop();
  });

  it('finishes an in-flight bulk upload after SIGTERM, then exits 0', async () => {
    const svc = await startServiceProcess('ingest', { VIGILO_DATABASE_URL: db.url, VIGILO_INGEST_PORT: '0', VIGILO_INGEST_HOST: '127.0.0.1', VIGILO_INGEST_BULK_BATCH_SIZE: '10' });
    const lines = Array.from({ length: 60 }, (_, i) => JSON.stringify(minimalReport({ safetyreportid: `STOP-${i}` })) + '\n');
    const response = new Promise<string>((resolve, reject) => {
      const req = httpRequest(`${svc.url}/v1/tenants/${tenant}/reports/bulk`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson', 'x-vigilo-tenant': tenant, 'x-vigilo-scopes': 'write' },
      });
      req.on('response', (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      // Half now, SIGTERM, the other half later: the request is in flight during shutdown.
      req.write(lines.slice(0, 30).join(''));
      setTimeout(() => {
        void svc.stop('SIGTERM');
        setTimeout(() => {
          req.end(lines.slice(30).join(''));
        }, 500);
      }, 300);
    });
    const text = await response;
    const summary = JSON.parse(text.trim().split('\n').pop()!) as { summary: { created: number } };
    assert.equal(summary.summary.created, 60);
    assert.equal(await svc.exited, 0);
    const { rows } = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${tenantSchemaName(tenant)}.report_versions`);
    assert.equal(rows[0]?.n, 60);
    assert.ok(svc.output.some((l) => l.includes('"draining"')));
  });
});
