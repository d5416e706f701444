import assert from 'node:assert/strict';
import { contentHash, parseTenantId, type StoredReport, type TenantId } from '@vigilo/domain';
import { UnavailableError } from '@vigilo/errors';
import type { DeadLetterInput } from '@vigilo/postgres';
import type { BulkItemOutcome, BulkOperation, SearchIndex } from '@vigilo/search-engine';
import { minimalReport } from '@vigilo/testkit';
import { IndexingService, type IndexDelivery } from './indexing.js';

// Pure unit tests with in-memory stand-ins for SQL and the engine; the real
// adapters are proven by their own contract suites and the end-to-end tests.
const tenant = parseTenantId('unit-tenant');

function stored(id: string, version: number, nullified = false): StoredReport {
  const content = minimalReport({ safetyreportid: id, safetyreportversion: version, ...(nullified ? { reportnullificationamendment: '1' } : {}) });
  return { safetyreportid: id, version, currentVersion: version, nullified, contentHash: contentHash(content), receivedAt: new Date('2026-01-01T00:00:00Z'), content };
}

class FakeEngine {
  readonly calls: BulkOperation[][] = [];
  readonly versions = new Map<string, number>();
  fail: 'none' | 'unavailable' | 'item-retryable' | 'item-permanent' = 'none';
  async bulk(_tenant: TenantId, ops: readonly BulkOperation[]): Promise<BulkItemOutcome[]> {
    this.calls.push([...ops]);
    if (this.fail === 'unavailable') throw new UnavailableError('engine down');
    return ops.map((op): BulkItemOutcome => {
      if (this.fail === 'item-retryable') return { id: op.id, outcome: 'failed', retryable: true, reason: 'es_rejected_execution_exception' };
      if (this.fail === 'item-permanent') return { id: op.id, outcome: 'failed', retryable: false, reason: 'mapper_parsing_exception' };
      const held = this.versions.get(op.id) ?? 0;
      if (held >= op.version) return { id: op.id, outcome: 'stale' };
      this.versions.set(op.id, op.version);
      return { id: op.id, outcome: 'written' };
    });
  }
}

function setup(current: StoredReport[], maxAttempts = 3) {
  const engine = new FakeEngine();
  const parked: DeadLetterInput[] = [];
  const sql = new Map(current.map((s) => [s.safetyreportid, s]));
  const service = new IndexingService({
    reports: { getCurrentMany: async (_t, ids) => new Map(ids.filter((id) => sql.has(id)).map((id) => [id, sql.get(id)!])) },
    engine: engine as unknown as SearchIndex,
    deadLetters: { park: async (_t, letter) => void parked.push(letter) },
    maxAttempts,
    batching: { windowMs: 5, maxBatch: 100 },
  });
  return { service, engine, parked, sql };
}

const delivery = (id: string, version: number, retryCount = 0): IndexDelivery => ({ tenant, safetyreportid: id, version, taskName: `task-${id}-${version}-${retryCount}`, queue: 'q', retryCount });

describe('IndexingService', () => {
  it('writes the current SQL state, whatever version the task names', async () => {
    const { service, engine } = setup([stored('A', 3)]);
    assert.deepEqual(await service.handle(delivery('A', 1)), { ack: true, outcome: 'indexed' });
    assert.equal(engine.calls[0]?.[0]?.version, 3, 'the task said 1, SQL says 3: version 3 is written');
  });

  it('micro-batches concurrent deliveries of one tenant into one bulk, one operation per report', async () => {
    const { service, engine } = setup([stored('A', 1), stored('B', 2)]);
    const verdicts = await Promise.all([service.handle(delivery('A', 1)), service.handle(delivery('B', 2)), service.handle(delivery('A', 1))]);
    assert.equal(engine.calls.length, 1);
    assert.deepEqual(engine.calls[0]!.map((op) => op.id).sort(), ['A', 'B']);
    assert.ok(verdicts.every((v) => v.ack));
  });

  it('acknowledges a delivery the engine already holds (duplicate or late task) as stale', async () => {
    const { service } = setup([stored('A', 2)]);
    await service.handle(delivery('A', 2));
    assert.deepEqual(await service.handle(delivery('A', 1)), { ack: true, outcome: 'stale' });
  });

  it('writes a nullified report as a tombstone without report content', async () => {
    const { service, engine } = setup([stored('A', 2, true)]);
    await service.handle(delivery('A', 2));
    const op = engine.calls[0]![0]!;
    assert.equal(op.document.vigilo.nullified, true);
    assert.equal(op.document.report, undefined);
  });

  it('asks the queue to retry when the engine is unavailable, before the last attempt', async () => {
    const { service, engine, parked } = setup([stored('A', 1)]);
    engine.fail = 'unavailable';
    assert.deepEqual(await service.handle(delivery('A', 1, 0)), { ack: false, reason: 'VIG_UNAVAILABLE' });
    assert.equal(parked.length, 0);
  });

  it('parks the task and acknowledges on the last attempt', async () => {
    const { service, engine, parked } = setup([stored('A', 1)], 3);
    engine.fail = 'item-retryable';
    assert.deepEqual(await service.handle(delivery('A', 1, 2)), { ack: true, outcome: 'parked' });
    assert.deepEqual(parked.map((p) => [p.safetyreportid, p.attempts, p.errorCode]), [['A', 3, 'VIG_UNAVAILABLE']]);
  });

  it('parks a permanent engine refusal at once', async () => {
    const { service, engine, parked } = setup([stored('A', 1)], 5);
    engine.fail = 'item-permanent';
    assert.deepEqual(await service.handle(delivery('A', 1, 0)), { ack: true, outcome: 'parked' });
    assert.equal(parked[0]?.errorCode, 'VIG_INTERNAL');
  });

  it('parks a task for a report SQL does not hold', async () => {
    const { service, parked } = setup([]);
    assert.deepEqual(await service.handle(delivery('GHOST', 1)), { ack: true, outcome: 'parked' });
    assert.equal(parked[0]?.errorCode, 'VIG_REPORT_NOT_FOUND');
  });
});
