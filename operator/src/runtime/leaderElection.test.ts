import assert from 'node:assert/strict';
import { ManualClock } from './clock.js';
import { LeaderElector, LeaseConflictError, type LeaseRecord, type LeaseStore } from './leaderElection.js';

/** An in-memory Lease with optimistic concurrency, as the apiserver enforces it. */
class MemoryLeaseStore implements LeaseStore {
  record: LeaseRecord | undefined;
  version = 0;
  failing = new Set<string>();

  async get() {
    return this.record ? { record: { ...this.record }, version: String(this.version) } : undefined;
  }
  async create(record: LeaseRecord) {
    if (this.record) throw new LeaseConflictError();
    this.record = { ...record };
    this.version++;
  }
  async update(record: LeaseRecord, version: string) {
    if (this.failing.has(record.holderIdentity)) throw new Error('apiserver unreachable');
    if (String(this.version) !== version) throw new LeaseConflictError();
    this.record = { ...record };
    this.version++;
  }
}

function candidate(store: LeaseStore, clock: ManualClock, identity: string) {
  const log: string[] = [];
  const elector = new LeaderElector({
    identity,
    store,
    clock,
    leaseDurationMs: 15_000,
    renewDeadlineMs: 10_000,
    retryPeriodMs: 2_000,
    onStartedLeading: () => log.push('started'),
    onStoppedLeading: () => log.push('stopped'),
  });
  return { elector, log };
}

describe('operator runtime: LeaderElector', () => {
  it('lets exactly one of two candidates lead', async () => {
    const clock = new ManualClock(1_000);
    const store = new MemoryLeaseStore();
    const a = candidate(store, clock, 'a');
    const b = candidate(store, clock, 'b');
    for (let i = 0; i < 5; i++) {
      await a.elector.tick();
      await b.elector.tick();
      clock.advance(2_000);
    }
    assert.equal(a.elector.isLeader, true);
    assert.equal(b.elector.isLeader, false);
    assert.equal(store.record?.holderIdentity, 'a');
    assert.deepEqual(b.log, []);
  });

  it('fails over once the leader stops renewing for a lease duration, counting the transition', async () => {
    const clock = new ManualClock(1_000);
    const store = new MemoryLeaseStore();
    const a = candidate(store, clock, 'a');
    const b = candidate(store, clock, 'b');
    await a.elector.tick();
    await b.elector.tick();
    // a dies silently (no more ticks); b keeps trying every retry period.
    let waited = 0;
    while (!b.elector.isLeader && waited < 60_000) {
      clock.advance(2_000);
      waited += 2_000;
      await b.elector.tick();
    }
    assert.equal(b.elector.isLeader, true);
    assert.ok(waited >= 15_000 && waited <= 17_000, `took over after ${waited} ms: one lease duration, rounded up to a retry period`);
    assert.equal(store.record?.leaseTransitions, 1);
  });

  it('hands over at once when the leader stops voluntarily (lease released)', async () => {
    const clock = new ManualClock(1_000);
    const store = new MemoryLeaseStore();
    const a = candidate(store, clock, 'a');
    const b = candidate(store, clock, 'b');
    await a.elector.tick();
    await b.elector.tick();
    await a.elector.stop();
    assert.equal(store.record?.holderIdentity, '');
    clock.advance(2_000);
    await b.elector.tick();
    assert.equal(b.elector.isLeader, true);
    assert.deepEqual(a.log, ['started'], 'a voluntary stop is not reported as a loss');
  });

  it('steps down when it cannot renew within the renew deadline', async () => {
    const clock = new ManualClock(1_000);
    const store = new MemoryLeaseStore();
    const a = candidate(store, clock, 'a');
    await a.elector.tick();
    store.failing.add('a');
    for (let t = 0; t < 8_000; t += 2_000) {
      clock.advance(2_000);
      await a.elector.tick();
    }
    assert.equal(a.elector.isLeader, true, 'still within the renew deadline');
    clock.advance(2_000);
    await a.elector.tick();
    assert.equal(a.elector.isLeader, false);
    assert.deepEqual(a.log, ['started', 'stopped']);
  });

  it('does not take a lease whose holder keeps renewing, whatever the clocks say', async () => {
    const clock = new ManualClock(1_000);
    const store = new MemoryLeaseStore();
    const a = candidate(store, clock, 'a');
    const b = candidate(store, clock, 'b');
    await a.elector.tick();
    // The holder's renewTime is far in the past by b's clock: expiry is judged by when b saw the record change.
    store.record!.renewTime = -1e9;
    for (let i = 0; i < 20; i++) {
      clock.advance(2_000);
      await a.elector.tick();
      await b.elector.tick();
    }
    assert.equal(b.elector.isLeader, false);
    assert.equal(a.elector.isLeader, true);
  });

  it('refuses timings that cannot work', () => {
    assert.throws(() => new LeaderElector({ identity: 'x', store: new MemoryLeaseStore(), leaseDurationMs: 5_000, renewDeadlineMs: 10_000, onStartedLeading() {}, onStoppedLeading() {} }), RangeError);
  });
});
