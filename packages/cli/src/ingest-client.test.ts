import assert from 'node:assert/strict';
import { isVigiloError } from '@vigilo/errors';
import { startFakeIngest, type FakeIngest } from './fake-ingest.js';
import { BulkIngestClient, parseBulkResponse, type BulkIngestClientOptions } from './ingest-client.js';

const report = (id: string, version = 1) =>
  JSON.stringify({ safetyreportid: id, safetyreportversion: version, patient: { drug: [{ drugcharacterization: '1', medicinalproduct: 'A' }], reaction: [{ reactionmeddrapt: 'Nausea' }] } });

describe('BulkIngestClient', () => {
  let server: FakeIngest;
  let delays: number[];

  const client = (options: Partial<BulkIngestClientOptions> = {}) =>
    new BulkIngestClient({
      baseUrl: `${server.url}/`,
      sleep: async (ms) => {
        delays.push(ms);
      },
      random: () => 0.5,
      ...options,
    });

  beforeEach(async () => {
    server = await startFakeIngest();
    delays = [];
  });
  afterEach(async () => {
    await server.close();
  });

  it('posts one NDJSON body per batch to the tenant bulk endpoint, with the bearer token, and returns the per-line results', async () => {
    const response = await client({ token: 's3cret' }).postBulk('acme', [report('1'), report('2'), '{"not":"a report"}']);
    assert.equal(server.requests.length, 1);
    const request = server.requests[0]!;
    assert.equal(request.method, 'POST');
    assert.equal(request.url, '/v1/tenants/acme/reports/bulk');
    assert.equal(request.headers['content-type'], 'application/x-ndjson');
    assert.equal(request.headers['authorization'], 'Bearer s3cret');
    assert.equal(request.lines, 3);
    assert.deepEqual(response.summary, { lines: 3, created: 2, unchanged: 0, rejected: 1 });
    assert.deepEqual(
      response.results.map((r) => [r.line, r.status, r.outcome, r.code]),
      [
        [1, 201, 'created', undefined],
        [2, 201, 'created', undefined],
        [3, 422, 'rejected', 'VIG_REPORT_FIELD_MISSING'],
      ],
    );
    assert.equal(response.attempts, 1);
  });

  it('retries a 503 with exponential backoff and jitter, then succeeds', async () => {
    server.behaviour = (_request, index) => (index < 2 ? { kind: 'status', status: 503 } : undefined);
    const retries: string[] = [];
    const response = await client({ onRetry: (event) => retries.push(event.reason) }).postBulk('acme', [report('1')]);
    assert.equal(response.attempts, 3);
    assert.equal(response.summary.created, 1);
    assert.deepEqual(retries, ['HTTP 503', 'HTTP 503']);
    // Base 500 ms, doubled; jitter 0.5 picks three quarters of each step.
    assert.deepEqual(delays, [375, 750]);
  });

  it('honours Retry-After on a 429', async () => {
    server.behaviour = (_request, index) => (index === 0 ? { kind: 'status', status: 429, headers: { 'retry-after': '2' } } : undefined);
    await client().postBulk('acme', [report('1')]);
    assert.deepEqual(delays, [2000]);
  });

  it('retries when the connection is reset before an answer', async () => {
    server.behaviour = (_request, index) => (index === 0 ? { kind: 'reset' } : undefined);
    const response = await client().postBulk('acme', [report('1')]);
    assert.equal(response.attempts, 2);
    assert.equal(server.requests.length, 2);
  });

  it('retries when the service cannot be reached at all, and gives up after 5 attempts with VIG_UNAVAILABLE', async () => {
    const url = server.url;
    await server.close();
    const unreachable = new BulkIngestClient({ baseUrl: url, sleep: async (ms) => void delays.push(ms), random: () => 0 });
    await assert.rejects(unreachable.postBulk('acme', [report('1')]), (error: unknown) => {
      assert.ok(isVigiloError(error));
      assert.equal(error.code, 'VIG_UNAVAILABLE');
      assert.equal(error.fields['attempts'], 5);
      return true;
    });
    assert.deepEqual(delays, [250, 500, 1000, 2000]);
    server = await startFakeIngest();
  });

  it('does not retry a whole-request problem+json error and surfaces its code and status', async () => {
    server.behaviour = () => ({
      kind: 'status',
      status: 404,
      problem: { type: 'https://vigilo.dev/problems/vig-tenant-not-found', title: 'Unknown tenant', status: 404, detail: 'no tenant acme', code: 'VIG_TENANT_NOT_FOUND' },
    });
    await assert.rejects(client().postBulk('acme', [report('1')]), (error: unknown) => {
      assert.ok(isVigiloError(error));
      assert.equal(error.code, 'VIG_TENANT_NOT_FOUND');
      assert.equal(error.fields['status'], 404);
      return true;
    });
    assert.equal(server.requests.length, 1);
  });

  it('sends again, in a further request, the lines answered with a retryable code, and renumbers results to the input lines', async () => {
    server.behaviour = (_request, index) =>
      index === 0
        ? { kind: 'rejectLines', status: 503, code: 'VIG_UNAVAILABLE', reject: (line) => line % 2 === 1 }
        : index === 1
          ? { kind: 'rejectLines', status: 413, code: 'VIG_INGEST_BULK_TOO_MANY_LINES', reject: (line) => line === 1 }
          : undefined;
    const response = await client().postBulk('acme', ['1', '2', '3', '4', '5'].map((id) => report(id)));
    assert.deepEqual(server.requests.map((r) => r.lines), [5, 2, 1]);
    assert.deepEqual(response.results.map((r) => [r.line, r.outcome, r.safetyreportid]), [
      [1, 'created', '1'],
      [2, 'created', '2'],
      [3, 'created', '3'],
      [4, 'created', '4'],
      [5, 'created', '5'],
    ]);
    assert.deepEqual(response.summary, { lines: 5, created: 5, unchanged: 0, rejected: 0 });
    assert.equal(response.attempts, 3);
    // Backoff after the 503s, none after "too many lines".
    assert.deepEqual(delays, [375]);
  });

  it('returns lines still refused after the last round as rejected, and never re-sends a permanent rejection', async () => {
    server.behaviour = () => ({ kind: 'rejectLines', status: 503, code: 'VIG_UNAVAILABLE', reject: (line) => line === 0 });
    const response = await client().postBulk('acme', [report('1'), '{}']);
    assert.deepEqual(server.requests.map((r) => r.lines), [2, 1, 1, 1, 1]);
    assert.deepEqual(response.results.map((r) => [r.line, r.outcome, r.code]), [
      [1, 'rejected', 'VIG_UNAVAILABLE'],
      [2, 'rejected', 'VIG_REPORT_FIELD_MISSING'],
    ]);
  });

  it('rejects an answer that breaks the contract with VIG_INTERNAL, without retrying', async () => {
    server.behaviour = () => ({ kind: 'raw', status: 200, body: '{"line":1,"status":201,"outcome":"created"}\n{"summary":{"lines":2,"created":1,"unchanged":0,"rejected":0}}\n' });
    await assert.rejects(client().postBulk('acme', [report('1'), report('2')]), (error: unknown) => isVigiloError(error) && error.code === 'VIG_INTERNAL');
    assert.equal(server.requests.length, 1);
  });
});

