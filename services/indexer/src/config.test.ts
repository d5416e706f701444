import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { renderConfigTable } from '@vigilo/platform';
import { INDEXER_SETTINGS, loadIndexerConfig } from './config.js';

describe('indexer configuration', () => {
  it('is documented in docs/config/indexer.md exactly as the code defines it', () => {
    const doc = readFileSync(new URL('../../../docs/config/indexer.md', import.meta.url), 'utf8');
    assert.ok(doc.includes(renderConfigTable(INDEXER_SETTINGS)), 'regenerate the table: node scripts/gen-docs.mjs');
  });
  it('defaults to OIDC authentication and Elasticsearch', () => {
    const config = loadIndexerConfig({});
    assert.equal(config.authMode, 'oidc');
    assert.equal(config.engine, 'elasticsearch');
    assert.equal(config.batchWindowMs, 5);
  });
  it('rejects an unknown engine', () => {
    assert.throws(() => loadIndexerConfig({ VIGILO_ENGINE: 'solr' }), /VIGILO_ENGINE: must be one of/);
  });
});
