import type { Logger, Registry } from '@vigilo/platform';
import type { Pool } from '@vigilo/postgres';
import type { Tenant } from './api/v1alpha1/tenant.js';
import type { EventRecorder, TenantWriter } from './controllers/tenant/ports.js';
import { TenantReconciler } from './controllers/tenant/reconciler.js';
import type { ExternalClient } from './external/ports.js';
import { RegistryListener } from './external/registry.js';
import { controllerMetrics } from './metrics.js';
import { Controller } from './runtime/controller.js';
import { Informer, type ListWatch } from './runtime/informer.js';

export interface TenantOperatorDeps {
  listWatch: ListWatch<Tenant>;
  writer: TenantWriter;
  events: EventRecorder;
  clients: readonly ExternalClient[];
  logger: Logger;
  registry?: Registry;
  /** Registry changes made outside the operator are reconciled at once when given (LISTEN/NOTIFY). */
  pool?: Pool;
  workers?: number;
  pollIntervalMs?: number;
  resyncPeriodMs?: number;
  retry?: { baseDelayMs?: number; maxDelayMs?: number; qps?: number; burst?: number };
}

/**
 * The Tenant controller, wired: informer → work queue → reconcilers, plus the registry listener. The same
 * object runs against the apiserver and in local mode; only `listWatch`, `writer` and `events` differ.
 */
export class TenantOperator {
  readonly informer: Informer<Tenant>;
  readonly controller: Controller;
  readonly #listener: RegistryListener | undefined;
  readonly #metrics: ReturnType<typeof controllerMetrics> | undefined;
  #running = false;
  #stopped = false;

  constructor(private readonly deps: TenantOperatorDeps) {
    const log = deps.logger;
    const workers = deps.workers ?? 4;
    this.#metrics = deps.registry ? controllerMetrics(deps.registry, 'tenant', workers) : undefined;
    this.informer = new Informer<Tenant>(
      deps.listWatch,
      { onChange: (key) => this.#running && this.controller.enqueue(key) },
      {
        onError: (error, phase) => log.warn({ err: error, phase }, 'tenant watch failed; retrying'),
        onRelist: (reason) => log.info({ reason }, 'listing tenants'),
      },
    );
    const reconciler = new TenantReconciler({
      tenants: { get: (name) => this.informer.get(name) },
      writer: deps.writer,
      events: deps.events,
      clients: deps.clients,
      logger: log,
      ...(deps.pollIntervalMs === undefined ? {} : { pollIntervalMs: deps.pollIntervalMs }),
    });
    this.controller = new Controller({
      name: 'tenant',
      reconciler,
      maxConcurrentReconciles: workers,
      keys: () => this.informer.keys(),
      ...(deps.resyncPeriodMs === undefined ? {} : { resyncPeriodMs: deps.resyncPeriodMs }),
      ...(deps.retry ? { queue: deps.retry } : {}),
      ...(this.#metrics ? { observer: this.#metrics } : {}),
      onError: (key, error) => log.warn({ tenant: key, err: error }, 'reconcile failed; retrying with backoff'),
    });
    this.#listener = deps.pool
      ? new RegistryListener({
          pool: deps.pool,
          onChange: (tenant) => {
            if (this.#running && this.informer.get(tenant)) this.controller.enqueue(tenant);
          },
          onError: (error) => log.warn({ err: error }, 'registry LISTEN connection lost; reconnecting'),
        })
      : undefined;
  }

  /** Starts watching and, once the cache is synced, reconciling. */
  async start(): Promise<void> {
    this.informer.start();
    await this.informer.waitForSync();
    if (this.#stopped) return;
    this.#running = true;
    this.#metrics?.leader.set({ controller: 'tenant' }, 1);
    this.controller.start();
    await this.#listener?.start();
    this.deps.logger.info({ tenants: this.informer.keys().length }, 'tenant controller started');
  }

  /** Stops taking work, waits for the reconciles in flight, stops watching. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#running = false;
    this.#metrics?.leader.set({ controller: 'tenant' }, 0);
    await this.#listener?.stop();
    await this.controller.stop();
    this.informer.stop();
  }
}
