import { loadConfig, type SettingsSpec } from '@vigilo/platform';

/** Every setting of the search service. docs/config/search.md is generated from (and tested against) this table. */
export const SEARCH_SETTINGS = {
  port: { env: 'VIGILO_SEARCH_PORT', kind: 'integer', default: 8084, minimum: 0, maximum: 65535, description: 'TCP port of the HTTP server (0 picks a free port).' },
  host: { env: 'VIGILO_SEARCH_HOST', kind: 'string', default: '0.0.0.0', description: 'Address the HTTP server binds to.' },
  databaseUrl: { env: 'VIGILO_DATABASE_URL', kind: 'string', secret: true, description: 'PostgreSQL connection string: the tenant registry, and the fallback read path.' },
  databasePoolMax: { env: 'VIGILO_DATABASE_POOL_MAX', kind: 'integer', default: 10, minimum: 1, maximum: 200, description: 'Maximum connections in the pool.' },
  fallbackTimeoutMs: { env: 'VIGILO_SEARCH_FALLBACK_TIMEOUT', kind: 'duration', default: '10s', minimumMs: 100, description: 'Latency budget of one SQL statement on the fallback path (statement_timeout); above it the request fails with 503.' },
  engine: { env: 'VIGILO_ENGINE', kind: 'string', default: 'elasticsearch', enum: ['elasticsearch', 'opensearch'], description: 'Which search engine adapter to use.' },
  engineUrl: { env: 'VIGILO_ENGINE_URL', kind: 'string', secret: true, description: 'URL of the search engine (may carry credentials). Unset: every answer comes from SQL, marked degraded (local mode without an engine).' },
  engineRequestTimeoutMs: { env: 'VIGILO_ENGINE_REQUEST_TIMEOUT', kind: 'duration', default: '2s', description: 'Timeout of one engine request; a timeout counts as an engine failure and the request is answered from SQL.' },
  breakerErrorPercentage: { env: 'VIGILO_SEARCH_BREAKER_ERROR_PERCENTAGE', kind: 'integer', default: 50, minimum: 1, maximum: 100, description: 'The circuit opens when this share of engine calls in the rolling window failed or timed out.' },
  breakerVolumeThreshold: { env: 'VIGILO_SEARCH_BREAKER_VOLUME', kind: 'integer', default: 5, minimum: 1, description: 'Engine calls needed in the rolling window before the circuit may open.' },
  breakerWindowMs: { env: 'VIGILO_SEARCH_BREAKER_WINDOW', kind: 'duration', default: '10s', minimumMs: 100, description: 'Length of the rolling window of engine outcomes.' },
  breakerResetMs: { env: 'VIGILO_SEARCH_BREAKER_RESET', kind: 'duration', default: '5s', minimumMs: 10, description: 'How long the circuit stays open before one half-open probe goes to the engine.' },
  maxLimit: { env: 'VIGILO_SEARCH_MAX_LIMIT', kind: 'integer', default: 1000, minimum: 1, maximum: 10000, description: 'Largest `limit` (openFDA: 1000).' },
  maxSkip: { env: 'VIGILO_SEARCH_MAX_SKIP', kind: 'integer', default: 25000, minimum: 0, maximum: 100000, description: 'Largest `skip`; deeper pages use the `search_after` cursor of the `Link` header (openFDA: 25000).' },
  signalDrugCandidates: { env: 'VIGILO_SEARCH_SIGNAL_DRUG_CANDIDATES', kind: 'integer', default: 500, minimum: 1, maximum: 10000, description: 'Top pairs of /signals are looked for among this many drugs with most reports.' },
  tenantCacheTtlMs: { env: 'VIGILO_SEARCH_TENANT_CACHE_TTL', kind: 'duration', default: '5s', description: 'How long a tenant registry lookup is cached.' },
  logLevel: { env: 'VIGILO_LOG_LEVEL', kind: 'string', default: 'info', enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], description: 'Minimum level of JSON log lines.' },
  shutdownGraceMs: { env: 'VIGILO_SEARCH_SHUTDOWN_GRACE', kind: 'duration', default: '25s', description: 'How long in-flight requests may finish after SIGTERM.' },
} as const satisfies SettingsSpec;

export function loadSearchConfig(env: NodeJS.ProcessEnv) {
  return loadConfig(SEARCH_SETTINGS, env, { strictPrefixes: ['VIGILO_SEARCH_'] });
}
export type SearchConfig = ReturnType<typeof loadSearchConfig>;
