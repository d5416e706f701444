import { type QueueSpec, type TaskQueue, indexQueueNames } from '@vigilo/queue';
import type { Tenant } from '../api/v1alpha1/tenant.js';
import type { ExternalClient, Outcome } from './ports.js';

/** The names of every queue of the tenant, shard 0 first (the relay's names: `indexQueueName`). */
function queueNamesOf(tenant: Tenant): string[] {
  return indexQueueNames(tenant.metadata.name, tenant.spec.queue.shards ?? 1);
}

/** Every queue of the tenant (shard 0 first), with the spec's settings. */
export function desiredQueueSpecs(tenant: Tenant): QueueSpec[] {
  return queueNamesOf(tenant).map((name) => queueSpecNamed(tenant, name));
}

/** The first (or only) queue of the tenant. */
export function desiredQueueSpec(tenant: Tenant): QueueSpec {
  return desiredQueueSpecs(tenant)[0]!;
}

function queueSpecNamed(tenant: Tenant, name: string): QueueSpec {
  const q = tenant.spec.queue;
  return {
    name,
    maxAttempts: q.maxAttempts,
    minBackoffMs: q.minBackoffMs,
    maxBackoffMs: q.maxBackoffMs,
    maxDispatchesPerSecond: q.maxDispatchesPerSecond,
    maxConcurrentDispatches: q.maxConcurrentDispatches,
  };
}

/**
 * The tenant's indexing queue through the TaskQueue port. Retries and backoff are the queue's; the last attempt's
 * failure is parked by the indexer in the tenant's dead_letters table (ADR 11), which the SQL client creates.
 * Where the backend cannot update a queue (the emulator has no UpdateQueue), a changed spec leaves the queue
 * `drifted`: QueueReady stays True with reason SettingsDrifted, and status.queue.drifted says so.
 */
export class TaskQueueClient implements ExternalClient {
  readonly name = 'Queue';
  readonly condition = 'QueueReady' as const;

  constructor(private readonly deps: { queue: TaskQueue }) {}

  async ensure(tenant: Tenant): Promise<Outcome> {
    const specs = desiredQueueSpecs(tenant);
    const names = specs.map((q) => q.name);
    const created: string[] = [];
    const updated: string[] = [];
    const drifted: string[] = [];
    for (const spec of specs) {
      let outcome;
      try {
        outcome = await this.deps.queue.ensureQueue(spec);
      } catch (error) {
        if ((error as { code?: unknown }).code !== 'VIG_QUEUE_NAME_RESERVED') throw error;
        // Cloud Tasks keeps a deleted queue's name reserved (7 days; the emulator's whole run), and names are
        // deterministic: nothing can be done but wait, so this is a state, not a failure to retry fast.
        return {
          action: created.length > 0 ? 'created' : 'none',
          ready: false,
          reason: 'QueueNameReserved',
          message: `queue ${spec.name} was deleted outside the operator and its name is still reserved by the backend; it is recreated once the name is free`,
          status: { queue: { name: names[0]!, names, drifted: false } },
        };
      }
      if (outcome === 'created') created.push(spec.name);
      else if (outcome === 'updated') updated.push(spec.name);
      else if (outcome === 'drifted') drifted.push(spec.name);
    }
    const detail = [...(created.length ? [`created queue ${created.join(', ')}`] : []), ...(updated.length ? [`updated queue ${updated.join(', ')}`] : [])].join('; ');
    return {
      action: created.length > 0 ? 'created' : updated.length > 0 ? 'updated' : 'none',
      ...(detail ? { actionDetail: detail } : {}),
      ...(drifted.length > 0
        ? { reason: 'SettingsDrifted', message: `queue ${drifted.join(', ')} has other settings than the spec and the backend cannot update it; delete the queue or recreate the tenant to apply them` }
        : {}),
      status: { queue: { name: names[0]!, names, drifted: drifted.length > 0 } },
    };
  }

  async exists(tenant: Tenant): Promise<boolean> {
    for (const name of queueNamesOf(tenant)) if (await this.deps.queue.queueExists(name)) return true;
    return false;
  }

  async delete(tenant: Tenant): Promise<void> {
    for (const name of queueNamesOf(tenant)) await this.deps.queue.deleteQueue(name);
  }
}
