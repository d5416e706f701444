import { createHash } from 'node:crypto';
import { parseTenantId } from '@vigilo/domain';
import { InputError } from '@vigilo/errors';
import { DEFAULT_MAX_CONCURRENT_DISPATCHES, DEFAULT_MAX_DISPATCHES_PER_SECOND, type IndexTaskPayload, type QueueSpec } from './ports.js';

/** Task ids Cloud Tasks accepts: letters, digits, hyphens and underscores, at most 500 characters. */
export const TASK_NAME_PATTERN = /^[A-Za-z0-9_-]{1,500}$/;
/** Queue ids Cloud Tasks accepts: letters, digits and hyphens, at most 100 characters. */
export const QUEUE_NAME_PATTERN = /^[A-Za-z0-9-]{1,100}$/;

/** Version of the naming scheme; part of every hash, so a new scheme never collides with an old one. */
const NAME_SCHEME = 'vigilo.index-task.v1';
/** Hex characters of the SHA-256 prefix: 128 bits, so the prefix alone identifies the tuple. */
const HASH_HEX_CHARS = 32;
/** Longest readable copy of the report id kept in a name (the schema allows 100 characters). */
const READABLE_ID_MAX = 100;
const GENERATION_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * A task enqueued outside the outbox path. Cloud Tasks reserves a used name
 * for about an hour after the task ended, so a repair or a replay of the same
 * (tenant, report, version) needs a name of its own: `generation` makes it
 * deterministic for the caller (e.g. the anti-entropy run id, or the
 * dead-letter row id plus its replay count) and distinct from the outbox name.
 */
export interface TaskNameOrigin {
  readonly origin: 'repair' | 'replay';
  /** A non-negative integer, or 1-64 letters, digits, hyphens and underscores. */
  readonly generation: string | number;
}

/**
 * The deterministic task id of one indexing task (architecture invariant 4):
 * `<sha256 prefix>-<tenant>-<report id, sanitised>-v<version>[-<origin>-<generation>]`.
 *
 * The 32-hex-character prefix hashes the unambiguous tuple (JSON of tenant,
 * report id, version, origin, generation), so two different tuples never share
 * a name even when their readable parts look alike (`a-1`/2 vs `a`/`1-2`), and
 * names are spread over the key space instead of sequential (Cloud Tasks'
 * performance advice). The readable tail is for people only: characters outside
 * `[A-Za-z0-9_-]` become `_` and the id is cut at 100 characters.
 *
 * @param origin `'outbox'` (the default) for the relay's name; a
 *   {@link TaskNameOrigin} for a repair or a replay.
 * @throws InputError for an invalid tenant id (`VIG_TENANT_INVALID_ID`), an
 *   empty report id, a version that is not a positive integer or an invalid
 *   generation.
 */
export function indexTaskName(tenant: string, safetyreportid: string, version: number, origin: 'outbox' | TaskNameOrigin = 'outbox'): string {
  const tenantId = parseTenantId(tenant);
  if (typeof safetyreportid !== 'string' || safetyreportid.length === 0) {
    throw new InputError('A task name needs a non-empty report id', { fields: { tenantId } });
  }
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new InputError('A task name needs a positive integer version', { fields: { tenantId } });
  }
  const tuple: unknown[] = [NAME_SCHEME, tenantId, safetyreportid, version];
  let suffix = '';
  if (origin !== 'outbox') {
    if (origin.origin !== 'repair' && origin.origin !== 'replay') {
      throw new InputError("A task name's origin is 'outbox', 'repair' or 'replay'", { fields: { tenantId } });
    }
    const generation = normaliseGeneration(origin.generation);
    tuple.push(origin.origin, generation);
    suffix = `-${origin.origin}-${generation}`;
  }
  const hash = createHash('sha256').update(JSON.stringify(tuple)).digest('hex').slice(0, HASH_HEX_CHARS);
  const readableId = safetyreportid.slice(0, READABLE_ID_MAX).replace(/[^A-Za-z0-9_-]/g, '_');
  return `${hash}-${tenantId}-${readableId}-v${version}${suffix}`;
}

function normaliseGeneration(generation: string | number): string {
  if (typeof generation === 'number') {
    if (Number.isSafeInteger(generation) && generation >= 0) return String(generation);
  } else if (typeof generation === 'string' && GENERATION_PATTERN.test(generation)) {
    return generation;
  }
  throw new InputError('A task generation is a non-negative integer or 1-64 letters, digits, hyphens and underscores');
}

/** @throws InputError unless `name` is a valid task id. */
export function assertTaskName(name: string): void {
  if (typeof name !== 'string' || !TASK_NAME_PATTERN.test(name)) {
    throw new InputError('Task names are 1-500 letters, digits, hyphens and underscores', { fields: { length: typeof name === 'string' ? name.length : 0 } });
  }
}

/** @throws InputError unless `name` is a valid queue id. */
export function assertQueueName(name: string): void {
  if (typeof name !== 'string' || !QUEUE_NAME_PATTERN.test(name)) {
    throw new InputError('Queue names are 1-100 letters, digits and hyphens', { fields: { queue: typeof name === 'string' ? name.slice(0, 100) : '' } });
  }
}

