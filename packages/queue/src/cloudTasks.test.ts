import assert from 'node:assert/strict';
import type { protos } from '@google-cloud/tasks';
import { CloudTasksTaskQueue, type CloudTasksApi, type CloudTasksTaskQueueOptions } from './cloudTasks.js';
import { DEFAULT_MAX_CONCURRENT_DISPATCHES } from './ports.js';

type IQueue = protos.google.cloud.tasks.v2.IQueue;

const grpcError = (code: number, message = `grpc ${code}`) => Object.assign(new Error(message), { code });

/** A scripted stand-in for CloudTasksClient that records every request. */
class FakeCloudTasks implements CloudTasksApi {
  readonly calls: { method: string; request: unknown }[] = [];
  queues = new Map<string, IQueue>();
  failNext = new Map<string, Error>();
  updateUnimplemented = false;

  private take(method: string, request: unknown): void {
    this.calls.push({ method, request });
    const failure = this.failNext.get(method);
    if (failure) {
      this.failNext.delete(method);
      throw failure;
    }
  }

  async getQueue(request: { name?: string | null }): Promise<[IQueue]> {
    this.take('getQueue', request);
    const queue = this.queues.get(request.name!);
    if (!queue) throw grpcError(5, 'Queue does not exist.');
    return [queue];
  }
  async createQueue(request: { queue?: IQueue | null }): Promise<[IQueue]> {
    this.take('createQueue', request);
    this.queues.set(request.queue!.name!, request.queue!);
    return [request.queue!];
  }
  async updateQueue(request: { queue?: IQueue | null }): Promise<[IQueue]> {
    this.take('updateQueue', request);
    if (this.updateUnimplemented) throw grpcError(12, 'Not yet implemented');
    this.queues.set(request.queue!.name!, request.queue!);
    return [request.queue!];
  }
  async deleteQueue(request: unknown): Promise<unknown> {
    this.take('deleteQueue', request);
    return [{}];
  }
  async createTask(request: { task?: unknown }): Promise<[protos.google.cloud.tasks.v2.ITask]> {
    this.take('createTask', request);
    return [request.task as protos.google.cloud.tasks.v2.ITask];
  }
  async close(): Promise<void> {
    this.calls.push({ method: 'close', request: undefined });
  }
}

function adapter(fake: FakeCloudTasks, overrides: Partial<CloudTasksTaskQueueOptions> = {}): CloudTasksTaskQueue {
  return new CloudTasksTaskQueue({ project: 'vigilo-test', location: 'local', targetUrl: 'http://indexer.test/tasks', client: fake, ...overrides });
}

const PAYLOAD = { tenant: 'acme', safetyreportid: 'R-1', version: 2, origin: 'outbox' } as const;
const SPEC = { name: 'vigilo-index-acme', maxAttempts: 5, minBackoffMs: 100, maxBackoffMs: 1500 };
const QUEUE_PATH = 'projects/vigilo-test/locations/local/queues/vigilo-index-acme';

