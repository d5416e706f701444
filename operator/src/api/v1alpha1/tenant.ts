import { TENANT_ID_PATTERN } from '@vigilo/domain';

export const GROUP = 'vigilo.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'Tenant';
export const PLURAL = 'tenants';
/** Added before anything external is created; removed once deletion (or orphaning) is done. */
export const FINALIZER = 'vigilo.dev/tenant-cleanup';
/** `vigilo.dev/paused: "true"` stops reconciling the Tenant (deletion included) until it is removed. */
export const PAUSE_ANNOTATION = 'vigilo.dev/paused';
/** Field manager of everything the operator writes. */
export const FIELD_MANAGER = 'vigilo-operator';

export type DeletionPolicy = 'Retain' | 'Delete';

export interface ApiKeyRef {
  name: string;
  secretRef: { namespace: string; name: string; key: string };
  scopes: Array<'read' | 'write' | 'pii:read'>;
}

/** The spec as stored: the apiserver (or `applySpecDefaults` in local mode) has filled in every default. */
export interface TenantSpec {
  displayName?: string;
  deletionPolicy: DeletionPolicy;
  sql: { quotaMiB: number };
  search: { shards: number; replicas: number };
  queue: { shards: number; maxDispatchesPerSecond: number; maxConcurrentDispatches: number; maxAttempts: number; minBackoffMs: number; maxBackoffMs: number };
  access: { groups?: string[]; keys?: ApiKeyRef[] };
  rateLimits: { requestsPerSecond: number; burst: number };
}

export type ConditionStatus = 'True' | 'False' | 'Unknown';
export type ConditionType = 'Ready' | 'SqlReady' | 'SearchReady' | 'QueueReady' | 'RegistryReady' | 'Synced';

/** metav1.Condition. */
export interface Condition {
  type: ConditionType;
  status: ConditionStatus;
  observedGeneration?: number;
  /** RFC 3339, seconds precision; changes only when `status` changes. */
  lastTransitionTime: string;
  /** CamelCase, stable: tools match on it. */
  reason: string;
  message: string;
}

export interface TenantStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  sql?: { schema?: string; role?: string; schemaVersion?: number; usedMiB?: number };
  search?: { template?: string; writeAlias?: string; readAlias?: string; writeIndex?: string };
  queue?: { name?: string; names?: string[]; drifted?: boolean };
}

export interface ObjectMeta {
  name: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  finalizers?: string[];
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
}

export interface Tenant {
  apiVersion: typeof API_VERSION;
  kind: typeof KIND;
  metadata: ObjectMeta;
  spec: TenantSpec;
  status?: TenantStatus;
}

/** The CRD's defaults (crds/tenants.vigilo.dev.yaml; a unit test keeps both equal). */
export const SPEC_DEFAULTS = {
  deletionPolicy: 'Retain',
  sql: { quotaMiB: 10240 },
  search: { shards: 1, replicas: 1 },
  queue: { shards: 1, maxDispatchesPerSecond: 500, maxConcurrentDispatches: 500, maxAttempts: 10, minBackoffMs: 1000, maxBackoffMs: 300000 },
  rateLimits: { requestsPerSecond: 100, burst: 200 },
} as const;

export function isPaused(tenant: Tenant): boolean {
  return tenant.metadata.annotations?.[PAUSE_ANNOTATION] === 'true';
}

export function hasFinalizer(tenant: Tenant): boolean {
  return tenant.metadata.finalizers?.includes(FINALIZER) ?? false;
}

export function isBeingDeleted(tenant: Tenant): boolean {
  return Boolean(tenant.metadata.deletionTimestamp);
}

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The spec with the CRD's defaults filled in, for Tenant manifests that never went through an apiserver (local
 * mode). Unknown fields are dropped, as the apiserver's structural pruning would.
 */
