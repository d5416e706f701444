import assert from 'node:assert/strict';
import { type SearchDocument, type TenantId, parseTenantId, toSearchDocument } from '@vigilo/domain';
import { minimalReport } from '@vigilo/testkit';
import { BULK_QUERYSTRING, buildBulkBody, interpretBulkItem, interpretBulkResponse, invalidOperationReason, mappingErrorField } from './bulk.js';
import type { BulkItemOutcome, BulkOperation } from './ports.js';

const tenant: TenantId = parseTenantId('acme');
const committedAt = new Date(Date.UTC(2024, 0, 1));

function op(id: string, version: number, nullified = false): BulkOperation {
  const content = minimalReport({ safetyreportid: id, safetyreportversion: version });
  return { id, version, document: toSearchDocument({ tenant, content, version, nullified, committedAt }) };
}

describe('buildBulkBody', function () {
  it('writes one index action with an external version and the report id per operation, then the document', function () {
    const a = op('A', 3);
    const b = op('B', 1, true);
    assert.deepEqual(buildBulkBody('vigilo-reports-acme-write', [a, b]), [
      { index: { _index: 'vigilo-reports-acme-write', _id: 'A', version: 3, version_type: 'external' } },
      a.document,
      { index: { _index: 'vigilo-reports-acme-write', _id: 'B', version: 1, version_type: 'external' } },
      b.document,
    ]);
    assert.deepEqual(buildBulkBody('x', []), []);
  });

  it('asks the engine to require an alias, so a missing write alias never auto-creates an index', function () {
    assert.deepEqual(BULK_QUERYSTRING, { require_alias: 'true' });
  });
});

describe('invalidOperationReason', function () {
  it('accepts a live document and a tombstone whose id, version and tenant agree', function () {
    assert.equal(invalidOperationReason(tenant, op('A', 1)), undefined);
    assert.equal(invalidOperationReason(tenant, op('A', 2, true)), undefined);
  });

  it('refuses operations that disagree with their document, naming the rule only', function () {
    const good = op('A', 2);
    const vigilo = good.document.vigilo;
    const withVigilo = (changes: Partial<SearchDocument['vigilo']>): SearchDocument => ({ ...good.document, vigilo: { ...vigilo, ...changes } });
    const cases: Array<{ reason: string; operation: BulkOperation; expected: RegExp }> = [
      { reason: 'empty id', operation: { ...good, id: '' }, expected: /id$/ },
      { reason: 'id longer than 512 bytes', operation: { ...good, id: 'é'.repeat(257) }, expected: /id$/ },
      { reason: 'version 0', operation: { ...good, version: 0 }, expected: /version$/ },
      { reason: 'fractional version', operation: { ...good, version: 1.5 }, expected: /version$/ },
      { reason: 'document of another tenant', operation: { ...good, document: withVigilo({ tenant: 'other' }) }, expected: /another tenant/ },
      { reason: 'id differs from the document', operation: { ...good, id: 'B' }, expected: /id differs/ },
      { reason: 'version differs from the document', operation: { ...good, version: 3 }, expected: /version differs/ },
      { reason: 'a live document without report', operation: { ...good, document: { vigilo } }, expected: /tombstone/ },
      { reason: 'a tombstone with a report', operation: { ...good, document: withVigilo({ nullified: true }) }, expected: /tombstone/ },
    ];
    for (const { reason, operation, expected } of cases) assert.match(invalidOperationReason(tenant, operation) ?? 'accepted', expected, reason);
  });
});

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