describe('CloudTasksTaskQueue (unit, scripted client)', () => {
  describe('enqueue', () => {
    it('creates a named HTTP task: POST, JSON body, Content-Type, extra headers, OIDC token and deadline', async () => {
      const fake = new FakeCloudTasks();
      const queue = adapter(fake, { oidc: { serviceAccountEmail: 'indexer@p.iam.gserviceaccount.com', audience: 'http://indexer.test/tasks' }, dispatchDeadlineMs: 120_500 });
      assert.equal(await queue.enqueue('vigilo-index-acme', { name: 't-1', payload: PAYLOAD, headers: { traceparent: '00-a-b-01' } }), 'enqueued');
      const { request } = fake.calls.find((c) => c.method === 'createTask')!;
      const { parent, task } = request as { parent: string; task: protos.google.cloud.tasks.v2.ITask };
      assert.equal(parent, QUEUE_PATH);
      assert.equal(task.name, `${QUEUE_PATH}/tasks/t-1`);
      assert.equal(task.httpRequest?.httpMethod, 'POST');
      assert.equal(task.httpRequest?.url, 'http://indexer.test/tasks');
      assert.deepEqual(task.httpRequest?.headers, { 'Content-Type': 'application/json', traceparent: '00-a-b-01' });
      assert.deepEqual(JSON.parse(Buffer.from(task.httpRequest!.body as Uint8Array).toString('utf8')), PAYLOAD);
      assert.deepEqual(task.httpRequest?.oidcToken, { serviceAccountEmail: 'indexer@p.iam.gserviceaccount.com', audience: 'http://indexer.test/tasks' });
      assert.deepEqual(task.dispatchDeadline, { seconds: 120, nanos: 500_000_000 });
    });

    it('sends no OIDC token and leaves the deadline to Cloud Tasks when not configured', async () => {
      const fake = new FakeCloudTasks();
      await adapter(fake).enqueue('vigilo-index-acme', { name: 't-1', payload: PAYLOAD });
      const { task } = fake.calls[0]!.request as { task: protos.google.cloud.tasks.v2.ITask };
      assert.equal(task.httpRequest?.oidcToken, undefined);
      assert.equal(task.dispatchDeadline, undefined);
    });

    it("answers 'duplicate' for ALREADY_EXISTS, whether the earlier task is pending, done or already deleted (production reserves a name for about 1 h)", async () => {
      const fake = new FakeCloudTasks();
      const queue = adapter(fake);
      fake.failNext.set('createTask', grpcError(6, 'Requested entity already exists'));
      assert.equal(await queue.enqueue('vigilo-index-acme', { name: 't-1', payload: PAYLOAD }), 'duplicate');
      assert.equal(await queue.enqueue('vigilo-index-acme', { name: 't-1', payload: PAYLOAD }), 'enqueued', 'once the reservation ended, the name is accepted again');
    });

    it('maps gRPC failures to typed errors', async () => {
      const cases = [
        { code: 14, name: 'UnavailableError', errorCode: 'VIG_UNAVAILABLE', retryable: true, reason: 'UNAVAILABLE (emulator down)' },
        { code: 4, name: 'UnavailableError', errorCode: 'VIG_UNAVAILABLE', retryable: true, reason: 'DEADLINE_EXCEEDED' },
        { code: 8, name: 'UnavailableError', errorCode: 'VIG_UNAVAILABLE', retryable: true, reason: 'RESOURCE_EXHAUSTED (quota)' },
        { code: 10, name: 'UnavailableError', errorCode: 'VIG_UNAVAILABLE', retryable: true, reason: 'ABORTED' },
        { code: 5, name: 'NotFoundError', errorCode: 'VIG_NOT_FOUND', retryable: false, reason: 'queue does not exist' },
        { code: 9, name: 'NotFoundError', errorCode: 'VIG_NOT_FOUND', retryable: false, reason: 'queue deleted recently (FAILED_PRECONDITION)' },
        { code: 3, name: 'InputError', errorCode: 'VIG_REQUEST_INVALID_PARAMETER', retryable: false, reason: 'INVALID_ARGUMENT' },
        { code: 7, name: 'VigiloError', errorCode: 'VIG_INTERNAL', retryable: true, reason: 'PERMISSION_DENIED is our misconfiguration' },
      ];
      for (const { code, name, errorCode, retryable, reason } of cases) {
        const fake = new FakeCloudTasks();
        fake.failNext.set('createTask', grpcError(code));
        await assert.rejects(
          adapter(fake).enqueue('vigilo-index-acme', { name: 't-1', payload: PAYLOAD }),
          (e: { name?: string; code?: string; retryable?: boolean; fields?: { grpcCode?: number; queue?: string }; cause?: unknown }) =>
            e.name === name && e.code === errorCode && e.retryable === retryable && e.fields?.grpcCode === code && e.fields?.queue === 'vigilo-index-acme' && e.cause !== undefined,
          reason,
        );
      }
    });

    it('rejects invalid names and reserved headers without calling Cloud Tasks', async () => {
      const fake = new FakeCloudTasks();
      const queue = adapter(fake);
      await assert.rejects(queue.enqueue('vigilo-index-acme', { name: 'has:colon', payload: PAYLOAD }), { name: 'InputError' });
      await assert.rejects(queue.enqueue('bad/queue', { name: 't', payload: PAYLOAD }), { name: 'InputError' });
      await assert.rejects(queue.enqueue('vigilo-index-acme', { name: 't', payload: PAYLOAD, headers: { 'content-type': 'text/plain' } }), { name: 'InputError' });
      assert.equal(fake.calls.length, 0);
    });
  });

  describe('ensureQueue', () => {
    it('creates a missing queue with its retry config and rate limits', async () => {
      const fake = new FakeCloudTasks();
      assert.equal(await adapter(fake).ensureQueue({ ...SPEC, maxDispatchesPerSecond: 50, maxConcurrentDispatches: 10 }), 'created');
      const { request } = fake.calls.find((c) => c.method === 'createQueue')!;
      assert.deepEqual(request, {
        parent: 'projects/vigilo-test/locations/local',
        queue: {
          name: QUEUE_PATH,
          retryConfig: { maxAttempts: 5, minBackoff: { seconds: 0, nanos: 100_000_000 }, maxBackoff: { seconds: 1, nanos: 500_000_000 } },
          rateLimits: { maxDispatchesPerSecond: 50, maxConcurrentDispatches: 10 },
        },
      });
    });

    it("answers 'unchanged' for an equal queue as the server returns it (durations with string seconds, output-only fields)", async () => {
      const fake = new FakeCloudTasks();
      fake.queues.set(QUEUE_PATH, {
        name: QUEUE_PATH,
        state: 'RUNNING',
        retryConfig: { maxAttempts: 5, minBackoff: { seconds: '0', nanos: 100_000_000 }, maxBackoff: { seconds: '1', nanos: 500_000_000 }, maxDoublings: 16 },
        rateLimits: { maxDispatchesPerSecond: 500, maxBurstSize: 100, maxConcurrentDispatches: DEFAULT_MAX_CONCURRENT_DISPATCHES },
      });
      assert.equal(await adapter(fake).ensureQueue(SPEC), 'unchanged');
      assert.deepEqual(fake.calls.map((c) => c.method), ['getQueue']);
    });

    it('updates only the drifted fields, with an update mask', async () => {
      const fake = new FakeCloudTasks();
      const queue = adapter(fake);
      await queue.ensureQueue(SPEC);
      assert.equal(await queue.ensureQueue({ ...SPEC, maxAttempts: 7, maxConcurrentDispatches: 3 }), 'updated');
      const { request } = fake.calls.find((c) => c.method === 'updateQueue')!;
      assert.deepEqual((request as { updateMask: unknown }).updateMask, { paths: ['retry_config.max_attempts', 'rate_limits.max_concurrent_dispatches'] });
      assert.equal(await queue.ensureQueue({ ...SPEC, maxAttempts: 7, maxConcurrentDispatches: 3 }), 'unchanged');
    });

    it("answers 'drifted' instead of failing when UpdateQueue is UNIMPLEMENTED (the emulator)", async () => {
      const fake = new FakeCloudTasks();
      fake.updateUnimplemented = true;
      const queue = adapter(fake);
      await queue.ensureQueue(SPEC);
      assert.equal(await queue.ensureQueue({ ...SPEC, minBackoffMs: 200 }), 'drifted');
    });

    it('converges when another caller created the queue between the read and the create', async () => {
      const fake = new FakeCloudTasks();
      fake.failNext.set('createQueue', grpcError(6, 'Queue already exists'));
      const original = fake.getQueue.bind(fake);
      let reads = 0;
      fake.getQueue = async (request) => {
        reads++;
        if (reads === 2) fake.queues.set(QUEUE_PATH, { name: QUEUE_PATH, retryConfig: { maxAttempts: 5, minBackoff: { nanos: 100_000_000 }, maxBackoff: { seconds: 1, nanos: 500_000_000 } }, rateLimits: { maxDispatchesPerSecond: 500, maxConcurrentDispatches: DEFAULT_MAX_CONCURRENT_DISPATCHES } });
        return original(request);
      };
      assert.equal(await adapter(fake).ensureQueue(SPEC), 'unchanged');
    });

    it('reports a recently deleted queue name as VIG_QUEUE_NAME_RESERVED', async () => {
      const fake = new FakeCloudTasks();
      fake.failNext.set('createQueue', grpcError(9, 'The queue cannot be created because a queue with this name existed too recently.'));
      await assert.rejects(adapter(fake).ensureQueue(SPEC), (e: { code?: string; fields?: { reason?: string } }) => e.code === 'VIG_QUEUE_NAME_RESERVED' && e.fields?.reason === 'QUEUE_NAME_RESERVED');
    });

    it('turns an unreachable backend into UnavailableError', async () => {
      const fake = new FakeCloudTasks();
      fake.failNext.set('getQueue', grpcError(14, 'No connection established'));
      await assert.rejects(adapter(fake).ensureQueue(SPEC), { name: 'UnavailableError', code: 'VIG_UNAVAILABLE' });
    });
  });

  describe('queueExists and deleteQueue', () => {
    it('treats NOT_FOUND as "does not exist" and a delete of a missing queue as done', async () => {
      const fake = new FakeCloudTasks();
      const queue = adapter(fake);
      assert.equal(await queue.queueExists('vigilo-index-acme'), false);
      fake.failNext.set('deleteQueue', grpcError(5, 'Requested entity was not found.'));
      await queue.deleteQueue('vigilo-index-acme');
      fake.failNext.set('deleteQueue', grpcError(14));
      await assert.rejects(queue.deleteQueue('vigilo-index-acme'), { name: 'UnavailableError' });
    });
  });

  it('validates its options', () => {
    const fake = new FakeCloudTasks();
    assert.throws(() => adapter(fake, { project: 'a/b' }), { name: 'InputError' });
    assert.throws(() => adapter(fake, { targetUrl: 'ftp://x/tasks' }), { name: 'InputError' });
    assert.throws(() => adapter(fake, { dispatchDeadlineMs: 1000 }), { name: 'InputError' });
    assert.throws(() => adapter(fake, { oidc: { serviceAccountEmail: '', audience: 'x' } }), { name: 'InputError' });
  });
});
