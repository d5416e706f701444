import assert from 'node:assert/strict';
import { InputError, UnavailableError } from '@vigilo/errors';
import { type DegradedReason, EngineFirstReadPath } from './readPath.js';

const options = { timeoutMs: 200, errorThresholdPercentage: 50, volumeThreshold: 3, rollingWindowMs: 10_000, resetTimeoutMs: 100 };
const sql = async () => 'sql';
const down = async (): Promise<string> => {
  throw new UnavailableError('engine down');
};

describe('EngineFirstReadPath', () => {
  it('answers from the engine while it works, not degraded', async () => {
    const path = new EngineFirstReadPath(true, options);
    assert.deepEqual(await path.read('search', async () => 'engine', sql), { value: 'engine', degraded: false });
    path.shutdown();
  });

  it('answers from SQL, marked degraded with the reason, when the engine is unavailable, and opens the circuit after enough failures', async () => {
    const reasons: DegradedReason[] = [];
    const states: string[] = [];
    const path = new EngineFirstReadPath(true, options, { onFallback: (r) => reasons.push(r), onStateChange: (s) => states.push(s) });
    for (let i = 0; i < 3; i++) assert.deepEqual(await path.read('search', down, sql), { value: 'sql', degraded: true, reason: 'engine-unavailable' });
    assert.equal(path.state, 'open');
    let engineCalled = false;
    const answer = await path.read('search', async () => ((engineCalled = true), 'engine'), sql);
    assert.deepEqual(answer, { value: 'sql', degraded: true, reason: 'circuit-open' });
    assert.equal(engineCalled, false, 'an open circuit does not call the engine');
    assert.deepEqual(reasons, ['engine-unavailable', 'engine-unavailable', 'engine-unavailable', 'circuit-open']);
    assert.deepEqual(states, ['open']);
    path.shutdown();
  });

  it('lets one probe through after the reset timeout and closes again when it succeeds', async () => {
    const path = new EngineFirstReadPath(true, options);
    for (let i = 0; i < 3; i++) await path.read('search', down, sql);
    assert.equal(path.state, 'open');
    await new Promise((r) => setTimeout(r, options.resetTimeoutMs * 2));
    assert.equal(path.state, 'half-open');
    assert.deepEqual(await path.read('search', async () => 'engine', sql), { value: 'engine', degraded: false });
    assert.equal(path.state, 'closed');
    path.shutdown();
  });

  it('treats a slow engine as failed (timeout) and answers from SQL', async () => {
    const path = new EngineFirstReadPath(true, options);
    const slow = () => new Promise<string>((resolve) => setTimeout(() => resolve('late'), options.timeoutMs * 5));
    assert.deepEqual(await path.read('count', slow, sql), { value: 'sql', degraded: true, reason: 'engine-timeout' });
    path.shutdown();
  });

  it('does not hide errors that are not about availability, and does not count them against the engine', async () => {
    const path = new EngineFirstReadPath(true, options);
    const bug = async (): Promise<string> => {
      throw new InputError('bad query');
    };
    for (let i = 0; i < 5; i++) await assert.rejects(path.read('search', bug, sql), InputError);
    assert.equal(path.state, 'closed');
    path.shutdown();
  });

  it('without an engine, every answer comes from SQL, marked degraded', async () => {
    const path = new EngineFirstReadPath(false, options);
    assert.deepEqual(await path.read('search', async () => 'engine', sql), { value: 'sql', degraded: true, reason: 'engine-not-configured' });
  });
});