describe('interpretBulkItem', function () {
  const cases: Array<{ reason: string; item: Record<string, unknown> | undefined; expected: WithoutId<BulkItemOutcome> }> = [
    { reason: 'created', item: { status: 201, result: 'created' }, expected: { outcome: 'written' } },
    { reason: 'updated', item: { status: 200, result: 'updated' }, expected: { outcome: 'written' } },
    {
      reason: 'an older or equal external version',
      item: { status: 409, error: { type: 'version_conflict_engine_exception', reason: '[A]: version conflict, current version [3] is higher or equal to the one provided [2]' } },
      expected: { outcome: 'stale' },
    },
    {
      reason: 'another 409 is not a version conflict',
      item: { status: 409, error: { type: 'some_conflict_exception' } },
      expected: { outcome: 'failed', retryable: false, reason: '409 some_conflict_exception' },
    },
    {
      reason: 'Elasticsearch write queue full',
      item: { status: 429, error: { type: 'es_rejected_execution_exception' } },
      expected: { outcome: 'failed', retryable: true, reason: '429 es_rejected_execution_exception' },
    },
    {
      reason: 'OpenSearch write queue full',
      item: { status: 429, error: { type: 'rejected_execution_exception' } },
      expected: { outcome: 'failed', retryable: true, reason: '429 rejected_execution_exception' },
    },
    {
      reason: 'primary not active',
      item: { status: 503, error: { type: 'unavailable_shards_exception' } },
      expected: { outcome: 'failed', retryable: true, reason: '503 unavailable_shards_exception' },
    },
    { reason: 'any 5xx', item: { status: 500, error: { type: 'exception' } }, expected: { outcome: 'failed', retryable: true, reason: '500 exception' } },
    {
      reason: 'the write alias does not exist (yet)',
      item: { status: 404, error: { type: 'index_not_found_exception', reason: 'no such index [vigilo-reports-acme-write]' } },
      expected: { outcome: 'failed', retryable: true, reason: '404 index_not_found_exception' },
    },
    {
      reason: 'a disk flood-stage block',
      item: { status: 429, error: { type: 'cluster_block_exception' } },
      expected: { outcome: 'failed', retryable: true, reason: '429 cluster_block_exception' },
    },
    {
      reason: 'Elasticsearch 9 mapping error quoting the value',
      item: {
        status: 400,
        error: {
          type: 'document_parsing_exception',
          reason: "[1:6] failed to parse field [report.receivedate] of type [date] in document with id 'A'. Preview of field's value: 'PIIMARK-secret'",
        },
      },
      expected: { outcome: 'failed', retryable: false, reason: '400 document_parsing_exception at report.receivedate' },
    },
    {
      reason: 'OpenSearch mapping error',
      item: { status: 400, error: { type: 'mapper_parsing_exception', reason: "failed to parse field [report.patient.patientweight] of type [double] in document with id 'A'. Preview of field's value: 'x'" } },
      expected: { outcome: 'failed', retryable: false, reason: '400 mapper_parsing_exception at report.patient.patientweight' },
    },
    {
      reason: 'strict mapping, nested field',
      item: { status: 400, error: { type: 'strict_dynamic_mapping_exception', reason: '[1:7] mapping set to strict, dynamic introduction of [patientinitial] within [report.patient] is not allowed' } },
      expected: { outcome: 'failed', retryable: false, reason: '400 strict_dynamic_mapping_exception at report.patient.patientinitial' },
    },
    {
      reason: 'strict mapping, top-level field',
      item: { status: 400, error: { type: 'strict_dynamic_mapping_exception', reason: 'mapping set to strict, dynamic introduction of [extra] within [_doc] is not allowed' } },
      expected: { outcome: 'failed', retryable: false, reason: '400 strict_dynamic_mapping_exception at extra' },
    },
    {
      reason: 'an error type that is not an identifier is not passed on',
      item: { status: 400, error: { type: 'PIIMARK <script>' } },
      expected: { outcome: 'failed', retryable: false, reason: '400 unknown_error' },
    },
    { reason: 'a missing item', item: undefined, expected: { outcome: 'failed', retryable: false, reason: 'no status unknown_error' } },
  ];
  for (const { reason, item, expected } of cases) {
    it(`interprets ${reason}`, function () {
      const outcome = interpretBulkItem('A', item);
      assert.deepEqual(outcome, { id: 'A', ...expected }, reason);
      assert.ok(!JSON.stringify(outcome).includes('PIIMARK'), 'no value from the engine reason');
    });
  }
});

describe('mappingErrorField', function () {
  it('keeps only identifier characters from the bracketed path', function () {
    assert.equal(mappingErrorField({ reason: 'failed to parse field [a.b c] of type' }), undefined);
    assert.equal(mappingErrorField({ reason: 'no path here' }), undefined);
    assert.equal(mappingErrorField('not an object'), undefined);
  });
});

describe('interpretBulkResponse', function () {
  it('answers per operation, in order', function () {
    const sent = [op('A', 2), op('B', 1), op('A', 1)];
    const body = {
      errors: true,
      items: [
        { index: { _id: 'A', status: 201 } },
        { index: { _id: 'B', status: 429, error: { type: 'es_rejected_execution_exception' } } },
        { index: { _id: 'A', status: 409, error: { type: 'version_conflict_engine_exception' } } },
      ],
    };
    assert.deepEqual(interpretBulkResponse(sent, body), [
      { id: 'A', outcome: 'written' },
      { id: 'B', outcome: 'failed', retryable: true, reason: '429 es_rejected_execution_exception' },
      { id: 'A', outcome: 'stale' },
    ]);
  });

  it('throws when the engine does not answer one item per operation', function () {
    assert.throws(() => interpretBulkResponse([op('A', 1)], { items: [] }), TypeError);
    assert.throws(() => interpretBulkResponse([op('A', 1)], { error: 'x' }), TypeError);
  });
});
