import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/**
 * Keys that may hold personal data anywhere in a logged object. Logs must
 * never carry report content; this is the second line of defence.
 */
const PII_KEYS = [
  'patient', 'primarysource', 'narrativeincludeclinical', 'drugbatchnumb', 'drugdosagetext',
  'patientinitial', 'patientbirthdate', 'reporteremail', 'reportertel', 'reportergivename',
  'reporterfamilyname', 'report', 'content', 'body', 'authorization', 'password', 'token',
];

function redactPaths(): string[] {
  const paths: string[] = [];
  for (const key of PII_KEYS) paths.push(key, `*.${key}`, `*.*.${key}`);
  paths.push('req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]');
  return paths;
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
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: redactPaths(), censor: '[redacted]' },
    serializers: { err: errorSerializer, error: errorSerializer },
  };
  return options.destination ? pino(config, options.destination as pino.DestinationStream) : pino(config);
}
