import { InputError } from '@vigilo/errors';
import { TASK_HEADERS } from './ports.js';

/** The content type of every task body. */
export const TASK_CONTENT_TYPE = 'application/json';
/** The User-Agent the PostgreSQL dispatcher sends (Cloud Tasks sends `Google-Cloud-Tasks`). */
export const POSTGRES_DISPATCHER_USER_AGENT = 'Vigilo-Task-Dispatcher';

/** At most this many extra headers per task. */
export const MAX_EXTRA_HEADERS = 32;
/** At most this many bytes (UTF-8, names and values) of extra headers per task. */
export const MAX_EXTRA_HEADER_BYTES = 8 * 1024;

/** RFC 9110 `token`. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Visible ASCII and spaces/tabs, not starting or ending with whitespace (RFC 9110 field-value, ASCII only). */
const HEADER_VALUE = /^(?:[\x21-\x7e](?:[\x20-\x7e\t]*[\x21-\x7e])?)?$/;

/** Headers the queue sets itself or that HTTP owns; a task may not carry its own. */
const RESERVED_HEADERS = new Set([
  'authorization',
  'connection',
  'content-encoding',
  'content-length',
  'content-type',
  'expect',
  'host',
  'keep-alive',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'user-agent',
]);
const RESERVED_PREFIXES = ['x-cloudtasks-', 'x-google-', 'x-appengine-'];

/**
 * Checks a task's extra headers and returns them with lower-case names.
 *
 * @throws InputError for an invalid name or value, a header the queue owns
 *   (`Content-Type`, `Authorization`, `Host`, `User-Agent`, `X-CloudTasks-*`,
 *   ...), a name given twice in different case, or more than 32 headers / 8 KiB.
 */
export function validateExtraHeaders(extra: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  if (extra === undefined) return result;
  const entries = Object.entries(extra);
  if (entries.length > MAX_EXTRA_HEADERS) {
    throw new InputError(`A task carries at most ${MAX_EXTRA_HEADERS} extra headers`, { fields: { count: entries.length } });
  }
  let bytes = 0;
  for (const [rawName, value] of entries) {
    const name = rawName.toLowerCase();
    if (!HEADER_NAME.test(rawName)) throw new InputError('Invalid HTTP header name in a task', { fields: { header: rawName.slice(0, 64) } });
    if (RESERVED_HEADERS.has(name) || RESERVED_PREFIXES.some((p) => name.startsWith(p))) {
      throw new InputError('A task may not set a header the queue owns', { fields: { header: name } });
    }
    if (typeof value !== 'string' || !HEADER_VALUE.test(value)) throw new InputError('Invalid HTTP header value in a task', { fields: { header: name } });
    if (Object.prototype.hasOwnProperty.call(result, name)) throw new InputError('A task header is given twice', { fields: { header: name } });
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
    result[name] = value;
  }
  if (bytes > MAX_EXTRA_HEADER_BYTES) {
    throw new InputError(`A task's extra headers take at most ${MAX_EXTRA_HEADER_BYTES} bytes`, { fields: { bytes } });
  }
  return result;
}

/**
 * The headers to store on a task: `Content-Type: application/json` (always
 * set: without it the emulator sends none and production sends
 * `application/octet-stream`) and the checked extra headers.
 */
export function taskRequestHeaders(extra: Readonly<Record<string, string>> | undefined): Record<string, string> {
  return { 'Content-Type': TASK_CONTENT_TYPE, ...validateExtraHeaders(extra) };
}

/** `X-CloudTasks-TaskETA`: epoch seconds with 6 decimals, e.g. `1795929779.974785`. */
export function formatTaskEta(epochMicros: number): string {
  const micros = Math.round(epochMicros);
  const seconds = Math.floor(micros / 1_000_000);
  const fraction = micros - seconds * 1_000_000;
  return `${seconds}.${String(fraction).padStart(6, '0')}`;
}

export interface DispatchHeaderInput {
  readonly queueName: string;
  readonly taskName: string;
  /** Dispatches of this task before this one. */
  readonly retryCount: number;
  /** Earlier dispatches that ended with a response (or a failed connection). */
  readonly executionCount: number;
  /** This attempt's schedule time, microseconds since the epoch. */
  readonly etaMicros: number;
  /** The task's stored extra headers (already checked). */
  readonly extra?: Readonly<Record<string, string>>;
  /** Shared secret for `Authorization: Bearer …`; none when undefined. */
  readonly bearerToken?: string;
}

/** The request headers of one dispatch by the PostgreSQL dispatcher: what Cloud Tasks sends, in its case. */
export function dispatchHeaders(input: DispatchHeaderInput): Record<string, string> {
  const headers: Record<string, string> = {
    'User-Agent': POSTGRES_DISPATCHER_USER_AGENT,
    ...(input.extra ?? {}),
    'Content-Type': TASK_CONTENT_TYPE,
    'X-CloudTasks-QueueName': input.queueName,
    'X-CloudTasks-TaskName': input.taskName,
    'X-CloudTasks-TaskRetryCount': String(input.retryCount),
    'X-CloudTasks-TaskExecutionCount': String(input.executionCount),
    'X-CloudTasks-TaskETA': formatTaskEta(input.etaMicros),
  };
  if (input.bearerToken !== undefined) headers['Authorization'] = `Bearer ${input.bearerToken}`;
  return headers;
}

/** What a task handler learns from the headers of one dispatch. */
export interface TaskDispatchInfo {
  readonly queueName: string;
  readonly taskName: string;
  /** Dispatches before this one: `0` on the first attempt. Compare with `isLastAttempt`. */
  readonly retryCount: number;
  /** Informational only (production does not count 503 answers). */
  readonly executionCount: number | undefined;
  /** This attempt's schedule time in epoch seconds. */
  readonly etaSeconds: number | undefined;
}

type IncomingHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

function single(headers: IncomingHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? undefined : (value as string | undefined);
}

/**
 * Reads the Cloud Tasks headers of an incoming dispatch (Node's lower-case
 * `req.headers`). Either adapter's dispatches parse the same.
 *
 * @throws InputError when the queue name, task name or retry count is
 *   missing or malformed (the request did not come from a task queue).
 */
export function readTaskHeaders(headers: IncomingHeaders): TaskDispatchInfo {
  const queueName = single(headers, TASK_HEADERS.queueName);
  const taskName = single(headers, TASK_HEADERS.taskName);
  const retry = single(headers, TASK_HEADERS.retryCount);
  if (!queueName || !taskName || retry === undefined || !/^\d{1,9}$/.test(retry)) {
    throw new InputError('The request lacks valid X-CloudTasks-QueueName, -TaskName and -TaskRetryCount headers');
  }
  const execution = single(headers, TASK_HEADERS.executionCount);
  const eta = single(headers, TASK_HEADERS.eta);
  const etaSeconds = eta !== undefined && /^\d+(?:\.\d+)?$/.test(eta) ? Number(eta) : undefined;
  return {
    queueName,
    taskName,
    retryCount: Number(retry),
    executionCount: execution !== undefined && /^\d{1,9}$/.test(execution) ? Number(execution) : undefined,
    etaSeconds,
  };
}
