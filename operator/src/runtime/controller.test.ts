import assert from 'node:assert/strict';
import { ManualClock } from './clock.js';
import { Controller, type Result } from './controller.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
const flush = async (times = 5) => {
  for (let i = 0; i < times; i++) await new Promise<void>((r) => setImmediate(r));
};

describe('operator runtime: Controller', () => {
  it('runs at most maxConcurrentReconciles at once and never one key twice at once', async () => {
    let running = 0;
    let peak = 0;
    const perKey = new Map<string, number>();
    let overlapping = false;
    const gates: Array<() => void> = [];
    const controller = new Controller({
      name: 't',
      maxConcurrentReconciles: 3,
      resyncPeriodMs: 0,
      keys: () => [],
      reconciler: {
        async reconcile(key) {
          running++;
          peak = Math.max(peak, running);
          perKey.set(key, (perKey.get(key) ?? 0) + 1);
          if (perKey.get(key)! > 1) overlapping = true;
          const gate = deferred();
          gates.push(gate.resolve);
          await gate.promise;
          perKey.set(key, perKey.get(key)! - 1);
          running--;
          return {};
        },
      },
    });
    controller.start();
    for (const key of ['a', 'b', 'c', 'd', 'e']) controller.enqueue(key);
    await flush();
    assert.equal(running, 3);
    controller.enqueue('a');
    while (gates.length > 0) {
      gates.shift()!();
      await flush();
    }
    await controller.stop();
    assert.equal(peak, 3);
    assert.equal(overlapping, false);
  });

  it('retries a failing key with backoff, then clears its failures on success', async () => {
    const clock = new ManualClock();
    const outcomes: Array<'success' | 'error' | 'requeue_after'> = [];
    let calls = 0;
    const controller = new Controller({
      name: 't',
      clock,
      resyncPeriodMs: 0,
      keys: () => [],
      queue: { baseDelayMs: 100, maxDelayMs: 10_000, qps: 1000, burst: 1000 },
      observer: { reconciled: (o) => outcomes.push(o) },
      reconciler: {
        async reconcile(): Promise<Result> {
          calls++;
          if (calls <= 2) throw new Error('engine unavailable');
          return {};
        },
      },
    });
    controller.start();
    controller.enqueue('k');
    await flush();
    assert.equal(calls, 1);
    clock.advance(99);
    await flush();
    assert.equal(calls, 1, 'not before the first backoff');
    clock.advance(1);
    await flush();
    assert.equal(calls, 2);
    clock.advance(200);
    await flush();
    assert.equal(calls, 3);
    assert.equal(controller.queue.failures('k'), 0);
    assert.deepEqual(outcomes, ['error', 'error', 'success']);
    await controller.stop();
  });

  it('requeues after requeueAfterMs, and resync queues every key again', async () => {
    const clock = new ManualClock();
    const seen: string[] = [];
    const controller = new Controller({
      name: 't',
      clock,
      resyncPeriodMs: 60_000,
      keys: () => ['x', 'y'],
      reconciler: {
        async reconcile(key) {
          seen.push(key);
          return key === 'x' ? { requeueAfterMs: 5_000 } : {};
        },
      },
    });
    controller.start();
    await flush();
    assert.deepEqual(seen.sort(), ['x', 'y']);
    seen.length = 0;
    clock.advance(5_000);
    await flush();
    assert.deepEqual(seen, ['x']);
    seen.length = 0;
    clock.advance(66_000);
    await flush();
    assert.ok(seen.includes('y'), 'the resync (60 s plus at most 10 % jitter) queued y again');
    await controller.stop();
  });

  it('stop() waits for the reconcile in flight', async () => {
    const gate = deferred();
    let finished = false;
    const controller = new Controller({
      name: 't',
      resyncPeriodMs: 0,
      keys: () => ['a'],
      reconciler: {
        async reconcile() {
          await gate.promise;
          finished = true;
          return {};
        },
      },
    });
    controller.start();
    await flush();
    const stopping = controller.stop();
    gate.resolve();
    await stopping;
    assert.equal(finished, true);
  });
});
