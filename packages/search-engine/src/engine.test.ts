import assert from 'node:assert/strict';
import { type TenantId, parseTenantId, toSearchDocument } from '@vigilo/domain';
import { isVigiloError } from '@vigilo/errors';
import { minimalReport } from '@vigilo/testkit';
import { type EngineConnection, type EngineRequest, type EngineResponse, EngineSearchIndex, checkClientOptions, resolveIndexSettings } from './engine.js';
import { TEMPLATE_HASH_META_KEY, indexTemplateBody } from './mapping.js';
import { tenantIndexNames } from './names.js';

const tenant: TenantId = parseTenantId('acme');
const names = tenantIndexNames(tenant);
const templatePath = '/_index_template/vigilo-reports-acme';
const layoutPath = '/vigilo-reports-acme--*/_alias';

type Handler = (request: EngineRequest) => EngineResponse | Error;

/** A scripted engine: answers each request by method and path, records what was sent. No network. */
class FakeConnection implements EngineConnection {
  readonly engine = 'elasticsearch' as const;
  readonly sent: EngineRequest[] = [];
  constructor(private readonly handler: Handler) {}
  async send(request: EngineRequest): Promise<EngineResponse> {
    this.sent.push(request);
    const answer = this.handler(request);
    if (answer instanceof Error) throw answer;
    if (answer.statusCode >= 400 && !request.ignore?.includes(answer.statusCode)) {
      throw Object.assign(new Error('response error'), { name: 'ResponseError', meta: { statusCode: answer.statusCode, body: answer.body } });
    }
    return answer;
  }
  async close(): Promise<void> {}
  calls(): string[] {
    return this.sent.map((r) => `${r.method} ${r.path}`);
  }
}

const ok = (body: unknown = { acknowledged: true }): EngineResponse => ({ statusCode: 200, body });
const currentTemplate = () => {
  const body = indexTemplateBody(names, tenant, resolveIndexSettings({ replicas: 0 }));
  return ok({ index_templates: [{ name: names.template, index_template: body }] });
};
const settingsOf = (index: string) => ok({ [index]: { settings: { 'index.number_of_replicas': '0', 'index.refresh_interval': '1s', 'index.max_result_window': '26000' } } });

