import { type ErrorFields, UnavailableError, VigiloError, isVigiloError } from '@vigilo/errors';
import type { EngineHealth } from './ports.js';

export type EngineName = EngineHealth['engine'];

const ENGINE_LABEL: Readonly<Record<EngineName, string>> = { elasticsearch: 'Elasticsearch', opensearch: 'OpenSearch' };

/** Names of the clients' error classes (the same in @elastic/transport and the OpenSearch client). */
const UNREACHABLE = new Set(['ConnectionError', 'TimeoutError', 'NoLivingConnectionsError', 'RequestAbortedError']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object';
}

/** What may be said about a client error without its content: class name, HTTP status, engine error type. */
export interface EngineErrorSummary {
  readonly name: string;
  readonly status: number | undefined;
  readonly type: string | undefined;
}

export function summarizeEngineError(error: unknown): EngineErrorSummary {
  const name = isRecord(error) && typeof error['name'] === 'string' ? error['name'] : 'Error';
  let status: number | undefined;
  let body: unknown;
  if (isRecord(error)) {
    const meta = error['meta'];
    if (typeof error['statusCode'] === 'number') status = error['statusCode'];
    else if (isRecord(meta) && typeof meta['statusCode'] === 'number') status = meta['statusCode'];
    body = isRecord(meta) && 'body' in meta ? meta['body'] : error['body'];
  }
  const inner = isRecord(body) ? body['error'] : undefined;
  const rawType = isRecord(inner) ? inner['type'] : typeof inner === 'string' ? 'error' : undefined;
  const type = typeof rawType === 'string' && /^[a-z][a-z0-9_]{0,99}$/.test(rawType) ? rawType : undefined;
  return { name, status: status || undefined, type };
}

export interface EngineErrorContext {
  readonly engine: EngineName;
  /** What the adapter was doing, e.g. `bulk`, `ensureTenant` (no values). */
  readonly operation: string;
  readonly tenantId?: string | undefined;
}

/**
 * Translates anything an engine client threw into the platform's errors, at the adapter's boundary:
 * - cannot connect, timed out, no living node, 429 or 5xx: UnavailableError (VIG_UNAVAILABLE, retryable);
 * - anything else (4xx, an unexpected response, a bug): VigiloError VIG_INTERNAL.
 * VigiloErrors pass through unchanged. The message and fields carry the operation, the status and
 * the engine's error type only: the client's error (which holds the request, documents included,
 * and reasons that may quote field values) is not kept as `cause`; a summary of it is.
 */
export function translateEngineError(error: unknown, context: EngineErrorContext): VigiloError {
  if (isVigiloError(error)) return error;
  const summary = summarizeEngineError(error);
  const label = ENGINE_LABEL[context.engine];
  const fields: ErrorFields = {
    engine: context.engine,
    operation: context.operation,
    ...(context.tenantId === undefined ? {} : { tenantId: context.tenantId }),
    ...(summary.status === undefined ? {} : { engineStatus: summary.status }),
    ...(summary.type === undefined ? {} : { engineErrorType: summary.type }),
  };
  // Our own shape checks throw TypeError/RangeError with messages that hold no values; other messages are not repeated.
  const detail = (error instanceof TypeError || error instanceof RangeError) && summary.status === undefined ? `: ${error.message}` : '';
  const what = summary.status === undefined ? `${summary.name}${detail}` : `${summary.status} ${summary.type ?? 'error'}`;
  const unreachable = summary.status === undefined && UNREACHABLE.has(summary.name);
  // Connection errors carry the socket's message (`connect ECONNREFUSED 10.0.0.7:9200`), which is useful and holds no content.
  const socketMessage = unreachable && error instanceof Error ? `: ${error.message}` : '';
  const cause = new Error([summary.name, summary.status, summary.type].filter((part) => part !== undefined).join(' ') + socketMessage);
  if (unreachable || summary.status === 429 || (summary.status !== undefined && summary.status >= 500)) {
    return new UnavailableError(`${label} is unavailable (${context.operation}: ${what})`, { fields, cause });
  }
  return new VigiloError('VIG_INTERNAL', `${label} ${context.operation} failed: ${what}`, { fields, cause });
}
