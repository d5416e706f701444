import { createMetrics, shutdownOnSignals, startServer, loadServiceConfig, EX_CONFIG } from '@vigilo/platform';
import { PostgresDeadLetterStore, PostgresReportStore, createPool } from '@vigilo/postgres';
import { createOidcVerifier } from '@vigilo/queue';
import { type SearchIndex, createElasticsearchSearchIndex, createOpenSearchSearchIndex } from '@vigilo/search-engine';
import { createIndexerApp } from './app.js';
import { oidcAuthenticator, sharedSecretAuthenticator } from './auth.js';
import { INDEXER_SETTINGS, loadIndexerConfig } from './config.js';

/** Composition root: config → adapters → app → listen → graceful shutdown. */
export async function main(stopTelemetry: () => Promise<void>): Promise<void> {
  const { config, logger } = loadServiceConfig({ name: 'indexer', settings: INDEXER_SETTINGS, load: loadIndexerConfig });
  const missing = [
    ['VIGILO_DATABASE_URL', config.databaseUrl],
    ['VIGILO_ENGINE_URL', config.engineUrl],
    ...(config.authMode === 'shared-secret'
      ? [['VIGILO_INDEXER_SHARED_SECRET', config.sharedSecret && config.sharedSecret.length >= 32 ? config.sharedSecret : undefined]]
      : [['VIGILO_INDEXER_OIDC_AUDIENCE', config.oidcAudience], ['VIGILO_INDEXER_OIDC_SERVICE_ACCOUNT', config.oidcServiceAccount]]),
  ].filter(([, value]) => !value);
  if (missing.length) {
    logger.fatal({ missing: missing.map(([name]) => name) }, 'required settings are missing');
    process.exit(EX_CONFIG);
  }
  const pool = createPool({ connectionString: config.databaseUrl!, max: config.databasePoolMax, applicationName: 'vigilo-indexer' });
  const engine: SearchIndex =
    config.engine === 'opensearch'
      ? createOpenSearchSearchIndex({ node: config.engineUrl!, requestTimeoutMs: config.engineRequestTimeoutMs })
      : createElasticsearchSearchIndex({ node: config.engineUrl!, requestTimeoutMs: config.engineRequestTimeoutMs });
  const authenticate =
    config.authMode === 'shared-secret'
      ? sharedSecretAuthenticator(config.sharedSecret!)
      : (() => {
          const verifier = createOidcVerifier({ issuer: config.oidcIssuer, audience: config.oidcAudience!, serviceAccountEmail: config.oidcServiceAccount! });
          return oidcAuthenticator(verifier);
        })();
  let accepting = true;
  const { app, service } = createIndexerApp({
    logger,
    metrics: createMetrics('indexer'),
    readiness: [
      { name: 'postgres', check: async () => void (await pool.query('SELECT 1')) },
      { name: 'engine', check: async () => void (await engine.health()) },
    ],
    reports: new PostgresReportStore({ pool }),
    engine,
    deadLetters: new PostgresDeadLetterStore(pool),
    maxAttempts: config.maxAttempts,
    batching: { windowMs: config.batchWindowMs, maxBatch: config.batchMax, maxInFlightPerKey: config.bulksInFlight },
    authenticate,
    isAccepting: () => accepting,
  });
  const running = await startServer({
    app,
    logger,
    port: config.port,
    host: config.host,
    shutdownGraceMs: config.shutdownGraceMs,
    setAccepting: (value) => {
      accepting = value;
    },
    cleanups: [() => service.drain(), () => engine.close(), () => pool.end(), stopTelemetry],
  });
  shutdownOnSignals(running, logger);
}

