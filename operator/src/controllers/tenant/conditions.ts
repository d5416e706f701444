import type { Condition, ConditionStatus, ConditionType, TenantStatus } from '../../api/v1alpha1/tenant.js';

/** Reasons are CamelCase and stable: tools and alerts match on them (Crossplane's vocabulary where it has one). */
export const Reasons = {
  Available: 'Available',
  Unavailable: 'Unavailable',
  ReconcileSuccess: 'ReconcileSuccess',
  ReconcileError: 'ReconcileError',
  ReconcilePaused: 'ReconcilePaused',
  QuotaExceeded: 'QuotaExceeded',
  SettingsDrifted: 'SettingsDrifted',
} as const;

export type DesiredCondition = Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>;

export function condition(type: ConditionType, status: ConditionStatus, reason: string, message = ''): DesiredCondition {
  return { type, status, reason, message };
}

export const available = (type: ConditionType, message = ''): DesiredCondition => condition(type, 'True', Reasons.Available, message);
export const synced = (): DesiredCondition => condition('Synced', 'True', Reasons.ReconcileSuccess);
export const syncError = (message: string): DesiredCondition => condition('Synced', 'False', Reasons.ReconcileError, message);
export const paused = (): DesiredCondition => condition('Synced', 'False', Reasons.ReconcilePaused, 'reconciliation is paused by the vigilo.dev/paused annotation');

/** RFC 3339 with seconds precision, as metav1.Time serialises. */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * Merges `desired` into `existing`: a condition whose status did not change keeps its lastTransitionTime;
 * every condition gets `observedGeneration`. Conditions not mentioned are kept as they were.
 */
export function mergeConditions(existing: readonly Condition[] | undefined, desired: readonly DesiredCondition[], generation: number | undefined, now: number): Condition[] {
  const out = new Map<string, Condition>((existing ?? []).map((c) => [c.type, c]));
  for (const d of desired) {
    const before = out.get(d.type);
    out.set(d.type, {
      type: d.type,
      status: d.status,
      ...(generation === undefined ? {} : { observedGeneration: generation }),
      lastTransitionTime: before && before.status === d.status ? before.lastTransitionTime : rfc3339(now),
      reason: d.reason,
      message: d.message,
    });
  }
  const order: ConditionType[] = ['Ready', 'Synced', 'SqlReady', 'SearchReady', 'QueueReady', 'RegistryReady'];
  return [...out.values()].sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type));
}

export function findCondition(status: TenantStatus | undefined, type: ConditionType): Condition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/** Structural equality of JSON values, independent of key order (status diffing). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => jsonEqual(v, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => Object.hasOwn(bo, k) && jsonEqual(ao[k], bo[k]));
}

/** Whether writing `next` would change what the object's status already says. */
export function statusChanged(current: TenantStatus | undefined, next: TenantStatus): boolean {
  return !jsonEqual(current ?? {}, next);
}
