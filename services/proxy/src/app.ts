import { Counter, type HttpMetrics, type Logger, type NextFunction, type ReadinessCheck, type Request, type Response, createHttpApp, type Express } from '@vigilo/platform';
import { NotAllowedError, VigiloError, isVigiloError } from '@vigilo/errors';
import { tenantIndexNames } from '@vigilo/search-engine';
import { parseTenantId, type TenantDirectory } from '@vigilo/domain';
import type { AuditLog } from './audit.js';
import type { Authenticator, Caller } from './auth.js';
import type { ContextSealer } from './core/contextSeal.js';
import { authorizeEngineRequest, sealAnswer } from './core/engineAccess.js';
import { BodyTooLarge, forward, serviceHeaders, type Upstream } from './forward.js';
import type { SharedRateLimiter } from './rateLimit.js';
import { WEB_PREFIX, mountWebApp } from './web.js';

export interface ProxyAppDeps {
  logger: Logger;
  metrics: HttpMetrics;
  readiness: readonly ReadinessCheck[];
  isAccepting?: () => boolean;
  authenticator: Authenticator;
  limiter: SharedRateLimiter;
  tenants: TenantDirectory;
  audit: AuditLog;
  upstreams: { ingest?: Upstream; search?: Upstream; engine?: Upstream };
  sealer: ContextSealer | undefined;
  limits: { maxBodyBytes: number; engineMaxBodyBytes: number; engineMaxAnswerBytes: number };
  /** Directory of the built analyst page, served under `/app/`; unset: no page. */
  webRoot?: string | undefined;
}

/** What the audit record of one request says; filled in as the request goes through the gates. */
interface Decision {
  caller?: Caller;
  route: string;
  expressions: readonly string[];
  denied?: string;
}

declare module 'express-serve-static-core' {
  interface Locals {
    decision?: Decision;
  }
}

const decisionOf = (res: Response): Decision => (res.locals.decision ??= { route: 'unmatched', expressions: [] });

/** Reads a whole request body up to `limit` bytes (engine passthrough bodies are checked before they are sent). */
async function readBody(req: Request, limit: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (Number.isFinite(declared) && declared > limit) throw new BodyTooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLarge(limit);
    chunks.push(chunk as Buffer);
  }
  return size === 0 ? undefined : Buffer.concat(chunks);
}

function identityHeaders(caller: Caller): Record<string, string> {
  return { ...(caller.tenant !== undefined ? { 'x-vigilo-tenant': caller.tenant } : {}), 'x-vigilo-scopes': caller.scopes.join(' ') || 'none' };
}

/**
 * The proxy's HTTP app: authentication, shared rate limits, the tenant check and routing for `/v1`, the
 * checked read-only passthrough for `/engine`, and an audit record for every decision. Does not listen.
 */
