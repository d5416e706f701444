import assert from 'node:assert/strict';
import { loadConfig, parseDurationMs, parseSizeBytes, renderConfigTable, type SettingsSpec } from './config.js';

const SPEC = {
  port: { env: 'X_PORT', kind: 'integer', default: 8080, minimum: 1, maximum: 65535, description: 'Port.' },
  url: { env: 'X_URL', kind: 'string', secret: true, description: 'URL.' },
  timeoutMs: { env: 'X_TIMEOUT', kind: 'duration', default: '5s', description: 'Timeout.' },
  limitBytes: { env: 'X_LIMIT', kind: 'size', default: '1mb', description: 'Limit.' },
  verbose: { env: 'X_VERBOSE', kind: 'boolean', default: false, description: 'Verbose.' },
  level: { env: 'X_LEVEL', kind: 'string', default: 'info', enum: ['info', 'debug'], description: 'Level.' },
} as const satisfies SettingsSpec;

describe('loadConfig', () => {
  it('yields exactly the defaults, resolved to units, for an empty environment', () => {
    assert.deepEqual({ ...loadConfig(SPEC, {}) }, { port: 8080, url: undefined, timeoutMs: 5000, limitBytes: 1048576, verbose: false, level: 'info' });
  });

  it('returns a frozen object', () => {
    const config = loadConfig(SPEC, {});
    assert.ok(Object.isFrozen(config));
    assert.throws(() => {
      (config as { port: number }).port = 1;
    }, TypeError);
  });

  it('collects every violation into one VIG_CONFIG_INVALID', () => {
    assert.throws(
      () => loadConfig(SPEC, { X_PORT: '0', X_TIMEOUT: 'soon', X_LIMIT: 'big', X_VERBOSE: 'maybe', X_LEVEL: 'loud', X_TYPO: '1' }, { strictPrefixes: ['X_'] }),
      (error: { code?: string; fields?: { problems?: string[] } }) => error.code === 'VIG_CONFIG_INVALID' && error.fields?.problems?.length === 6,
    );
  });

  it('parses durations and sizes with units', () => {
    assert.equal(parseDurationMs('250ms'), 250);
    assert.equal(parseDurationMs('2m'), 120000);
    assert.equal(parseDurationMs('1.5s'), 1500);
    assert.equal(parseDurationMs('5 minutes'), undefined);
    assert.equal(parseSizeBytes('512kb'), 524288);
    assert.equal(parseSizeBytes('10MB'), 10485760);
  });

  it('renders a documentation table with every variable', () => {
    const table = renderConfigTable(SPEC);
    for (const s of Object.values(SPEC)) assert.ok(table.includes(`\`${s.env}\``));
  });
});
