import assert from 'node:assert/strict';
import { createLogger } from '@vigilo/platform';
import { FINALIZER, PAUSE_ANNOTATION, type Tenant, type TenantStatus, applySpecDefaults } from '../../api/v1alpha1/tenant.js';
import type { ExternalClient, Outcome } from '../../external/ports.js';
import { ConflictError, type EventRecorder, type TenantWriter } from './ports.js';
import { TenantReconciler } from './reconciler.js';

const logger = createLogger({ name: 'test', level: 'silent' });

/** Everything the reconciler did, in order: the property the tests check. */
type Call = string;

class FakeClient implements ExternalClient {
  readonly condition;
  present = false;
  failEnsure: Error | undefined;
  failDelete = false;
  lingersAfterDelete = false;
  nextOutcome: Partial<Outcome> = {};
  constructor(
    readonly name: string,
    private readonly calls: Call[],
  ) {
    this.condition = `${name}Ready` as ExternalClient['condition'];
  }
  async ensure(): Promise<Outcome> {
    this.calls.push(`${this.name}.ensure`);
    if (this.failEnsure) throw this.failEnsure;
    const action = this.present ? 'none' : 'created';
    this.present = true;
    return { action, ...this.nextOutcome };
  }
  async exists() {
    return this.present;
  }
  async delete() {
    this.calls.push(`${this.name}.delete`);
    if (this.failDelete) throw new Error('engine unavailable');
    if (!this.lingersAfterDelete) this.present = false;
  }
  async retain() {
    this.calls.push(`${this.name}.retain`);
  }
}

class FakeWriter implements TenantWriter {
  statuses: TenantStatus[] = [];
  conflictOnFinalizer = false;
  constructor(
    private readonly calls: Call[],
    private readonly store: Map<string, Tenant>,
  ) {}
  async addFinalizer(tenant: Tenant) {
    this.calls.push('addFinalizer');
    if (this.conflictOnFinalizer) throw new ConflictError();
    const updated = { ...tenant, metadata: { ...tenant.metadata, finalizers: [FINALIZER] } };
    this.store.set(tenant.metadata.name, updated);
    return updated;
  }
  async removeFinalizer(tenant: Tenant) {
    this.calls.push('removeFinalizer');
    this.store.delete(tenant.metadata.name);
  }
  async applyStatus(tenant: Tenant, status: TenantStatus) {
    this.calls.push('applyStatus');
    this.statuses.push(status);
    this.store.set(tenant.metadata.name, { ...this.store.get(tenant.metadata.name)!, status });
  }
}