describe('EngineSearchIndex.ensureTenant (scripted engine)', function () {
  it('puts the template, then creates generation 1 with both aliases in one request', async function () {
    let created = false;
    const connection = new FakeConnection((r) => {
      if (r.method === 'GET' && r.path === templatePath) return { statusCode: 404, body: {} };
      if (r.method === 'GET' && r.path === layoutPath) {
        return ok(created ? { 'vigilo-reports-acme--000001': { aliases: { [names.writeAlias]: { is_write_index: true }, [names.readAlias]: {} } } } : {});
      }
      if (r.method === 'PUT' && r.path === '/vigilo-reports-acme--000001') created = true;
      return ok();
    });
    const index = new EngineSearchIndex({ connection, indexDefaults: { replicas: 0 } });
    assert.deepEqual(await index.ensureTenant(tenant), { index: 'vigilo-reports-acme--000001', created: true });
    assert.deepEqual(connection.calls(), [`GET ${templatePath}`, `PUT ${templatePath}`, `GET ${layoutPath}`, 'PUT /vigilo-reports-acme--000001', `GET ${layoutPath}`]);
    assert.deepEqual(connection.sent[3]?.body, { aliases: { [names.writeAlias]: { is_write_index: true }, [names.readAlias]: {} } });
  });

  it('does not re-put an unchanged template and changes nothing on a converged tenant', async function () {
    const connection = new FakeConnection((r) => {
      if (r.path === templatePath) return currentTemplate();
      if (r.path === layoutPath) return ok({ 'vigilo-reports-acme--000001': { aliases: { [names.writeAlias]: { is_write_index: true }, [names.readAlias]: {} } } });
      if (r.path === '/vigilo-reports-acme--000001/_settings') return settingsOf('vigilo-reports-acme--000001');
      return new Error(`unexpected ${r.method} ${r.path}`);
    });
    const index = new EngineSearchIndex({ connection, indexDefaults: { replicas: 0 } });
    assert.deepEqual(await index.ensureTenant(tenant), { index: 'vigilo-reports-acme--000001', created: false });
    assert.ok(connection.sent.every((r) => r.method === 'GET'), connection.calls().join(', '));
  });

  it('re-puts a template whose hash differs, and converges the replicas of the write index', async function () {
    const connection = new FakeConnection((r) => {
      if (r.method === 'GET' && r.path === templatePath) {
        return ok({ index_templates: [{ name: names.template, index_template: { _meta: { [TEMPLATE_HASH_META_KEY]: 'old' } } }] });
      }
      if (r.path === layoutPath) return ok({ 'vigilo-reports-acme--000001': { aliases: { [names.writeAlias]: { is_write_index: true }, [names.readAlias]: {} } } });
      if (r.method === 'GET' && r.path === '/vigilo-reports-acme--000001/_settings') return settingsOf('vigilo-reports-acme--000001');
      return ok();
    });
    const index = new EngineSearchIndex({ connection, indexDefaults: { replicas: 0 } });
    await index.ensureTenant(tenant, { replicas: 2 });
    const put = connection.sent.find((r) => r.method === 'PUT' && r.path === '/vigilo-reports-acme--000001/_settings');
    assert.deepEqual(put?.body, { 'index.number_of_replicas': '2' });
    assert.ok(connection.calls().includes(`PUT ${templatePath}`));
  });

  it('gives the write alias (flagged) to the newest generation and the read alias to it when indices lost their aliases', async function () {
    const connection = new FakeConnection((r) => {
      if (r.path === templatePath) return currentTemplate();
      if (r.path === layoutPath) {
        return ok({ 'vigilo-reports-acme--000002': { aliases: {} }, 'vigilo-reports-acme--000001': { aliases: {} } });
      }
      if (r.method === 'GET' && r.path.endsWith('/_settings')) return settingsOf('vigilo-reports-acme--000002');
      return ok();
    });
    const index = new EngineSearchIndex({ connection, indexDefaults: { replicas: 0 } });
    assert.deepEqual(await index.ensureTenant(tenant), { index: 'vigilo-reports-acme--000002', created: false });
    const aliasBodies = connection.sent.filter((r) => r.path === '/_aliases').map((r) => r.body);
    assert.deepEqual(aliasBodies, [
      { actions: [{ add: { index: 'vigilo-reports-acme--000002', alias: names.writeAlias, is_write_index: true } }] },
      { actions: [{ add: { index: 'vigilo-reports-acme--000002', alias: names.readAlias } }] },
    ]);
  });

  it('treats a concurrent creation (resource_already_exists_exception) as not created', async function () {
    let layoutCalls = 0;
    const connection = new FakeConnection((r) => {
      if (r.path === templatePath) return currentTemplate();
      if (r.path === layoutPath) {
        layoutCalls += 1;
        return ok(layoutCalls === 1 ? {} : { 'vigilo-reports-acme--000001': { aliases: { [names.writeAlias]: { is_write_index: true }, [names.readAlias]: {} } } });
      }
      if (r.method === 'PUT' && r.path === '/vigilo-reports-acme--000001') return { statusCode: 400, body: { error: { type: 'resource_already_exists_exception' } } };
      if (r.path.endsWith('/_settings')) return settingsOf('vigilo-reports-acme--000001');
      return ok();
    });
    const index = new EngineSearchIndex({ connection, indexDefaults: { replicas: 0 } });
    assert.deepEqual(await index.ensureTenant(tenant), { index: 'vigilo-reports-acme--000001', created: false });
  });
});

describe('EngineSearchIndex.dropTenant (scripted engine)', function () {
  it("deletes the tenant's indices by exact name, never another tenant's, then the template", async function () {
    const connection = new FakeConnection((r) => {
      if (r.path === layoutPath) {
        return ok({ 'vigilo-reports-acme--000001': { aliases: {} }, 'vigilo-reports-acme--000002': { aliases: {} }, 'vigilo-reports-acme-eu--000001': { aliases: {} } });
      }
      return ok();
    });
    await new EngineSearchIndex({ connection }).dropTenant(tenant);
    assert.deepEqual(connection.calls(), [`GET ${layoutPath}`, 'DELETE /vigilo-reports-acme--000001,vigilo-reports-acme--000002', `DELETE ${templatePath}`]);
    assert.ok(connection.sent.every((r) => r.method !== 'DELETE' || !r.path.includes('*')));
  });
});

