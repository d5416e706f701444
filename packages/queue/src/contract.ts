import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { isLastAttempt } from './backoff.js';
import { readTaskHeaders } from './headers.js';
import { indexTaskName } from './names.js';
import { TASK_HEADERS, type EnsureQueueOutcome, type IndexTaskPayload, type QueueSpec, type TaskQueue } from './ports.js';

/** One request the recording target received. */
export interface ReceivedDispatch {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly queueName: string;
  readonly taskName: string;
  readonly retryCount: number;
  /** `performance.now()` when the request arrived (for ordering and gaps, never absolute values). */
  readonly receivedAt: number;
  /** The status it was answered with. */
  readonly status: number;
}

export interface TaskResponsePlan {
  /** Status per dispatch (the last one repeats). @default [200] */
  readonly statuses?: readonly number[];
  /** Delay before answering each dispatch. @default 0 */
  readonly delayMs?: number;
}

/**
 * A small HTTP server that plays the indexer in queue tests: it records every
 * dispatch, answers each task name by its plan (200 by default), and counts
 * concurrent requests per queue.
 */
export class RecordingTarget {
  private readonly dispatches: ReceivedDispatch[] = [];
  private readonly plans = new Map<string, TaskResponsePlan>();
  private readonly active = new Map<string, number>();
  private readonly peak = new Map<string, number>();
  private defaultPlan: TaskResponsePlan = {};

  private constructor(
    private readonly server: Server,
    /** The task endpoint, e.g. `http://127.0.0.1:PORT/tasks`. */
    readonly url: string,
  ) {}

  static async start(): Promise<RecordingTarget> {
    let self: RecordingTarget | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => void self!.handle(req.method ?? '', req.url ?? '', req.headers, Buffer.concat(chunks).toString('utf8'), res));
    });
    server.keepAliveTimeout = 1_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    self = new RecordingTarget(server, `http://127.0.0.1:${port}/tasks`);
    return self;
  }

  private async handle(method: string, path: string, headers: IncomingHttpHeaders, body: string, res: ServerResponse): Promise<void> {
    const receivedAt = performance.now();
    const queueName = String(headers[TASK_HEADERS.queueName] ?? '');
    const taskName = String(headers[TASK_HEADERS.taskName] ?? '');
    const plan = this.plans.get(taskName) ?? this.defaultPlan;
    const n = this.dispatches.filter((d) => d.taskName === taskName && d.queueName === queueName).length;
    const statuses = plan.statuses ?? [200];
    const status = statuses[Math.min(n, statuses.length - 1)] ?? 200;
    const active = (this.active.get(queueName) ?? 0) + 1;
    this.active.set(queueName, active);
    this.peak.set(queueName, Math.max(this.peak.get(queueName) ?? 0, active));
    this.dispatches.push({ method, path, headers, body, queueName, taskName, retryCount: Number(headers[TASK_HEADERS.retryCount] ?? -1), receivedAt, status });
    if (plan.delayMs) await new Promise((r) => setTimeout(r, plan.delayMs));
    this.active.set(queueName, (this.active.get(queueName) ?? 1) - 1);
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(String(status));
  }

  /** How the target answers dispatches of `taskName`. */
  respond(taskName: string, plan: TaskResponsePlan): void {
    this.plans.set(taskName, plan);
  }

  /** How it answers task names without a plan of their own. */
  respondByDefault(plan: TaskResponsePlan): void {
    this.defaultPlan = plan;
  }

  /** Dispatches received, optionally of one task (by name) or of one queue. */
  received(filter: { readonly taskName?: string; readonly queueName?: string } = {}): ReceivedDispatch[] {
    return this.dispatches.filter((d) => (filter.taskName === undefined || d.taskName === filter.taskName) && (filter.queueName === undefined || d.queueName === filter.queueName));
  }

  /** The most requests of one queue the target was answering at the same time. */
  peakConcurrency(queueName: string): number {
    return this.peak.get(queueName) ?? 0;
  }

  /** Waits until `taskName` has at least `count` dispatches; returns them in arrival order. */
  async waitForDispatches(taskName: string, count: number, timeoutMs = 30_000): Promise<ReceivedDispatch[]> {
    await waitFor(() => this.received({ taskName }).length >= count, { timeoutMs, what: `${count} dispatch(es) of ${taskName} (have ${this.received({ taskName }).length})` });
    return this.received({ taskName });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Polls `condition` every `intervalMs` until it is true; fails after `timeoutMs` naming `what`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, options: { readonly timeoutMs?: number; readonly intervalMs?: number; readonly what: string }): Promise<void> {
  const deadline = performance.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    if (await condition()) return;
    if (performance.now() > deadline) throw new Error(`Timed out waiting for ${options.what}`);
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 25));
  }
}

