import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { createLogger, redactPersonalKeys } from './logger.js';

function capture() {
  const stream = new PassThrough();
  const lines: Array<Record<string, unknown>> = [];
  stream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  return { stream, lines };
}

describe('log redaction', () => {
  it('censors personal-data keys at any depth, in objects and arrays, whatever their case', () => {
    const input = {
      requestId: 'r1',
      req: { headers: { Authorization: 'Bearer secret', cookie: 'c=1', 'x-api-key': 'k', accept: 'json' } },
      items: [{ report: { patient: { patientinitial: 'AB' } } }, { id: 'x' }],
      deep: { a: { b: { c: { patient: 'P' } } } },
    };
    assert.deepEqual(redactPersonalKeys(input), {
      requestId: 'r1',
      req: { headers: { Authorization: '[redacted]', cookie: '[redacted]', 'x-api-key': '[redacted]', accept: 'json' } },
      items: [{ report: '[redacted]' }, { id: 'x' }],
      deep: { a: { b: { c: { patient: '[redacted]' } } } },
    });
    assert.equal(input.req.headers.Authorization, 'Bearer secret', 'the input is not changed');
  });

  it('returns a clean object itself, without copying, and leaves errors to their serializer', () => {
    const clean = { requestId: 'r1', route: '/v1/tasks/index', status: 200, ms: 3 };
    assert.equal(redactPersonalKeys(clean), clean);
    const error = new Error('boom');
    const withError = { err: error };
    assert.equal(redactPersonalKeys(withError), withError);
  });

  it('is what the logger writes: no personal value reaches the log line, child bindings included', async () => {
    const { stream, lines } = capture();
    const logger = createLogger({ name: 'test', destination: stream, level: 'debug' });
    logger.child({ body: { patient: 'JOHN' } }).info({ tenant: 'acme', content: { narrativeincludeclinical: 'Jane fell' }, count: 2 }, 'stored');
    logger.error({ err: new Error('failed for "Jane"') }, 'failed');
    await new Promise((r) => setImmediate(r));
    const text = JSON.stringify(lines);
    for (const secret of ['JOHN', 'Jane fell', '"Jane"']) assert.ok(!text.includes(secret), `${secret} is in ${text}`);
    assert.equal(lines[0]!['tenant'], 'acme');
    assert.equal(lines[0]!['count'], 2);
    assert.equal(lines[0]!['content'], '[redacted]');
    assert.equal(lines[0]!['body'], '[redacted]');
    assert.equal((lines[1]!['err'] as { type: string }).type, 'Error', 'errors keep their serializer');
  });
});