function tenant(overrides: { finalizer?: boolean; deleting?: boolean; paused?: boolean; policy?: 'Retain' | 'Delete'; generation?: number } = {}): Tenant {
  return {
    apiVersion: 'vigilo.dev/v1alpha1',
    kind: 'Tenant',
    metadata: {
      name: 'acme',
      generation: overrides.generation ?? 1,
      resourceVersion: '1',
      ...(overrides.finalizer ? { finalizers: [FINALIZER] } : {}),
      ...(overrides.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
      ...(overrides.paused ? { annotations: { [PAUSE_ANNOTATION]: 'true' } } : {}),
    },
    spec: applySpecDefaults({ deletionPolicy: overrides.policy ?? 'Retain' }),
  };
}

function harness(initial: Tenant) {
  const calls: Call[] = [];
  const store = new Map([[initial.metadata.name, initial]]);
  const writer = new FakeWriter(calls, store);
  const events: Array<[string, string]> = [];
  const recorder: EventRecorder = { event: (_t, type, reason) => void events.push([type, reason]) };
  const clients = ['Sql', 'Search', 'Queue', 'Registry'].map((n) => new FakeClient(n, calls));
  const reconciler = new TenantReconciler({ tenants: { get: (n) => store.get(n) }, writer, events: recorder, clients, logger, pollIntervalMs: 60_000, now: () => Date.UTC(2026, 0, 1) });
  return { calls, store, writer, events, clients, reconciler };
}

const conditionsOf = (status: TenantStatus | undefined) => Object.fromEntries((status?.conditions ?? []).map((c) => [c.type, `${c.status}/${c.reason}`]));

describe('operator: TenantReconciler', () => {
  it('adds the finalizer before touching any external system, then converges them in order', async () => {
    const h = harness(tenant());
    const result = await h.reconciler.reconcile('acme');
    assert.deepEqual(h.calls, ['addFinalizer', 'Sql.ensure', 'Search.ensure', 'Queue.ensure', 'Registry.ensure', 'applyStatus']);
    assert.equal(result.requeueAfterMs, 60_000);
    const status = h.writer.statuses[0]!;
    assert.equal(status.observedGeneration, 1);
    assert.deepEqual(conditionsOf(status), {
      Ready: 'True/Available',
      Synced: 'True/ReconcileSuccess',
      SqlReady: 'True/Available',
      SearchReady: 'True/Available',
      QueueReady: 'True/Available',
      RegistryReady: 'True/Available',
    });
    assert.deepEqual(h.events, [['Normal', 'CreatedSql'], ['Normal', 'CreatedSearch'], ['Normal', 'CreatedQueue'], ['Normal', 'CreatedRegistry']]);
  });

  it('is idempotent: a second reconcile writes nothing and records no event', async () => {
    const h = harness(tenant());
    await h.reconciler.reconcile('acme');
    h.calls.length = 0;
    h.events.length = 0;
    await h.reconciler.reconcile('acme');
    assert.deepEqual(h.calls, ['Sql.ensure', 'Search.ensure', 'Queue.ensure', 'Registry.ensure']);
    assert.deepEqual(h.events, []);
  });

  it('writes the status again when the generation moves, with the new observedGeneration', async () => {
    const h = harness(tenant());
    await h.reconciler.reconcile('acme');
    const stored = h.store.get('acme')!;
    h.store.set('acme', { ...stored, metadata: { ...stored.metadata, generation: 2 } });
    await h.reconciler.reconcile('acme');
    assert.equal(h.writer.statuses.at(-1)!.observedGeneration, 2);
    assert.ok(h.writer.statuses.at(-1)!.conditions!.every((c) => c.observedGeneration === 2));
  });

  it('reports a failing part as False with ReconcileError, keeps converging the others, then fails for a retry', async () => {
    const h = harness(tenant({ finalizer: true }));
    h.clients[1]!.failEnsure = Object.assign(new Error('engine unavailable'), { code: 'VIG_UNAVAILABLE' });
    await assert.rejects(h.reconciler.reconcile('acme'), /Search: VIG_UNAVAILABLE: engine unavailable/);
    assert.deepEqual(h.calls, ['Sql.ensure', 'Search.ensure', 'Queue.ensure', 'Registry.ensure', 'applyStatus']);
    const c = conditionsOf(h.writer.statuses[0]);
    assert.equal(c['SearchReady'], 'False/ReconcileError');
    assert.equal(c['Ready'], 'False/Unavailable');
    assert.equal(c['Synced'], 'False/ReconcileError');
    assert.deepEqual(h.events.filter(([type]) => type === 'Warning'), [['Warning', 'CannotReconcileSearch']]);
  });

  it('reports a part that is not ready (e.g. over quota) without failing the reconcile', async () => {
    const h = harness(tenant({ finalizer: true }));
    h.clients[0]!.nextOutcome = { ready: false, reason: 'QuotaExceeded', message: 'the schema uses 12 MiB of its 10 MiB quota' };
    await h.reconciler.reconcile('acme');
    const c = conditionsOf(h.writer.statuses[0]);
    assert.equal(c['SqlReady'], 'False/QuotaExceeded');
    assert.equal(c['Ready'], 'False/Unavailable');
    assert.equal(c['Synced'], 'True/ReconcileSuccess');
  });

  it('does nothing but say so while paused, even when being deleted', async () => {
    for (const t of [tenant({ paused: true }), tenant({ paused: true, finalizer: true, deleting: true, policy: 'Delete' })]) {
      const h = harness(t);
      const result = await h.reconciler.reconcile('acme');
      assert.deepEqual(h.calls, ['applyStatus']);
      assert.deepEqual(conditionsOf(h.writer.statuses[0]), { Synced: 'False/ReconcilePaused' });
      assert.equal(result.requeueAfterMs, undefined);
    }
  });

  it('Delete: removes every part in reverse order, verifies they are gone, then drops the finalizer', async () => {
    const h = harness(tenant({ finalizer: true, deleting: true, policy: 'Delete' }));
    for (const c of h.clients) c.present = true;
    await h.reconciler.reconcile('acme');
    assert.deepEqual(h.calls, ['Registry.delete', 'Queue.delete', 'Search.delete', 'Sql.delete', 'removeFinalizer']);
    assert.deepEqual(h.events, [['Normal', 'Deleted']]);
  });

  it('Delete: keeps the finalizer while anything is still there', async () => {
    const h = harness(tenant({ finalizer: true, deleting: true, policy: 'Delete' }));
    for (const c of h.clients) c.present = true;
    h.clients[1]!.lingersAfterDelete = true;
    await assert.rejects(h.reconciler.reconcile('acme'), /still present after deletion: Search/);
    assert.ok(!h.calls.includes('removeFinalizer'));
    assert.deepEqual(h.events, [['Warning', 'CleanupIncomplete']]);
  });

  it('Delete: a failed delete keeps the finalizer and records a warning', async () => {
    const h = harness(tenant({ finalizer: true, deleting: true, policy: 'Delete' }));
    h.clients[2]!.failDelete = true;
    await assert.rejects(h.reconciler.reconcile('acme'), /engine unavailable/);
    assert.ok(!h.calls.includes('removeFinalizer'));
    assert.deepEqual(h.events, [['Warning', 'CannotDeleteQueue']]);
  });

  it('Retain: deletes nothing, lets each part record the retention, then drops the finalizer', async () => {
    const h = harness(tenant({ finalizer: true, deleting: true, policy: 'Retain' }));
    await h.reconciler.reconcile('acme');
    assert.deepEqual(h.calls, ['Registry.retain', 'Queue.retain', 'Search.retain', 'Sql.retain', 'removeFinalizer']);
  });

  it('does nothing for a Tenant being deleted without our finalizer, or one that is gone', async () => {
    const h = harness(tenant({ deleting: true, policy: 'Delete' }));
    await h.reconciler.reconcile('acme');
    assert.deepEqual(await h.reconciler.reconcile('missing'), {});
    assert.deepEqual(h.calls, []);
  });

  it('treats a conflict as a quiet, short requeue', async () => {
    const h = harness(tenant());
    h.writer.conflictOnFinalizer = true;
    assert.deepEqual(await h.reconciler.reconcile('acme'), { requeueAfterMs: 100 });
    assert.deepEqual(h.calls, ['addFinalizer'], 'nothing external was touched without the finalizer');
  });
});
