import assert from 'node:assert/strict';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { LeasedBudget } from './leasedBudget.js';

/** rate-limiter-flexible's memory store, counting the consume calls: the round trips a database store would make. */
function countingStore(points: number, duration = 3600) {
  const store = new RateLimiterMemory({ points, duration });
  let calls = 0;
  const consume = store.consume.bind(store);
  store.consume = (key: string | number, n?: number) => {
    calls += 1;
    return consume(key, n);
  };
  return { store, calls: () => calls };
}

async function takeMany(budgets: LeasedBudget[], key: string, n: number) {
  return Promise.all(Array.from({ length: n }, (_, i) => budgets[i % budgets.length]!.take(key)));
}

describe('LeasedBudget', () => {
  it('asks the store once per lease, not once per request, when the budget is large', async () => {
    const { store, calls } = countingStore(100_000);
    const budget = new LeasedBudget(store, { maxBlock: 20 });
    for (let i = 0; i < 200; i++) assert.equal((await budget.take('k')).allowed, true);
    assert.ok(calls() <= 12, `${calls()} store calls for 200 requests`);
  });

  it('lets exactly the budget through across replicas sharing one store, and refuses the rest', async () => {
    const { store } = countingStore(30);
    const replicas = [new LeasedBudget(store), new LeasedBudget(store), new LeasedBudget(store)];
    const decisions = await takeMany(replicas, 'tenant', 90);
    assert.equal(decisions.filter((d) => d.allowed).length, 30);
    assert.ok(decisions.filter((d) => !d.allowed).every((d) => d.remaining === 0 && d.msBeforeNext > 0));
  });

  it('never lets more than the budget through, whatever the interleaving', async () => {
    for (const budgetSize of [1, 7, 50, 333]) {
      const { store } = countingStore(budgetSize);
      const replicas = [new LeasedBudget(store, { maxBlock: 50 }), new LeasedBudget(store, { maxBlock: 50 })];
      let allowed = 0;
      for (let round = 0; round < 10; round++) allowed += (await takeMany(replicas, 'k', Math.ceil(budgetSize / 3) + 5)).filter((d) => d.allowed).length;
      assert.ok(allowed <= budgetSize, `budget ${budgetSize}: ${allowed} passed`);
      assert.ok(allowed >= budgetSize - 2 * 49, `budget ${budgetSize}: ${allowed} passed, more lost than two unused leases`);
    }
  });

  it('starts over when the window resets', async () => {
    let now = 1_000_000;
    const { store } = countingStore(2, 1);
    const budget = new LeasedBudget(store, { now: () => now });
    assert.deepEqual((await takeMany([budget], 'k', 3)).map((d) => d.allowed), [true, true, false]);
    now += 1500;
    await new Promise((r) => setTimeout(r, 1100)); // the memory store's own window is real time
    assert.equal((await budget.take('k')).allowed, true);
  });

  it('keeps keys apart', async () => {
    const { store } = countingStore(1);
    const budget = new LeasedBudget(store);
    assert.equal((await budget.take('a')).allowed, true);
    assert.equal((await budget.take('a')).allowed, false);
    assert.equal((await budget.take('b')).allowed, true);
  });
});
