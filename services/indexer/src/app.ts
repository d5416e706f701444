import { type Express, type HttpMetrics, type Logger, type ReadinessCheck, Counter, Histogram, createHttpApp } from '@vigilo/platform';
import { IndexingService, type IndexingDeps } from './core/indexing.js';
import { mountTaskRoutes, type TaskAuthenticator } from './http/tasks.js';

export interface IndexerAppDeps extends Omit<IndexingDeps, 'metrics'> {
  logger: Logger;
  metrics: HttpMetrics;
  readiness: readonly ReadinessCheck[];
  authenticate: TaskAuthenticator;
  isAccepting?: () => boolean;
}

/** The indexer HTTP app without listen(); returns the service too, for draining on shutdown. */
export function createIndexerApp(deps: IndexerAppDeps): { app: Express; service: IndexingService } {
  const registry = deps.metrics.registry;
  const deliveries = new Counter({ name: 'vigilo_index_tasks_total', help: 'Task deliveries by outcome: indexed, stale, parked (dead letter), retry.', labelNames: ['outcome'] as const, registers: [registry] });
  const bulkSeconds = new Histogram({ name: 'vigilo_index_bulk_duration_seconds', help: 'Latency of one _bulk request.', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [registry] });
  const bulkDocuments = new Histogram({ name: 'vigilo_index_bulk_documents', help: 'Documents per _bulk request.', buckets: [1, 5, 10, 50, 100, 250, 500, 1000], registers: [registry] });
  const freshness = new Histogram({ name: 'vigilo_index_freshness_seconds', help: 'From the SQL commit of a version to the engine acknowledging it.', buckets: [0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30, 60, 300], registers: [registry] });
  const service = new IndexingService({
    reports: deps.reports,
    engine: deps.engine,
    deadLetters: deps.deadLetters,
    maxAttempts: deps.maxAttempts,
    ...(deps.batching ? { batching: deps.batching } : {}),
    metrics: {
      delivered: (outcome) => deliveries.inc({ outcome }),
      bulk: (seconds, documents) => {
        bulkSeconds.observe(seconds);
        bulkDocuments.observe(documents);
      },
      freshness: (seconds) => freshness.observe(Math.max(0, seconds)),
    },
  });
  const app = createHttpApp({
    logger: deps.logger,
    metrics: deps.metrics,
    readiness: deps.readiness,
    ...(deps.isAccepting ? { isAccepting: deps.isAccepting } : {}),
    routes: (a) => mountTaskRoutes(a, { service, authenticate: deps.authenticate }),
  });
  return { app, service };
}
