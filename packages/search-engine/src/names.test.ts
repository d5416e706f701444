import assert from 'node:assert/strict';
import { type TenantId, parseTenantId } from '@vigilo/domain';
import { isVigiloError } from '@vigilo/errors';
import { concreteIndexName, indexGeneration, initialIndexName, tenantIndexNames } from './names.js';

const t = (id: string): TenantId => parseTenantId(id);

/** The engines' index-pattern semantics: `*` matches any run of characters. */
function matches(pattern: string, name: string): boolean {
  const regex = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\-]/g, '\\$&')).join('.*')}$`);
  return regex.test(name);
}

describe('tenantIndexNames', function () {
  it('derives every name from the tenant id, deterministically', function () {
    assert.deepEqual(tenantIndexNames(t('acme')), {
      template: 'vigilo-reports-acme',
      indexPrefix: 'vigilo-reports-acme',
      indexPattern: 'vigilo-reports-acme--*',
      writeAlias: 'vigilo-reports-acme-write',
      readAlias: 'vigilo-reports-acme-read',
    });
    assert.deepEqual(tenantIndexNames(t('acme')), tenantIndexNames(t('acme')));
    assert.equal(initialIndexName(tenantIndexNames(t('acme'))), 'vigilo-reports-acme--000001');
  });

  it("never lets one tenant's pattern match another tenant's index, even when one id extends the other", function () {
    const tenants = ['acme', 'acme-eu', 'acme-write', 'acme-read', 'acme-000001', 'acme-0eu', 'acm', 'acme2'].map(t);
    for (const owner of tenants) {
      for (const other of tenants) {
        const names = tenantIndexNames(owner);
        const index = concreteIndexName(tenantIndexNames(other), 1);
        assert.equal(matches(names.indexPattern, index), owner === other, `${names.indexPattern} vs ${index}`);
      }
    }
    // The naive `<prefix>-*` would have matched: the reason for the double hyphen.
    assert.equal(matches('vigilo-reports-acme-*', concreteIndexName(tenantIndexNames(t('acme-eu')), 1)), true);
  });

  it('keeps aliases, indices and templates of different tenants distinct', function () {
    const tenants = ['acme', 'acme-eu', 'acme-write', 'acme-read', 'write', 'read-x'].map(t);
    const seen = new Map<string, string>();
    for (const tenant of tenants) {
      const names = tenantIndexNames(tenant);
      for (const name of [names.writeAlias, names.readAlias, concreteIndexName(names, 1), concreteIndexName(names, 2)]) {
        assert.equal(seen.get(name), undefined, `${name} of ${tenant} also belongs to ${seen.get(name)}`);
        seen.set(name, tenant);
      }
      assert.ok(!names.writeAlias.includes('--') && !names.readAlias.includes('--'), 'aliases never contain the generation separator');
    }
  });

  it('refuses anything that is not a tenant id with VIG_TENANT_INVALID_ID', function () {
    for (const bad of ['', 'Acme', 'a', 'acme--eu', 'acme-', '-acme', 'acme_eu', 'acme/x', 'acme*']) {
      assert.throws(() => tenantIndexNames(bad as TenantId), (error: unknown) => isVigiloError(error) && error.code === 'VIG_TENANT_INVALID_ID', bad);
    }
  });
});

describe('concreteIndexName and indexGeneration', function () {
  const names = tenantIndexNames(t('acme'));

  it('round-trips generations as six digits after a double hyphen', function () {
    for (const generation of [1, 2, 42, 999_999]) {
      const index = concreteIndexName(names, generation);
      assert.match(index, /^vigilo-reports-acme--[0-9]{6}$/);
      assert.equal(indexGeneration(names, index), generation);
    }
    assert.equal(concreteIndexName(names, 2), 'vigilo-reports-acme--000002');
  });

  it("recognises only this tenant's generations", function () {
    const cases: Array<[string, string]> = [
      ['vigilo-reports-acme-eu--000001', "another tenant's index"],
      ['vigilo-reports-acme--000000', 'generation 0 does not exist'],
      ['vigilo-reports-acme--0000001', 'seven digits'],
      ['vigilo-reports-acme--00001', 'five digits'],
      ['vigilo-reports-acme-write', 'an alias'],
      ['vigilo-reports-acme--00000a', 'not a number'],
    ];
    for (const [index, reason] of cases) assert.equal(indexGeneration(names, index), undefined, reason);
  });

  it('refuses generations outside 1..999999', function () {
    for (const generation of [0, -1, 1.5, 1_000_000, Number.NaN]) assert.throws(() => concreteIndexName(names, generation), RangeError);
  });
});
