import { API_VERSION, KIND, type Tenant, type TenantSpec, type TenantStatus, validateTenant } from '../api/v1alpha1/tenant.js';
import { ConflictError, type TenantWriter } from '../controllers/tenant/ports.js';
import { withFinalizer, withoutFinalizer } from '../controllers/tenant/finalizer.js';
import { jsonEqual } from '../controllers/tenant/conditions.js';
import type { ListWatch, WatchEvent } from '../runtime/informer.js';

export interface DesiredTenant {
  name: string;
  spec: TenantSpec;
  annotations?: Record<string, string>;
}

/**
 * The apiserver's part in local mode: an in-memory object store with resourceVersions, generations, finalizers,
 * deletion timestamps, a status subresource and a watch that replays from a resourceVersion (410 Gone once it is
 * older than the kept history). Tenant manifests from a folder are admitted through `apply` with the same
 * validation the CRD's schema and CEL rules make, so the controller, informer and reconcilers run unchanged.
 */
export class LocalTenantStore implements ListWatch<Tenant>, TenantWriter {
  readonly #objects = new Map<string, Tenant>();
  readonly #history: Array<{ rv: number; event: WatchEvent<Tenant> }> = [];
  readonly #watchers = new Set<(event: WatchEvent<Tenant>) => void>();
  #rv = 0;
  #uid = 0;

  constructor(private readonly options: { historySize?: number; now?: () => number } = {}) {}

  /** Creates or updates a Tenant as `kubectl apply` would; answers the validation problems (nothing stored then). */
  apply(desired: DesiredTenant): string[] {
    const existing = this.#objects.get(desired.name);
    const problems = validateTenant(desired.name, desired.spec, existing?.spec);
    if (problems.length > 0) return problems;
    if (!existing) {
      this.#store('ADDED', {
        apiVersion: API_VERSION,
        kind: KIND,
        metadata: {
          name: desired.name,
          uid: `local-${++this.#uid}`,
          generation: 1,
          creationTimestamp: new Date(this.#now()).toISOString(),
          ...(desired.annotations ? { annotations: desired.annotations } : {}),
        },
        spec: desired.spec,
      });
      return [];
    }
    if (existing.metadata.deletionTimestamp) return ['the Tenant is being deleted'];
    const specChanged = !jsonEqual(existing.spec, desired.spec);
    const annotationsChanged = !jsonEqual(existing.metadata.annotations ?? {}, desired.annotations ?? {});
    if (!specChanged && !annotationsChanged) return [];
    const metadata = { ...existing.metadata, generation: (existing.metadata.generation ?? 1) + (specChanged ? 1 : 0) };
    if (desired.annotations) metadata.annotations = desired.annotations;
    else delete metadata.annotations;
    this.#store('MODIFIED', { ...existing, metadata, spec: desired.spec });
    return [];
  }

  /** Deletes as the apiserver does: with finalizers it only sets deletionTimestamp. */
  delete(name: string): void {
    const existing = this.#objects.get(name);
    if (!existing || existing.metadata.deletionTimestamp) return;
    if ((existing.metadata.finalizers ?? []).length === 0) {
      this.#remove(existing);
      return;
    }
    this.#store('MODIFIED', { ...existing, metadata: { ...existing.metadata, deletionTimestamp: new Date(this.#now()).toISOString() } });
  }

  get(name: string): Tenant | undefined {
    return this.#objects.get(name);
  }

  names(): string[] {
    return [...this.#objects.keys()];
  }

  async list(): Promise<{ items: Tenant[]; resourceVersion: string }> {
    return { items: [...this.#objects.values()], resourceVersion: String(this.#rv) };
  }

  async watch(resourceVersion: string, onEvent: (event: WatchEvent<Tenant>) => void, onDone: (error?: unknown) => void): Promise<{ stop(): void }> {
    const from = Number(resourceVersion || '0');
    const oldest = this.#history[0]?.rv;
    if (oldest !== undefined && from < oldest - 1) {
      queueMicrotask(() => onDone(Object.assign(new Error('too old resource version'), { code: 410 })));
      return { stop: () => undefined };
    }
    const replay = this.#history.filter((h) => h.rv > from).map((h) => h.event);
    const watcher = (event: WatchEvent<Tenant>): void => onEvent(event);
    this.#watchers.add(watcher);
    queueMicrotask(() => {
      for (const event of replay) onEvent(event);
    });
    return { stop: () => void this.#watchers.delete(watcher) };
  }

  async addFinalizer(tenant: Tenant): Promise<Tenant> {
    const current = this.#current(tenant);
    return this.#store('MODIFIED', { ...current, metadata: { ...current.metadata, finalizers: withFinalizer(current.metadata.finalizers) } });
  }

  async removeFinalizer(tenant: Tenant): Promise<void> {
    const current = this.#current(tenant);
    const finalizers = withoutFinalizer(current.metadata.finalizers);
    if (current.metadata.deletionTimestamp && finalizers.length === 0) this.#remove(current);
    else this.#store('MODIFIED', { ...current, metadata: { ...current.metadata, finalizers } });
  }

  async applyStatus(tenant: Tenant, status: TenantStatus): Promise<void> {
    const current = this.#objects.get(tenant.metadata.name);
    if (!current) return;
    this.#store('MODIFIED', { ...current, status });
  }

  #current(tenant: Tenant): Tenant {
    const current = this.#objects.get(tenant.metadata.name);
    if (!current || current.metadata.resourceVersion !== tenant.metadata.resourceVersion) throw new ConflictError();
    return current;
  }

  #store(type: 'ADDED' | 'MODIFIED', tenant: Tenant): Tenant {
    const stored: Tenant = structuredClone({ ...tenant, metadata: { ...tenant.metadata, resourceVersion: String(++this.#rv) } });
    this.#objects.set(stored.metadata.name, stored);
    this.#emit({ type, object: stored });
    return structuredClone(stored);
  }

  #remove(tenant: Tenant): void {
    this.#objects.delete(tenant.metadata.name);
    this.#emit({ type: 'DELETED', object: { ...tenant, metadata: { ...tenant.metadata, resourceVersion: String(++this.#rv) } } });
  }

  #emit(event: WatchEvent<Tenant>): void {
    this.#history.push({ rv: this.#rv, event });
    const max = this.options.historySize ?? 1000;
    if (this.#history.length > max) this.#history.splice(0, this.#history.length - max);
    for (const watcher of this.#watchers) watcher(event);
  }

  #now(): number {
    return (this.options.now ?? Date.now)();
  }
}
