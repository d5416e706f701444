import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/**
 * Keys that may hold personal data anywhere in a logged object. Logs must
 * never carry report content; this is the second line of defence.
 */
const PII_KEYS: ReadonlySet<string> = new Set([
  'patient', 'primarysource', 'narrativeincludeclinical', 'drugbatchnumb', 'drugdosagetext',
  'patientinitial', 'patientbirthdate', 'reporteremail', 'reportertel', 'reportergivename',
  'reporterfamilyname', 'report', 'content', 'body', 'authorization', 'password', 'token',
  'cookie', 'x-api-key',
]);
const CENSOR = '[redacted]';
/** Deeper than any log line we write; a guard against cycles and huge objects. */
const MAX_DEPTH = 8;

/**
 * Replaces the value of every key named in PII_KEYS, at any depth of plain objects and arrays, with
 * `[redacted]`. Returns the input itself when nothing matched (the common case: no copy), else a copy.
 * Errors and other class instances are left to their serializers. One pass over the object's own keys: the
 * access line of a request costs a handful of Set lookups, not a walk of every configured path.
 */
export function redactPersonalKeys<T>(value: T, depth = 0): T {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, i) => {
      const cleaned = redactPersonalKeys(item, depth + 1);
      if (cleaned !== item) (copy ??= [...value])[i] = cleaned;
    });
    return (copy ?? value) as T;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    const cleaned = PII_KEYS.has(key.toLowerCase()) ? CENSOR : redactPersonalKeys(item, depth + 1);
    if (cleaned !== item) (copy ??= { ...(value as Record<string, unknown>) })[key] = cleaned;
  }
  return (copy ?? value) as T;
}

const QUOTED = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\([^)]*\)=\([^)]*\)/g;

/**
 * Serialises errors without values they may carry: database drivers put row
 * values in `detail` and quote input in messages ("invalid input syntax for
 * type integer: "abc"").
 */
export function errorSerializer(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error).replace(QUOTED, '"?"') };
  const e = error as Error & { code?: unknown; status?: unknown; constraint?: unknown; table?: unknown; column?: unknown };
  const out: Record<string, unknown> = {
    type: e.name,
    message: e.message.replace(QUOTED, '"?"'),
  };
  if (typeof e.code === 'string') out['code'] = e.code;
  if (typeof e.constraint === 'string') out['constraint'] = e.constraint;
  if (typeof e.table === 'string') out['table'] = e.table;
  if (typeof e.column === 'string') out['column'] = e.column;
  if (e.stack) out['stack'] = e.stack.split('\n').slice(1).join('\n');
  if (e.cause !== undefined) out['cause'] = errorSerializer(e.cause);
  return out;
}

export interface CreateLoggerOptions {
  /** Service name, logged as `service`. */
  name: string;
  /** pino level. @default 'info' */
  level?: string;
  /** Where to write; defaults to stdout. Tests pass a stream to inspect output. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(options: CreateLoggerOptions): Logger {
  const config: LoggerOptions = {
    level: options.level ?? 'info',
    base: { service: options.name },
    messageKey: 'message',
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }), log: (object) => redactPersonalKeys(object) },
    serializers: { err: errorSerializer, error: errorSerializer },
  };
  // Asynchronous writes to stdout: while one write is in progress, the lines that follow are buffered and go out
  // together in the next, so a busy service makes one write call per burst of lines instead of one per line.
  // pino flushes the buffer synchronously when the process exits.
  const destination = options.destination ? (options.destination as pino.DestinationStream) : pino.destination({ dest: 1, sync: false });
  const logger = pino(config, destination);
  // pino does not pass child bindings through the formatters; children inherit this from the root instance.
  const child = logger.child;
  logger.child = function redactedChild(this: Logger, bindings, childOptions) {
    return child.call(this, redactPersonalKeys(bindings), childOptions);
  } as Logger['child'];
  return logger;
}
