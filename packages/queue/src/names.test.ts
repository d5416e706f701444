import assert from 'node:assert/strict';
import { assertIndexTaskPayload, indexQueueName, indexQueueNames, indexQueueShard, indexTaskName, QUEUE_NAME_PATTERN, resolveQueueSpec, TASK_NAME_PATTERN } from './names.js';
import type { IndexTaskPayload } from './ports.js';

describe('indexTaskName', () => {
  it('is deterministic: the same tuple always gives the same name', () => {
    assert.equal(indexTaskName('acme', 'R-42', 3), indexTaskName('acme', 'R-42', 3));
    assert.equal(indexTaskName('acme', 'R-42', 3), indexTaskName('acme', 'R-42', 3, 'outbox'));
  });

  it('stays within the characters and length Cloud Tasks accepts, whatever the report id holds', () => {
    const cases = [
      { id: 'R-42', reason: 'plain id' },
      { id: 'US-FDA:2024.000123', reason: 'colons and dots are allowed in ids but not in task names' },
      { id: 'a'.repeat(100), reason: 'the longest id the schema allows' },
      { id: 'x'.repeat(5000), reason: 'a longer id is cut in the readable part' },
      { id: 'ünï/cödé name', reason: 'non-ASCII, slashes and spaces' },
    ];
    for (const { id, reason } of cases) {
      const name = indexTaskName('tenant-with-a-long-name-0123456789abcdef', id, 100000, { origin: 'replay', generation: 'g'.repeat(64) });
      assert.match(name, TASK_NAME_PATTERN, reason);
    }
  });

  it('starts with a 32-hex-character hash so consecutive reports do not get sequential names', () => {
    const names = Array.from({ length: 20 }, (_, i) => indexTaskName('acme', `R-${i}`, 1));
    for (const name of names) assert.match(name, /^[0-9a-f]{32}-acme-R-\d+-v1$/);
    const prefixes = new Set(names.map((n) => n.slice(0, 2)));
    assert.ok(prefixes.size > 10, 'the leading characters are spread');
  });

  it('never gives two different tuples the same name, even when their readable parts look alike', () => {
    const cases: { a: [string, string, number]; b: [string, string, number]; reason: string }[] = [
      { a: ['acme', 'a-1', 2], b: ['acme', 'a', 12], reason: 'hyphen in the id vs digits in the version' },
      { a: ['acme', 'A:1', 1], b: ['acme', 'A.1', 1], reason: 'ids that sanitise to the same readable text' },
      { a: ['acme', 'A_1', 1], b: ['acme', 'A:1', 1], reason: 'an underscore vs a replaced character' },
      { a: ['acme-b', 'c', 1], b: ['acme', 'b-c', 1], reason: 'hyphen moved between tenant and id' },
      { a: ['acme', 'R', 1], b: ['acme', 'R', 2], reason: 'versions differ' },
    ];
    for (const { a, b, reason } of cases) {
      const na = indexTaskName(...a);
      const nb = indexTaskName(...b);
      assert.notEqual(na, nb, reason);
      assert.notEqual(na.slice(0, 32), nb.slice(0, 32), `${reason}: the hashes differ`);
    }
  });

  it('gives repairs and replays deterministic names of their own, one per generation', () => {
    const outbox = indexTaskName('acme', 'R-1', 1);
    const repair1 = indexTaskName('acme', 'R-1', 1, { origin: 'repair', generation: 1 });
    const repair1again = indexTaskName('acme', 'R-1', 1, { origin: 'repair', generation: '1' });
    const repair2 = indexTaskName('acme', 'R-1', 1, { origin: 'repair', generation: 2 });
    const replay1 = indexTaskName('acme', 'R-1', 1, { origin: 'replay', generation: 1 });
    assert.equal(repair1, repair1again, 'a numeric generation and its decimal string are the same generation');
    assert.equal(new Set([outbox, repair1, repair2, replay1]).size, 4);
    assert.match(repair1, /-v1-repair-1$/);
    assert.match(replay1, /-v1-replay-1$/);
  });

  it('rejects an invalid tenant, report id, version or generation with InputError', () => {
    const cases: { call: () => string; code: string; reason: string }[] = [
      { call: () => indexTaskName('Acme', 'R', 1), code: 'VIG_TENANT_INVALID_ID', reason: 'upper-case tenant' },
      { call: () => indexTaskName('acme', '', 1), code: 'VIG_REQUEST_INVALID_PARAMETER', reason: 'empty id' },
      { call: () => indexTaskName('acme', 'R', 0), code: 'VIG_REQUEST_INVALID_PARAMETER', reason: 'version 0' },
      { call: () => indexTaskName('acme', 'R', 1.5), code: 'VIG_REQUEST_INVALID_PARAMETER', reason: 'fractional version' },
      { call: () => indexTaskName('acme', 'R', 1, { origin: 'repair', generation: -1 }), code: 'VIG_REQUEST_INVALID_PARAMETER', reason: 'negative generation' },
      { call: () => indexTaskName('acme', 'R', 1, { origin: 'repair', generation: 'a b' }), code: 'VIG_REQUEST_INVALID_PARAMETER', reason: 'space in generation' },
      { call: () => indexTaskName('acme', 'R', 1, { origin: 'outbox' as 'repair', generation: 1 }), code: 'VIG_REQUEST_INVALID_PARAMETER', reason: 'unknown origin' },
    ];
    for (const { call, code, reason } of cases) {
      assert.throws(call, (e: { name?: string; code?: string }) => e.name === 'InputError' && e.code === code, reason);
    }
  });
});