const PAYLOAD_KEYS = ['origin', 'safetyreportid', 'tenant', 'version'];
const ORIGINS = new Set(['outbox', 'repair', 'replay']);

/**
 * Checks that a payload is ids only (invariant 2): exactly `tenant`,
 * `safetyreportid`, `version` and `origin`, each valid. Both adapters call it
 * before sending anything.
 *
 * @throws InputError naming the first invalid field.
 */
export function assertIndexTaskPayload(payload: IndexTaskPayload): void {
  const fail = (field: string): never => {
    throw new InputError('A task payload carries exactly tenant, safetyreportid, version and origin (ids only)', { fields: { field } });
  };
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) fail('payload');
  const keys = Object.keys(payload).sort();
  if (keys.length !== PAYLOAD_KEYS.length || keys.some((k, i) => k !== PAYLOAD_KEYS[i])) fail('payload');
  parseTenantId(payload.tenant);
  if (typeof payload.safetyreportid !== 'string' || payload.safetyreportid.length === 0 || payload.safetyreportid.length > 200) fail('safetyreportid');
  if (!Number.isSafeInteger(payload.version) || payload.version < 1) fail('version');
  if (!ORIGINS.has(payload.origin)) fail('origin');
}

/** A {@link QueueSpec} with its defaults applied and every field checked. */
export type ResolvedQueueSpec = Required<QueueSpec>;

/**
 * Checks a spec and fills in its defaults. Backoffs are whole milliseconds
 * (Cloud Tasks stores durations; the PostgreSQL queue stores milliseconds).
 *
 * @throws InputError listing the first invalid field.
 */
export function resolveQueueSpec(spec: QueueSpec): ResolvedQueueSpec {
  assertQueueName(spec.name);
  const fail = (field: string, rule: string): never => {
    throw new InputError(`Queue spec field ${field} must be ${rule}`, { fields: { queue: spec.name, field } });
  };
  const isInt = (v: unknown, min: number): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= min;
  if (!isInt(spec.maxAttempts, 1)) fail('maxAttempts', 'an integer ≥ 1');
  if (!isInt(spec.minBackoffMs, 0)) fail('minBackoffMs', 'an integer ≥ 0');
  if (!isInt(spec.maxBackoffMs, 0) || spec.maxBackoffMs < spec.minBackoffMs) fail('maxBackoffMs', 'an integer ≥ minBackoffMs');
  const maxDispatchesPerSecond = spec.maxDispatchesPerSecond ?? DEFAULT_MAX_DISPATCHES_PER_SECOND;
  if (typeof maxDispatchesPerSecond !== 'number' || !(maxDispatchesPerSecond > 0) || maxDispatchesPerSecond > DEFAULT_MAX_DISPATCHES_PER_SECOND) {
    fail('maxDispatchesPerSecond', `a number in (0, ${DEFAULT_MAX_DISPATCHES_PER_SECOND}]`);
  }
  const maxConcurrentDispatches = spec.maxConcurrentDispatches ?? DEFAULT_MAX_CONCURRENT_DISPATCHES;
  if (!isInt(maxConcurrentDispatches, 1) || maxConcurrentDispatches > 5000) fail('maxConcurrentDispatches', 'an integer in [1, 5000]');
  return Object.freeze({
    name: spec.name,
    maxAttempts: spec.maxAttempts,
    minBackoffMs: spec.minBackoffMs,
    maxBackoffMs: spec.maxBackoffMs,
    maxDispatchesPerSecond,
    maxConcurrentDispatches,
  });
}

/** Most indexing queues one tenant can be spread over (each Cloud Tasks queue dispatches at most 500 tasks/s). */
export const MAX_INDEX_QUEUE_SHARDS = 32;

/**
 * The tenant's indexing queue number `shard`: `vigilo-index-<tenant>` for shard 0 (the only one of a tenant with
 * one queue), `vigilo-index-<tenant>--<shard>` after it. Tenant ids never hold `--`, so no tenant's queue name
 * can be another's shard. The operator creates these queues and the relay enqueues to them.
 */
export function indexQueueName(tenant: string, shard = 0): string {
  const tenantId = parseTenantId(tenant);
  if (!Number.isSafeInteger(shard) || shard < 0 || shard >= MAX_INDEX_QUEUE_SHARDS) {
    throw new InputError(`A queue shard is an integer from 0 to ${MAX_INDEX_QUEUE_SHARDS - 1}`, { fields: { tenantId } });
  }
  return shard === 0 ? `vigilo-index-${tenantId}` : `vigilo-index-${tenantId}--${shard}`;
}

/** Every indexing queue of a tenant spread over `shards` queues, shard 0 first. */
export function indexQueueNames(tenant: string, shards: number): string[] {
  return Array.from({ length: Math.max(1, shards) }, (_, shard) => indexQueueName(tenant, shard));
}

/**
 * Which of `shards` queues carries the tasks of a report: the same one for every version (FNV-1a of the id), so
 * that the deterministic names of a report's tasks are deduplicated by one queue (invariant 4). When the count
 * grows, a report may move to another queue; a task already waiting in the old one then also arrives, which the
 * indexer answers "stale" (it always writes the current state).
 */
export function indexQueueShard(safetyreportid: string, shards: number): number {
  if (shards <= 1) return 0;
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(safetyreportid, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}
