import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { Pool, errors as undiciErrors } from 'undici';
import { VigiloError } from '@vigilo/errors';
import type { Request, Response } from '@vigilo/platform';

/** Headers that describe one connection, not the message (RFC 9110 7.6.1), plus what the proxy owns. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host']);
/** Security headers the proxy sets itself; an upstream cannot weaken them. */
const PROXY_OWNED = new Set(['x-content-type-options', 'cache-control', 'referrer-policy', 'content-security-policy', 'x-request-id', 'strict-transport-security', 'x-frame-options']);

export class BodyTooLarge extends VigiloError {
  constructor(limit: number) {
    super('VIG_REQUEST_BODY_TOO_LARGE', `The request body exceeds ${limit} bytes`, { fields: { limitBytes: limit } });
  }
}

/** One upstream (a service or the engine): a pool of keep-alive connections. */
export class Upstream {
  readonly pool: Pool;
  readonly basePath: string;
  readonly authorization: string | undefined;

  constructor(
    readonly name: string,
    baseUrl: string,
    options: { timeoutMs: number; connections?: number },
  ) {
    const url = new URL(baseUrl);
    this.basePath = url.pathname.replace(/\/$/, '');
    this.authorization = url.username ? `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}` : undefined;
    this.pool = new Pool(url.origin, {
      connections: options.connections ?? 256,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      keepAliveTimeout: 30_000,
    });
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** Counts the bytes of a streamed body and fails it past `limit`. */
function limitBytes(limit: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > limit) callback(new BodyTooLarge(limit));
      else callback(null, chunk);
    },
  });
}

function isStaleConnection(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return error instanceof undiciErrors.SocketError || code === 'ECONNRESET' || code === 'EPIPE';
}

function translate(error: unknown, upstream: string): unknown {
  if (error instanceof VigiloError) return error;
  if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError) {
    return new VigiloError('VIG_PROXY_UPSTREAM_TIMEOUT', `${upstream} did not answer in time`, { cause: error, fields: { upstream } });
  }
  return new VigiloError('VIG_PROXY_UPSTREAM_UNAVAILABLE', `${upstream} could not be reached`, { cause: error, fields: { upstream } });
}

export interface ForwardOptions {
  method: string;
  /** Path and query on the upstream (joined to its base path). */
  path: string;
  headers: Record<string, string>;
  /** A buffer (checked bodies) or the client request itself (streamed, limited to `maxBodyBytes`). */
  body: Buffer | Request | undefined;
  maxBodyBytes: number;
  /** Reads the whole answer and rewrites it instead of streaming it (for sealing search-context ids). */
  rewrite?: { maxBytes: number; apply: (status: number, body: Buffer, contentType: string | undefined) => Buffer };
}

/** Client headers worth passing on to a service, without hop-by-hop headers, credentials and `X-Vigilo-*`. */
export function serviceHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || name === 'authorization' || name === 'cookie' || name.startsWith('x-vigilo-')) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** Sends the request upstream and streams the answer back; failures become 502/504/413 problems. */
export async function forward(upstream: Upstream, req: Request, res: Response, options: ForwardOptions): Promise<void> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (options.body === req && Number.isFinite(declared) && declared > options.maxBodyBytes) throw new BodyTooLarge(options.maxBodyBytes);
  const hasStreamedBody = options.body === req && (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined) && !['GET', 'HEAD'].includes(options.method);
  const abort = new AbortController();
  const onClose = () => {
    if (!res.writableFinished) abort.abort();
  };
  res.on('close', onClose);
  let body: Buffer | Readable | undefined;
  let limiter: Transform | undefined;
  if (Buffer.isBuffer(options.body)) body = options.body;
  else if (hasStreamedBody) {
    limiter = limitBytes(options.maxBodyBytes);
    req.on('error', (e) => limiter!.destroy(e));
    body = req.pipe(limiter);
  }
  const headers: Record<string, string> = { ...options.headers };
  if (upstream.authorization) headers['authorization'] = upstream.authorization;
  let answer;
  for (let attempt = 1; ; attempt++) {
    try {
      answer = await upstream.pool.request({
        method: options.method as 'GET',
        path: upstream.basePath + options.path,
        headers,
        body: body ?? null,
        signal: abort.signal,
      });
      break;
    } catch (error) {
      // A keep-alive connection the upstream closed just as it was reused: send once more on a fresh one,
      // unless the body was a stream (already consumed).
      if (attempt === 1 && limiter === undefined && isStaleConnection(error) && !abort.signal.aborted) continue;
      res.off('close', onClose);
      throw translate(limiter?.errored ?? error, upstream.name);
    }
  }
  // A client that goes away aborts the upstream request, and undici then fails the body stream, possibly after
  // pipeline() has stopped listening; errors that matter surface through pipeline() or the read loop below.
  answer.body.on('error', () => undefined);
  try {
    res.status(answer.statusCode);
    const contentType = typeof answer.headers['content-type'] === 'string' ? answer.headers['content-type'] : undefined;
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value === undefined || HOP_BY_HOP.has(name) || PROXY_OWNED.has(name)) continue;
      if (options.rewrite && name === 'content-length') continue;
      res.setHeader(name, value);
    }
    if (options.rewrite && options.method !== 'HEAD') {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of answer.body) {
        size += (chunk as Buffer).length;
        if (size > options.rewrite.maxBytes) throw new VigiloError('VIG_PROXY_UPSTREAM_UNAVAILABLE', `${upstream.name} answer too large to seal`, { fields: { upstream: upstream.name } });
        chunks.push(chunk as Buffer);
      }
      const rewritten = options.rewrite.apply(answer.statusCode, Buffer.concat(chunks), contentType);
      res.setHeader('content-length', String(rewritten.length));
      res.end(rewritten);
      return;
    }
    await pipeline(answer.body, res);
  } catch (error) {
    answer.body.destroy();
    if (res.headersSent) {
      res.destroy();
      return;
    }
    throw translate(error, upstream.name);
  } finally {
    res.off('close', onClose);
  }
}
