import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { renderConfigTable } from '@vigilo/platform';
import { INGEST_SETTINGS, loadIngestConfig } from './config.js';

describe('ingest configuration', () => {
  it('is documented in docs/config/ingest.md exactly as the code defines it', () => {
    const doc = readFileSync(new URL('../../../docs/config/ingest.md', import.meta.url), 'utf8');
    assert.ok(doc.includes(renderConfigTable(INGEST_SETTINGS)), 'regenerate the table: node scripts/gen-docs.mjs');
  });

  it('rejects an unknown VIGILO_INGEST_ variable (a typo must not pass silently)', () => {
    assert.throws(() => loadIngestConfig({ VIGILO_INGEST_PROT: '1' }), /VIGILO_INGEST_PROT: unknown setting/);
  });
});
