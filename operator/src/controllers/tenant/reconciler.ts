import type { Logger } from '@vigilo/platform';
import { type Condition, type Tenant, type TenantStatus, hasFinalizer, isBeingDeleted, isPaused } from '../../api/v1alpha1/tenant.js';
import type { Reconciler, Result } from '../../runtime/controller.js';
import type { ExternalClient, Outcome } from '../../external/ports.js';
import { type DesiredCondition, Reasons, available, condition, mergeConditions, paused, statusChanged, syncError, synced } from './conditions.js';
import { ConflictError, type EventRecorder, type TenantReader, type TenantWriter } from './ports.js';

export interface TenantReconcilerDeps {
  tenants: TenantReader;
  writer: TenantWriter;
  events: EventRecorder;
  /** In creation order; deletion runs in reverse. */
  clients: readonly ExternalClient[];
  logger: Logger;
  /** Requeue after a successful reconcile, so drift heals without events. @default 5 min */
  pollIntervalMs?: number;
  now?: () => number;
}

export class ExternalCleanupIncompleteError extends Error {
  constructor(readonly remaining: readonly string[]) {
    super(`still present after deletion: ${remaining.join(', ')}`);
    this.name = 'ExternalCleanupIncompleteError';
  }
}

/** A short, stable message from an error: its class and message, never a stack or a request body. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${typeof code === 'string' ? `${code}: ` : ''}${error.message}`.slice(0, 1000);
  }
  return String(error).slice(0, 1000);
}

/**
 * Level-triggered reconcile of one Tenant (CloudNativePG's database controller plus Crossplane's managed
 * reconciler): read from the cache; honour the pause annotation; on deletion remove (Delete) or orphan (Retain)
 * and drop the finalizer; otherwise add the finalizer first, then observe each external system and create or
 * update what differs; write the status only when it changed. Can be killed at any line and run again.
 */
export class TenantReconciler implements Reconciler {
  readonly #now: () => number;

  constructor(private readonly deps: TenantReconcilerDeps) {
    this.#now = deps.now ?? Date.now;
  }

  async reconcile(key: string): Promise<Result> {
    const tenant = this.deps.tenants.get(key);
    if (!tenant) return {};
    const log = this.deps.logger.child({ tenant: key, generation: tenant.metadata.generation });
    try {
      if (isPaused(tenant)) {
        await this.#writeStatus(tenant, [paused()], {});
        log.debug('paused');
        return {};
      }
      if (isBeingDeleted(tenant)) return await this.#finalize(tenant, log);
      return await this.#converge(tenant, log);
    } catch (error) {
      if (error instanceof ConflictError) {
        log.debug('conflict; requeued');
        return { requeueAfterMs: 100 };
      }
      throw error;
    }
  }

  async #finalize(tenant: Tenant, log: Logger): Promise<Result> {
    if (!hasFinalizer(tenant)) return {};
    const clients = [...this.deps.clients].reverse();
    if (tenant.spec.deletionPolicy === 'Delete') {
      for (const client of clients) {
        try {
          await client.delete(tenant);
        } catch (error) {
          this.deps.events.event(tenant, 'Warning', `CannotDelete${client.name}`, errorMessage(error));
          throw error;
        }
      }
      const remaining: string[] = [];
      for (const client of clients) if (await client.exists(tenant)) remaining.push(client.name);
      if (remaining.length > 0) {
        const error = new ExternalCleanupIncompleteError(remaining);
        this.deps.events.event(tenant, 'Warning', 'CleanupIncomplete', error.message);
        throw error;
      }
      this.deps.events.event(tenant, 'Normal', 'Deleted', 'deleted the schema, role, indices, template, aliases, queue and registry row');
      log.info({ policy: 'Delete' }, 'external resources deleted and verified gone');
    } else {
      for (const client of clients) await client.retain?.(tenant);
      this.deps.events.event(tenant, 'Normal', 'Retained', 'kept the schema, indices and queue; the registry row is suspended');
      log.info({ policy: 'Retain' }, 'external resources retained');
    }
    await this.deps.writer.removeFinalizer(tenant);
    return {};
  }

  async #converge(initial: Tenant, log: Logger): Promise<Result> {
    let tenant = initial;
    if (!hasFinalizer(tenant)) tenant = await this.deps.writer.addFinalizer(tenant);
    const conditions: DesiredCondition[] = [];
    const status: Partial<TenantStatus> = {};
    const failures: string[] = [];
    let allReady = true;
    for (const client of this.deps.clients) {
      let outcome: Outcome;
      try {
        outcome = await client.ensure(tenant);
      } catch (error) {
        const message = errorMessage(error);
        failures.push(`${client.name}: ${message}`);
        conditions.push(condition(client.condition, 'False', Reasons.ReconcileError, message));
        this.deps.events.event(tenant, 'Warning', `CannotReconcile${client.name}`, message);
        log.warn({ client: client.name, err: error }, 'reconcile failed');
        allReady = false;
        continue;
      }
      if (outcome.action !== 'none') {
        const verb = outcome.action === 'created' ? 'Created' : 'Updated';
        this.deps.events.event(tenant, 'Normal', `${verb}${client.name}`, outcome.actionDetail ?? `${verb.toLowerCase()} the tenant's ${client.name.toLowerCase()} resources`);
        log.info({ client: client.name, action: outcome.action }, 'converged');
      }
      Object.assign(status, outcome.status ?? {});
      if (outcome.ready ?? true) conditions.push({ ...available(client.condition, outcome.message ?? ''), reason: outcome.reason ?? Reasons.Available });
      else {
        allReady = false;
        conditions.push(condition(client.condition, 'False', outcome.reason ?? Reasons.Unavailable, outcome.message ?? ''));
      }
    }
    conditions.push(allReady ? available('Ready') : condition('Ready', 'False', Reasons.Unavailable, 'not every part of the tenant is ready'));
    conditions.push(failures.length === 0 ? synced() : syncError(failures.join('; ')));
    await this.#writeStatus(tenant, conditions, status);
    if (failures.length > 0) throw new Error(`reconcile of ${tenant.metadata.name} failed: ${failures.join('; ')}`);
    return { requeueAfterMs: this.deps.pollIntervalMs ?? 300_000 };
  }

  async #writeStatus(tenant: Tenant, desired: DesiredCondition[], parts: Partial<TenantStatus>): Promise<void> {
    const generation = tenant.metadata.generation;
    const conditions: Condition[] = mergeConditions(tenant.status?.conditions, desired, generation, this.#now());
    const next: TenantStatus = {
      ...(tenant.status ?? {}),
      ...parts,
      ...(generation === undefined ? {} : { observedGeneration: generation }),
      conditions,
    };
    if (!statusChanged(tenant.status, next)) return;
    await this.deps.writer.applyStatus(tenant, next);
  }
}