export function applySpecDefaults(input: unknown): TenantSpec {
  const spec = isPlain(input) ? input : {};
  const section = <T extends Plain>(name: string, defaults: T): T => {
    const given = isPlain(spec[name]) ? (spec[name] as Plain) : {};
    const out: Plain = {};
    for (const key of Object.keys(defaults)) out[key] = given[key] ?? defaults[key];
    return out as T;
  };
  const access = isPlain(spec['access']) ? (spec['access'] as Plain) : {};
  return {
    ...(typeof spec['displayName'] === 'string' ? { displayName: spec['displayName'] } : {}),
    deletionPolicy: (spec['deletionPolicy'] as DeletionPolicy | undefined) ?? SPEC_DEFAULTS.deletionPolicy,
    sql: section('sql', { ...SPEC_DEFAULTS.sql }),
    search: section('search', { ...SPEC_DEFAULTS.search }),
    queue: section('queue', { ...SPEC_DEFAULTS.queue }),
    access: {
      ...(Array.isArray(access['groups']) ? { groups: access['groups'] as string[] } : {}),
      ...(Array.isArray(access['keys']) ? { keys: access['keys'] as ApiKeyRef[] } : {}),
    },
    rateLimits: section('rateLimits', { ...SPEC_DEFAULTS.rateLimits }),
  };
}

function intIn(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max;
}

/**
 * The checks the CRD's schema and CEL rules make at apply time, for local mode (same messages). Returns every
 * violation; empty when the Tenant is valid. `previous` enables the immutability rules.
 */
export function validateTenant(name: string, spec: TenantSpec, previous?: TenantSpec): string[] {
  const problems: string[] = [];
  if (!TENANT_ID_PATTERN.test(name)) {
    problems.push('metadata.name is the tenant id: 3-40 characters, lower-case letters, digits and single hyphens, starting with a letter and not ending with a hyphen');
  }
  if (spec.displayName !== undefined && (typeof spec.displayName !== 'string' || spec.displayName.length < 1 || spec.displayName.length > 200)) {
    problems.push('spec.displayName: 1-200 characters');
  }
  if (spec.deletionPolicy !== 'Retain' && spec.deletionPolicy !== 'Delete') problems.push('spec.deletionPolicy: Retain or Delete');
  const ranges: Array<[string, unknown, number, number]> = [
    ['spec.sql.quotaMiB', spec.sql.quotaMiB, 1, 16777216],
    ['spec.search.shards', spec.search.shards, 1, 64],
    ['spec.search.replicas', spec.search.replicas, 0, 5],
    ['spec.queue.shards', spec.queue.shards, 1, 32],
    ['spec.queue.maxDispatchesPerSecond', spec.queue.maxDispatchesPerSecond, 1, 500],
    ['spec.queue.maxConcurrentDispatches', spec.queue.maxConcurrentDispatches, 1, 5000],
    ['spec.queue.maxAttempts', spec.queue.maxAttempts, 1, 100],
    ['spec.queue.minBackoffMs', spec.queue.minBackoffMs, 0, 3600000],
    ['spec.queue.maxBackoffMs', spec.queue.maxBackoffMs, 0, 3600000],
    ['spec.rateLimits.requestsPerSecond', spec.rateLimits.requestsPerSecond, 1, 100000],
    ['spec.rateLimits.burst', spec.rateLimits.burst, 1, 1000000],
  ];
  for (const [path, value, min, max] of ranges) if (!intIn(value, min, max)) problems.push(`${path}: an integer in [${min}, ${max}]`);
  if (spec.queue.maxBackoffMs < spec.queue.minBackoffMs) problems.push('queue.maxBackoffMs must be greater than or equal to queue.minBackoffMs');
  if (spec.rateLimits.burst < spec.rateLimits.requestsPerSecond) problems.push('rateLimits.burst must be greater than or equal to rateLimits.requestsPerSecond');
  if (previous && spec.queue.shards < previous.queue.shards) {
    problems.push('queue.shards can only grow: a queue removed while it holds tasks would lose them');
  }
  if (previous && previous.search.shards !== spec.search.shards) {
    problems.push("search.shards is immutable: an index's primary shard count is fixed once it exists");
  }
  return problems;
}
