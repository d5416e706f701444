import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { renderConfigTable } from '@vigilo/platform';
import { RELAY_SETTINGS, loadRelayConfig } from './config.js';

describe('relay configuration', () => {
  it('is documented in docs/config/relay.md exactly as the code defines it', () => {
    const doc = readFileSync(new URL('../../../docs/config/relay.md', import.meta.url), 'utf8');
    assert.ok(doc.includes(renderConfigTable(RELAY_SETTINGS)), 'regenerate the table: node scripts/gen-docs.mjs');
  });
  it('rejects an emulator endpoint that is not host:port', () => {
    assert.throws(() => loadRelayConfig({ VIGILO_RELAY_CLOUD_TASKS_EMULATOR: 'http://x' }), /VIGILO_RELAY_CLOUD_TASKS_EMULATOR/);
  });
});
