#!/usr/bin/env node
import { isTenantId } from '@vigilo/domain';
import { createLogger, createMetrics, redactConfig, shutdownOnSignals, startServer, startTelemetry } from '@vigilo/platform';
import { PostgresReportStore, PostgresTenantDirectory, createPool, listTenants, migratePlatform } from '@vigilo/postgres';
import { createIngestApp } from './app.js';
import { INGEST_SETTINGS, loadIngestConfig } from './config.js';

/** Composition root: config → adapters → app → listen → graceful shutdown. */
async function main(): Promise<void> {
  const stopTelemetry = startTelemetry('vigilo-ingest');
  let config;
  try {
    config = loadIngestConfig(process.env);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(78); // EX_CONFIG
  }
  const logger = createLogger({ name: 'ingest', level: config.logLevel });
  logger.info({ config: redactConfig(INGEST_SETTINGS, config) }, 'starting');
  if (!config.databaseUrl) {
    logger.fatal('VIGILO_DATABASE_URL is required');
    process.exit(78);
  }
  const pool = createPool({
    connectionString: config.databaseUrl,
    max: config.databasePoolMax,
    statementTimeoutMs: config.databaseStatementTimeoutMs,
    applicationName: 'vigilo-ingest',
  });
  if (config.migrateOnStart) await migratePlatform(pool);
  const store = new PostgresReportStore({ pool, useCopy: config.databaseUseCopy });
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
    options: { maxReportBytes: config.maxReportBytes, maxBulkLines: config.maxBulkLines, bulkBatchSize: config.bulkBatchSize },
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
    cleanups: [() => pool.end(), stopTelemetry],
  });
  shutdownOnSignals(running, logger);
}

main().catch((error: unknown) => {
  process.stderr.write(`ingest failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
