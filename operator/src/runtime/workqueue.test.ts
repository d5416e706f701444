import assert from 'node:assert/strict';
import { ManualClock } from './clock.js';
import { WorkQueue } from './workqueue.js';

describe('operator runtime: WorkQueue', () => {
  it('hands out a key added several times only once', async () => {
    const queue = new WorkQueue();
    queue.add('a');
    queue.add('b');
    queue.add('a');
    assert.equal(queue.len(), 2);
    assert.equal(await queue.get(), 'a');
    assert.equal(await queue.get(), 'b');
    assert.equal(queue.len(), 0);
  });

  it('never hands out a key that is in flight; one added meanwhile comes back after done()', async () => {
    const queue = new WorkQueue();
    queue.add('a');
    const first = await queue.get();
    queue.add('a');
    assert.equal(queue.len(), 0, 'a is in flight, so it waits outside the queue');
    queue.done(first!);
    assert.equal(queue.len(), 1);
    assert.equal(await queue.get(), 'a');
  });

  it('resolves a waiting get() when a key arrives', async () => {
    const queue = new WorkQueue();
    const pending = queue.get();
    queue.add('x');
    assert.equal(await pending, 'x');
    assert.equal(queue.inFlight(), 1);
  });

  it('addAfter keeps only the earliest timer per key', () => {
    const clock = new ManualClock();
    const queue = new WorkQueue({ clock });
    queue.addAfter('a', 1000);
    queue.addAfter('a', 300);
    queue.addAfter('a', 5000);
    assert.equal(clock.pendingTimers(), 1);
    clock.advance(299);
    assert.equal(queue.len(), 0);
    clock.advance(1);
    assert.equal(queue.len(), 1);
    clock.advance(10_000);
    assert.equal(queue.len(), 1, 'the later requests were folded into the earlier one');
  });

  it('addRateLimited backs off exponentially per key until forget()', () => {
    const clock = new ManualClock();
    const queue = new WorkQueue({ clock, baseDelayMs: 10, maxDelayMs: 1000, qps: 1000, burst: 1000 });
    assert.deepEqual([queue.addRateLimited('a'), queue.addRateLimited('a'), queue.addRateLimited('a')], [10, 20, 40]);
    queue.forget('a');
    assert.equal(queue.addRateLimited('a'), 10);
  });

  it('addRateLimited is bounded by the global token bucket across keys', () => {
    const clock = new ManualClock();
    const queue = new WorkQueue({ clock, baseDelayMs: 1, maxDelayMs: 1000, qps: 10, burst: 2 });
    const delays = ['a', 'b', 'c', 'd'].map((k) => queue.addRateLimited(k));
    assert.deepEqual(delays, [1, 1, 100, 200]);
  });

  it('after shutDown, hands out what is queued, then undefined, and accepts nothing new', async () => {
    const clock = new ManualClock();
    const queue = new WorkQueue({ clock });
    queue.add('a');
    queue.addAfter('b', 100);
    queue.shutDown();
    queue.add('c');
    clock.advance(1000);
    assert.equal(await queue.get(), 'a');
    assert.equal(await queue.get(), undefined);
  });

  it('releases idle getters on shutDown', async () => {
    const queue = new WorkQueue();
    const pending = queue.get();
    queue.shutDown();
    assert.equal(await pending, undefined);
  });

  it('reports its depth on every change', () => {
    const depths: number[] = [];
    const queue = new WorkQueue({ onDepth: (d) => depths.push(d) });
    queue.add('a');
    queue.add('b');
    void queue.get();
    assert.deepEqual(depths, [1, 2, 1]);
  });
});
