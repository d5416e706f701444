import assert from 'node:assert/strict';
import { isVigiloError } from '@vigilo/errors';
import { assertNoIndexReferences, countOf, hitsOf, indexedVersionOf, liveReportsFilter, pageRequestBody } from './queries.js';

const invalid = (error: unknown) => isVigiloError(error) && error.code === 'VIG_REQUEST_INVALID_PARAMETER';

describe('liveReportsFilter', function () {
  it('excludes tombstones and is a fresh object on each call', function () {
    assert.deepEqual(liveReportsFilter(), { bool: { must_not: [{ term: { 'vigilo.nullified': true } }] } });
    assert.notEqual(liveReportsFilter(), liveReportsFilter());
  });
});

describe('assertNoIndexReferences', function () {
  it('accepts ordinary queries and aggregations', function () {
    assertNoIndexReferences({
      query: { bool: { must: [{ nested: { path: 'report.patient.drug', query: { term: { 'report.patient.drug.medicinalproduct.exact': 'X' } } } }], filter: [liveReportsFilter()] } },
      aggs: { byCountry: { terms: { field: 'report.occurcountry.exact' } } },
    });
  });

  it('refuses a terms lookup, more_like_this on another index and indices_boost, naming the pointer only', function () {
    const cases: Array<[unknown, string]> = [
      [{ query: { terms: { 'vigilo.safetyreportid': { index: 'vigilo-reports-other-read', id: '1', path: 'p' } } } }, '/query/terms/vigilo.safetyreportid/index'],
      [{ query: { more_like_this: { like: [{ _index: 'vigilo-reports-other-read', _id: '1' }] } } }, '/query/more_like_this/like/0/_index'],
      [{ indices_boost: [{ 'vigilo-reports-other-read': 2 }] }, '/indices_boost'],
    ];
    for (const [body, pointer] of cases) {
      assert.throws(() => assertNoIndexReferences(body), (error: unknown) => invalid(error) && (error as { fields: Record<string, unknown> }).fields['pointer'] === pointer, pointer);
    }
  });
});

describe('pageRequestBody', function () {
  it('sorts on the keyword id, asks for versions and continues after the last id', function () {
    assert.deepEqual(pageRequestBody({ pageSize: 10 }, 'versions'), {
      size: 10,
      query: { match_all: {} },
      sort: [{ 'vigilo.safetyreportid': 'asc' }],
      version: true,
      track_total_hits: false,
      _source: { includes: ['vigilo.nullified'] },
    });
    const next = pageRequestBody({ pageSize: 10, after: 'R-9' }, 'all');
    assert.deepEqual(next['search_after'], ['R-9']);
    assert.equal(next['_source'], true);
  });

  it('refuses page sizes outside 1..10000 and an empty cursor', function () {
    for (const pageSize of [0, -1, 1.5, 10_001]) assert.throws(() => pageRequestBody({ pageSize }, 'versions'), invalid, String(pageSize));
    assert.throws(() => pageRequestBody({ pageSize: 1, after: '' }, 'versions'), invalid);
  });
});

describe('response readers', function () {
  it('read hits, versions, tombstone flags and counts', function () {
    const hits = hitsOf({ hits: { hits: [{ _id: 'A', _version: 3, _source: { vigilo: { nullified: true } } }, { _id: 'B', _version: 1, _source: { vigilo: { nullified: false } } }] } });
    assert.deepEqual(hits.map(indexedVersionOf), [
      { id: 'A', version: 3, nullified: true },
      { id: 'B', version: 1, nullified: false },
    ]);
    assert.equal(countOf({ count: 7 }), 7);
  });

  it('throw on bodies of the wrong shape', function () {
    assert.throws(() => hitsOf({}), TypeError);
    assert.throws(() => hitsOf({ hits: { hits: [{}] } }), TypeError);
    assert.throws(() => indexedVersionOf({ _id: 'A' }), TypeError);
    assert.throws(() => countOf({}), TypeError);
  });
});
