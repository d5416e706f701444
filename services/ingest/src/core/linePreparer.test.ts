import assert from 'node:assert/strict';
import { canonicalJson, contentHash } from '@vigilo/domain';
import { minimalReport, reportWithEveryPersonalField } from '@vigilo/testkit';
import { InlineLinePreparer, WorkerLinePreparer } from './linePreparer.js';

const valid = Array.from({ length: 300 }, (_, i) =>
  i % 3 === 0 ? reportWithEveryPersonalField(`CASE-${i}`, 1 + (i % 4)) : minimalReport({ safetyreportid: `MIN-${i}`, reportnullificationamendment: i % 7 === 0 ? '1' : undefined }),
);
const lines = [
  ...valid.map((r) => JSON.stringify(r)),
  '{"safetyreportid": "X-1"',
  JSON.stringify({ ...minimalReport({ safetyreportid: 'BAD-1' }), safetyreportversion: 0 }),
  '[]',
  JSON.stringify(minimalReport({ safetyreportid: 'NUL-1', occurcountry: 'A\u0000' })),
];

describe('line preparers', () => {
  it('the worker-thread adapter answers exactly as the inline one, batch by batch and in order', async () => {
    const workers = new WorkerLinePreparer({ threads: 2 });
    try {
      const batches = [lines.slice(0, 100), lines.slice(100, 250), lines.slice(250), []];
      const [inline, threaded] = await Promise.all([
        Promise.all(batches.map((b) => new InlineLinePreparer().prepare(b))),
        Promise.all(batches.map((b) => workers.prepare(b))),
      ]);
      assert.deepEqual(threaded, inline);
    } finally {
      await workers.close();
    }
  });

  it('valid lines carry the identity and the canonical content hash; invalid ones their result', async () => {
    const prepared = await new InlineLinePreparer().prepare(lines);
    for (let i = 0; i < valid.length; i++) {
      const line = prepared[i]!;
      assert.ok(line.ok);
      assert.equal(line.hash, contentHash(JSON.parse(canonicalJson(valid[i]))));
      assert.equal(line.identity.safetyreportid, valid[i]!.safetyreportid);
      assert.equal(line.identity.safetyreportversion, valid[i]!.safetyreportversion);
      assert.equal(line.identity.reportnullificationamendment, valid[i]!.reportnullificationamendment);
    }
    const refused = prepared.slice(valid.length).map((p) => (p.ok ? 'ok' : p.result.outcome === 'rejected' ? p.result.code : p.result.outcome));
    assert.deepEqual(refused, ['VIG_REQUEST_MALFORMED_JSON', refused[1], refused[2], 'VIG_REPORT_FIELD_FORMAT']);
    assert.match(String(refused[1]), /^VIG_REPORT_/);
    assert.match(String(refused[2]), /^VIG_REPORT_/);
  });

  it('refuses work after close', async () => {
    const workers = new WorkerLinePreparer({ threads: 1 });
    await workers.close();
    await assert.rejects(workers.prepare(lines.slice(0, 1)), (error: Error & { code?: string }) => error.code === 'VIG_UNAVAILABLE');
  });
});
