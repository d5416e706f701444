import { loadConfig, type SettingsSpec } from '@vigilo/platform';

/** Every setting of the proxy. docs/config/proxy.md is generated from (and tested against) this table. */
export const PROXY_SETTINGS = {
  port: { env: 'VIGILO_PROXY_PORT', kind: 'integer', default: 8080, minimum: 0, maximum: 65535, description: 'TCP port of the HTTP server (0 picks a free port).' },
  host: { env: 'VIGILO_PROXY_HOST', kind: 'string', default: '0.0.0.0', description: 'Address the HTTP server binds to.' },
  databaseUrl: { env: 'VIGILO_DATABASE_URL', kind: 'string', secret: true, description: 'PostgreSQL connection string: API keys, tenant settings, the audit log and the shared rate limit counters. Required.' },
  databasePoolMax: { env: 'VIGILO_DATABASE_POOL_MAX', kind: 'integer', default: 10, minimum: 2, maximum: 200, description: 'Maximum connections in the pool.' },
  ingestUrl: { env: 'VIGILO_PROXY_INGEST_URL', kind: 'string', description: 'Base URL of the ingest service (`/v1/tenants/{t}/reports...`). Unset: those routes answer 404.' },
  searchUrl: { env: 'VIGILO_PROXY_SEARCH_URL', kind: 'string', description: 'Base URL of the search service (`/v1/tenants/{t}/drug/event.json`, `/signals`). Unset: those routes answer 404.' },
  webRoot: { env: 'VIGILO_PROXY_WEB_ROOT', kind: 'string', description: 'Directory of the built analyst page (`web/analyst/dist`), served under `/app/` with `/` redirecting there. Unset: no page (the container image sets it).' },
  engineUrl: { env: 'VIGILO_ENGINE_URL', kind: 'string', secret: true, description: 'URL of the search engine for the read-only `/engine/...` passthrough (may carry credentials). Unset: `/engine` answers 404.' },
  contextKey: { env: 'VIGILO_PROXY_CONTEXT_KEY', kind: 'string', secret: true, pattern: '^[A-Za-z0-9+/_=-]{43,}$', description: 'Base64 key (at least 32 bytes) that seals scroll, point-in-time, async search and SQL cursor ids to a tenant; the same on every replica. Required with `VIGILO_ENGINE_URL`.' },
  jwtIssuer: { env: 'VIGILO_PROXY_JWT_ISSUER', kind: 'string', description: 'Expected `iss` of bearer JWTs (the OIDC issuer). Unset: JWTs are refused and only API keys authenticate.' },
  jwtAudience: { env: 'VIGILO_PROXY_JWT_AUDIENCE', kind: 'string', default: 'vigilo', description: 'Expected `aud` of bearer JWTs.' },
  jwksUrl: { env: 'VIGILO_PROXY_JWKS_URL', kind: 'string', description: "URL of the issuer's JWKS. Unset: `<issuer>/.well-known/jwks.json`." },
  jwtClockSkewMs: { env: 'VIGILO_PROXY_JWT_CLOCK_SKEW', kind: 'duration', default: '30s', maximumMs: 300_000, description: 'Tolerance on `exp` and `nbf`.' },
  jwtTenantClaim: { env: 'VIGILO_PROXY_JWT_TENANT_CLAIM', kind: 'string', default: 'vigilo_tenant', description: 'Claim holding the tenant a JWT is bound to (absent: a platform principal, which must hold `admin`).' },
  jwksCooldownMs: { env: 'VIGILO_PROXY_JWKS_COOLDOWN', kind: 'duration', default: '30s', description: 'Least time between two JWKS fetches triggered by an unknown `kid` (key rotation).' },
  jwksMaxAgeMs: { env: 'VIGILO_PROXY_JWKS_MAX_AGE', kind: 'duration', default: '10m', description: 'How long a fetched JWKS is used before it is fetched again.' },
  apiKeyCacheTtlMs: { env: 'VIGILO_PROXY_API_KEY_CACHE_TTL', kind: 'duration', default: '5s', description: 'How long a verified API key is cached; a revocation takes effect within this time.' },
  tenantCacheTtlMs: { env: 'VIGILO_PROXY_TENANT_CACHE_TTL', kind: 'duration', default: '5s', description: 'How long tenant settings (rate limit overrides) are cached.' },
  tenantRatePoints: { env: 'VIGILO_PROXY_RATE_TENANT_REQUESTS', kind: 'integer', default: 200, minimum: 1, description: 'Requests one tenant may make per window, over all its credentials and all replicas (tenant setting `rateLimit.tenantRequests` overrides).' },
  tenantRateWindowMs: { env: 'VIGILO_PROXY_RATE_TENANT_WINDOW', kind: 'duration', default: '1s', minimumMs: 1000, description: 'Window of the tenant limit (whole seconds; tenant setting `rateLimit.tenantWindowSeconds` overrides).' },
  keyRatePoints: { env: 'VIGILO_PROXY_RATE_KEY_REQUESTS', kind: 'integer', default: 100, minimum: 1, description: 'Requests one credential (API key or JWT subject) may make per window (tenant setting `rateLimit.keyRequests` overrides).' },
  keyRateWindowMs: { env: 'VIGILO_PROXY_RATE_KEY_WINDOW', kind: 'duration', default: '1s', minimumMs: 1000, description: 'Window of the per-credential limit (whole seconds; tenant setting `rateLimit.keyWindowSeconds` overrides).' },
  maxBodyBytes: { env: 'VIGILO_PROXY_MAX_BODY', kind: 'size', default: '64mb', description: 'Largest request body forwarded to the ingest and search services (streamed; bulk imports need room).' },
  engineMaxBodyBytes: { env: 'VIGILO_PROXY_ENGINE_MAX_BODY', kind: 'size', default: '1mb', maximumBytes: 16 * 1024 * 1024, description: 'Largest request body of the engine passthrough (read whole, to be checked).' },
  engineMaxAnswerBytes: { env: 'VIGILO_PROXY_ENGINE_MAX_SEALED_ANSWER', kind: 'size', default: '32mb', description: 'Largest engine answer the proxy reads whole to seal a search-context id in it (other answers stream).' },
  upstreamTimeoutMs: { env: 'VIGILO_PROXY_UPSTREAM_TIMEOUT', kind: 'duration', default: '60s', description: 'Time an upstream may take to send its response headers, and the longest pause while it streams a body.' },
  requestTimeoutMs: { env: 'VIGILO_PROXY_REQUEST_TIMEOUT', kind: 'duration', default: '5m', description: 'Longest time a client may take to send a whole request.' },
  auditFlushMs: { env: 'VIGILO_PROXY_AUDIT_FLUSH', kind: 'duration', default: '500ms', minimumMs: 10, description: 'Audit rows are written in batches at least this often.' },
  auditMaxPending: { env: 'VIGILO_PROXY_AUDIT_MAX_PENDING', kind: 'integer', default: 100_000, minimum: 100, description: 'Audit rows held while the database is unreachable; beyond it the oldest are dropped (counted in `vigilo_proxy_audit_dropped_total`; the log line is always written).' },
  logLevel: { env: 'VIGILO_LOG_LEVEL', kind: 'string', default: 'info', enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], description: 'Minimum level of JSON log lines.' },
  shutdownGraceMs: { env: 'VIGILO_PROXY_SHUTDOWN_GRACE', kind: 'duration', default: '25s', description: 'How long in-flight requests may finish after SIGTERM.' },
} as const satisfies SettingsSpec;

export function loadProxyConfig(env: NodeJS.ProcessEnv) {
  return loadConfig(PROXY_SETTINGS, env, { strictPrefixes: ['VIGILO_PROXY_'] });
}
export type ProxyConfig = ReturnType<typeof loadProxyConfig>;
