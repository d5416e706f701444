import assert from 'node:assert/strict';
import { errors as esErrors } from '@elastic/elasticsearch';
import { errors as osErrors } from '@opensearch-project/opensearch';
import { UnavailableError, VigiloError, isVigiloError } from '@vigilo/errors';
import { summarizeEngineError, translateEngineError } from './errors.js';

const SECRET = 'PIIMARK-doc-Zq1';
/** What the clients keep in `meta`: the request, documents included. */
const requestMeta = { request: { params: { method: 'POST', path: '/_bulk', body: `{"report":{"x":"${SECRET}"}}` } } };

function esResponseError(statusCode: number, type: string) {
  return new esErrors.ResponseError({
    body: { error: { type, reason: `Preview of field's value: '${SECRET}'` }, status: statusCode },
    statusCode,
    headers: {},
    warnings: null,
    meta: requestMeta as never,
  });
}

function osResponseError(statusCode: number, type: string) {
  return new osErrors.ResponseError({
    body: { error: { type, reason: `Preview of field's value: '${SECRET}'` }, status: statusCode },
    statusCode,
    headers: {},
    warnings: null,
    meta: requestMeta as never,
  });
}

function assertNoContent(error: VigiloError): void {
  const seen = JSON.stringify({ message: error.message, fields: error.fields, cause: String((error.cause as Error | undefined)?.message) });
  assert.ok(!seen.includes(SECRET), seen);
  assert.ok(!(error.cause as { meta?: unknown } | undefined)?.meta, 'the client error (with its request) is not kept as cause');
}

describe('translateEngineError', function () {
  const context = { engine: 'elasticsearch' as const, operation: 'bulk', tenantId: 'acme' };

  const cases: Array<{ reason: string; error: unknown; code: string; status?: number; type?: string }> = [
    { reason: 'ES connection refused', error: new esErrors.ConnectionError('connect ECONNREFUSED 127.0.0.1:9200', requestMeta as never), code: 'VIG_UNAVAILABLE' },
    { reason: 'ES timeout', error: new esErrors.TimeoutError('Request timed out', requestMeta as never), code: 'VIG_UNAVAILABLE' },
    { reason: 'ES no living connections', error: new esErrors.NoLivingConnectionsError('There are no living connections', requestMeta as never), code: 'VIG_UNAVAILABLE' },
    { reason: 'ES 429', error: esResponseError(429, 'es_rejected_execution_exception'), code: 'VIG_UNAVAILABLE', status: 429, type: 'es_rejected_execution_exception' },
    { reason: 'ES 503', error: esResponseError(503, 'unavailable_shards_exception'), code: 'VIG_UNAVAILABLE', status: 503, type: 'unavailable_shards_exception' },
    { reason: 'ES 400', error: esResponseError(400, 'parsing_exception'), code: 'VIG_INTERNAL', status: 400, type: 'parsing_exception' },
    { reason: 'ES 404', error: esResponseError(404, 'index_not_found_exception'), code: 'VIG_INTERNAL', status: 404, type: 'index_not_found_exception' },
    { reason: 'OpenSearch connection refused', error: new osErrors.ConnectionError('connect ECONNREFUSED 127.0.0.1:9200'), code: 'VIG_UNAVAILABLE' },
    { reason: 'OpenSearch 502', error: osResponseError(502, 'exception'), code: 'VIG_UNAVAILABLE', status: 502, type: 'exception' },
    { reason: 'OpenSearch 400', error: osResponseError(400, 'mapper_parsing_exception'), code: 'VIG_INTERNAL', status: 400, type: 'mapper_parsing_exception' },
    { reason: 'an unexpected response shape', error: new TypeError('bulk response has 0 items for 1 operations'), code: 'VIG_INTERNAL' },
    { reason: 'anything else', error: new Error(`boom ${SECRET}`), code: 'VIG_INTERNAL' },
  ];
  for (const { reason, error, code, status, type } of cases) {
    it(`translates ${reason} into ${code} without content`, function () {
      const translated = translateEngineError(error, context);
      assert.equal(translated.code, code, reason);
      assert.equal(translated.retryable, true);
      if (code === 'VIG_UNAVAILABLE') assert.ok(translated instanceof UnavailableError);
      assert.equal(translated.fields['engine'], 'elasticsearch');
      assert.equal(translated.fields['operation'], 'bulk');
      assert.equal(translated.fields['tenantId'], 'acme');
      assert.equal(translated.fields['engineStatus'], status);
      assert.equal(translated.fields['engineErrorType'], type);
      assertNoContent(translated);
    });
  }

  it('keeps the socket message of connection errors and the message of its own shape checks', function () {
    const refused = translateEngineError(new esErrors.ConnectionError('connect ECONNREFUSED 127.0.0.1:9200'), context);
    assert.match(String((refused.cause as Error).message), /ECONNREFUSED/);
    const shape = translateEngineError(new TypeError('bulk response has 0 items for 1 operations'), context);
    assert.match(shape.message, /0 items for 1 operations/);
  });

  it('passes VigiloErrors through unchanged', function () {
    const original = new VigiloError('VIG_REQUEST_INVALID_PARAMETER', 'bad page size');
    assert.equal(translateEngineError(original, context), original);
  });

  it('summarizes both clients alike', function () {
    assert.deepEqual(summarizeEngineError(esResponseError(409, 'version_conflict_engine_exception')), { name: 'ResponseError', status: 409, type: 'version_conflict_engine_exception' });
    assert.deepEqual(summarizeEngineError(osResponseError(409, 'version_conflict_engine_exception')), { name: 'ResponseError', status: 409, type: 'version_conflict_engine_exception' });
    assert.ok(isVigiloError(translateEngineError(undefined, context)));
  });
});
