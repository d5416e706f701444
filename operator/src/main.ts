#!/usr/bin/env node
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { credentials } from '@grpc/grpc-js';
import { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import { Client as OpenSearchClient } from '@opensearch-project/opensearch';
import { KubeConfig } from '@kubernetes/client-node';
import { createHttpApp, createMetrics, shutdownOnSignals, startServer, startTelemetry, loadServiceConfig } from '@vigilo/platform';
import { createPool } from '@vigilo/postgres';
import { CloudTasksTaskQueue, PostgresTaskQueue, type TaskQueue, migrateTaskQueue } from '@vigilo/queue';
import { type EngineConnection, elasticsearchConnection, openSearchConnection } from '@vigilo/search-engine';
import { OPERATOR_SETTINGS, loadOperatorConfig } from './config.js';
import type { EventRecorder, TenantWriter } from './controllers/tenant/ports.js';
import { SearchIndexClient } from './external/indexTemplate.js';
import { TenantRegistryClient } from './external/registry.js';
import { PostgresSqlSchemaClient } from './external/sqlSchema.js';
import { TaskQueueClient } from './external/taskQueue.js';
import { KubeEventRecorder } from './kube/events.js';
import { KubeLeaseStore } from './kube/leaseStore.js';
import { KubeTenantListWatch } from './kube/tenantListWatch.js';
import { KubeTenantWriter } from './kube/tenantWriter.js';
import { FolderTenantSource } from './local/folderSource.js';
import { LocalTenantStore } from './local/localStore.js';
import { TenantOperator } from './operator.js';
import type { ListWatch } from './runtime/informer.js';
import type { Tenant } from './api/v1alpha1/tenant.js';
import { LeaderElector } from './runtime/leaderElection.js';

async function main(): Promise<void> {
  const stopTelemetry = startTelemetry('vigilo-operator');
  const { config, logger } = loadServiceConfig({ name: 'operator', settings: OPERATOR_SETTINGS, load: loadOperatorConfig, required: ['databaseUrl'] });
  const identity = config.identity ?? `${hostname()}-${process.pid}`;
  const pool = createPool({ connectionString: config.databaseUrl, max: config.databasePoolMax, applicationName: 'vigilo-operator' });

  let queue: TaskQueue;
  if (config.queueBackend === 'postgres') {
    await migrateTaskQueue(pool);
    queue = new PostgresTaskQueue({ pool });
  } else {
    const [host, port] = (config.emulatorEndpoint ?? '').split(':');
    queue = new CloudTasksTaskQueue({
      project: config.project,
      location: config.location,
      // The operator never enqueues; the target is the relay's concern.
      targetUrl: 'https://unused.invalid/',
      ...(config.emulatorEndpoint ? { clientOptions: { servicePath: host!, port: Number(port), sslCreds: credentials.createInsecure() } } : {}),
    });
  }
  // Without an engine (the local mode's default) the search part is not managed: no SearchReady condition, and the
  // search service answers from SQL.
  const engineUrl = config.engineUrl;
  const connection: EngineConnection | undefined = !engineUrl
    ? undefined
    : config.engine === 'opensearch'
      ? openSearchConnection(new OpenSearchClient({ node: engineUrl, requestTimeout: 30_000, maxRetries: 3 }))
      : elasticsearchConnection(new ElasticsearchClient({ node: engineUrl, requestTimeout: 30_000, maxRetries: 3 }));
  const search = connection ? new SearchIndexClient({ connection, indexDefaults: { refreshInterval: config.refreshInterval } }) : undefined;
  if (!search) logger.warn('VIGILO_ENGINE_URL is not set: search indices are not managed');
  const clients = [new PostgresSqlSchemaClient({ pool }), ...(search ? [search] : []), new TaskQueueClient({ queue }), new TenantRegistryClient({ pool })];

  const metrics = createMetrics('operator');
  let listWatch: ListWatch<Tenant>;
  let writer: TenantWriter;
  let events: EventRecorder;
  let folder: FolderTenantSource | undefined;
  let kubeConfig: KubeConfig | undefined;
  if (config.mode === 'local') {
    const store = new LocalTenantStore();
    listWatch = store;
    writer = store;
    events = { event: (tenant, type, reason, message) => logger.info({ tenant: tenant.metadata.name, type, reason, message }, 'event') };
    folder = new FolderTenantSource({ dir: resolve(config.tenantsDir), store, logger, pollIntervalMs: config.tenantsPollIntervalMs });
    await folder.start();
  } else {
    kubeConfig = new KubeConfig();
    if (config.kubeconfig) kubeConfig.loadFromFile(config.kubeconfig);
    else kubeConfig.loadFromDefault();
    listWatch = new KubeTenantListWatch(kubeConfig);
    writer = new KubeTenantWriter(kubeConfig);
    events = new KubeEventRecorder(kubeConfig, { identity, logger });
  }

  const operator = new TenantOperator({
    listWatch,
    writer,
    events,
    clients,
    logger,
    registry: metrics.registry,
    pool,
    workers: config.workers,
    pollIntervalMs: config.pollIntervalMs,
    resyncPeriodMs: config.resyncPeriodMs,
    retry: { baseDelayMs: config.retryBaseDelayMs, maxDelayMs: config.retryMaxDelayMs, qps: config.retryQps, burst: config.retryBurst },
  });

  let accepting = true;
  let elector: LeaderElector | undefined;
  const app = createHttpApp({
    logger,
    metrics,
    readiness: [
      { name: 'postgres', check: async () => void (await pool.query('SELECT 1')) },
      {
        // A standby is ready (it only waits for the lease); a leader once its cache of Tenants is synced.
        name: 'tenants',
        check: async () => {
          if ((!elector || elector.isLeader) && !operator.informer.hasSynced()) throw new Error('the Tenant cache is not synced yet');
        },
      },
    ],
    isAccepting: () => accepting,
    routes: () => undefined,
  });

  // The server first: /healthz and /metrics answer while the cache syncs, and its listener keeps the process alive
  // while the first list is retried.
  const running = await startServer({
    app,
    logger,
    port: config.port,
    host: config.host,
    setAccepting: (value) => {
      accepting = value;
    },
    cleanups: [
      async () => folder?.stop(),
      () => operator.stop(),
      async () => elector?.stop(),
      () => queue.close(),
      async () => search?.close(),
      () => pool.end(),
      stopTelemetry,
    ],
  });
  shutdownOnSignals(running, logger);

  const startController = () =>
    operator.start().catch((error: unknown) => {
      logger.fatal({ err: error }, 'controller failed to start');
      process.exit(1);
    });
  if (kubeConfig && config.leaderElection) {
    elector = new LeaderElector({
      identity,
      store: new KubeLeaseStore(kubeConfig, { namespace: config.leaseNamespace, name: config.leaseName }),
      leaseDurationMs: config.leaseDurationMs,
      renewDeadlineMs: config.renewDeadlineMs,
      retryPeriodMs: config.retryPeriodMs,
      onStartedLeading: () => {
        logger.info({ identity }, 'became the leader');
        void startController();
      },
      onStoppedLeading: () => {
        // Another process may already be reconciling: stop at once, as controller-runtime does.
        logger.fatal({ identity }, 'lost the leader lease; exiting');
        process.exit(1);
      },
      onNewLeader: (leader) => logger.info({ leader }, 'leader observed'),
      onError: (error) => logger.warn({ err: error }, 'leader election attempt failed'),
    });
    elector.start();
  } else {
    void startController();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`operator failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
