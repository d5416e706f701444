import assert from 'node:assert/strict';
import { FINALIZER, applySpecDefaults } from '../api/v1alpha1/tenant.js';
import type { WatchEvent } from '../runtime/informer.js';
import type { Tenant } from '../api/v1alpha1/tenant.js';
import { LocalTenantStore } from './localStore.js';

const flush = () => new Promise<void>((r) => setImmediate(r));

describe('operator local mode: LocalTenantStore', () => {
  it('bumps generation on spec changes only, and resourceVersion on every write', async () => {
    const store = new LocalTenantStore();
    assert.deepEqual(store.apply({ name: 'acme', spec: applySpecDefaults({}) }), []);
    const first = store.get('acme')!;
    assert.equal(first.metadata.generation, 1);
    store.apply({ name: 'acme', spec: applySpecDefaults({}), annotations: { 'vigilo.dev/paused': 'true' } });
    assert.equal(store.get('acme')!.metadata.generation, 1);
    store.apply({ name: 'acme', spec: applySpecDefaults({ search: { replicas: 0 } }), annotations: { 'vigilo.dev/paused': 'true' } });
    assert.equal(store.get('acme')!.metadata.generation, 2);
    await store.applyStatus(store.get('acme')!, { observedGeneration: 2 });
    assert.equal(store.get('acme')!.metadata.generation, 2, 'status writes leave generation alone');
    assert.equal(Number(store.get('acme')!.metadata.resourceVersion), 4);
  });

  it('rejects what the CRD would reject, including a change of an immutable field', () => {
    const store = new LocalTenantStore();
    assert.deepEqual(store.apply({ name: 'Bad_Name', spec: applySpecDefaults({}) }).length, 1);
    store.apply({ name: 'acme', spec: applySpecDefaults({}) });
    assert.deepEqual(store.apply({ name: 'acme', spec: applySpecDefaults({ search: { shards: 3 } }) }), ["search.shards is immutable: an index's primary shard count is fixed once it exists"]);
    assert.equal(store.get('acme')!.spec.search.shards, 1);
  });

  it('deletes in two steps when a finalizer is present, as the apiserver does', async () => {
    const store = new LocalTenantStore();
    store.apply({ name: 'acme', spec: applySpecDefaults({}) });
    const withFinalizer = await store.addFinalizer(store.get('acme')!);
    assert.deepEqual(withFinalizer.metadata.finalizers, [FINALIZER]);
    store.delete('acme');
    const deleting = store.get('acme')!;
    assert.ok(deleting.metadata.deletionTimestamp);
    await store.removeFinalizer(deleting);
    assert.equal(store.get('acme'), undefined);
  });

  it('refuses a finalizer write computed from a stale object', async () => {
    const store = new LocalTenantStore();
    store.apply({ name: 'acme', spec: applySpecDefaults({}) });
    const stale = store.get('acme')!;
    store.apply({ name: 'acme', spec: applySpecDefaults({ search: { replicas: 0 } }) });
    await assert.rejects(store.addFinalizer(stale), { name: 'ConflictError' });
  });

  it('replays the events after a resourceVersion, and answers 410 once that version left the history', async () => {
    const store = new LocalTenantStore({ historySize: 3 });
    store.apply({ name: 'aaa', spec: applySpecDefaults({}) });
    const { resourceVersion } = await store.list();
    store.apply({ name: 'bbb', spec: applySpecDefaults({}) });
    const events: Array<WatchEvent<Tenant>> = [];
    const handle = await store.watch(resourceVersion, (e) => events.push(e), () => undefined);
    await flush();
    assert.deepEqual(events.map((e) => (e.type === 'ADDED' ? e.object.metadata.name : e.type)), ['bbb']);
    handle.stop();
    for (const name of ['ccc', 'ddd', 'eee', 'fff']) store.apply({ name, spec: applySpecDefaults({}) });
    let doneWith: unknown;
    await store.watch(resourceVersion, () => undefined, (error) => (doneWith = error));
    await flush();
    assert.equal((doneWith as { code?: number }).code, 410);
  });
});
