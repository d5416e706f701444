import type { ReportStore, TenantDirectory, TenantId } from '@vigilo/domain';
import { Counter, Gauge, type HttpMetrics, type Logger, type ReadinessCheck, createHttpApp, type Express } from '@vigilo/platform';
import { IngestService } from './core/ingest.js';
import { mountIngestRoutes, type RouteOptions } from './http/routes.js';

export interface IngestAppDeps {
  logger: Logger;
  metrics: HttpMetrics;
  store: ReportStore;
  tenants: TenantDirectory;
  readiness: readonly ReadinessCheck[];
  /** Pending outbox rows per tenant, sampled when /metrics is scraped. */
  outboxDepth?: () => Promise<ReadonlyArray<{ tenant: string; pending: number }>>;
  isAccepting?: () => boolean;
  options: RouteOptions;
}

/** The ingest HTTP app without listen(), so tests can run it on any port. */
export function createIngestApp(deps: IngestAppDeps): Express {
  const reports = new Counter({
    name: 'vigilo_reports_total',
    help: 'Report versions offered to ingest, by tenant and outcome (created, unchanged, rejected).',
    labelNames: ['tenant', 'outcome'] as const,
    registers: [deps.metrics.registry],
  });
  if (deps.outboxDepth) {
    const sample = deps.outboxDepth;
    new Gauge({
      name: 'vigilo_outbox_pending',
      help: 'Outbox rows not yet dispatched to the queue, by tenant.',
      labelNames: ['tenant'] as const,
      registers: [deps.metrics.registry],
      async collect() {
        try {
          for (const { tenant, pending } of await sample()) this.set({ tenant }, pending);
        } catch (error) {
          deps.logger.warn({ err: error }, 'could not sample outbox depth');
        }
      },
    });
  }
  const service = new IngestService({
    store: deps.store,
    tenants: deps.tenants,
    metrics: { count: (tenant: TenantId, outcome, n = 1) => reports.inc({ tenant, outcome }, n) },
  });
  return createHttpApp({
    logger: deps.logger,
    metrics: deps.metrics,
    readiness: deps.readiness,
    ...(deps.isAccepting ? { isAccepting: deps.isAccepting } : {}),
    routes: (app) => mountIngestRoutes(app, service, deps.options),
  });
}
