import assert from 'node:assert/strict';
import { ApiError, VigiloApi, compactDay, errorFromBody } from './api.js';

/** A recorded fetch: answers in turn, and remembers what the client asked. */
function fakeFetch(answers: Array<{ status: number; body: unknown; headers?: Record<string, string> }>) {
  const calls: Array<{ url: string; headers: Record<string, string> }> = [];
  const fetch = async (url: string, init?: { headers?: Record<string, string> }) => {
    calls.push({ url, headers: init?.headers ?? {} });
    const answer = answers.shift()!;
    return new Response(JSON.stringify(answer.body), { status: answer.status, headers: { 'content-type': 'application/json', ...answer.headers } });
  };
  return { fetch, calls };
}

describe('errorFromBody', () => {
  it("reads openFDA's error shape with Vigilo's code and position in details", () => {
    const error = errorFromBody(400, { error: { code: 'BAD_REQUEST', message: 'Syntax error', details: { code: 'VIG_QUERY_SYNTAX', parameter: 'search', position: 7 } } });
    assert.deepEqual([error.status, error.code, error.message, error.parameter, error.position], [400, 'VIG_QUERY_SYNTAX', 'Syntax error', 'search', 7]);
  });

  it('reads a problem+json document', () => {
    const error = errorFromBody(403, { type: 'x', title: 'Forbidden', status: 403, detail: 'The credential is bound to another tenant', code: 'VIG_FORBIDDEN_TENANT' });
    assert.deepEqual([error.status, error.code, error.message], [403, 'VIG_FORBIDDEN_TENANT', 'The credential is bound to another tenant']);
  });

  it('keeps the status of an answer that is neither', () => {
    const error = errorFromBody(502, undefined);
    assert.deepEqual([error.status, error.code], [502, 'UNKNOWN']);
  });
});

describe('VigiloApi', () => {
  it('sends the key as a bearer token and the search as openFDA parameters', async () => {
    const { fetch, calls } = fakeFetch([{ status: 200, body: { meta: { results: { total: 3, skip: 20, limit: 20 } }, results: [] } }]);
    const page = await new VigiloApi('vgk_key', fetch).events('acme', 'serious:1 AND occurcountry:US', { limit: 20, skip: 20 });
    assert.equal(calls[0]!.headers['authorization'], 'Bearer vgk_key');
    const url = new URL(calls[0]!.url, 'http://x');
    assert.equal(url.pathname, '/v1/tenants/acme/drug/event.json');
    assert.equal(url.searchParams.get('search'), 'serious:1 AND occurcountry:US');
    assert.equal(url.searchParams.get('skip'), '20');
    assert.equal(page.data.total, 3);
    assert.equal(page.degraded, undefined);
  });

  it('turns "no matches" into an empty page and keeps other errors', async () => {
    const noMatch = { error: { code: 'NOT_FOUND', message: 'No matches found!', details: { code: 'VIG_SEARCH_NO_MATCHES' } } };
    const { fetch } = fakeFetch([
      { status: 404, body: noMatch },
      { status: 400, body: { error: { code: 'BAD_REQUEST', message: 'bad', details: { code: 'VIG_QUERY_SYNTAX', parameter: 'search', position: 2 } } } },
    ]);
    const api = new VigiloApi('k', fetch);
    assert.deepEqual((await api.events('acme', 'x', { limit: 20, skip: 0 })).data.results, []);
    await assert.rejects(api.events('acme', 'x(', { limit: 20, skip: 0 }), (e: unknown) => e instanceof ApiError && e.code === 'VIG_QUERY_SYNTAX' && e.position === 2);
  });

  it('marks an answer degraded from the Vigilo-Degraded header', async () => {
    const { fetch } = fakeFetch([{ status: 200, body: { meta: { degraded: true, total_reports: 5 }, results: [] }, headers: { 'vigilo-degraded': 'breaker-open' } }]);
    const answer = await new VigiloApi('k', fetch).signals('acme', { drug: 'ASPIRIN', suspect: true, from: '2017-01-01' });
    assert.equal(answer.degraded, 'breaker-open');
    assert.equal(answer.data.totalReports, 5);
  });

  it('turns dates of a date input into the compact form the API takes', () => {
    assert.equal(compactDay('2017-04-06'), '20170406');
    assert.equal(compactDay('20170406'), '20170406');
  });
});
