import assert from 'node:assert/strict';
import { canonicalJson, contentHash } from './canonical.js';
import { isRealPartialDate, comparePartialDates } from './dates.js';
import { isTenantId, tenantSchemaName } from './tenant.js';

describe('contentHash', () => {
  it('does not depend on key order', () => {
    assert.equal(contentHash({ a: 1, b: { c: [1, { d: 2, e: 3 }] } }), contentHash({ b: { c: [1, { e: 3, d: 2 }] }, a: 1 }));
  });
  it('depends on array order and on values', () => {
    assert.notEqual(contentHash({ a: [1, 2] }), contentHash({ a: [2, 1] }));
    assert.notEqual(contentHash({ a: '1' }), contentHash({ a: 1 }));
  });
  it('produces sorted, whitespace-free JSON', () => {
    assert.equal(canonicalJson({ b: 1, a: [true, null] }), '{"a":[true,null],"b":1}');
  });
});

describe('partial dates', () => {
  it('knows leap years and month lengths', () => {
    assert.equal(isRealPartialDate('20240229'), true);
    assert.equal(isRealPartialDate('20230229'), false);
    assert.equal(isRealPartialDate('202313'), false);
    assert.equal(isRealPartialDate('2023'), true);
  });
  it('compares on the common precision', () => {
    assert.equal(comparePartialDates('2023', '20230512'), 0);
    assert.ok(comparePartialDates('20230513', '20230512') > 0);
  });
});

describe('tenant ids', () => {
  it('accept DNS-label-like names and map them to SQL names deterministically', () => {
    assert.equal(isTenantId('acme-pharma'), true);
    assert.equal(tenantSchemaName('acme-pharma' as never), 'tenant_acme_pharma');
    for (const bad of ['ab', 'Acme', '1acme', 'acme-', 'ac--me', 'a'.repeat(41), 'acme_x', "acme'--"]) assert.equal(isTenantId(bad), false, bad);
  });
});
