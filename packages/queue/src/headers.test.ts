import assert from 'node:assert/strict';
import { dispatchHeaders, formatTaskEta, readTaskHeaders, taskRequestHeaders, validateExtraHeaders } from './headers.js';
import { verifySharedSecret } from './sharedSecret.js';

describe('taskRequestHeaders', () => {
  it('always sets Content-Type: application/json and keeps extra headers with lower-case names', () => {
    assert.deepEqual(taskRequestHeaders(undefined), { 'Content-Type': 'application/json' });
    assert.deepEqual(taskRequestHeaders({ traceparent: '00-abc-def-01', 'X-Vigilo-Test': 'yes' }), {
      'Content-Type': 'application/json',
      traceparent: '00-abc-def-01',
      'x-vigilo-test': 'yes',
    });
  });

  it('rejects headers the queue owns, invalid names and values, duplicates and oversize sets with InputError', () => {
    const cases: { headers: Record<string, string>; reason: string }[] = [
      { headers: { 'content-type': 'text/plain' }, reason: 'Content-Type is always application/json' },
      { headers: { Authorization: 'Bearer x' }, reason: 'Authorization comes from OIDC or the shared secret' },
      { headers: { Host: 'evil' }, reason: 'Host' },
      { headers: { 'User-Agent': 'x' }, reason: 'User-Agent (Cloud Tasks replaces it)' },
      { headers: { 'X-CloudTasks-TaskRetryCount': '7' }, reason: 'a forged Cloud Tasks header' },
      { headers: { 'X-Google-Foo': '1' }, reason: 'X-Google-*' },
      { headers: { 'X-AppEngine-Foo': '1' }, reason: 'X-AppEngine-*' },
      { headers: { 'bad name': '1' }, reason: 'space in a name' },
      { headers: { 'x-a': 'line\r\nInjected: 1' }, reason: 'CRLF injection' },
      { headers: { 'x-a': 'ünï' }, reason: 'non-ASCII value' },
      { headers: { 'x-a': ' padded' }, reason: 'leading whitespace' },
      { headers: { 'X-A': '1', 'x-a': '2' }, reason: 'the same name twice in different case' },
      { headers: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`x-h${i}`, '1'])), reason: 'more than 32 headers' },
      { headers: { 'x-big': 'a'.repeat(9000) }, reason: 'more than 8 KiB' },
    ];
    for (const { headers, reason } of cases) {
      assert.throws(() => validateExtraHeaders(headers), (e: { name?: string; code?: string }) => e.name === 'InputError' && e.code === 'VIG_REQUEST_INVALID_PARAMETER', reason);
    }
  });
});

describe('formatTaskEta', () => {
  it('prints epoch seconds with exactly 6 decimals, like X-CloudTasks-TaskETA', () => {
    assert.equal(formatTaskEta(1_795_929_779_974_785), '1795929779.974785');
    assert.equal(formatTaskEta(1_795_929_779_000_001), '1795929779.000001');
    assert.equal(formatTaskEta(1_000_000), '1.000000');
  });
});

describe('dispatchHeaders', () => {
  const base = { queueName: 'vigilo-index-acme', taskName: 'abc-acme-R-1-v1', retryCount: 2, executionCount: 1, etaMicros: 1_795_929_779_974_785 };

  it('carries the Cloud Tasks headers, the JSON content type and the extra headers', () => {
    assert.deepEqual(dispatchHeaders({ ...base, extra: { traceparent: 't' } }), {
      'User-Agent': 'Vigilo-Task-Dispatcher',
      traceparent: 't',
      'Content-Type': 'application/json',
      'X-CloudTasks-QueueName': 'vigilo-index-acme',
      'X-CloudTasks-TaskName': 'abc-acme-R-1-v1',
      'X-CloudTasks-TaskRetryCount': '2',
      'X-CloudTasks-TaskExecutionCount': '1',
      'X-CloudTasks-TaskETA': '1795929779.974785',
    });
  });

  it('adds Authorization: Bearer only with a shared secret', () => {
    assert.equal(dispatchHeaders(base)['Authorization'], undefined);
    assert.equal(dispatchHeaders({ ...base, bearerToken: 's3cret' })['Authorization'], 'Bearer s3cret');
  });

  it('round-trips through readTaskHeaders as Node presents them (lower case)', () => {
    const lower = Object.fromEntries(Object.entries(dispatchHeaders(base)).map(([k, v]) => [k.toLowerCase(), v]));
    assert.deepEqual(readTaskHeaders(lower), {
      queueName: 'vigilo-index-acme',
      taskName: 'abc-acme-R-1-v1',
      retryCount: 2,
      executionCount: 1,
      etaSeconds: 1795929779.974785,
    });
  });
});

describe('readTaskHeaders', () => {
  it('rejects a request without valid task headers with InputError', () => {
    const ok = { 'x-cloudtasks-queuename': 'q', 'x-cloudtasks-taskname': 't', 'x-cloudtasks-taskretrycount': '0' };
    const cases = [
      { headers: {}, reason: 'no headers' },
      { headers: { ...ok, 'x-cloudtasks-taskretrycount': '-1' }, reason: 'negative retry count' },
      { headers: { ...ok, 'x-cloudtasks-taskretrycount': 'one' }, reason: 'non-numeric retry count' },
      { headers: { ...ok, 'x-cloudtasks-taskname': undefined }, reason: 'no task name' },
    ];
    for (const { headers, reason } of cases) {
      assert.throws(() => readTaskHeaders(headers), (e: { name?: string }) => e.name === 'InputError', reason);
    }
    assert.deepEqual(readTaskHeaders(ok), { queueName: 'q', taskName: 't', retryCount: 0, executionCount: undefined, etaSeconds: undefined });
  });
});

describe('verifySharedSecret', () => {
  it('accepts exactly Bearer <secret> and rejects anything else with AuthenticationError', () => {
    verifySharedSecret('Bearer s3cret', 's3cret');
    verifySharedSecret('bearer s3cret', 's3cret');
    for (const header of [undefined, '', 'Bearer', 'Bearer s3cre', 'Bearer s3cret2', 'Basic s3cret', ['Bearer s3cret']]) {
      assert.throws(() => verifySharedSecret(header, 's3cret'), (e: { name?: string; code?: string; status?: number }) => e.name === 'AuthenticationError' && e.code === 'VIG_AUTH_REQUIRED' && e.status === 401, String(header));
    }
  });
});
