import { credentials } from '@grpc/grpc-js';
import { Counter, EX_CONFIG, Gauge, createHttpApp, createMetrics, shutdownOnSignals, startServer, loadServiceConfig } from '@vigilo/platform';
import { PostgresTenantDirectory, createPool } from '@vigilo/postgres';
import { CloudTasksTaskQueue, PostgresTaskDispatcher, PostgresTaskQueue, type TaskQueue, migrateTaskQueue } from '@vigilo/queue';
import { RELAY_SETTINGS, loadRelayConfig } from './config.js';
import { RelayLoop } from './loop.js';
import { AntiEntropyJob } from './antiEntropyJob.js';
import { createElasticsearchSearchIndex, createOpenSearchSearchIndex } from '@vigilo/search-engine';
import { OutboxRelay, queueShardsOf } from './relay.js';

export async function main(stopTelemetry: () => Promise<void>): Promise<void> {
  const { config, logger } = loadServiceConfig({ name: 'relay', settings: RELAY_SETTINGS, load: loadRelayConfig, required: ['databaseUrl', 'targetUrl'] });
  const listeners = config.listen ? (config.backend === 'postgres' ? 2 : 1) : 0;
  if (config.databasePoolMax <= listeners) {
    logger.fatal({ databasePoolMax: config.databasePoolMax, listeners }, 'VIGILO_DATABASE_POOL_MAX must exceed the connections held by LISTEN (or set VIGILO_RELAY_LISTEN=false)');
    process.exit(EX_CONFIG);
  }
  const pool = createPool({ connectionString: config.databaseUrl, max: config.databasePoolMax, applicationName: 'vigilo-relay' });
  let queue: TaskQueue;
  let dispatcher: PostgresTaskDispatcher | undefined;
  if (config.backend === 'postgres') {
    await migrateTaskQueue(pool);
    queue = new PostgresTaskQueue({ pool });
    dispatcher = new PostgresTaskDispatcher({
      pool,
      targetUrl: config.targetUrl,
      listen: config.listen,
      pollIntervalMs: config.pollIntervalMs,
      ...(config.sharedSecret ? { sharedSecret: config.sharedSecret } : {}),
    });
  } else {
    const [host, port] = (config.emulatorEndpoint ?? '').split(':');
    queue = new CloudTasksTaskQueue({
      project: config.project,
      location: config.location,
      targetUrl: config.targetUrl,
      ...(config.oidcServiceAccount ? { oidc: { serviceAccountEmail: config.oidcServiceAccount, audience: config.oidcAudience ?? config.targetUrl } } : {}),
      ...(config.emulatorEndpoint ? { clientOptions: { servicePath: host!, port: Number(port), sslCreds: credentials.createInsecure() } } : {}),
    });
  }
  const metrics = createMetrics('relay');
  const relayed = new Counter({ name: 'vigilo_relay_tasks_total', help: 'Outbox rows handed to the queue, by tenant.', labelNames: ['tenant'] as const, registers: [metrics.registry] });
  // The registry says over how many queues each tenant is spread; a change reaches the relay within the cache TTL.
  const tenants = new PostgresTenantDirectory({ pool, ttlMs: 5_000 });
  const relay = new OutboxRelay({
    pool,
    queue,
    queueShards: async (tenant) => queueShardsOf((await tenants.get(tenant))?.settings),
    batchSize: config.batchSize,
    lockWhileEnqueueing: config.lockRows,
    concurrency: config.enqueueConcurrency,
    onRelayed: (tenant, n) => relayed.inc({ tenant }, n),
  });
  const loop = new RelayLoop({ pool, relay, logger, pollIntervalMs: config.pollIntervalMs, listen: config.listen });
  const engine = config.engineUrl
    ? config.engine === 'opensearch'
      ? createOpenSearchSearchIndex({ node: config.engineUrl })
      : createElasticsearchSearchIndex({ node: config.engineUrl })
    : undefined;
  const differencesGauge = new Gauge({ name: 'vigilo_anti_entropy_differences', help: 'Differences between SQL and the engine found by the last anti-entropy run, by tenant.', labelNames: ['tenant'] as const, registers: [metrics.registry] });
  const repairedCounter = new Counter({ name: 'vigilo_anti_entropy_repairs_total', help: 'Reports re-queued by anti-entropy, by tenant.', labelNames: ['tenant'] as const, registers: [metrics.registry] });
  const antiEntropy = engine
    ? new AntiEntropyJob({
        pool,
        engine,
        logger,
        intervalMs: config.antiEntropyIntervalMs,
        graceMs: config.antiEntropyGraceMs,
        onResult: (tenant, differences, repaired) => {
          differencesGauge.set({ tenant }, differences);
          if (repaired) repairedCounter.inc({ tenant }, repaired);
        },
      })
    : undefined;
  let accepting = true;
  const app = createHttpApp({
    logger,
    metrics,
    readiness: [{ name: 'postgres', check: async () => void (await pool.query('SELECT 1')) }],
    isAccepting: () => accepting,
    routes: () => undefined,
  });
  await loop.start();
  await dispatcher?.start();
  antiEntropy?.start();
  const running = await startServer({
    app,
    logger,
    port: config.port,
    host: config.host,
    setAccepting: (value) => {
      accepting = value;
    },
    cleanups: [async () => antiEntropy?.stop(), () => loop.stop(), async () => dispatcher?.stop(), () => queue.close(), async () => engine?.close(), () => pool.end(), stopTelemetry],
  });
  shutdownOnSignals(running, logger);
}

