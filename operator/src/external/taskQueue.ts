import type { QueueSpec, TaskQueue } from '@vigilo/queue';
import type { Tenant } from '../api/v1alpha1/tenant.js';
import type { ExternalClient, Outcome } from './ports.js';
import { tenantExternalNames } from './names.js';

export function desiredQueueSpec(tenant: Tenant): QueueSpec {
  const q = tenant.spec.queue;
  return {
    name: tenantExternalNames(tenant.metadata.name).queue,
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
    const spec = desiredQueueSpec(tenant);
    let outcome;
    try {
      outcome = await this.deps.queue.ensureQueue(spec);
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'VIG_QUEUE_NAME_RESERVED') throw error;
      // Cloud Tasks keeps a deleted queue's name reserved (7 days; the emulator's whole run), and names are
      // deterministic: nothing can be done but wait, so this is a state, not a failure to retry fast.
      return {
        action: 'none',
        ready: false,
        reason: 'QueueNameReserved',
        message: `queue ${spec.name} was deleted outside the operator and its name is still reserved by the backend; it is recreated once the name is free`,
        status: { queue: { name: spec.name, drifted: false } },
      };
    }
    const drifted = outcome === 'drifted';
    return {
      action: outcome === 'created' ? 'created' : outcome === 'updated' ? 'updated' : 'none',
      ...(outcome === 'created' ? { actionDetail: `created queue ${spec.name}` } : outcome === 'updated' ? { actionDetail: `updated queue ${spec.name}` } : {}),
      ...(drifted ? { reason: 'SettingsDrifted', message: `queue ${spec.name} has other settings than the spec and the backend cannot update it; delete the queue or recreate the tenant to apply them` } : {}),
      status: { queue: { name: spec.name, drifted } },
    };
  }

  async exists(tenant: Tenant): Promise<boolean> {
    return this.deps.queue.queueExists(tenantExternalNames(tenant.metadata.name).queue);
  }

  async delete(tenant: Tenant): Promise<void> {
    await this.deps.queue.deleteQueue(tenantExternalNames(tenant.metadata.name).queue);
  }
}
