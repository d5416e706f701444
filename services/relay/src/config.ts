import { loadConfig, type SettingsSpec } from '@vigilo/platform';

/** Every setting of the relay. docs/config/relay.md is generated from (and tested against) this table. */
export const RELAY_SETTINGS = {
  port: { env: 'VIGILO_RELAY_PORT', kind: 'integer', default: 8083, minimum: 0, maximum: 65535, description: 'TCP port of /healthz, /readyz and /metrics (0 picks a free port).' },
  host: { env: 'VIGILO_RELAY_HOST', kind: 'string', default: '0.0.0.0', description: 'Address the HTTP server binds to.' },
  databaseUrl: { env: 'VIGILO_DATABASE_URL', kind: 'string', secret: true, description: 'PostgreSQL connection string of the source of truth.' },
  databasePoolMax: { env: 'VIGILO_DATABASE_POOL_MAX', kind: 'integer', default: 10, minimum: 1, maximum: 200, description: 'Maximum connections in the pool (at least 2 with VIGILO_RELAY_LISTEN, 3 with it and the postgres backend: each LISTEN holds one).' },
  backend: { env: 'VIGILO_RELAY_QUEUE_BACKEND', kind: 'string', default: 'cloud-tasks', enum: ['cloud-tasks', 'postgres'], description: 'Queue adapter: Google Cloud Tasks, or the PostgreSQL queue of the local mode (dispatched by this process).' },
  targetUrl: { env: 'VIGILO_RELAY_TARGET_URL', kind: 'string', description: "The indexer's task endpoint, e.g. https://indexer/v1/tasks/index." },
  project: { env: 'VIGILO_RELAY_CLOUD_TASKS_PROJECT', kind: 'string', default: 'vigilo-local', description: 'Google Cloud project of the queues.' },
  location: { env: 'VIGILO_RELAY_CLOUD_TASKS_LOCATION', kind: 'string', default: 'europe-west1', description: 'Cloud Tasks location of the queues.' },
  emulatorEndpoint: { env: 'VIGILO_RELAY_CLOUD_TASKS_EMULATOR', kind: 'string', pattern: '^[A-Za-z0-9.-]+:[0-9]+$', description: 'host:port of a Cloud Tasks emulator (plain gRPC, no credentials); unset in production.' },
  oidcServiceAccount: { env: 'VIGILO_RELAY_OIDC_SERVICE_ACCOUNT', kind: 'string', description: 'Service account whose OIDC token Cloud Tasks attaches to each dispatch.' },
  oidcAudience: { env: 'VIGILO_RELAY_OIDC_AUDIENCE', kind: 'string', description: 'Audience of those tokens (default: the target URL).' },
  sharedSecret: { env: 'VIGILO_RELAY_SHARED_SECRET', kind: 'string', secret: true, description: 'Bearer secret the PostgreSQL queue sends to the indexer (backend postgres).' },
  pollIntervalMs: { env: 'VIGILO_RELAY_POLL_INTERVAL', kind: 'duration', default: '1s', minimumMs: 10, description: 'Sweep of every tenant behind LISTEN/NOTIFY (the safety net), and the only trigger without VIGILO_RELAY_LISTEN.' },
  listen: { env: 'VIGILO_RELAY_LISTEN', kind: 'boolean', default: true, description: 'Wake on NOTIFY from the outbox (and, with the postgres backend, from the task queue), each holding a connection; false: poll every VIGILO_RELAY_POLL_INTERVAL (the embedded PGlite, which serves one connection at a time).' },
  lockRows: { env: 'VIGILO_RELAY_LOCK_ROWS', kind: 'boolean', default: true, description: 'Keep claimed outbox rows locked (FOR UPDATE SKIP LOCKED) while their tasks are enqueued, so replicas share the work; false: read, enqueue and mark in separate transactions, for one relay on the embedded PGlite (where an open transaction blocks every other connection). Deterministic task names make a second enqueue harmless either way.' },
  enqueueConcurrency: { env: 'VIGILO_RELAY_ENQUEUE_CONCURRENCY', kind: 'integer', default: 64, minimum: 1, maximum: 1000, description: 'Tasks of one outbox batch handed to the queue at once (each is one CreateTask call to Cloud Tasks).' },
  batchSize: { env: 'VIGILO_RELAY_BATCH_SIZE', kind: 'integer', default: 200, minimum: 1, maximum: 5000, description: 'Outbox rows claimed per transaction.' },
  engine: { env: 'VIGILO_ENGINE', kind: 'string', default: 'elasticsearch', enum: ['elasticsearch', 'opensearch'], description: 'Search engine kind, for the periodic anti-entropy check.' },
  engineUrl: { env: 'VIGILO_ENGINE_URL', kind: 'string', secret: true, description: 'Search engine URL; when set, the relay runs the anti-entropy check periodically and repairs what differs.' },
  antiEntropyIntervalMs: { env: 'VIGILO_RELAY_ANTI_ENTROPY_INTERVAL', kind: 'duration', default: '15m', minimumMs: 1000, description: 'How often every active tenant is compared with the engine (needs VIGILO_ENGINE_URL).' },
  antiEntropyGraceMs: { env: 'VIGILO_RELAY_ANTI_ENTROPY_GRACE', kind: 'duration', default: '2m', description: 'A difference is repaired only when it was already there one grace period earlier (in-flight work is not a difference).' },
  logLevel: { env: 'VIGILO_LOG_LEVEL', kind: 'string', default: 'info', enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], description: 'Minimum level of JSON log lines.' },
} as const satisfies SettingsSpec;

export function loadRelayConfig(env: NodeJS.ProcessEnv) {
  return loadConfig(RELAY_SETTINGS, env, { strictPrefixes: ['VIGILO_RELAY_'] });
}
