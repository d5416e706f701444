import assert from 'node:assert/strict';
import pg from 'pg';
import { migratePlatform } from '@vigilo/postgres';
import { createTestDatabase, type TestDatabase } from '@vigilo/testkit';
import { describeTaskQueueContract, RecordingTarget, uniqueQueueName, waitFor } from './contract.js';
import { readTaskHeaders } from './headers.js';
import { indexTaskName } from './names.js';
import type { IndexTaskPayload, QueueSpec } from './ports.js';
import { completeDispatch, leaseDueTasks, PostgresTaskDispatcher, type PostgresTaskDispatcherOptions } from './postgresDispatcher.js';
import { migrateTaskQueue, TASK_QUEUE_SCHEMA_VERSION } from './postgresMigrations.js';
import { PostgresTaskQueue } from './postgresTaskQueue.js';
import { verifySharedSecret } from './sharedSecret.js';

const SECRET = 'local-mode-shared-secret';

describeTaskQueueContract('PostgreSQL (SKIP LOCKED dispatcher, shared secret)', async ({ url }) => {
  const db = await createTestDatabase('vigilo_queue_contract');
  await migrateTaskQueue(db.pool);
  const queue = new PostgresTaskQueue({ pool: db.pool });
  const dispatcher = new PostgresTaskDispatcher({ pool: db.pool, targetUrl: url, sharedSecret: SECRET, pollIntervalMs: 250, dispatchDeadlineMs: 10_000 });
  await dispatcher.start();
  return {
    queue,
    changedSpecOutcome: 'updated',
    concurrentEnqueueDeduplicates: true,
    async authenticate(headers) {
      verifySharedSecret(headers['authorization'], SECRET);
    },
    async close() {
      await dispatcher.stop();
      await db.drop();
    },
  };
});