describe('resolveQueueSpec', () => {
  it('fills in the rate and concurrency defaults', () => {
    assert.deepEqual(resolveQueueSpec({ name: 'q-1', maxAttempts: 3, minBackoffMs: 100, maxBackoffMs: 1000 }), {
      name: 'q-1',
      maxAttempts: 3,
      minBackoffMs: 100,
      maxBackoffMs: 1000,
      maxDispatchesPerSecond: 500,
      maxConcurrentDispatches: 500,
    });
  });

  it('rejects invalid specs with InputError naming the field', () => {
    const base = { name: 'q-1', maxAttempts: 3, minBackoffMs: 100, maxBackoffMs: 1000 };
    const cases = [
      { spec: { ...base, name: 'q_1' }, reason: 'underscore in a queue name' },
      { spec: { ...base, name: 'q'.repeat(101) }, reason: 'queue name too long' },
      { spec: { ...base, maxAttempts: 0 }, field: 'maxAttempts', reason: 'no attempt' },
      { spec: { ...base, maxAttempts: -1 }, field: 'maxAttempts', reason: "Cloud Tasks' unlimited is not allowed: the last attempt must be knowable" },
      { spec: { ...base, minBackoffMs: -1 }, field: 'minBackoffMs', reason: 'negative backoff' },
      { spec: { ...base, minBackoffMs: 0.5 }, field: 'minBackoffMs', reason: 'fractional milliseconds' },
      { spec: { ...base, maxBackoffMs: 50 }, field: 'maxBackoffMs', reason: 'max below min' },
      { spec: { ...base, maxDispatchesPerSecond: 0 }, field: 'maxDispatchesPerSecond', reason: 'zero rate' },
      { spec: { ...base, maxDispatchesPerSecond: 501 }, field: 'maxDispatchesPerSecond', reason: "above Cloud Tasks' maximum" },
      { spec: { ...base, maxConcurrentDispatches: 0 }, field: 'maxConcurrentDispatches', reason: 'zero concurrency' },
    ];
    for (const { spec, field, reason } of cases) {
      assert.throws(
        () => resolveQueueSpec(spec),
        (e: { name?: string; code?: string; fields?: { field?: string } }) => e.name === 'InputError' && e.code === 'VIG_REQUEST_INVALID_PARAMETER' && e.fields?.field === field,
        reason,
      );
    }
  });
});

describe('assertIndexTaskPayload', () => {
  it('accepts ids only and rejects documents, extra fields and invalid ids with InputError', () => {
    const ok: IndexTaskPayload = { tenant: 'acme', safetyreportid: 'R-1', version: 2, origin: 'outbox' };
    assertIndexTaskPayload(ok);
    const cases: { payload: unknown; reason: string }[] = [
      { payload: { ...ok, report: { patient: {} } }, reason: 'a document rides along (invariant 2)' },
      { payload: { tenant: 'acme', safetyreportid: 'R-1', version: 2 }, reason: 'origin missing' },
      { payload: { ...ok, tenant: 'ACME' }, reason: 'invalid tenant' },
      { payload: { ...ok, safetyreportid: '' }, reason: 'empty id' },
      { payload: { ...ok, version: 0 }, reason: 'version 0' },
      { payload: { ...ok, version: '2' }, reason: 'version as a string' },
      { payload: { ...ok, origin: 'manual' }, reason: 'unknown origin' },
      { payload: null, reason: 'null' },
      { payload: [ok], reason: 'an array' },
    ];
    for (const { payload, reason } of cases) {
      assert.throws(() => assertIndexTaskPayload(payload as IndexTaskPayload), (e: { name?: string }) => e.name === 'InputError', reason);
    }
  });
});

describe('indexing queue shards', () => {
  it('names shard 0 as a tenant with one queue has it, and the others with a double hyphen no tenant id holds', () => {
    assert.equal(indexQueueName('acme'), 'vigilo-index-acme');
    assert.deepEqual(indexQueueNames('acme', 3), ['vigilo-index-acme', 'vigilo-index-acme--1', 'vigilo-index-acme--2']);
    assert.notEqual(indexQueueName('acme', 2), indexQueueName('acme-2'), "a shard is never another tenant's queue");
    for (const name of indexQueueNames('a-very-long-tenant-name-of-forty-chars0', 32)) assert.match(name, QUEUE_NAME_PATTERN);
    assert.throws(() => indexQueueName('acme', 32), { name: 'InputError' });
    assert.throws(() => indexQueueName('acme', -1), { name: 'InputError' });
  });

  it('puts every version of a report in the same shard and spreads reports over all of them', () => {
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[indexQueueShard(`CASE-${i}`, 4)]! += 1;
    assert.ok(counts.every((n) => n > 800 && n < 1200), `spread: ${counts.join(', ')}`);
    assert.equal(indexQueueShard('10979236', 4), indexQueueShard('10979236', 4));
    assert.equal(indexQueueShard('anything', 1), 0);
    // FNV-1a 32 of "a" is 0xe40c292c: pinned so that a change of the hash (which moves reports between queues) is deliberate.
    assert.equal(indexQueueShard('a', 7), 0xe40c292c % 7);
  });
});
