import assert from 'node:assert/strict';
import { ItemExponentialBackoff, jitter } from './backoff.js';
import { ManualClock } from './clock.js';
import { TokenBucket } from './rateLimiter.js';

describe('operator runtime: ItemExponentialBackoff', () => {
  it('doubles per consecutive failure of one key, up to the cap', () => {
    const backoff = new ItemExponentialBackoff({ baseMs: 5, maxMs: 100 });
    const delays = Array.from({ length: 7 }, () => backoff.next('a'));
    assert.deepEqual(delays, [5, 10, 20, 40, 80, 100, 100]);
    assert.equal(backoff.failures('a'), 7);
  });

  it('keeps keys apart and starts over after forget', () => {
    const backoff = new ItemExponentialBackoff({ baseMs: 1, maxMs: 1000 });
    backoff.next('a');
    backoff.next('a');
    assert.equal(backoff.next('b'), 1, 'another key has its own count');
    backoff.forget('a');
    assert.equal(backoff.next('a'), 1);
  });

  it('stays finite after a very long run of failures', () => {
    const backoff = new ItemExponentialBackoff({ baseMs: 5, maxMs: 1_000_000 });
    let last = 0;
    for (let i = 0; i < 2000; i++) last = backoff.next('k');
    assert.equal(last, 1_000_000);
  });

  it('rejects a cap below the base', () => {
    assert.throws(() => new ItemExponentialBackoff({ baseMs: 10, maxMs: 5 }), RangeError);
  });
});

describe('operator runtime: jitter', () => {
  it('stretches by a factor in [1, 1 + fraction)', () => {
    assert.equal(jitter(1000, 0.1, () => 0), 1000);
    assert.equal(jitter(1000, 0.1, () => 0.5), 1050);
    assert.ok(jitter(1000, 0.1, () => 0.99) < 1100);
  });
});

describe('operator runtime: TokenBucket', () => {
  it('lets a burst through at once, then spaces reservations at 1/qps', () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket({ qps: 10, burst: 3 }, clock);
    assert.deepEqual([bucket.reserve(), bucket.reserve(), bucket.reserve()], [0, 0, 0]);
    // Tokens are now at 0: the next reservations wait 100 ms, 200 ms, ... (each one queues behind the last).
    assert.deepEqual([bucket.reserve(), bucket.reserve()], [100, 200]);
  });

  it('refills with time, never above the burst', () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket({ qps: 2, burst: 2 }, clock);
    bucket.reserve();
    bucket.reserve();
    clock.advance(60_000);
    assert.deepEqual([bucket.reserve(), bucket.reserve(), bucket.reserve()], [0, 0, 500]);
  });
});
