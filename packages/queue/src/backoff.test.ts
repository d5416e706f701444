import assert from 'node:assert/strict';
import { afterFailedDispatch, isLastAttempt, retryBackoffMs } from './backoff.js';

describe('retryBackoffMs', () => {
  it('doubles from minBackoff and stops at maxBackoff (the schedule the emulator shows)', () => {
    const policy = { minBackoffMs: 200, maxBackoffMs: 1000 };
    assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => retryBackoffMs(n, policy)), [200, 400, 800, 1000, 1000, 1000]);
    assert.deepEqual([1, 2, 3].map((n) => retryBackoffMs(n, { minBackoffMs: 100, maxBackoffMs: 1000 })), [100, 200, 400]);
  });

  it('stops doubling after maxDoublings', () => {
    const policy = { minBackoffMs: 100, maxBackoffMs: 1_000_000, maxDoublings: 2 };
    assert.deepEqual([1, 2, 3, 4, 5].map((n) => retryBackoffMs(n, policy)), [100, 200, 400, 400, 400]);
    assert.equal(retryBackoffMs(60, { minBackoffMs: 100, maxBackoffMs: 3_600_000 }), 3_600_000, 'the default 16 doublings never overflow');
  });

  it('is 0 when minBackoff is 0', () => {
    assert.equal(retryBackoffMs(5, { minBackoffMs: 0, maxBackoffMs: 1000 }), 0);
  });

  it('rejects a dispatch count below 1', () => {
    assert.throws(() => retryBackoffMs(0, { minBackoffMs: 1, maxBackoffMs: 1 }), RangeError);
  });
});

describe('afterFailedDispatch', () => {
  it('retries until maxAttempts dispatches were made, then reports the task exhausted', () => {
    const policy = { maxAttempts: 3, minBackoffMs: 100, maxBackoffMs: 1000 };
    assert.deepEqual(afterFailedDispatch(1, policy), { exhausted: false, backoffMs: 100 });
    assert.deepEqual(afterFailedDispatch(2, policy), { exhausted: false, backoffMs: 200 });
    assert.deepEqual(afterFailedDispatch(3, policy), { exhausted: true });
    assert.deepEqual(afterFailedDispatch(1, { ...policy, maxAttempts: 1 }), { exhausted: true }, 'maxAttempts 1: one dispatch, no retry');
  });
});

describe('isLastAttempt', () => {
  it('is true exactly for retry count maxAttempts - 1 (and beyond)', () => {
    assert.deepEqual([0, 1, 2].map((retry) => isLastAttempt(retry, 3)), [false, false, true]);
    assert.equal(isLastAttempt(0, 1), true);
    assert.equal(isLastAttempt(5, 3), true, 'a redelivery beyond the limit is still treated as last');
  });
});
