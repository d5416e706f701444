import { Ajv, type ErrorObject } from 'ajv';
import { VigiloError } from '@vigilo/errors';

/**
 * One setting of a service, read from one environment variable.
 * Durations accept `250ms`, `5s`, `2m`, `1h` or a plain number of
 * milliseconds and resolve to milliseconds; sizes accept `512kb`, `10mb` or
 * bytes and resolve to bytes.
 */
export type SettingSpec =
  | { env: string; kind: 'string'; default?: string; description: string; secret?: boolean; pattern?: string; enum?: readonly string[] }
  | { env: string; kind: 'integer'; default?: number; description: string; minimum?: number; maximum?: number }
  | { env: string; kind: 'boolean'; default?: boolean; description: string }
  | { env: string; kind: 'duration'; default?: string; description: string; minimumMs?: number; maximumMs?: number }
  | { env: string; kind: 'size'; default?: string; description: string; minimumBytes?: number; maximumBytes?: number };

export type SettingsSpec = Readonly<Record<string, SettingSpec>>;

type ValueOf<S extends SettingSpec> = S extends { kind: 'string' }
  ? string
  : S extends { kind: 'boolean' }
    ? boolean
    : number;

export type Resolved<S extends SettingsSpec> = {
  readonly [K in keyof S]: S[K] extends { default: unknown } ? ValueOf<S[K]> : ValueOf<S[K]> | undefined;
};

const DURATION = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)?$/;
const SIZE = /^([0-9]+)(b|kb|mb|gb)?$/i;

export function parseDurationMs(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  if (!m) return undefined;
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 'ms') as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(m[1]) * factor);
}

export function parseSizeBytes(text: string): number | undefined {
  const m = SIZE.exec(text.trim());
  if (!m) return undefined;
  const factor = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(m[2] ?? 'b').toLowerCase() as 'b' | 'kb' | 'mb' | 'gb'];
  return Number(m[1]) * factor;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

export interface LoadConfigOptions {
  /** Unknown variables starting with one of these prefixes are an error (typos must not pass silently). */
  strictPrefixes?: readonly string[];
}

/**
 * Reads every setting from `env`, validates all of them at once and returns
 * a deep-frozen object. Throws one VIG_CONFIG_INVALID listing every problem.
 */
export function loadConfig<S extends SettingsSpec>(spec: S, env: NodeJS.ProcessEnv, options: LoadConfigOptions = {}): Resolved<S> {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  const known = new Set(Object.values(spec).map((s) => s.env));
  for (const prefix of options.strictPrefixes ?? []) {
    for (const key of Object.keys(env)) {
      if (key.startsWith(prefix) && !known.has(key)) problems.push(`${key}: unknown setting`);
    }
  }
  for (const [name, setting] of Object.entries(spec)) {
    const raw = env[setting.env];
    const present = raw !== undefined && raw !== '';
    if (!present && setting.default === undefined) {
      out[name] = undefined;
      continue;
    }
    const text = present ? raw!.trim() : String(setting.default);
    switch (setting.kind) {
      case 'string': {
        if (setting.enum && !setting.enum.includes(text)) problems.push(`${setting.env}: must be one of ${setting.enum.join(', ')}`);
        else if (setting.pattern && !new RegExp(setting.pattern).test(text)) problems.push(`${setting.env}: must match ${setting.pattern}`);
        out[name] = text;
        break;
      }
      case 'integer': {
        const value = Number(text);
        if (!/^-?[0-9]+$/.test(text)) problems.push(`${setting.env}: must be an integer`);
        else if (setting.minimum !== undefined && value < setting.minimum) problems.push(`${setting.env}: must be >= ${setting.minimum}`);
        else if (setting.maximum !== undefined && value > setting.maximum) problems.push(`${setting.env}: must be <= ${setting.maximum}`);
        out[name] = value;
        break;
      }
      case 'boolean': {
        if (!/^(true|false|1|0)$/i.test(text)) problems.push(`${setting.env}: must be true or false`);
        out[name] = /^(true|1)$/i.test(text);
        break;
      }
      case 'duration': {
        const ms = parseDurationMs(text);
        if (ms === undefined) problems.push(`${setting.env}: must be a duration such as 500ms, 5s or 2m`);
        else if (setting.minimumMs !== undefined && ms < setting.minimumMs) problems.push(`${setting.env}: must be at least ${setting.minimumMs}ms`);
        else if (setting.maximumMs !== undefined && ms > setting.maximumMs) problems.push(`${setting.env}: must be at most ${setting.maximumMs}ms`);
        out[name] = ms;
        break;
      }
      case 'size': {
        const bytes = parseSizeBytes(text);
        if (bytes === undefined) problems.push(`${setting.env}: must be a size such as 512kb or 10mb`);
        else if (setting.minimumBytes !== undefined && bytes < setting.minimumBytes) problems.push(`${setting.env}: must be at least ${setting.minimumBytes} bytes`);
        else if (setting.maximumBytes !== undefined && bytes > setting.maximumBytes) problems.push(`${setting.env}: must be at most ${setting.maximumBytes} bytes`);
        out[name] = bytes;
        break;
      }
    }
  }
  if (problems.length > 0) {
    throw new VigiloError('VIG_CONFIG_INVALID', `Invalid configuration:\n  ${problems.join('\n  ')}`, { fields: { problems } });
  }
  return deepFreeze(out) as Resolved<S>;
}

/** The effective configuration with secrets replaced, for the start-up log line. */
export function redactConfig<S extends SettingsSpec>(spec: S, config: Resolved<S>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, setting] of Object.entries(spec)) {
    const value = (config as Record<string, unknown>)[name];
    out[name] = setting.kind === 'string' && setting.secret && value !== undefined ? '[redacted]' : value;
  }
  return out;
}

/** Markdown table of every setting; docs/config/<service>.md is tested against it. */
export function renderConfigTable(spec: SettingsSpec): string {
  const rows = Object.values(spec).map((s) => {
    const def = s.default === undefined ? '(required)' : `\`${String(s.default)}\``;
    return `| \`${s.env}\` | ${s.kind} | ${def} | ${s.description.replace(/\|/g, '\\|')} |`;
  });
  return ['| Variable | Type | Default | Meaning |', '|---|---|---|---|', ...rows].join('\n') + '\n';
}

export type { ErrorObject };
