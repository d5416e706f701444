import assert from 'node:assert/strict';
import { KeyedMicroBatcher } from './microBatcher.js';

/** A flush function whose calls the test completes by hand, to see what the batcher sends while others run. */
function controlledFlush() {
  const calls: Array<{ key: string; items: number[]; finish: () => void }> = [];
  const flush = (key: string, items: number[]) =>
    new Promise<number[]>((resolve) => calls.push({ key, items: [...items], finish: () => resolve(items.map((i) => i * 10)) }));
  return { calls, flush };
}

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

describe('KeyedMicroBatcher', () => {
  it('sends items of one key that arrive within the window together, and answers each with its own result', async () => {
    const { calls, flush } = controlledFlush();
    const batcher = new KeyedMicroBatcher<string, number, number>(flush, { windowMs: 5 });
    const answers = [batcher.add('a', 1), batcher.add('a', 2), batcher.add('b', 3)];
    await tick(20);
    assert.deepEqual(calls.map((c) => [c.key, c.items]), [['a', [1, 2]], ['b', [3]]]);
    calls.forEach((c) => c.finish());
    assert.deepEqual(await Promise.all(answers), [10, 20, 30]);
  });

  it('at its in-flight limit, holds new items of the key and sends them together when a flush finishes', async () => {
    const { calls, flush } = controlledFlush();
    const batcher = new KeyedMicroBatcher<string, number, number>(flush, { windowMs: 1, maxInFlightPerKey: 1 });
    const first = batcher.add('a', 1);
    await tick(10);
    assert.equal(calls.length, 1);
    const later = [2, 3, 4].map((i) => batcher.add('a', i));
    await tick(10);
    assert.equal(calls.length, 1, 'nothing more goes out while the first flush runs, although the window passed');
    const other = batcher.add('b', 9);
    await tick(10);
    assert.deepEqual(calls.map((c) => c.key), ['a', 'b'], 'other keys are not held');
    calls[0]!.finish();
    assert.equal(await first, 10);
    await tick(0);
    assert.deepEqual(calls[2]?.items, [2, 3, 4], 'the waiting items go in one flush');
    calls[1]!.finish();
    calls[2]!.finish();
    assert.deepEqual(await Promise.all(later), [20, 30, 40]);
    assert.equal(await other, 90);
  });

  it('sends a full batch even at the limit, and drains everything on drain()', async () => {
    const { calls, flush } = controlledFlush();
    const batcher = new KeyedMicroBatcher<string, number, number>(flush, { windowMs: 1000, maxBatch: 2, maxInFlightPerKey: 1 });
    const answers = [1, 2, 3, 4, 5].map((i) => batcher.add('a', i));
    assert.deepEqual(calls.map((c) => c.items), [[1, 2], [3, 4]], 'full batches do not wait');
    const drained = batcher.drain();
    await tick(0);
    assert.deepEqual(calls.map((c) => c.items), [[1, 2], [3, 4], [5]], 'drain sends the partial batch at once');
    calls.forEach((c) => c.finish());
    await drained;
    assert.deepEqual(await Promise.all(answers), [10, 20, 30, 40, 50]);
  });

  it('passes a failed flush to every item of that batch only', async () => {
    const batcher = new KeyedMicroBatcher<string, number, number>(async (key, items) => {
      if (key === 'bad') throw new Error('engine down');
      return items;
    }, { windowMs: 1 });
    const results = await Promise.allSettled([batcher.add('bad', 1), batcher.add('bad', 2), batcher.add('good', 3)]);
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected', 'fulfilled']);
  });
});
