import { randomBytes } from 'node:crypto';
import { createMetrics, shutdownOnSignals, startServer, loadServiceConfig, EX_CONFIG } from '@vigilo/platform';
import { PostgresTenantDirectory, createPool } from '@vigilo/postgres';
import { createProxyApp } from './app.js';
import { AuditLog } from './audit.js';
import { Authenticator } from './auth.js';
import { PROXY_SETTINGS, loadProxyConfig } from './config.js';
import { ContextSealer } from './core/contextSeal.js';
import { Upstream } from './forward.js';
import { SharedRateLimiter } from './rateLimit.js';

/** Composition root: config → adapters → app → listen → graceful shutdown. */
export async function main(stopTelemetry: () => Promise<void>): Promise<void> {
  const { config, logger } = loadServiceConfig({ name: 'proxy', settings: PROXY_SETTINGS, load: loadProxyConfig });
  const missing = [
    ...(config.databaseUrl ? [] : ['VIGILO_DATABASE_URL']),
    ...(config.engineUrl && !config.contextKey ? ['VIGILO_PROXY_CONTEXT_KEY'] : []),
  ];
  if (missing.length > 0) {
    logger.fatal({ missing }, 'required settings are missing');
    process.exit(EX_CONFIG);
  }
  const contextKey = config.contextKey ? Buffer.from(config.contextKey, 'base64') : randomBytes(32);
  if (contextKey.length < 32) {
    logger.fatal({ setting: 'VIGILO_PROXY_CONTEXT_KEY' }, 'the context key must decode to at least 32 bytes');
    process.exit(EX_CONFIG);
  }
  const pool = createPool({ connectionString: config.databaseUrl!, max: config.databasePoolMax, statementTimeoutMs: 5_000, applicationName: 'vigilo-proxy' });
  const metrics = createMetrics('proxy');
  const upstreamOptions = { timeoutMs: config.upstreamTimeoutMs };
  const upstreams = {
    ...(config.ingestUrl ? { ingest: new Upstream('ingest', config.ingestUrl, upstreamOptions) } : {}),
    ...(config.searchUrl ? { search: new Upstream('search', config.searchUrl, upstreamOptions) } : {}),
    ...(config.engineUrl ? { engine: new Upstream('engine', config.engineUrl, upstreamOptions) } : {}),
  };
  const jwt = config.jwtIssuer
    ? {
        issuer: config.jwtIssuer,
        audience: config.jwtAudience,
        jwksUrl: config.jwksUrl ?? `${config.jwtIssuer.replace(/\/$/, '')}/.well-known/jwks.json`,
        clockSkewMs: config.jwtClockSkewMs,
        tenantClaim: config.jwtTenantClaim,
        cooldownMs: config.jwksCooldownMs,
        maxAgeMs: config.jwksMaxAgeMs,
      }
    : undefined;
  if (!jwt) logger.warn('no JWT issuer configured: only API keys authenticate');
  const audit = new AuditLog({ pool, logger, registry: metrics.registry, flushMs: config.auditFlushMs, maxPending: config.auditMaxPending });
  const tenants = new PostgresTenantDirectory({ pool, ttlMs: config.tenantCacheTtlMs });
  let accepting = true;
  const app = createProxyApp({
    logger,
    metrics,
    readiness: [{ name: 'postgres', check: async () => void (await pool.query('SELECT 1')) }],
    isAccepting: () => accepting,
    authenticator: new Authenticator({ pool, jwt, apiKeyCacheTtlMs: config.apiKeyCacheTtlMs }),
    tenants,
    limiter: new SharedRateLimiter({
      pool,
      tenants,
      defaults: {
        tenantRequests: config.tenantRatePoints,
        tenantWindowSeconds: Math.round(config.tenantRateWindowMs / 1000),
        keyRequests: config.keyRatePoints,
        keyWindowSeconds: Math.round(config.keyRateWindowMs / 1000),
      },
    }),
    audit,
    upstreams,
    sealer: config.engineUrl ? new ContextSealer(contextKey) : undefined,
    limits: { maxBodyBytes: config.maxBodyBytes, engineMaxBodyBytes: config.engineMaxBodyBytes, engineMaxAnswerBytes: config.engineMaxAnswerBytes },
    webRoot: config.webRoot,
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
    cleanups: [
      ...Object.values(upstreams).map((u) => () => u.close()),
      () => audit.close(),
      () => pool.end(),
      stopTelemetry,
    ],
  });
  shutdownOnSignals(running, logger);
}
