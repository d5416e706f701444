import { loadConfig, type SettingsSpec } from '@vigilo/platform';

/** Every setting of the operator. docs/config/operator.md is generated from (and tested against) this table. */
export const OPERATOR_SETTINGS = {
  port: { env: 'VIGILO_OPERATOR_PORT', kind: 'integer', default: 8085, minimum: 0, maximum: 65535, description: 'TCP port of /healthz, /readyz and /metrics (0 picks a free port).' },
  host: { env: 'VIGILO_OPERATOR_HOST', kind: 'string', default: '0.0.0.0', description: 'Address the HTTP server binds to.' },
  mode: { env: 'VIGILO_OPERATOR_MODE', kind: 'string', default: 'kubernetes', enum: ['kubernetes', 'local'], description: 'Where Tenants come from: the apiserver, or the manifests in VIGILO_OPERATOR_TENANTS_DIR (local mode, no cluster).' },
  kubeconfig: { env: 'VIGILO_OPERATOR_KUBECONFIG', kind: 'string', description: 'Kubeconfig file; unset: the in-cluster service account, else $KUBECONFIG or ~/.kube/config.' },
  tenantsDir: { env: 'VIGILO_OPERATOR_TENANTS_DIR', kind: 'string', default: 'examples/tenants', description: 'Folder of Tenant manifests (local mode).' },
  tenantsPollIntervalMs: { env: 'VIGILO_OPERATOR_TENANTS_POLL_INTERVAL', kind: 'duration', default: '2s', minimumMs: 100, description: 'How often the folder is read again (local mode).' },
  databaseUrl: { env: 'VIGILO_DATABASE_URL', kind: 'string', secret: true, description: 'PostgreSQL connection string; the role must be able to create schemas and roles.' },
  databasePoolMax: { env: 'VIGILO_DATABASE_POOL_MAX', kind: 'integer', default: 5, minimum: 2, maximum: 100, description: 'Maximum connections in the pool (one more is held for LISTEN).' },
  engine: { env: 'VIGILO_ENGINE', kind: 'string', default: 'elasticsearch', enum: ['elasticsearch', 'opensearch'], description: 'Search engine kind.' },
  engineUrl: { env: 'VIGILO_ENGINE_URL', kind: 'string', secret: true, description: 'Search engine URL. Unset: search indices are not managed (local mode without an engine; no SearchReady condition).' },
  refreshInterval: { env: 'VIGILO_OPERATOR_INDEX_REFRESH_INTERVAL', kind: 'string', default: '1s', pattern: '^(-1|[0-9]+(ms|s|m))$', description: 'index.refresh_interval of tenant indices.' },
  queueBackend: { env: 'VIGILO_OPERATOR_QUEUE_BACKEND', kind: 'string', default: 'cloud-tasks', enum: ['cloud-tasks', 'postgres'], description: 'Queue adapter: Google Cloud Tasks, or the PostgreSQL queue of the local mode.' },
  project: { env: 'VIGILO_OPERATOR_CLOUD_TASKS_PROJECT', kind: 'string', default: 'vigilo-local', description: 'Google Cloud project of the queues.' },
  location: { env: 'VIGILO_OPERATOR_CLOUD_TASKS_LOCATION', kind: 'string', default: 'europe-west1', description: 'Cloud Tasks location of the queues.' },
  emulatorEndpoint: { env: 'VIGILO_OPERATOR_CLOUD_TASKS_EMULATOR', kind: 'string', pattern: '^[A-Za-z0-9.-]+:[0-9]+$', description: 'host:port of a Cloud Tasks emulator (plain gRPC, no credentials); unset in production.' },
  workers: { env: 'VIGILO_OPERATOR_WORKERS', kind: 'integer', default: 4, minimum: 1, maximum: 64, description: 'Tenants reconciled at once.' },
  pollIntervalMs: { env: 'VIGILO_OPERATOR_POLL_INTERVAL', kind: 'duration', default: '5m', minimumMs: 1000, description: 'Each Tenant is reconciled again this long after a success, so drift heals without events.' },
  resyncPeriodMs: { env: 'VIGILO_OPERATOR_RESYNC_PERIOD', kind: 'duration', default: '10m', description: 'Every cached Tenant is queued again this often (plus up to 10 % jitter); 0 disables.' },
  retryBaseDelayMs: { env: 'VIGILO_OPERATOR_RETRY_BASE_DELAY', kind: 'duration', default: '500ms', minimumMs: 1, description: 'First retry delay of a failed reconcile; doubles per consecutive failure.' },
  retryMaxDelayMs: { env: 'VIGILO_OPERATOR_RETRY_MAX_DELAY', kind: 'duration', default: '5m', minimumMs: 1, description: 'Longest retry delay of a failed reconcile.' },
  retryQps: { env: 'VIGILO_OPERATOR_RETRY_QPS', kind: 'integer', default: 10, minimum: 1, maximum: 10000, description: 'Retries per second over all Tenants (token bucket).' },
  retryBurst: { env: 'VIGILO_OPERATOR_RETRY_BURST', kind: 'integer', default: 100, minimum: 1, maximum: 100000, description: 'Retries allowed at once above the retry rate.' },
  leaderElection: { env: 'VIGILO_OPERATOR_LEADER_ELECTION', kind: 'boolean', default: true, description: 'Reconcile only while holding the Lease (kubernetes mode), so replicas can stand by.' },
  leaseNamespace: { env: 'VIGILO_OPERATOR_LEASE_NAMESPACE', kind: 'string', default: 'vigilo-system', description: 'Namespace of the leader-election Lease.' },
  leaseName: { env: 'VIGILO_OPERATOR_LEASE_NAME', kind: 'string', default: 'vigilo-operator', description: 'Name of the leader-election Lease.' },
  leaseDurationMs: { env: 'VIGILO_OPERATOR_LEASE_DURATION', kind: 'duration', default: '15s', minimumMs: 2000, description: 'A Lease not renewed for this long may be taken over by a standby.' },
  renewDeadlineMs: { env: 'VIGILO_OPERATOR_RENEW_DEADLINE', kind: 'duration', default: '10s', minimumMs: 1000, description: 'A leader that could not renew for this long stops and exits.' },
  retryPeriodMs: { env: 'VIGILO_OPERATOR_RETRY_PERIOD', kind: 'duration', default: '2s', minimumMs: 100, description: 'Interval between attempts to acquire or renew the Lease.' },
  identity: { env: 'VIGILO_OPERATOR_IDENTITY', kind: 'string', description: 'Leader-election identity; default: host name and process id.' },
  logLevel: { env: 'VIGILO_LOG_LEVEL', kind: 'string', default: 'info', enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], description: 'Minimum level of JSON log lines.' },
} as const satisfies SettingsSpec;

export type OperatorConfig = ReturnType<typeof loadOperatorConfig>;

export function loadOperatorConfig(env: NodeJS.ProcessEnv) {
  return loadConfig(OPERATOR_SETTINGS, env, { strictPrefixes: ['VIGILO_OPERATOR_'] });
}
