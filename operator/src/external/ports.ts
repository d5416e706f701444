import type { ConditionType, Tenant, TenantStatus } from '../api/v1alpha1/tenant.js';

/** What `ensure()` did and found. */
export interface Outcome {
  /** `created`: nothing existed; `updated`: something was missing or differed and was converged; `none`: all matched. */
  action: 'created' | 'updated' | 'none';
  /** Usable as it is; false with a reason for e.g. a quota exceeded. @default true */
  ready?: boolean;
  /** CamelCase reason when not ready, or ready with a caveat (e.g. SettingsDrifted). */
  reason?: string;
  /** Steady-state message for the condition (it must not depend on `action`, or the status would flap). */
  message?: string;
  /** What was done, for the Kubernetes Event (e.g. `recreated the index template`). */
  actionDetail?: string;
  /** The part of the Tenant's status this client owns. */
  status?: Partial<TenantStatus>;
}

/**
 * One external system a Tenant owns. Every call is idempotent, bounded by a timeout and keyed by names derived
 * from the tenant id only (invariant 10); messages carry no personal data.
 */
export interface ExternalClient {
  /** Short name for events, logs and metrics: `Sql`, `Search`, `Queue`, `Registry`. */
  readonly name: string;
  readonly condition: ConditionType;
  /** Observes the resources and creates or updates whatever is missing or differs from the spec. */
  ensure(tenant: Tenant): Promise<Outcome>;
  /** Whether any of the resources exists (deletion is verified with it). */
  exists(tenant: Tenant): Promise<boolean>;
  /** Removes everything (deletionPolicy Delete). Idempotent. */
  delete(tenant: Tenant): Promise<void>;
  /** What Retain does when the Tenant goes (e.g. the registry row marked suspended). Never deletes data. */
  retain?(tenant: Tenant): Promise<void>;
}
