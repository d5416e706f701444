import assert from 'node:assert/strict';
import { isVigiloError } from '@vigilo/errors';
import { describeSearchIndexContract } from './contract.js';
import { createElasticsearchSearchIndex } from './elasticsearch.js';

/** The URL of the test node that scripts/test starts; a missing one fails the suite, never skips it. */
function elasticsearchUrl(): string {
  const url = process.env['VIGILO_TEST_ES_URL'];
  if (!url) throw new Error('VIGILO_TEST_ES_URL is not set: run the tests through scripts/test (it starts Elasticsearch)');
  return url;
}

describeSearchIndexContract('ElasticsearchSearchIndex (real Elasticsearch 9)', (tuning) => {
  const engineUrl = elasticsearchUrl();
  return {
    index: createElasticsearchSearchIndex({ node: engineUrl, replicas: tuning.replicas, gcDeletes: tuning.gcDeletes, requestTimeoutMs: 60_000 }),
    engine: 'elasticsearch',
    engineUrl,
  };
});

describe('ElasticsearchSearchIndex errors', function () {
  it('answers UnavailableError (retryable) when no node can be reached', async function () {
    const index = createElasticsearchSearchIndex({ node: 'http://127.0.0.1:1', maxRetries: 0, requestTimeoutMs: 5_000 });
    try {
      await assert.rejects(index.health(), (error: unknown) => {
        assert.ok(isVigiloError(error));
        assert.equal(error.code, 'VIG_UNAVAILABLE');
        assert.equal(error.retryable, true);
        assert.equal(error.fields['engine'], 'elasticsearch');
        return true;
      });
    } finally {
      await index.close();
    }
  });
});