describe('PostgresTaskQueue and PostgresTaskDispatcher (real PostgreSQL)', function () {
  let db: TestDatabase;
  let target: RecordingTarget;
  let queue: PostgresTaskQueue;
  const pools: pg.Pool[] = [];
  const tenant = 'pg-queue';

  before(async () => {
    db = await createTestDatabase('vigilo_queue');
    await migrateTaskQueue(db.pool);
    target = await RecordingTarget.start();
    queue = new PostgresTaskQueue({ pool: db.pool });
  });
  after(async () => {
    await Promise.all(pools.map((p) => p.end()));
    await target?.close();
    await db?.drop();
  });

  /** A pool of its own, as a separate dispatcher process would have. */
  function processPool(): pg.Pool {
    const pool = new pg.Pool({ connectionString: db.url, max: 4 });
    pool.on('error', () => undefined);
    pools.push(pool);
    return pool;
  }

  async function withDispatchers<T>(count: number, options: Partial<PostgresTaskDispatcherOptions>, fn: (dispatchers: PostgresTaskDispatcher[]) => Promise<T>): Promise<T> {
    const dispatchers = Array.from({ length: count }, () => new PostgresTaskDispatcher({ pool: processPool(), targetUrl: target.url, pollIntervalMs: 200, dispatchDeadlineMs: 10_000, ...options }));
    try {
      await Promise.all(dispatchers.map((d) => d.start()));
      return await fn(dispatchers);
    } finally {
      await Promise.all(dispatchers.map((d) => d.stop()));
    }
  }

  async function newQueue(overrides: Partial<QueueSpec> = {}): Promise<string> {
    const spec = { name: uniqueQueueName('pg'), maxAttempts: 3, minBackoffMs: 100, maxBackoffMs: 1000, ...overrides };
    assert.equal(await queue.ensureQueue(spec), 'created');
    return spec.name;
  }

  function task(id: string, version = 1): { name: string; payload: IndexTaskPayload } {
    return { name: indexTaskName(tenant, id, version), payload: { tenant, safetyreportid: id, version, origin: 'outbox' } };
  }

  async function row(q: string, name: string): Promise<{ state: string; dispatch_count: number; response_count: number; last_status: number | null; last_error: string | null } | undefined> {
    const { rows } = await db.pool.query('SELECT state, dispatch_count, response_count, last_status, last_error FROM vigilo.tasks WHERE queue = $1 AND name = $2', [q, name]);
    return rows[0];
  }

  it('migrates idempotently and concurrently, beside the platform migrator, recording scope "queue"', async () => {
    const fresh = await createTestDatabase('vigilo_queue_migrate');
    try {
      const results = await Promise.all([migrateTaskQueue(fresh.pool), migratePlatform(fresh.pool), migrateTaskQueue(fresh.pool), migrateTaskQueue(fresh.pool)]);
      assert.deepEqual([results[0], results[2], results[3]], [TASK_QUEUE_SCHEMA_VERSION, TASK_QUEUE_SCHEMA_VERSION, TASK_QUEUE_SCHEMA_VERSION]);
      assert.equal(await migrateTaskQueue(fresh.pool), TASK_QUEUE_SCHEMA_VERSION);
      const { rows } = await fresh.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM vigilo.schema_migrations WHERE scope = 'queue'");
      assert.equal(rows[0]?.n, TASK_QUEUE_SCHEMA_VERSION);
    } finally {
      await fresh.drop();
    }
  });

  it('never delivers one task twice with two dispatcher processes on the same queue (200 tasks)', async () => {
    const q = await newQueue();
    const tasks = Array.from({ length: 200 }, (_, i) => task(`SKIP-${i}`));
    target.respondByDefault({ delayMs: 20 });
    try {
      for (const t of tasks) assert.equal(await queue.enqueue(q, t), 'enqueued');
      await withDispatchers(2, { maxInFlight: 30, batchSize: 10 }, async () => {
        await waitFor(() => tasks.every((t) => target.received({ taskName: t.name }).length >= 1), { what: '200 tasks delivered', timeoutMs: 60_000 });
      });
      for (const t of tasks) assert.equal(target.received({ taskName: t.name }).length, 1, `${t.name} delivered once`);
      assert.deepEqual(await queue.taskCounts(q), { pending: 0, leased: 0, done: 200, exhausted: 0 });
    } finally {
      target.respondByDefault({});
    }
  });

  it('shares the work between dispatchers (each one dispatched some of the tasks)', async () => {
    const q = await newQueue();
    const tasks = Array.from({ length: 100 }, (_, i) => task(`SHARE-${i}`));
    for (const t of tasks) await queue.enqueue(q, t);
    target.respondByDefault({ delayMs: 20 });
    const counts = [0, 0];
    const counting = (i: number): typeof fetch => (input, init) => {
      counts[i]!++;
      return fetch(input, init);
    };
    try {
      const dispatchers = [0, 1].map((i) => new PostgresTaskDispatcher({ pool: processPool(), targetUrl: target.url, pollIntervalMs: 200, maxInFlight: 10, batchSize: 5, fetch: counting(i) }));
      try {
        await Promise.all(dispatchers.map((d) => d.start()));
        await waitFor(() => tasks.every((t) => target.received({ taskName: t.name }).length >= 1), { what: '100 tasks delivered', timeoutMs: 60_000 });
      } finally {
        await Promise.all(dispatchers.map((d) => d.stop()));
      }
    } finally {
      target.respondByDefault({});
    }
    assert.equal(counts[0]! + counts[1]!, 100);
    assert.ok(counts[0]! > 0 && counts[1]! > 0, `both dispatchers worked: ${counts.join(' / ')}`);
  });

  it("keeps a queue's concurrent dispatches within maxConcurrentDispatches across dispatchers", async () => {
    const q = await newQueue({ maxConcurrentDispatches: 3 });
    const tasks = Array.from({ length: 24 }, (_, i) => task(`CONC-${i}`));
    for (const t of tasks) target.respond(t.name, { delayMs: 100 });
    for (const t of tasks) await queue.enqueue(q, t);
    await withDispatchers(2, {}, async () => {
      await waitFor(() => tasks.every((t) => target.received({ taskName: t.name }).length >= 1), { what: '24 tasks delivered', timeoutMs: 60_000 });
    });
    assert.ok(target.peakConcurrency(q) <= 3, `peak ${target.peakConcurrency(q)}`);
    assert.ok(target.peakConcurrency(q) >= 2, 'dispatches did overlap');
  });

  it('keeps a queue within maxDispatchesPerSecond across dispatchers (no 1 s window holds more than burst + rate)', async () => {
    const rate = 10;
    const q = await newQueue({ maxDispatchesPerSecond: rate });
    const tasks = Array.from({ length: 60 }, (_, i) => task(`RATE-${i}`));
    for (const t of tasks) await queue.enqueue(q, t);
    await withDispatchers(2, {}, async () => {
      await waitFor(() => tasks.every((t) => target.received({ taskName: t.name }).length >= 1), { what: '60 tasks delivered', timeoutMs: 60_000 });
    });
    const times = target.received({ queueName: q }).map((d) => d.receivedAt).sort((a, b) => a - b);
    const busiest = Math.max(...times.map((start) => times.filter((t) => t >= start && t < start + 1_000).length));
    // A full bucket (burst = 10) plus one second of refill (10), and a little room for delivery jitter;
    // without the limit all 60 would arrive within one window.
    assert.ok(busiest <= 2 * rate + 5, `busiest 1 s window held ${busiest} dispatches`);
  });

  it('redelivers the tasks of a dispatcher that died mid-lease once the lease expired, counting the lost dispatch', async () => {
    const q = await newQueue({ maxAttempts: 3 });
    const t = task('CRASH-1');
    await queue.enqueue(q, t);
    const crashed = await leaseDueTasks(db.pool, q, { limit: 10, leaseMs: 1_500, owner: 'crashed-dispatcher' });
    assert.deepEqual(crashed.tasks.map((x) => x.name), [t.name]);
    const { rows } = await db.pool.query<{ expires: string }>('SELECT extract(epoch FROM lease_expires_at)::text AS expires FROM vigilo.tasks WHERE name = $1', [t.name]);
    await withDispatchers(1, {}, async () => {
      const [hit] = await target.waitForDispatches(t.name, 1);
      const info = readTaskHeaders(hit!.headers);
      assert.equal(info.retryCount, 1, 'the lost dispatch counts as an attempt');
      assert.equal(info.executionCount, 0, 'but it got no response');
      assert.ok(info.etaSeconds! >= Number(rows[0]!.expires), 'scheduled after the lease expired');
      await waitFor(async () => (await row(q, t.name))?.state === 'done', { what: 'task done' });
    });
    assert.equal(await completeDispatch(db.pool, crashed.queue!, crashed.tasks[0]!, { ok: true, status: 200 }), false, "the dead dispatcher's late completion is ignored");
    assert.equal((await row(q, t.name))?.state, 'done');
    assert.equal(target.received({ taskName: t.name }).length, 1);
  });

  it('marks a task exhausted when the lease of its last attempt expires', async () => {
    const q = await newQueue({ maxAttempts: 1 });
    const t = task('CRASH-LAST');
    await queue.enqueue(q, t);
    await leaseDueTasks(db.pool, q, { limit: 10, leaseMs: 300, owner: 'crashed-dispatcher' });
    await withDispatchers(1, {}, async () => {
      await waitFor(async () => (await row(q, t.name))?.state === 'exhausted', { what: 'task exhausted' });
    });
    const r = await row(q, t.name);
    assert.match(r!.last_error!, /lease expired/);
    assert.equal(target.received({ taskName: t.name }).length, 0);
  });

  it('records each outcome in the task row (done with 200; exhausted with the last status)', async () => {
    const q = await newQueue({ maxAttempts: 2, minBackoffMs: 50, maxBackoffMs: 100 });
    const ok = task('ROW-OK');
    const bad = task('ROW-BAD');
    target.respond(bad.name, { statuses: [503] });
    await queue.enqueue(q, ok);
    await queue.enqueue(q, bad);
    await withDispatchers(1, {}, async () => {
      await waitFor(async () => (await row(q, ok.name))?.state === 'done' && (await row(q, bad.name))?.state === 'exhausted', { what: 'both tasks finished' });
    });
    assert.deepEqual(await row(q, ok.name), { state: 'done', dispatch_count: 1, response_count: 1, last_status: 200, last_error: null });
    assert.deepEqual(await row(q, bad.name), { state: 'exhausted', dispatch_count: 2, response_count: 2, last_status: 503, last_error: 'HTTP 503' });
  });

  it('counts a refused connection as a failed attempt and retries it', async () => {
    const q = await newQueue({ maxAttempts: 2, minBackoffMs: 50, maxBackoffMs: 100 });
    const t = task('REFUSED');
    await queue.enqueue(q, t);
    // A target URL nobody listens on.
    const closed = new PostgresTaskDispatcher({ pool: processPool(), targetUrl: 'http://127.0.0.1:1/tasks', pollIntervalMs: 100 });
    await closed.start();
    try {
      await waitFor(async () => (await row(q, t.name))?.state === 'exhausted', { what: 'task exhausted after refused connections' });
    } finally {
      await closed.stop();
    }
    const r = await row(q, t.name);
    assert.equal(r?.dispatch_count, 2);
    assert.equal(r?.last_status, null);
    assert.match(r!.last_error!, /fetch failed/);
  });

  it('finishes dispatches in flight on stop() and then dispatches nothing more', async () => {
    const q = await newQueue();
    const slow = task('STOP-SLOW');
    const late = task('STOP-LATE');
    target.respond(slow.name, { delayMs: 800 });
    await queue.enqueue(q, slow);
    const dispatcher = new PostgresTaskDispatcher({ pool: processPool(), targetUrl: target.url, pollIntervalMs: 100 });
    await dispatcher.start();
    await target.waitForDispatches(slow.name, 1);
    assert.equal(dispatcher.inFlightCount, 1);
    await dispatcher.stop();
    assert.equal((await row(q, slow.name))?.state, 'done', 'the in-flight outcome was recorded before stop() resolved');
    await queue.enqueue(q, late);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(target.received({ taskName: late.name }).length, 0);
    assert.equal((await row(q, late.name))?.state, 'pending');
  });

  it('purges done rows after the retention, after which the name can be used again', async () => {
    const q = await newQueue();
    const t = task('PURGE-1');
    const shortQueue = new PostgresTaskQueue({ pool: db.pool, retentionMs: 60_000 });
    await withDispatchers(1, { retentionMs: 1_000, purgeIntervalMs: 200 }, async () => {
      assert.equal(await shortQueue.enqueue(q, t), 'enqueued');
      await target.waitForDispatches(t.name, 1);
      assert.equal(await shortQueue.enqueue(q, t), 'duplicate');
      await waitFor(async () => (await row(q, t.name)) === undefined, { what: 'the done row purged' });
      assert.equal(await shortQueue.enqueue(q, t), 'enqueued');
      const hits = await target.waitForDispatches(t.name, 2);
      assert.equal(readTaskHeaders(hits[1]!.headers).retryCount, 0, 'a new task, not a retry');
    });
  });

  it('reuses the name of a finished task older than the retention at enqueue, before any purge', async () => {
    const q = await newQueue();
    const t = task('REUSE-1');
    const shortQueue = new PostgresTaskQueue({ pool: db.pool, retentionMs: 500 });
    await withDispatchers(1, {}, async () => {
      assert.equal(await shortQueue.enqueue(q, t), 'enqueued');
      await target.waitForDispatches(t.name, 1);
      await waitFor(async () => (await shortQueue.enqueue(q, t)) === 'enqueued', { what: 'the name freed after the retention', intervalMs: 100 });
      await target.waitForDispatches(t.name, 2);
    });
  });

  it('does not dispatch a paused queue, and dispatches its tasks once resumed', async () => {
    const q = await newQueue();
    const t = task('PAUSE-1');
    await queue.setPaused(q, true);
    await withDispatchers(1, {}, async () => {
      await queue.enqueue(q, t);
      await new Promise((r) => setTimeout(r, 700));
      assert.equal(target.received({ taskName: t.name }).length, 0);
      await queue.setPaused(q, false);
      await target.waitForDispatches(t.name, 1);
    });
    await assert.rejects(queue.setPaused(uniqueQueueName(), true), { name: 'NotFoundError' });
  });

  it('delivers by polling alone when LISTEN is off', async () => {
    const q = await newQueue();
    const t = task('POLL-1');
    await withDispatchers(1, { listen: false, pollIntervalMs: 100 }, async () => {
      await queue.enqueue(q, t);
      await target.waitForDispatches(t.name, 1);
    });
  });

  it('serves only its own queues when given a list', async () => {
    const mine = await newQueue();
    const other = await newQueue();
    const a = task('ONLY-MINE');
    const b = task('ONLY-OTHER');
    await withDispatchers(1, { queues: [mine] }, async () => {
      await queue.enqueue(mine, a);
      await queue.enqueue(other, b);
      await target.waitForDispatches(a.name, 1);
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(target.received({ taskName: b.name }).length, 0);
    });
    await queue.deleteQueue(other);
  });
});
