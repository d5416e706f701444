import { loadConfig, type SettingsSpec } from '@vigilo/platform';

/** Every setting of the ingest service. docs/config/ingest.md is generated from (and tested against) this table. */
export const INGEST_SETTINGS = {
  port: { env: 'VIGILO_INGEST_PORT', kind: 'integer', default: 8081, minimum: 0, maximum: 65535, description: 'TCP port of the HTTP server (0 picks a free port).' },
  host: { env: 'VIGILO_INGEST_HOST', kind: 'string', default: '0.0.0.0', description: 'Address the HTTP server binds to.' },
  databaseUrl: { env: 'VIGILO_DATABASE_URL', kind: 'string', secret: true, description: 'PostgreSQL connection string of the source of truth.' },
  databasePoolMax: { env: 'VIGILO_DATABASE_POOL_MAX', kind: 'integer', default: 10, minimum: 1, maximum: 200, description: 'Maximum connections in the pool.' },
  databaseStatementTimeoutMs: { env: 'VIGILO_DATABASE_STATEMENT_TIMEOUT', kind: 'duration', default: '30s', minimumMs: 100, description: 'Server-side limit for one SQL statement.' },
  databaseUseCopy: { env: 'VIGILO_DATABASE_USE_COPY', kind: 'boolean', default: true, description: 'Load bulk batches with COPY (false for the embedded PostgreSQL, which has no COPY FROM STDIN).' },
  migrateOnStart: { env: 'VIGILO_INGEST_MIGRATE_ON_START', kind: 'boolean', default: false, description: 'Create or upgrade the platform schema at start-up (local mode; in clusters the operator migrates).' },
  logLevel: { env: 'VIGILO_LOG_LEVEL', kind: 'string', default: 'info', enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], description: 'Minimum level of JSON log lines.' },
  maxReportBytes: { env: 'VIGILO_INGEST_MAX_REPORT_SIZE', kind: 'size', default: '1mb', minimumBytes: 1024, description: 'Largest accepted single report body, and largest line of a bulk body (413 above).' },
  maxBulkLines: { env: 'VIGILO_INGEST_MAX_BULK_LINES', kind: 'integer', default: 1000000, minimum: 1, description: 'Most lines accepted in one bulk request; later lines are answered with VIG_INGEST_BULK_TOO_MANY_LINES.' },
  bulkBatchSize: { env: 'VIGILO_INGEST_BULK_BATCH_SIZE', kind: 'integer', default: 1000, minimum: 1, maximum: 10000, description: 'Bulk lines committed per transaction.' },
  prepareThreads: { env: 'VIGILO_INGEST_PREPARE_THREADS', kind: 'integer', default: 1, minimum: 0, maximum: 64, description: 'Worker threads that parse, validate and hash bulk lines while the main thread streams and stores (0: on the main thread).' },
  tenantCacheTtlMs: { env: 'VIGILO_INGEST_TENANT_CACHE_TTL', kind: 'duration', default: '5s', description: 'How long a tenant registry lookup is cached.' },
  requestTimeoutMs: { env: 'VIGILO_INGEST_REQUEST_TIMEOUT', kind: 'duration', default: '10m', minimumMs: 1000, description: 'Longest a request (a large bulk upload) may take.' },
  shutdownGraceMs: { env: 'VIGILO_INGEST_SHUTDOWN_GRACE', kind: 'duration', default: '25s', description: 'How long in-flight requests may finish after SIGTERM.' },
} as const satisfies SettingsSpec;

export type IngestConfig = ReturnType<typeof loadIngestConfig>;

export function loadIngestConfig(env: NodeJS.ProcessEnv) {
  const config = loadConfig(INGEST_SETTINGS, env, { strictPrefixes: ['VIGILO_INGEST_'] });
  return config;
}
