import { createMetrics, shutdownOnSignals, startServer, loadServiceConfig } from '@vigilo/platform';
import { PostgresTenantDirectory, createPool } from '@vigilo/postgres';
import { type SearchIndex, createElasticsearchSearchIndex, createOpenSearchSearchIndex } from '@vigilo/search-engine';
import { createSearchApp, searchMetrics } from './app.js';
import { SEARCH_SETTINGS, loadSearchConfig } from './config.js';
import { EngineSignalCounts } from './core/engineSignals.js';
import { EngineFirstReadPath } from './core/readPath.js';
import { EngineReportReader, SqlReportReader } from './core/reports.js';
import { SearchService } from './core/service.js';
import { SqlSignalCounts } from './core/sqlSignals.js';

/** Composition root: config → adapters → app → listen → graceful shutdown. */
export async function main(stopTelemetry: () => Promise<void>): Promise<void> {
  const { config, logger } = loadServiceConfig({ name: 'search', settings: SEARCH_SETTINGS, load: loadSearchConfig, required: ['databaseUrl'] });
  const pool = createPool({
    connectionString: config.databaseUrl,
    max: config.databasePoolMax,
    statementTimeoutMs: config.fallbackTimeoutMs,
    applicationName: 'vigilo-search',
  });
  // No client-side retries: a failed engine call is answered from SQL at once, and counts towards the circuit.
  const engine: SearchIndex | undefined = !config.engineUrl
    ? undefined
    : config.engine === 'opensearch'
      ? createOpenSearchSearchIndex({ node: config.engineUrl, requestTimeoutMs: config.engineRequestTimeoutMs, maxRetries: 0 })
      : createElasticsearchSearchIndex({ node: config.engineUrl, requestTimeoutMs: config.engineRequestTimeoutMs, maxRetries: 0 });
  const metrics = createMetrics('search');
  const { fallbacks, breakerOpen } = searchMetrics(metrics.registry);
  const readPath = new EngineFirstReadPath(
    engine !== undefined,
    {
      timeoutMs: config.engineRequestTimeoutMs,
      errorThresholdPercentage: config.breakerErrorPercentage,
      volumeThreshold: config.breakerVolumeThreshold,
      rollingWindowMs: config.breakerWindowMs,
      resetTimeoutMs: config.breakerResetMs,
    },
    {
      onFallback: (reason, operation) => fallbacks.inc({ reason, operation }),
      onStateChange: (state) => {
        breakerOpen.set(state === 'closed' ? 0 : 1);
        logger.warn({ state }, 'search engine circuit changed state');
      },
    },
  );
  if (!engine) logger.warn('no search engine configured: every answer comes from PostgreSQL, marked degraded');
  const service = new SearchService({
    readPath,
    engine: engine ? { reports: new EngineReportReader(engine), signals: new EngineSignalCounts(engine) } : undefined,
    sql: { reports: new SqlReportReader(pool), signals: new SqlSignalCounts(pool) },
  });
  let accepting = true;
  const app = createSearchApp({
    logger,
    metrics,
    service,
    readPath,
    tenants: new PostgresTenantDirectory({ pool, ttlMs: config.tenantCacheTtlMs }),
    // The engine is deliberately not a readiness check: without it the service still answers, from SQL.
    readiness: [{ name: 'postgres', check: async () => void (await pool.query('SELECT 1')) }],
    isAccepting: () => accepting,
    options: { maxLimit: config.maxLimit, maxSkip: config.maxSkip, signalDrugCandidates: config.signalDrugCandidates },
  });
  const running = await startServer({
    app,
    logger,
    port: config.port,
    host: config.host,
    shutdownGraceMs: config.shutdownGraceMs,
    setAccepting: (value) => {
      accepting = value;
    },
    cleanups: [async () => readPath.shutdown(), async () => engine?.close(), () => pool.end(), stopTelemetry],
  });
  shutdownOnSignals(running, logger);
}

