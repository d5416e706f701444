import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { credentials } from '@grpc/grpc-js';
import { type TenantId, parseTenantId } from '@vigilo/domain';
import { dropTenantSchema, provisionTenant } from '@vigilo/postgres';
import { CloudTasksTaskQueue } from '@vigilo/queue';
import { findDifferences, indexQueueName } from '@vigilo/relay';
import { type SearchIndex, createElasticsearchSearchIndex, createOpenSearchSearchIndex } from '@vigilo/search-engine';
import {
  OutageProxy,
  REPO_ROOT,
  createTestDatabase,
  freePort,
  requireEnv,
  startServiceProcess,
  uniqueTenant,
  until,
  type RunningProcess,
  type TestDatabase,
} from '@vigilo/testkit';

export const run = promisify(execFile);

export const ENGINES = [
  { name: 'Elasticsearch', kind: 'elasticsearch', urlVar: 'VIGILO_TEST_ES_URL', create: (node: string) => createElasticsearchSearchIndex({ node, replicas: 0 }) },
  { name: 'OpenSearch', kind: 'opensearch', urlVar: 'VIGILO_TEST_OPENSEARCH_URL', create: (node: string) => createOpenSearchSearchIndex({ node, replicas: 0 }) },
] as const;
export type EngineTarget = (typeof ENGINES)[number];

export const FAERS_2017Q2 = path.join(REPO_ROOT, 'packages/faers/fixtures/faers_ascii_2017q2.zip');
const CLI = path.join(REPO_ROOT, 'packages/cli/lib/main.js');

export interface WritePathOptions {
  readonly engine?: EngineTarget;
  readonly tenantPrefix: string;
  /** Put a TCP proxy between the indexer and the engine, to cut it off (fault tests). */
  readonly engineProxy?: boolean;
  /** Cloud Tasks queue settings. */
  readonly maxAttempts?: number;
  readonly indexerEnv?: Record<string, string>;
  /** Extra environment of every service process (e.g. OpenTelemetry settings). */
  readonly serviceEnv?: Record<string, string>;
}

/**
 * The whole write path as separate real processes: ingest → PostgreSQL (report, version and outbox in one
 * transaction) → relay → Cloud Tasks emulator (HTTP push with a signed OIDC token) → indexer (verifies the
 * token against the emulator's JWKS, loads the current state, de-identifies) → the engine.
 */
export class WritePath {
  readonly tenant: TenantId;
  readonly target: EngineTarget;
  readonly audience = 'https://indexer.vigilo.test/v1/tasks/index';
  readonly serviceAccount = 'indexer-invoker@vigilo-test.iam.gserviceaccount.com';
  db!: TestDatabase;
  engine!: SearchIndex;
  queue!: CloudTasksTaskQueue;
  proxy: OutageProxy | undefined;
  indexer!: RunningProcess;
  relay!: RunningProcess;
  ingest!: RunningProcess;
  private indexerPort = 0;

  constructor(private readonly options: WritePathOptions) {
    this.tenant = parseTenantId(uniqueTenant(options.tenantPrefix));
    this.target = options.engine ?? ENGINES[0];
  }

  get engineUrl(): string {
    return requireEnv(this.target.urlVar);
  }

  async start(): Promise<this> {
    this.db = await createTestDatabase();
    await provisionTenant(this.db.pool, { id: this.tenant });
    this.engine = this.target.create(this.engineUrl);
    await this.engine.ensureTenant(this.tenant, { replicas: 0 });
    if (this.options.engineProxy) {
      this.proxy = new OutageProxy(new URL(this.engineUrl));
      await this.proxy.start();
    }
    this.indexerPort = await freePort();
    this.indexer = await this.startIndexer();
    const targetUrl = `${this.indexer.url}/v1/tasks/index`;
    const maxAttempts = this.options.maxAttempts ?? 10;
    this.queue = new CloudTasksTaskQueue({
      project: 'vigilo-test',
      location: 'local',
      targetUrl,
      oidc: { serviceAccountEmail: this.serviceAccount, audience: this.audience },
      clientOptions: { servicePath: requireEnv('VIGILO_TEST_CLOUD_TASKS_HOST'), port: Number(requireEnv('VIGILO_TEST_CLOUD_TASKS_PORT')), sslCreds: credentials.createInsecure() },
    });
    // The operator creates queues; here the test does, as the operator would.
    await this.queue.ensureQueue({ name: indexQueueName(this.tenant), maxAttempts, minBackoffMs: 100, maxBackoffMs: 2000 });
    this.relay = await this.startRelay();
    this.ingest = await startServiceProcess('ingest', { VIGILO_DATABASE_URL: this.db.url, VIGILO_INGEST_PORT: '0', VIGILO_INGEST_HOST: '127.0.0.1', ...this.options.serviceEnv });
    return this;
  }

