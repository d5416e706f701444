import { loadConfig, type SettingsSpec } from '@vigilo/platform';

/** Every setting of the indexer. docs/config/indexer.md is generated from (and tested against) this table. */
export const INDEXER_SETTINGS = {
  port: { env: 'VIGILO_INDEXER_PORT', kind: 'integer', default: 8082, minimum: 0, maximum: 65535, description: 'TCP port of the HTTP server (0 picks a free port).' },
  host: { env: 'VIGILO_INDEXER_HOST', kind: 'string', default: '0.0.0.0', description: 'Address the HTTP server binds to.' },
  databaseUrl: { env: 'VIGILO_DATABASE_URL', kind: 'string', secret: true, description: 'PostgreSQL connection string of the source of truth.' },
  databasePoolMax: { env: 'VIGILO_DATABASE_POOL_MAX', kind: 'integer', default: 10, minimum: 1, maximum: 200, description: 'Maximum connections in the pool.' },
  engine: { env: 'VIGILO_ENGINE', kind: 'string', default: 'elasticsearch', enum: ['elasticsearch', 'opensearch'], description: 'Which search engine adapter to use.' },
  engineUrl: { env: 'VIGILO_ENGINE_URL', kind: 'string', secret: true, description: 'URL of the search engine (may carry credentials).' },
  engineRequestTimeoutMs: { env: 'VIGILO_ENGINE_REQUEST_TIMEOUT', kind: 'duration', default: '30s', description: 'Timeout of one engine request.' },
  authMode: { env: 'VIGILO_INDEXER_AUTH_MODE', kind: 'string', default: 'oidc', enum: ['oidc', 'shared-secret'], description: 'How task deliveries are authenticated: OIDC tokens from Cloud Tasks (production) or a shared secret (local mode).' },
  sharedSecret: { env: 'VIGILO_INDEXER_SHARED_SECRET', kind: 'string', secret: true, description: 'Bearer secret the local queue sends (auth mode shared-secret); at least 32 characters.' },
  oidcIssuer: { env: 'VIGILO_INDEXER_OIDC_ISSUER', kind: 'string', default: 'https://accounts.google.com', description: 'Expected `iss` of task tokens; its discovery document gives the JWKS.' },
  oidcAudience: { env: 'VIGILO_INDEXER_OIDC_AUDIENCE', kind: 'string', description: 'Expected `aud` of task tokens (the audience set on the tasks).' },
  oidcServiceAccount: { env: 'VIGILO_INDEXER_OIDC_SERVICE_ACCOUNT', kind: 'string', description: 'Expected `email` of task tokens: the service account the queue signs as.' },
  maxAttempts: { env: 'VIGILO_INDEXER_MAX_ATTEMPTS', kind: 'integer', default: 10, minimum: 1, maximum: 100, description: "The queue's maxAttempts: the delivery with retry count maxAttempts-1 parks failures as dead letters." },
  batchWindowMs: { env: 'VIGILO_INDEXER_BATCH_WINDOW', kind: 'duration', default: '5ms', maximumMs: 1000, description: 'How long a delivery waits for others of its tenant to share one _bulk.' },
  batchMax: { env: 'VIGILO_INDEXER_BATCH_MAX', kind: 'integer', default: 500, minimum: 1, maximum: 5000, description: 'Most documents in one _bulk.' },
  bulksInFlight: { env: 'VIGILO_INDEXER_BULKS_IN_FLIGHT', kind: 'integer', default: 1, minimum: 1, maximum: 64, description: "_bulk requests of one tenant in flight at once; further deliveries wait and share the next one (a busy engine gets fewer, larger bulks)." },
  logLevel: { env: 'VIGILO_LOG_LEVEL', kind: 'string', default: 'info', enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], description: 'Minimum level of JSON log lines.' },
  shutdownGraceMs: { env: 'VIGILO_INDEXER_SHUTDOWN_GRACE', kind: 'duration', default: '25s', description: 'How long in-flight deliveries may finish after SIGTERM.' },
} as const satisfies SettingsSpec;

export function loadIndexerConfig(env: NodeJS.ProcessEnv) {
  return loadConfig(INDEXER_SETTINGS, env, { strictPrefixes: ['VIGILO_INDEXER_'] });
}
export type IndexerConfig = ReturnType<typeof loadIndexerConfig>;