describe('EngineSearchIndex.bulk (scripted engine)', function () {
  const op = (id: string, version: number, owner = 'acme') => {
    const content = minimalReport({ safetyreportid: id, safetyreportversion: version });
    return { id, version, document: toSearchDocument({ tenant: owner, content, version, nullified: false, committedAt: new Date(0) }) };
  };

  it('sends only valid operations and answers for every operation in input order', async function () {
    const connection = new FakeConnection(() => ok({ errors: true, items: [{ index: { status: 201 } }, { index: { status: 409, error: { type: 'version_conflict_engine_exception' } } }] }));
    const outcomes = await new EngineSearchIndex({ connection }).bulk(tenant, [op('A', 1), op('X', 1, 'other'), op('B', 1)]);
    assert.deepEqual(outcomes, [
      { id: 'A', outcome: 'written' },
      { id: 'X', outcome: 'failed', retryable: false, reason: 'invalid_operation: document of another tenant' },
      { id: 'B', outcome: 'stale' },
    ]);
    assert.equal(connection.sent.length, 1);
    assert.equal(connection.sent[0]?.ndjson?.length, 4);
    assert.deepEqual(connection.sent[0]?.querystring, { require_alias: 'true' });
  });

  it('sends nothing for an empty or all-invalid batch', async function () {
    const connection = new FakeConnection(() => new Error('must not be called'));
    const index = new EngineSearchIndex({ connection });
    assert.deepEqual(await index.bulk(tenant, []), []);
    assert.equal((await index.bulk(tenant, [op('X', 1, 'other')]))[0]?.outcome, 'failed');
    assert.equal(connection.sent.length, 0);
  });

  it('throws UnavailableError when the whole request fails with 429', async function () {
    const connection = new FakeConnection(() => ({ statusCode: 429, body: { error: { type: 'es_rejected_execution_exception' } } }));
    await assert.rejects(new EngineSearchIndex({ connection }).bulk(tenant, [op('A', 1)]), (error: unknown) => isVigiloError(error) && error.code === 'VIG_UNAVAILABLE');
  });
});

describe('resolveIndexSettings', function () {
  it('applies defaults, adapter options and per-tenant overrides in that order', function () {
    assert.deepEqual(resolveIndexSettings({}), { shards: 1, replicas: 1, refreshInterval: '1s', gcDeletes: undefined });
    assert.deepEqual(resolveIndexSettings({ replicas: 0, gcDeletes: '1s' }, { replicas: 2, shards: 3 }), { shards: 3, replicas: 2, refreshInterval: '1s', gcDeletes: '1s' });
  });

  it('refuses invalid options with VIG_CONFIG_INVALID', function () {
    for (const options of [{ shards: 0 }, { replicas: -1 }, { replicas: 1.5 }, { refreshInterval: 'soon' }, { gcDeletes: '-1' }, { gcDeletes: '1 s' }]) {
      assert.throws(() => resolveIndexSettings(options), (error: unknown) => isVigiloError(error) && error.code === 'VIG_CONFIG_INVALID', JSON.stringify(options));
    }
  });
});

describe('checkClientOptions', function () {
  it('accepts URLs and sane limits, refuses the rest with VIG_CONFIG_INVALID', function () {
    checkClientOptions({ node: 'http://127.0.0.1:9200', requestTimeoutMs: 5000, maxRetries: 0 });
    checkClientOptions({ node: ['https://a:9200', 'https://b:9200'] });
    const invalid = (error: unknown) => isVigiloError(error) && error.code === 'VIG_CONFIG_INVALID';
    for (const options of [{ node: '' }, { node: [] }, { node: 'not a url' }, { node: 'http://x', requestTimeoutMs: 0 }, { node: 'http://x', maxRetries: -1 }]) {
      assert.throws(() => checkClientOptions(options), invalid, JSON.stringify(options));
    }
  });
});
