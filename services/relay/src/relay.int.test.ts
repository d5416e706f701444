import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { contentHash, parseTenantId, tenantSchemaName } from '@vigilo/domain';
import { PostgresReportStore, createPool, dropTenantSchema, provisionTenant } from '@vigilo/postgres';
import { PostgresTaskDispatcher, PostgresTaskQueue, indexTaskName, migrateTaskQueue } from '@vigilo/queue';
import { createTestDatabase, minimalReport, uniqueTenant, type TestDatabase } from '@vigilo/testkit';
import { OutboxRelay, indexQueueName } from './relay.js';

/** A stand-in indexer that records what the queue delivers. */
type Received = { safetyreportid: string; version: number; taskName: string; traceparent?: string };
async function startTarget(): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const payload = JSON.parse(body) as { safetyreportid: string; version: number };
      const traceparent = req.headers['traceparent'];
      received.push({ ...payload, taskName: String(req.headers['x-cloudtasks-taskname']), ...(typeof traceparent === 'string' ? { traceparent } : {}) });
      res.writeHead(200).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/tasks/index`, received };
}

async function until(condition: () => Promise<boolean> | boolean, what: string, limitMs = 30_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('outbox relay (real PostgreSQL, the PostgreSQL queue and its dispatcher)', function () {
  let db: TestDatabase;
  let target: Awaited<ReturnType<typeof startTarget>>;
  let dispatcher: PostgresTaskDispatcher;
  let queue: PostgresTaskQueue;
  const tenant = parseTenantId(uniqueTenant('relay'));

  before(async () => {
    db = await createTestDatabase();
    await provisionTenant(db.pool, { id: tenant });
    await migrateTaskQueue(db.pool);
    queue = new PostgresTaskQueue({ pool: db.pool });
    await queue.ensureQueue({ name: indexQueueName(tenant), maxAttempts: 5, minBackoffMs: 50, maxBackoffMs: 500 });
    target = await startTarget();
    dispatcher = new PostgresTaskDispatcher({ pool: db.pool, targetUrl: target.url, pollIntervalMs: 100 });
    await dispatcher.start();
  });
  after(async () => {
    await dispatcher?.stop();
    await queue?.close();
    target?.server.close();
    await dropTenantSchema(db.pool, tenant);
    await db?.drop();
  });

  const store = () => new PostgresReportStore({ pool: db.pool });
  const put = (id: string, version = 1) => {
    const report = minimalReport({ safetyreportid: id, safetyreportversion: version });
    return store().putReports(tenant, [{ report, contentHash: contentHash(report) }]);
  };
  const pending = async () => (await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${tenantSchemaName(tenant)}.outbox WHERE dispatched_at IS NULL`)).rows[0]!.n;

  it('delivers every committed outbox row once, as ids only, and marks the rows dispatched', async () => {
    for (let i = 0; i < 30; i++) await put(`R-${i}`);
    await put('R-0', 2);
    const relay = new OutboxRelay({ pool: db.pool, queue, batchSize: 7 });
    assert.equal(await relay.drain(tenant), 31);
    assert.equal(await pending(), 0);
    await until(() => target.received.length >= 31, '31 deliveries');
    const keys = target.received.map((r) => `${r.safetyreportid}@${r.version}`);
    assert.equal(new Set(keys).size, 31, 'no duplicate delivery');
    assert.ok(keys.includes('R-0@2'));
    assert.equal(target.received.find((r) => r.safetyreportid === 'R-5')?.taskName, indexTaskName(tenant, 'R-5', 1));
  });

  it('resumes after a crash between enqueue and marking: the same names are deduplicated by the queue', async () => {
    target.received.length = 0;
    await put('CRASH-1');
    await put('CRASH-2');
    // The crashed relay had enqueued CRASH-1 but not marked its row.
    await queue.enqueue(indexQueueName(tenant), { name: indexTaskName(tenant, 'CRASH-1', 1), payload: { tenant, safetyreportid: 'CRASH-1', version: 1, origin: 'outbox' } });
    const relay = new OutboxRelay({ pool: db.pool, queue });
    assert.equal(await relay.drain(tenant), 2);
    assert.equal(await pending(), 0);
    await until(() => target.received.length >= 2, 'two deliveries');
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(target.received.map((r) => r.safetyreportid).sort(), ['CRASH-1', 'CRASH-2']);
  });

  it('carries the trace context of the committing request to the indexer in the task headers', async () => {
    target.received.length = 0;
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const report = minimalReport({ safetyreportid: 'TRACE-1' });
    await store().putReports(tenant, [{ report, contentHash: contentHash(report) }], { traceparent });
    await new OutboxRelay({ pool: db.pool, queue }).drain(tenant);
    await until(() => target.received.length >= 1, 'the traced delivery');
    assert.equal(target.received[0]?.traceparent, traceparent);
  });

  it('lets several relays work the same tenant without delivering a row twice', async () => {
    target.received.length = 0;
    for (let i = 0; i < 80; i++) await put(`PAR-${i}`);
    const relays = [1, 2, 3].map(() => new OutboxRelay({ pool: db.pool, queue, batchSize: 10 }));
    const counts = await Promise.all(relays.map((r) => r.drain(tenant)));
    assert.equal(counts.reduce((a, b) => a + b, 0), 80);
    await until(() => target.received.length >= 80, '80 deliveries');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(target.received.length, 80);
  });

  it('without holding locks (one relay on the embedded PGlite): every row delivered once, also when two relays race', async () => {
    target.received.length = 0;
    for (let i = 0; i < 40; i++) await put(`NOLOCK-${i}`);
    // A pool of one connection, as in the local mode: locked claims would wait on themselves here.
    const single = createPool({ connectionString: db.url, max: 1 });
    try {
      const relays = [1, 2].map(() => new OutboxRelay({ pool: single, queue, batchSize: 9, lockWhileEnqueueing: false }));
      await Promise.all(relays.map((r) => r.drain(tenant)));
      assert.equal(await pending(), 0, 'every row is marked dispatched');
      await until(() => target.received.length >= 40, '40 deliveries');
      await new Promise((r) => setTimeout(r, 300));
      const keys = target.received.map((r) => `${r.safetyreportid}@${r.version}`);
      assert.equal(keys.length, 40, 'a row enqueued twice is deduplicated by its deterministic name');
      assert.equal(new Set(keys).size, 40);
    } finally {
      await single.end();
    }
  });

  it('spreads a tenant over its queue shards by report id, every version of a report in the same queue', async () => {
    const shards = 3;
    for (let k = 1; k < shards; k++) await queue.ensureQueue({ name: indexQueueName(tenant, k), maxAttempts: 5, minBackoffMs: 50, maxBackoffMs: 500 });
    target.received.length = 0;
    for (let i = 0; i < 30; i++) await put(`SHARD-${i}`);
    for (let i = 0; i < 5; i++) await put(`SHARD-${i}`, 2);
    await new OutboxRelay({ pool: db.pool, queue, queueShards: () => shards }).drain(tenant);
    const { rows } = await db.pool.query<{ queue: string; name: string; id: string }>(
      `SELECT queue, name, payload->>'safetyreportid' AS id FROM vigilo.tasks WHERE payload->>'safetyreportid' LIKE 'SHARD-%'`,
    );
    assert.equal(rows.length, 35);
    const queuesOf = new Map<string, Set<string>>();
    for (const r of rows) queuesOf.set(r.id, (queuesOf.get(r.id) ?? new Set()).add(r.queue));
    assert.ok([...queuesOf.values()].every((q) => q.size === 1), 'each report in one queue');
    assert.deepEqual(new Set(rows.map((r) => r.queue)), new Set([0, 1, 2].map((k) => indexQueueName(tenant, k))), 'all three queues used');
    await until(() => target.received.filter((r) => r.safetyreportid.startsWith('SHARD-')).length >= 35, '35 deliveries from three queues');
  });
});
