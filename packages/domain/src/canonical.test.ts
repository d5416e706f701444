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
  it('gives the same text as a sorted deep copy serialised once (the definition of stored hashes)', () => {
    const sortDeep = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(sortDeep)
        : value !== null && typeof value === 'object'
          ? Object.fromEntries(
              Object.keys(value)
                .sort()
                .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
                .map((k) => [k, sortDeep((value as Record<string, unknown>)[k])]),
            )
          : value;
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const build = (depth: number): unknown => {
      const pick = random();
      if (depth > 3 || pick < 0.3) return [null, true, 1.5, 'x\u00e9', '', undefined][Math.floor(random() * 6)];
      if (pick < 0.55) return Array.from({ length: Math.floor(random() * 4) }, () => build(depth + 1) ?? null);
      const object: Record<string, unknown> = {};
      for (let i = Math.floor(random() * 6); i > 0; i--) object[['b', 'a', 'patient', 'drug', 'Z', '10', '2'][Math.floor(random() * 7)]!] = build(depth + 1);
      return object;
    };
    for (let i = 0; i < 500; i++) {
      const value = build(0);
      assert.equal(canonicalJson(value), JSON.stringify(sortDeep(value)));
    }
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