export function createProxyApp(deps: ProxyAppDeps): Express {
  const decisions = new Counter({
    name: 'vigilo_proxy_decisions_total',
    help: 'Requests by surface (v1, engine, other) and outcome (allowed, or the gate that denied them).',
    labelNames: ['surface', 'outcome'] as const,
    registers: [deps.metrics.registry],
  });

  const PROBES = new Set(['/healthz', '/readyz', '/metrics']);
  /** The page's static files carry no data and need no credential: like the probes, they are not audited. */
  const isWebAsset = (path: string) => deps.webRoot !== undefined && (path === '/' || path === WEB_PREFIX || path.startsWith(`${WEB_PREFIX}/`));
  /** Every request but the probes and the page's files gets one audit record, which is also its access log line. */
  const audited = (req: Request, res: Response, next: NextFunction) => {
    if (PROBES.has(req.path) || ((req.method === 'GET' || req.method === 'HEAD') && isWebAsset(req.path))) {
      next();
      return;
    }
    // Express matches routes without regard to case; so does this.
    const path = req.path.toLowerCase();
    const surface = path === '/engine' || path.startsWith('/engine/') ? 'engine' : path.startsWith('/v1/') ? 'v1' : 'other';
    const started = process.hrtime.bigint();
    const decision = decisionOf(res);
    decision.route = surface === 'other' ? 'unmatched' : `/${surface}`;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      const status = res.statusCode;
      const denied = decision.denied ?? (surface === 'other' ? 'route: no such route' : decision.caller === undefined ? 'unauthenticated' : undefined);
      decisions.inc({ surface, outcome: denied === undefined ? 'allowed' : denied.split(':')[0]! });
      deps.audit.record({
        at: new Date(),
        requestId: req.requestId ?? '',
        principal: decision.caller?.id ?? 'anonymous',
        tenant: decision.caller?.tenant,
        method: req.method,
        route: decision.route,
        indexExpressions: decision.expressions,
        decision: denied === undefined ? 'allowed' : 'denied',
        reason: denied,
        status,
        latencyMs: Number(process.hrtime.bigint() - started) / 1e6,
      });
    };
    res.on('finish', finish);
    res.on('close', finish);
    next();
  };

  const authenticate = async (req: Request, res: Response, next: NextFunction) => {
    const decision = decisionOf(res);
    try {
      decision.caller = await deps.authenticator.authenticate(req.headers.authorization);
    } catch (error) {
      decision.denied = `auth: ${isVigiloError(error) ? String(error.fields['reason'] ?? error.code) : 'error'}`;
      throw error;
    }
    const rate = await deps.limiter.consume(decision.caller.tenant, decision.caller.id);
    res.setHeader('RateLimit-Limit', String(rate.limit));
    res.setHeader('RateLimit-Remaining', String(rate.remaining));
    res.setHeader('RateLimit-Reset', String(rate.resetSeconds));
    if (!rate.allowed) {
      decision.denied = 'rate: limit exceeded';
      res.setHeader('Retry-After', String(rate.retryAfterSeconds));
      throw new VigiloError('VIG_RATE_LIMITED', 'Too many requests; retry after the time in Retry-After', { fields: { retryAfterSeconds: rate.retryAfterSeconds } });
    }
    next();
  };

  const toService = (name: 'ingest' | 'search', route: string) => async (req: Request, res: Response) => {
    const decision = decisionOf(res);
    decision.route = route;
    const caller = decision.caller!;
    const tenant = req.params['tenant'];
    const boundElsewhere = caller.tenant === undefined ? !caller.scopes.includes('admin') : caller.tenant !== tenant;
    if (boundElsewhere) {
      decision.denied = 'tenant: credential bound to another tenant';
      throw new NotAllowedError('The credential is bound to another tenant', { code: 'VIG_FORBIDDEN_TENANT' });
    }
    const upstream = deps.upstreams[name];
    if (!upstream) throw new VigiloError('VIG_ROUTE_NOT_FOUND', `No ${name} service behind this proxy`);
    const target = req.originalUrl;
    // The path is forwarded as received; dot segments and encoded separators could be read differently upstream.
    if (!target.startsWith('/') || /(^|\/)\.{1,2}(\/|$)|%2f|%5c|\\/i.test(target.split('?')[0]!)) {
      decision.denied = 'path: dot segment or encoded separator';
      throw new VigiloError('VIG_REQUEST_INVALID_PARAMETER', 'The path holds a dot segment or an encoded separator', { fields: { parameter: 'path' } });
    }
    await forward(upstream, req, res, {
      method: req.method,
      path: target,
      headers: { ...serviceHeaders(req.headers), ...identityHeaders(caller), 'x-request-id': req.requestId ?? '' },
      body: req,
      maxBodyBytes: deps.limits.maxBodyBytes,
    });
  };

  const engine = async (req: Request, res: Response) => {
    const decision = decisionOf(res);
    const caller = decision.caller!;
    const upstream = deps.upstreams.engine;
    if (!upstream || !deps.sealer) throw new VigiloError('VIG_ROUTE_NOT_FOUND', 'No search engine behind this proxy');
    if (caller.tenant === undefined) {
      decision.denied = 'tenant: the engine passthrough needs a tenant-bound credential';
      throw new NotAllowedError('The engine passthrough needs a credential bound to a tenant', { code: 'VIG_FORBIDDEN_TENANT' });
    }
    if (!caller.scopes.includes('read') && !caller.scopes.includes('admin')) {
      decision.denied = 'scope: read required';
      throw new NotAllowedError('The engine passthrough requires the read scope', { fields: { requiredScope: 'read' } });
    }
    const tenant = caller.tenant;
    const record = await deps.tenants.get(parseTenantId(tenant));
    if (record === undefined || record.status !== 'active') {
      decision.denied = 'tenant: not registered or not active';
      throw record === undefined
        ? new VigiloError('VIG_TENANT_NOT_FOUND', 'The tenant of this credential is not registered', { fields: { tenantId: tenant } })
        : new VigiloError('VIG_TENANT_NOT_ACTIVE', 'The tenant of this credential is not active', { fields: { tenantId: tenant } });
    }
    const [rawPathWithPrefix, rawQuery = ''] = req.originalUrl.split(/\?(.*)/s) as [string, string?];
    // An absolute-form request target (`GET http://host/engine/...`) is not a path; the gate then sees no leading slash.
    const rawPath = /^\/engine/i.test(rawPathWithPrefix) ? rawPathWithPrefix.slice('/engine'.length) || '/' : rawPathWithPrefix;
    if (req.headers['content-encoding'] !== undefined && req.headers['content-encoding'] !== 'identity') {
      decision.denied = 'engine: compressed request bodies cannot be checked';
      throw new VigiloError('VIG_PROXY_ENGINE_FORBIDDEN', 'Compressed request bodies are not accepted', { fields: { reason: 'compressed body' } });
    }
    const body = await readBody(req, deps.limits.engineMaxBodyBytes);
    const sealer = deps.sealer;
    const verdict = authorizeEngineRequest({ method: req.method, rawPath, rawQuery, body }, { tenant, allowed: [tenantIndexNames(parseTenantId(tenant)).readAlias], sealer });
    decision.expressions = verdict.expressions;
    decision.route = `/engine/${verdict.endpoint}`;
    if (!verdict.allowed) {
      decision.denied = `engine: ${verdict.reason}`;
      throw new VigiloError('VIG_PROXY_ENGINE_FORBIDDEN', 'This request to the search engine is not allowed', { fields: { reason: verdict.reason } });
    }
    const headers: Record<string, string> = { accept: 'application/json', 'x-opaque-id': req.requestId ?? '' };
    if (verdict.contentType) headers['content-type'] = verdict.contentType;
    const fields = verdict.sealFields;
    await forward(upstream, req, res, {
      method: verdict.method,
      path: verdict.path + (verdict.query ? `?${verdict.query}` : ''),
      headers,
      body: verdict.body,
      maxBodyBytes: deps.limits.engineMaxBodyBytes,
      ...(fields.length > 0
        ? {
            rewrite: {
              maxBytes: deps.limits.engineMaxAnswerBytes,
              apply: (status, answer, contentType) => {
                if (status >= 300 || !contentType?.startsWith('application/json')) return answer;
                return Buffer.from(JSON.stringify(sealAnswer(JSON.parse(answer.toString('utf8')) as Record<string, unknown>, fields, tenant, sealer)));
              },
            },
          }
        : {}),
    });
  };

  return createHttpApp({
    // The audit line of each request replaces the platform's access line (one log line per request, not two);
    // warnings and errors of the app still go to the log.
    logger: deps.logger.child({}, { level: deps.logger.levelVal > 40 ? deps.logger.level : 'warn' }),
    metrics: deps.metrics,
    readiness: deps.readiness,
    ...(deps.isAccepting ? { isAccepting: deps.isAccepting } : {}),
    routes: (app) => {
      app.use((_req, res, next) => {
        res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
        res.setHeader('X-Frame-Options', 'DENY');
        next();
      });
      app.use(audited);
      app.use('/v1', authenticate);
      app.use('/engine', authenticate);
      // Who the credential is: the analyst page asks before it shows anything, tools use it to check a key.
      app.get('/v1/whoami', (_req, res) => {
        const caller = decisionOf(res).caller!;
        decisionOf(res).route = '/v1/whoami';
        res.json({ principal: caller.id, kind: caller.kind, tenant: caller.tenant ?? null, scopes: caller.scopes });
      });
      app.all('/v1/tenants/:tenant/reports', toService('ingest', '/v1/tenants/:tenant/reports'));
      app.all('/v1/tenants/:tenant/reports/*rest', toService('ingest', '/v1/tenants/:tenant/reports/*'));
      app.all('/v1/tenants/:tenant/drug/event.json', toService('search', '/v1/tenants/:tenant/drug/event.json'));
      app.all('/v1/tenants/:tenant/signals', toService('search', '/v1/tenants/:tenant/signals'));
      app.use('/engine', engine);
      if (deps.webRoot !== undefined) mountWebApp(app, deps.webRoot);
    },
  });
}