/** Gives the queue time to do something it must not do (a second delivery); never an assertion on time. */
async function allowTime(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

export interface TaskQueueContractSubject {
  /** The adapter under test, delivering to the target's URL. */
  readonly queue: TaskQueue;
  /** Checks a received dispatch's credentials (OIDC token or shared secret); throws when they are not acceptable. */
  authenticate(headers: IncomingHttpHeaders): Promise<void>;
  /**
   * Whether concurrent `enqueue`s of one name are deduplicated atomically. True for Cloud Tasks in production and
   * for PostgreSQL (a unique key); false for the emulator, whose CreateTask checks and then inserts without a lock
   * (`emulator.go` v1.2.0, lines 288-295), so two racing creates of one name can both succeed. When false, the
   * suite offers the duplicates one after the other.
   */
  readonly concurrentEnqueueDeduplicates: boolean;
  /** What `ensureQueue` answers for a changed spec: `updated` where the backend can update a queue, `drifted` where it cannot. */
  readonly changedSpecOutcome: Extract<EnsureQueueOutcome, 'updated' | 'drifted'>;
  /** Releases what the factory created (dispatchers, clients). */
  close(): Promise<void>;
}

export type TaskQueueContractFactory = (target: { readonly url: string }) => Promise<TaskQueueContractSubject>;

/** A queue id no other test (or earlier run against the same emulator) used: deleted names are never reusable there. */
export function uniqueQueueName(prefix = 'contract'): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

/**
 * The behaviour every TaskQueue adapter must show against its real backend
 * (the Cloud Tasks emulator, PostgreSQL): delivery as a POST with the JSON
 * payload and the Cloud Tasks headers, deduplication by name, retries with
 * growing backoff, the `maxAttempts` limit, extra headers, authentication,
 * and idempotent queue management. Each test uses a queue of its own and
 * never pauses, resumes or purges it (emulator bugs, ADR 0101).
 */
export function describeTaskQueueContract(name: string, factory: TaskQueueContractFactory): void {
  describe(`TaskQueue contract: ${name}`, function () {
    let target: RecordingTarget;
    let subject: TaskQueueContractSubject;
    const tenant = 'contract-tenant';

    before(async () => {
      target = await RecordingTarget.start();
      subject = await factory({ url: target.url });
    });
    after(async () => {
      await subject?.close();
      await target?.close();
    });

    const fast = (overrides: Partial<QueueSpec> = {}): QueueSpec => ({ name: uniqueQueueName(), maxAttempts: 3, minBackoffMs: 100, maxBackoffMs: 1000, ...overrides });
    async function newQueue(overrides: Partial<QueueSpec> = {}): Promise<string> {
      const spec = fast(overrides);
      assert.equal(await subject.queue.ensureQueue(spec), 'created');
      return spec.name;
    }
    function task(id: string, version = 1): { name: string; payload: IndexTaskPayload } {
      return { name: indexTaskName(tenant, id, version), payload: { tenant, safetyreportid: id, version, origin: 'outbox' } };
    }

    it('creates a queue once and then reports it unchanged', async () => {
      const spec = fast();
      assert.equal(await subject.queue.queueExists(spec.name), false);
      assert.equal(await subject.queue.ensureQueue(spec), 'created');
      assert.equal(await subject.queue.ensureQueue(spec), 'unchanged');
      assert.equal(await subject.queue.ensureQueue({ ...spec }), 'unchanged', 'a spec with the defaults left out is the same spec');
      assert.equal(await subject.queue.queueExists(spec.name), true);
    });

    it(`answers a changed spec with the backend's outcome, every time until it converged`, async () => {
      const spec = fast();
      await subject.queue.ensureQueue(spec);
      const changed = { ...spec, maxAttempts: 5, maxBackoffMs: 2000, maxConcurrentDispatches: 7 };
      assert.equal(await subject.queue.ensureQueue(changed), subject.changedSpecOutcome);
      assert.equal(await subject.queue.ensureQueue(changed), subject.changedSpecOutcome === 'updated' ? 'unchanged' : 'drifted');
    });

    it('rejects an invalid spec with InputError before calling the backend', async () => {
      for (const bad of [fast({ maxAttempts: 0 }), fast({ minBackoffMs: 500, maxBackoffMs: 100 }), fast({ name: 'under_score' }), fast({ maxConcurrentDispatches: 0 })]) {
        await assert.rejects(subject.queue.ensureQueue(bad), (e: { name?: string; code?: string }) => e.name === 'InputError' && e.code === 'VIG_REQUEST_INVALID_PARAMETER');
      }
    });

    it('deletes a queue idempotently, and queueExists follows', async () => {
      const q = await newQueue();
      await subject.queue.deleteQueue(q);
      assert.equal(await subject.queue.queueExists(q), false);
      await subject.queue.deleteQueue(q);
      const never = uniqueQueueName();
      assert.equal(await subject.queue.queueExists(never), false);
      await subject.queue.deleteQueue(never);
    });

    it('fails to enqueue into a missing or deleted queue with VIG_NOT_FOUND', async () => {
      const isNotFound = (e: { name?: string; code?: string; status?: number }) => e.name === 'NotFoundError' && e.code === 'VIG_NOT_FOUND' && e.status === 404;
      await assert.rejects(subject.queue.enqueue(uniqueQueueName(), task('missing-1')), isNotFound);
      const q = await newQueue();
      await subject.queue.deleteQueue(q);
      await assert.rejects(subject.queue.enqueue(q, task('missing-2')), isNotFound);
    });

    it('rejects invalid task names and headers the queue owns with InputError, sending nothing', async () => {
      const q = await newQueue();
      const { payload } = task('invalid-1');
      const isInput = (e: { name?: string; code?: string }) => e.name === 'InputError' && e.code === 'VIG_REQUEST_INVALID_PARAMETER';
      await assert.rejects(subject.queue.enqueue(q, { name: 'has:colon', payload }), isInput);
      await assert.rejects(subject.queue.enqueue(q, { name: 'x'.repeat(501), payload }), isInput);
      await assert.rejects(subject.queue.enqueue(q, { name: 'ok-name', payload, headers: { 'Content-Type': 'text/plain' } }), isInput);
      await assert.rejects(subject.queue.enqueue(q, { name: 'ok-name', payload, headers: { Authorization: 'Bearer x' } }), isInput);
      await assert.rejects(subject.queue.enqueue(q, { name: 'ok-name', payload, headers: { 'X-CloudTasks-TaskRetryCount': '9' } }), isInput);
      await assert.rejects(subject.queue.enqueue(q, { name: 'ok-name', payload, headers: { traceparent: 'a\r\nb' } }), isInput);
      await assert.rejects(subject.queue.enqueue('bad_queue', { name: 'ok-name', payload }), isInput);
      const document = { ...payload, report: { patient: { patientinitial: 'AB' } } } as unknown as IndexTaskPayload;
      await assert.rejects(subject.queue.enqueue(q, { name: 'ok-name', payload: document }), isInput, 'a payload carries ids, never a document');
      assert.equal(await subject.queue.enqueue(q, { name: 'ok-name', payload }), 'enqueued', 'the name was not taken by the rejected calls');
      await target.waitForDispatches('ok-name', 1);
    });

    it('delivers a task once as a POST with the JSON payload and the Cloud Tasks headers', async () => {
      const q = await newQueue();
      const t = task('DELIVER-1', 3);
      assert.equal(await subject.queue.enqueue(q, t), 'enqueued');
      const [hit] = await target.waitForDispatches(t.name, 1);
      assert.ok(hit);
      assert.equal(hit.method, 'POST');
      assert.equal(hit.path, new URL(target.url).pathname);
      assert.equal(hit.headers['content-type'], 'application/json');
      assert.deepEqual(JSON.parse(hit.body), t.payload);
      const info = readTaskHeaders(hit.headers);
      assert.equal(info.queueName, q);
      assert.equal(info.taskName, t.name);
      assert.equal(info.retryCount, 0);
      assert.equal(info.executionCount, 0);
      assert.match(String(hit.headers[TASK_HEADERS.eta]), /^\d+\.\d{6}$/);
      await subject.authenticate(hit.headers);
      await allowTime(1_500);
      assert.equal(target.received({ taskName: t.name }).length, 1, 'delivered exactly once');
    });

    it("answers 'duplicate' for a name that is pending or was delivered, and delivers it once", async () => {
      const q = await newQueue();
      const t = task('DUP-1');
      target.respond(t.name, { delayMs: 300 });
      const outcomes: string[] = [];
      if (subject.concurrentEnqueueDeduplicates) {
        outcomes.push(...(await Promise.all(Array.from({ length: 5 }, () => subject.queue.enqueue(q, t)))));
      } else {
        for (let i = 0; i < 5; i++) outcomes.push(await subject.queue.enqueue(q, t));
      }
      assert.deepEqual([...outcomes].sort(), ['duplicate', 'duplicate', 'duplicate', 'duplicate', 'enqueued']);
      await target.waitForDispatches(t.name, 1);
      assert.equal(await subject.queue.enqueue(q, t), 'duplicate', 'while being delivered or done, the name stays reserved');
      await allowTime(1_500);
      assert.equal(await subject.queue.enqueue(q, t), 'duplicate', 'after delivery, the name stays reserved');
      assert.equal(target.received({ taskName: t.name }).length, 1);
      const other = task('DUP-1', 2);
      assert.equal(await subject.queue.enqueue(q, other), 'enqueued', 'another version is another task');
      const replay = { name: indexTaskName(tenant, 'DUP-1', 1, { origin: 'replay', generation: 1 }), payload: { ...t.payload, origin: 'replay' as const } };
      assert.equal(await subject.queue.enqueue(q, replay), 'enqueued', 'a replay of the same version has a name of its own');
      await target.waitForDispatches(other.name, 1);
      await target.waitForDispatches(replay.name, 1);
    });

    it('retries non-2xx answers with growing gaps until one succeeds', async () => {
      const q = await newQueue({ maxAttempts: 5, minBackoffMs: 200, maxBackoffMs: 2_000 });
      const t = task('RETRY-1');
      target.respond(t.name, { statuses: [500, 503, 500, 200] });
      await subject.queue.enqueue(q, t);
      const hits = await target.waitForDispatches(t.name, 4);
      assert.deepEqual(hits.map((h) => h.retryCount), [0, 1, 2, 3]);
      assert.deepEqual(hits.map((h) => h.status), [500, 503, 500, 200]);
      const etas = hits.map((h) => Number(h.headers[TASK_HEADERS.eta]));
      const etaSteps = etas.slice(1).map((eta, i) => eta - etas[i]!);
      assert.ok(etaSteps[0]! < etaSteps[1]! && etaSteps[1]! < etaSteps[2]!, `schedule steps grow: ${etaSteps.join(', ')}`);
      const gaps = hits.slice(1).map((h, i) => h.receivedAt - hits[i]!.receivedAt);
      assert.ok(gaps[2]! > gaps[0]!, `arrival gaps grow: ${gaps.map((g) => g.toFixed(0)).join(', ')}`);
      for (const hit of hits) await subject.authenticate(hit.headers);
      await allowTime(2_500);
      assert.equal(target.received({ taskName: t.name }).length, 4, 'no dispatch after the success');
    });

    it('stops after maxAttempts dispatches; the last one carries retry count maxAttempts-1', async () => {
      const maxAttempts = 3;
      const q = await newQueue({ maxAttempts, minBackoffMs: 100, maxBackoffMs: 400 });
      const t = task('EXHAUST-1');
      target.respond(t.name, { statuses: [503] });
      await subject.queue.enqueue(q, t);
      const hits = await target.waitForDispatches(t.name, maxAttempts);
      assert.deepEqual(hits.map((h) => h.retryCount), [0, 1, 2]);
      assert.equal(hits.filter((h) => isLastAttempt(h.retryCount, maxAttempts)).length, 1, 'exactly one dispatch is the last');
      assert.ok(isLastAttempt(hits.at(-1)!.retryCount, maxAttempts));
      await allowTime(2_000);
      assert.equal(target.received({ taskName: t.name }).length, maxAttempts, 'no dispatch after maxAttempts');
      assert.equal(await subject.queue.enqueue(q, t), 'duplicate', 'an exhausted task keeps its name reserved');
    });

    it('passes extra headers such as traceparent through unchanged', async () => {
      const q = await newQueue();
      const t = task('HEADERS-1');
      const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
      await subject.queue.enqueue(q, { ...t, headers: { traceparent, tracestate: 'vigilo=1', 'X-Vigilo-Test': 'yes' } });
      const [hit] = await target.waitForDispatches(t.name, 1);
      assert.equal(hit?.headers['traceparent'], traceparent);
      assert.equal(hit?.headers['tracestate'], 'vigilo=1');
      assert.equal(hit?.headers['x-vigilo-test'], 'yes');
      assert.equal(hit?.headers['content-type'], 'application/json');
    });

    it('delivers a batch of tasks, each exactly once', async () => {
      const q = await newQueue();
      const tasks = Array.from({ length: 40 }, (_, i) => task(`BATCH-${i}`));
      const outcomes = await Promise.all(tasks.map((t) => subject.queue.enqueue(q, t)));
      assert.ok(outcomes.every((o) => o === 'enqueued'));
      await waitFor(() => tasks.every((t) => target.received({ taskName: t.name }).length >= 1), { what: 'all 40 tasks delivered' });
      await allowTime(1_000);
      for (const t of tasks) assert.equal(target.received({ taskName: t.name }).length, 1, t.name);
      for (const hit of target.received({ queueName: q })) await subject.authenticate(hit.headers);
    });
  });
}
