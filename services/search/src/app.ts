import type { TenantDirectory } from '@vigilo/domain';
import { Counter, Gauge, type HttpMetrics, type Logger, type ReadinessCheck, createHttpApp, type Express } from '@vigilo/platform';
import type { EngineFirstReadPath } from './core/readPath.js';
import type { SearchService } from './core/service.js';
import { mountSearchRoutes, type SearchRouteOptions } from './http/routes.js';

export interface SearchAppDeps {
  logger: Logger;
  metrics: HttpMetrics;
  service: SearchService;
  readPath: EngineFirstReadPath;
  tenants: TenantDirectory;
  readiness: readonly ReadinessCheck[];
  isAccepting?: () => boolean;
  options: SearchRouteOptions;
}

/** Metrics of the read path: answers served from SQL by reason, and the circuit's state. */
export function searchMetrics(registry: HttpMetrics['registry']) {
  const fallbacks = new Counter({
    name: 'vigilo_search_fallbacks_total',
    help: 'Reads answered from PostgreSQL instead of the search engine, by operation and reason.',
    labelNames: ['operation', 'reason'] as const,
    registers: [registry],
  });
  const breakerOpen = new Gauge({
    name: 'vigilo_search_breaker_open',
    help: '1 while the circuit around the search engine is open or half-open, else 0.',
    registers: [registry],
  });
  return { fallbacks, breakerOpen };
}

/** The search HTTP app without listen(), so tests can run it on any port. */
export function createSearchApp(deps: SearchAppDeps): Express {
  return createHttpApp({
    logger: deps.logger,
    metrics: deps.metrics,
    readiness: deps.readiness,
    ...(deps.isAccepting ? { isAccepting: deps.isAccepting } : {}),
    routes: (app) => mountSearchRoutes(app, deps.service, deps.tenants, deps.logger, deps.options),
  });
}
