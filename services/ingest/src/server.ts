import { isTenantId } from '@vigilo/domain';
import { createMetrics, shutdownOnSignals, startServer, loadServiceConfig } from '@vigilo/platform';
import { PostgresReportStore, PostgresTenantDirectory, createPool, listTenants, migratePlatform } from '@vigilo/postgres';
import { createIngestApp } from './app.js';
import { createLinePreparer } from './core/linePreparer.js';
import { INGEST_SETTINGS, loadIngestConfig } from './config.js';

/** Composition root: config → adapters → app → listen → graceful shutdown. */
export async function main(stopTelemetry: () => Promise<void>): Promise<void> {
  const { config, logger } = loadServiceConfig({ name: 'ingest', settings: INGEST_SETTINGS, load: loadIngestConfig, required: ['databaseUrl'] });
  const pool = createPool({
    connectionString: config.databaseUrl,
    max: config.databasePoolMax,
    statementTimeoutMs: config.databaseStatementTimeoutMs,
    applicationName: 'vigilo-ingest',
  });
  if (config.migrateOnStart) await migratePlatform(pool);
  const store = new PostgresReportStore({ pool, useCopy: config.databaseUseCopy });
  const preparer = createLinePreparer(config.prepareThreads, (error) => logger.error({ err: error }, 'a validation worker stopped; replaced'));
  let accepting = true;
  const app = createIngestApp({
    logger,
    metrics: createMetrics('ingest'),
    store,
    tenants: new PostgresTenantDirectory({ pool, ttlMs: config.tenantCacheTtlMs }),
    readiness: [{ name: 'postgres', check: async () => void (await pool.query('SELECT 1')) }],
    outboxDepth: async () => {
      const tenants = (await listTenants(pool)).filter((t) => t.status === 'active' && isTenantId(t.id));
      return Promise.all(tenants.map(async (t) => ({ tenant: t.id, pending: await store.outboxDepth(t.id) })));
    },
    isAccepting: () => accepting,
    options: { maxReportBytes: config.maxReportBytes, maxBulkLines: config.maxBulkLines, bulkBatchSize: config.bulkBatchSize, preparer },
  });
  const running = await startServer({
    app,
    logger,
    port: config.port,
    host: config.host,
    shutdownGraceMs: config.shutdownGraceMs,
    requestTimeoutMs: config.requestTimeoutMs,
    setAccepting: (value) => {
      accepting = value;
    },
    cleanups: [() => preparer.close(), () => pool.end(), stopTelemetry],
  });
  shutdownOnSignals(running, logger);
}

