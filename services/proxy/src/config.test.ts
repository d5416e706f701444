import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { renderConfigTable } from '@vigilo/platform';
import { PROXY_SETTINGS, loadProxyConfig } from './config.js';
import { effectiveLimits } from './rateLimit.js';

describe('proxy configuration', () => {
  it('is documented in docs/config/proxy.md exactly as the code defines it', () => {
    const doc = readFileSync(new URL('../../../docs/config/proxy.md', import.meta.url), 'utf8');
    assert.ok(doc.includes(renderConfigTable(PROXY_SETTINGS)), 'regenerate the table: node scripts/gen-docs.mjs');
  });
  it('has no upstream and no JWT issuer until they are configured', () => {
    const config = loadProxyConfig({});
    assert.equal(config.engineUrl, undefined);
    assert.equal(config.jwtIssuer, undefined);
    assert.equal(config.engineMaxBodyBytes, 1024 * 1024);
  });
  it('rejects unknown VIGILO_PROXY_ variables', () => {
    assert.throws(() => loadProxyConfig({ VIGILO_PROXY_PORTT: '1' }), /VIGILO_PROXY_PORTT/);
  });
});

describe('proxy: effectiveLimits', () => {
  const defaults = { tenantRequests: 200, tenantWindowSeconds: 1, keyRequests: 100, keyWindowSeconds: 1 };
  it("takes valid overrides from the tenant's settings and keeps the defaults for the rest", () => {
    assert.deepEqual(effectiveLimits(defaults, { rateLimit: { tenantRequests: 5, keyWindowSeconds: 60, keyRequests: -1, tenantWindowSeconds: 'x' } }), {
      tenantRequests: 5,
      tenantWindowSeconds: 1,
      keyRequests: 100,
      keyWindowSeconds: 60,
    });
    assert.deepEqual(effectiveLimits(defaults, {}), defaults);
  });
});
