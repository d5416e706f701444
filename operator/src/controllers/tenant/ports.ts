import type { Tenant, TenantStatus } from '../../api/v1alpha1/tenant.js';

/** Reads Tenants from the informer's cache (never from the apiserver directly). */
export interface TenantReader {
  get(name: string): Tenant | undefined;
}

/** A write lost an optimistic-concurrency race (HTTP 409): requeue quietly, the cache will catch up. */
export class ConflictError extends Error {
  constructor(message = 'the object changed since it was read') {
    super(message);
    this.name = 'ConflictError';
  }
}

/** Writes to Tenants (adapters: the apiserver; the folder of manifests in local mode). */
export interface TenantWriter {
  /** Adds the finalizer; answers the object as stored. @throws ConflictError */
  addFinalizer(tenant: Tenant): Promise<Tenant>;
  /** @throws ConflictError */
  removeFinalizer(tenant: Tenant): Promise<void>;
  /** Writes the whole status through the status subresource (server-side apply, one field manager). */
  applyStatus(tenant: Tenant, status: TenantStatus): Promise<void>;
}

export type EventType = 'Normal' | 'Warning';

/** Kubernetes Events about a Tenant; fire-and-forget (a lost event never fails a reconcile). */
export interface EventRecorder {
  event(tenant: Tenant, type: EventType, reason: string, message: string): void;
}
