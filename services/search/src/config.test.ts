import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { renderConfigTable } from '@vigilo/platform';
import { SEARCH_SETTINGS, loadSearchConfig } from './config.js';

describe('search configuration', () => {
  it('is documented in docs/config/search.md exactly as the code defines it', () => {
    const doc = readFileSync(new URL('../../../docs/config/search.md', import.meta.url), 'utf8');
    assert.ok(doc.includes(renderConfigTable(SEARCH_SETTINGS)), 'regenerate the table: node scripts/gen-docs.mjs');
  });
  it("has openFDA's paging limits by default and no engine until one is configured", () => {
    const config = loadSearchConfig({});
    assert.equal(config.maxLimit, 1000);
    assert.equal(config.maxSkip, 25000);
    assert.equal(config.engineUrl, undefined);
  });
  it('rejects unknown VIGILO_SEARCH_ variables', () => {
    assert.throws(() => loadSearchConfig({ VIGILO_SEARCH_PORTT: '1' }), /VIGILO_SEARCH_PORTT/);
  });
});
