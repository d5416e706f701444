import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { renderConfigTable } from '@vigilo/platform';
import { OPERATOR_SETTINGS, loadOperatorConfig } from './config.js';

describe('operator configuration', () => {
  it('is documented in docs/config/operator.md exactly as the code defines it', () => {
    const doc = readFileSync(new URL('../../docs/config/operator.md', import.meta.url), 'utf8');
    assert.ok(doc.includes(renderConfigTable(OPERATOR_SETTINGS)), 'regenerate the table: node scripts/gen-docs.mjs');
  });

  it('resolves an empty environment to the documented defaults, units parsed', () => {
    const config = loadOperatorConfig({});
    assert.equal(config.mode, 'kubernetes');
    assert.equal(config.leaseDurationMs, 15_000);
    assert.equal(config.renewDeadlineMs, 10_000);
    assert.equal(config.retryPeriodMs, 2_000);
    assert.equal(config.resyncPeriodMs, 600_000);
    assert.equal(config.databaseUrl, undefined);
  });

  it('rejects unknown VIGILO_OPERATOR_ variables and invalid values, all at once', () => {
    assert.throws(
      () => loadOperatorConfig({ VIGILO_OPERATOR_MODES: 'local', VIGILO_OPERATOR_MODE: 'cluster', VIGILO_OPERATOR_WORKERS: '0' }),
      (error: Error & { code?: string }) =>
        error.code === 'VIG_CONFIG_INVALID' && /VIGILO_OPERATOR_MODES/.test(error.message) && /VIGILO_OPERATOR_MODE:/.test(error.message) && /VIGILO_OPERATOR_WORKERS/.test(error.message),
    );
  });
});
