import assert from 'node:assert/strict';
import type { Pool } from '@vigilo/postgres';
import { burstSize, PostgresTaskDispatcher, type PostgresTaskDispatcherOptions } from './postgresDispatcher.js';

const poolOf = (max: number) => ({ options: { max } }) as unknown as Pool;

describe('PostgresTaskDispatcher options', () => {
  const base: PostgresTaskDispatcherOptions = { pool: poolOf(4), targetUrl: 'http://127.0.0.1:8080/tasks' };

  it('derives the lease from the dispatch deadline and requires it to be longer', () => {
    assert.doesNotThrow(() => new PostgresTaskDispatcher(base));
    assert.throws(() => new PostgresTaskDispatcher({ ...base, dispatchDeadlineMs: 5_000, leaseTimeoutMs: 5_000 }), /leaseTimeoutMs must exceed/);
  });

  it('refuses LISTEN on a one-connection pool (it would hold the only connection)', () => {
    assert.throws(() => new PostgresTaskDispatcher({ ...base, pool: poolOf(1) }), /at least 2 connections/);
    assert.doesNotThrow(() => new PostgresTaskDispatcher({ ...base, pool: poolOf(1), listen: false }));
  });

  it('rejects invalid targets, queue names and limits', () => {
    const cases: { options: Partial<PostgresTaskDispatcherOptions>; reason: string }[] = [
      { options: { targetUrl: 'file:///etc/passwd' }, reason: 'not http(s)' },
      { options: { queues: ['bad_name'] }, reason: 'invalid queue name' },
      { options: { maxInFlight: 0 }, reason: 'no dispatch slot' },
      { options: { pollIntervalMs: -1 }, reason: 'negative poll interval' },
      { options: { retentionMs: -1 }, reason: 'negative retention' },
    ];
    for (const { options, reason } of cases) assert.throws(() => new PostgresTaskDispatcher({ ...base, ...options }), reason);
  });

  it('can be stopped without having been started', async () => {
    await new PostgresTaskDispatcher(base).stop();
  });
});

describe('burstSize', () => {
  it('is one second of the rate, between 1 and 100', () => {
    assert.deepEqual([0.5, 1, 10, 99.5, 500].map(burstSize), [1, 1, 10, 100, 100]);
  });
});