describe('parseBulkResponse', () => {
  const ok = (line: number, outcome = 'created') => JSON.stringify({ line, status: 201, outcome });
  const summary = (lines: number, created: number) => JSON.stringify({ summary: { lines, created, unchanged: 0, rejected: 0 } });

  const cases: { reason: string; body: string; lines: number; valid: boolean }[] = [
    { reason: 'results numbered from 1, then the summary', body: `${ok(1)}\n${ok(2)}\n${summary(2, 2)}\n`, lines: 2, valid: true },
    { reason: 'results numbered from 0 are accepted', body: `${ok(0)}\n${ok(1)}\n${summary(2, 2)}`, lines: 2, valid: true },
    { reason: 'results out of order', body: `${ok(2)}\n${ok(1)}\n${summary(2, 2)}\n`, lines: 2, valid: false },
    { reason: 'a missing summary', body: `${ok(1)}\n`, lines: 1, valid: false },
    { reason: 'a summary that does not add up', body: `${ok(1)}\n${summary(1, 0)}\n`, lines: 1, valid: false },
    { reason: 'a line after the summary', body: `${ok(1)}\n${summary(1, 1)}\n${ok(2)}\n`, lines: 1, valid: false },
    { reason: 'an unknown outcome', body: `${ok(1, 'maybe')}\n${summary(1, 1)}\n`, lines: 1, valid: false },
    { reason: 'a line that is not JSON', body: `nope\n${summary(1, 1)}\n`, lines: 1, valid: false },
  ];
  for (const { reason, body, lines, valid } of cases) {
    it(`${valid ? 'accepts' : 'rejects'} ${reason}`, () => {
      if (valid) assert.doesNotThrow(() => parseBulkResponse(body, lines), reason);
      else assert.throws(() => parseBulkResponse(body, lines), (error: unknown) => isVigiloError(error) && error.code === 'VIG_INTERNAL', reason);
    });
  }
});