  startIndexer(): Promise<RunningProcess> {
    return startServiceProcess('indexer', {
      VIGILO_DATABASE_URL: this.db.url,
      VIGILO_ENGINE: this.target.kind,
      VIGILO_ENGINE_URL: this.proxy?.url ?? this.engineUrl,
      VIGILO_INDEXER_PORT: String(this.indexerPort),
      VIGILO_INDEXER_HOST: '127.0.0.1',
      VIGILO_INDEXER_AUTH_MODE: 'oidc',
      VIGILO_INDEXER_OIDC_ISSUER: requireEnv('VIGILO_TEST_CLOUD_TASKS_OIDC_ISSUER'),
      VIGILO_INDEXER_OIDC_AUDIENCE: this.audience,
      VIGILO_INDEXER_OIDC_SERVICE_ACCOUNT: this.serviceAccount,
      VIGILO_INDEXER_MAX_ATTEMPTS: String(this.options.maxAttempts ?? 10),
      ...this.options.serviceEnv,
      ...this.options.indexerEnv,
    });
  }

  startRelay(extra: Record<string, string> = {}): Promise<RunningProcess> {
    return startServiceProcess('relay', {
      VIGILO_DATABASE_URL: this.db.url,
      VIGILO_RELAY_PORT: '0',
      VIGILO_RELAY_HOST: '127.0.0.1',
      VIGILO_RELAY_QUEUE_BACKEND: 'cloud-tasks',
      VIGILO_RELAY_TARGET_URL: `http://127.0.0.1:${this.indexerPort}/v1/tasks/index`,
      VIGILO_RELAY_CLOUD_TASKS_PROJECT: 'vigilo-test',
      VIGILO_RELAY_CLOUD_TASKS_LOCATION: 'local',
      VIGILO_RELAY_CLOUD_TASKS_EMULATOR: `${requireEnv('VIGILO_TEST_CLOUD_TASKS_HOST')}:${requireEnv('VIGILO_TEST_CLOUD_TASKS_PORT')}`,
      VIGILO_RELAY_OIDC_SERVICE_ACCOUNT: this.serviceAccount,
      VIGILO_RELAY_OIDC_AUDIENCE: this.audience,
      VIGILO_RELAY_POLL_INTERVAL: '500ms',
      METADATA_SERVER_DETECTION: 'none',
      ...this.options.serviceEnv,
      ...extra,
    });
  }

  /** `vigilo faers import` of a quarter through the ingest service, as an operator would run it. */
  importFaers(zip = FAERS_2017Q2, extra: string[] = []) {
    return run(process.execPath, [CLI, 'faers', 'import', zip, '--tenant', this.tenant, '--ingest-url', this.ingest.url, '--scopes', 'write', ...extra]);
  }

  cli(...args: string[]) {
    return run(process.execPath, [CLI, ...args]);
  }

  /** Polls the anti-entropy comparison until SQL and the engine agree; returns the last differences (empty on success). */
  async converged(what: string) {
    return until(
      async () => {
        await this.engine.refresh(this.tenant);
        return findDifferences({ pool: this.db.pool, engine: this.engine }, this.tenant);
      },
      (d) => d.length === 0,
      what,
    );
  }

  postJson(pathname: string, body: unknown, contentType = 'application/json') {
    return fetch(`${this.ingest.url}${pathname}`, {
      method: 'POST',
      headers: { 'content-type': contentType, 'x-vigilo-tenant': this.tenant, 'x-vigilo-scopes': 'write' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  }

  async stop(): Promise<void> {
    for (const p of [this.ingest, this.relay, this.indexer]) await p?.stop();
    await this.proxy?.stop();
    await this.queue?.close();
    await this.engine?.dropTenant(this.tenant);
    await this.engine?.close();
    if (this.db) {
      await dropTenantSchema(this.db.pool, this.tenant);
      await this.db.drop();
    }
  }
}
