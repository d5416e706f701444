import { randomUUID } from 'node:crypto';
import express, { type Express, type NextFunction, type Request, type Response, type Router } from 'express';
import { PROBLEM_CONTENT_TYPE, type ProblemDocument, VigiloError, isVigiloError, toProblem } from '@vigilo/errors';
import type { Logger } from './logger.js';
import type { HttpMetrics } from './metrics.js';
import { currentTraceId } from './telemetry.js';

/** A named readiness probe: resolves when the dependency is usable, throws otherwise. */
export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<void>;
}

export interface CreateHttpAppOptions {
  logger: Logger;
  metrics: HttpMetrics;
  /** Checked by /readyz; /healthz only says the process is alive. */
  readiness?: readonly ReadinessCheck[];
  /** Mounts the service's routes. */
  routes: (app: Express) => void;
  /** Set to false while draining so load balancers stop sending traffic. */
  isAccepting?: () => boolean;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

declare module 'express-serve-static-core' {
  interface Request {
    requestId?: string;
  }
}

/** Route template for metrics and logs; never the raw path (it may hold ids). */
function routeLabel(req: Request): string {
  const route = (req as Request & { route?: { path?: unknown } }).route;
  if (route && typeof route.path === 'string') return (req.baseUrl ?? '') + route.path;
  return 'unmatched';
}

/**
 * Translates body-parser and other framework errors (which carry `type` and
 * `status`) into Vigilo errors, so clients get stable codes.
 */
export function translateFrameworkError(error: unknown): unknown {
  if (isVigiloError(error) || typeof error !== 'object' || error === null) return error;
  const e = error as { type?: unknown; status?: unknown; message?: unknown };
  switch (e.type) {
    case 'entity.too.large':
      return new VigiloError('VIG_REQUEST_BODY_TOO_LARGE', 'The request body exceeds the size limit', { cause: error });
    case 'entity.parse.failed':
      return new VigiloError('VIG_REQUEST_MALFORMED_JSON', 'The request body is not valid JSON', { cause: error });
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new VigiloError('VIG_REQUEST_UNSUPPORTED_MEDIA_TYPE', 'The request body encoding or charset is not supported', { cause: error });
    case 'request.aborted':
      return new VigiloError('VIG_REQUEST_MALFORMED_JSON', 'The request body was aborted by the client', { cause: error });
    default:
      return error;
  }
}

/** Writes a problem as the response body; the default is RFC 9457 problem+json. */
export type ProblemRenderer = (problem: ProblemDocument, res: Response) => void;

const renderProblemJson: ProblemRenderer = (problem, res) => {
  res.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
};

/**
 * The one place where errors become HTTP responses (RFC 9457 problem+json). An API that must keep another
 * error shape (the openFDA-compatible endpoint) passes its own `render`; translation and logging stay here.
 */
export function problemMiddleware(logger: Logger, render: ProblemRenderer = renderProblemJson) {
  return (rawError: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const error = translateFrameworkError(rawError);
    const logId = randomUUID();
    const traceId = currentTraceId();
    const problem = toProblem(error, { instance: req.originalUrl.split('?')[0] ?? '', logId, ...(traceId ? { traceId } : {}) });
    if (problem.status >= 500) {
      logger.error({ err: rawError, logId, requestId: req.requestId, route: routeLabel(req), code: problem.code }, 'request failed');
    } else {
      logger.debug({ code: problem.code, requestId: req.requestId, route: routeLabel(req) }, 'request rejected');
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (problem.status === 503 || problem.code === 'VIG_UNAVAILABLE') res.setHeader('Retry-After', '5');
    render(problem, res);
  };
}

/** Requires the request's content type to be one of `types` (415 otherwise). */
export function requireContentType(...types: string[]) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const header = req.headers['content-type'];
    const type = (header ?? '').split(';')[0]!.trim().toLowerCase();
    if (!types.includes(type)) {
      next(new VigiloError('VIG_REQUEST_UNSUPPORTED_MEDIA_TYPE', `Content-Type must be ${types.join(' or ')}`, { fields: { accepted: types } }));
      return;
    }
    next();
  };
}

/**
 * Builds an Express 5 app (async errors reach the error middleware) with
 * request ids, security headers, RED metrics, access logs, /healthz, /readyz,
 * /metrics, a problem+json 404 and the error middleware. Does not listen.
 */
export function createHttpApp(options: CreateHttpAppOptions): Express {
  const { logger, metrics } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', false);
  app.set('query parser', 'simple');

  app.use((req, res, next) => {
    const incoming = req.headers['x-request-id'];
    req.requestId = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-Id', req.requestId);
    if (options.isAccepting && !options.isAccepting()) res.setHeader('Connection', 'close');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const labels = { method: req.method, route: routeLabel(req), status: String(res.statusCode) };
      metrics.requests.inc(labels);
      metrics.duration.observe(labels, seconds);
      if (labels.route !== '/healthz' && labels.route !== '/readyz' && labels.route !== '/metrics') {
        logger.info({ requestId: req.requestId, ...labels, ms: Math.round(seconds * 1000) }, 'request');
      }
    });
    next();
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    if (options.isAccepting && !options.isAccepting()) {
      res.status(503).json({ status: 'draining' });
      return;
    }
    const results = await Promise.all(
      (options.readiness ?? []).map(async (probe) => {
        try {
          await probe.check();
          return { name: probe.name, ok: true };
        } catch (error) {
          logger.warn({ err: error, check: probe.name }, 'readiness check failed');
          return { name: probe.name, ok: false };
        }
      }),
    );
    const ok = results.every((r) => r.ok);
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'not ready', checks: results });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  options.routes(app);

  app.use((req, _res, next) => {
    next(new VigiloError('VIG_ROUTE_NOT_FOUND', `No route for ${req.method} ${req.path}`));
  });
  app.use(problemMiddleware(logger));
  return app;
}

export type { Express, Request, Response, NextFunction, Router };
export { express };
