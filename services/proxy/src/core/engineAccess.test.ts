import assert from 'node:assert/strict';
import { ContextSealer } from './contextSeal.js';
import { engineCorpus, type CorpusCase } from './corpus.js';
import { authorizeEngineRequest, sealAnswer, type EngineGrant } from './engineAccess.js';
import { resolveIndexExpression } from './indexExpression.js';
import { rewriteSqlQuery } from './sql.js';

const tenant = 'acme';
const other = 'acme-eu';
const own = 'vigilo-reports-acme-read';
const theirs = 'vigilo-reports-acme-eu-read';
const sealer = new ContextSealer(Buffer.alloc(32, 7));
const foreignSealer = new ContextSealer(Buffer.alloc(32, 9));
const grant: EngineGrant = { tenant, allowed: [own], sealer };

function request(c: CorpusCase) {
  const [rawPath, rawQuery = ''] = c.path.split(/\?(.*)/s) as [string, string?];
  return { method: c.method, rawPath, rawQuery, body: c.body === undefined ? undefined : Buffer.from(c.body) };
}

describe('proxy: authorizeEngineRequest (the engine passthrough gate)', () => {
  // `other` shares `acme` as a prefix: wildcards written for one must never reach the other.
  const corpus = engineCorpus({ tenant, other, docId: 'CASE-1', otherDocId: 'CASE-9', sealer, foreignSealer });

  it('has a corpus of at least 100 requests to deny and 30 to allow', () => {
    assert.ok(corpus.denied.length >= 100, `denied: ${corpus.denied.length}`);
    assert.ok(corpus.allowed.length >= 30, `allowed: ${corpus.allowed.length}`);
  });

  for (const c of corpus.denied) {
    it(`denies: ${c.reason}`, () => {
      const decision = authorizeEngineRequest(request(c), grant);
      assert.equal(decision.allowed, false, `${c.method} ${c.path} ${c.body ?? ''}`);
    });
  }

  for (const c of corpus.allowed) {
    it(`allows, naming only the caller's alias: ${c.reason}`, () => {
      const decision = authorizeEngineRequest(request(c), grant);
      assert.ok(decision.allowed, `${c.method} ${c.path}: ${decision.allowed ? '' : decision.reason}`);
      const forwarded = `${decision.path}?${decision.query}\n${decision.body?.toString() ?? ''}`;
      assert.ok(!forwarded.includes(theirs), `forwarded the other tenant's name: ${forwarded}`);
      assert.ok(!/(^|[/,"])\*|_all/.test(decision.path), `forwarded a wildcard: ${decision.path}`);
    });
  }

  it('rewrites wildcards, _all and exclusions to the explicit read alias', () => {
    for (const path of ['/*/_search', '/_all/_search', '/%2A/_search', `/*,-${theirs}/_search`, `/vigilo-reports-acme-r*/_search`]) {
      const decision = authorizeEngineRequest({ method: 'GET', rawPath: path, rawQuery: '', body: undefined }, grant);
      assert.ok(decision.allowed, path);
      assert.equal(decision.path, `/${own}/_search`, path);
    }
  });

  it('rewrites an _msearch header and fills in the path index where a header names none', () => {
    const body = `${JSON.stringify({ index: '*' })}\n{}\n{}\n${JSON.stringify({ size: 1 })}\n`;
    const decision = authorizeEngineRequest({ method: 'POST', rawPath: `/${own}/_msearch`, rawQuery: '', body: Buffer.from(body) }, grant);
    assert.ok(decision.allowed);
    const lines = decision.body!.toString().trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines, [{ index: own }, {}, { index: own }, { size: 1 }]);
    assert.equal(decision.contentType, 'application/x-ndjson');
  });

  it('unseals a scroll id sealed for the caller, and marks the answer for sealing', () => {
    const sealed = sealer.seal(tenant, 'engine-scroll-id');
    const decision = authorizeEngineRequest({ method: 'POST', rawPath: '/_search/scroll', rawQuery: '', body: Buffer.from(JSON.stringify({ scroll: '1m', scroll_id: sealed })) }, grant);
    assert.ok(decision.allowed);
    assert.deepEqual(JSON.parse(decision.body!.toString()), { scroll: '1m', scroll_id: 'engine-scroll-id' });
    assert.deepEqual(decision.sealFields, ['_scroll_id']);
  });

  it('unseals a point in time sealed for the caller', () => {
    const sealed = sealer.seal(tenant, 'engine-pit');
    const decision = authorizeEngineRequest({ method: 'POST', rawPath: '/_search', rawQuery: '', body: Buffer.from(JSON.stringify({ pit: { id: sealed, keep_alive: '1m' } })) }, grant);
    assert.ok(decision.allowed);
    assert.equal(decision.path, '/_search');
    assert.deepEqual(JSON.parse(decision.body!.toString()).pit, { id: 'engine-pit', keep_alive: '1m' });
    assert.deepEqual(decision.sealFields, ['pit_id']);
  });

  it('records every index expression it met for the audit, allowed or not', () => {
    const body = `${JSON.stringify({ index: own })}\n{}\n${JSON.stringify({ index: theirs })}\n{}\n`;
    const decision = authorizeEngineRequest({ method: 'POST', rawPath: '/_msearch', rawQuery: '', body: Buffer.from(body) }, grant);
    assert.equal(decision.allowed, false);
    assert.deepEqual(decision.expressions, [own, theirs]);
  });
});

describe('proxy: resolveIndexExpression', () => {
  const allowed = [own];
  const cases: Array<[string, string[] | undefined, string]> = [
    [own, [own], 'the alias itself'],
    ['*', [own], 'a bare wildcard expands to the allowed names only'],
    ['_all', [own], '_all is a bare wildcard'],
    [`${own},*`, [own], 'duplicates collapse'],
    [`*,-${own}`, undefined, 'an exclusion that leaves nothing is denied, never sent empty'],
    [`*,-${theirs}`, [own], 'excluding a name that is not allowed changes nothing'],
    [`<${own}>`, [own], 'date math without a date part is a plain name'],
    [`<${own}-{now/d}>`, undefined, 'date math with a date part'],
    ['vigilo-reports-acme-eu*', undefined, 'a pattern for another tenant that shares a prefix'],
    ['vigilo-reports-acme*', [own], 'a pattern matching both tenants expands to the allowed one only'],
    [`cluster:${own}`, undefined, 'a remote cluster'],
    [`-${own}`, undefined, 'a leading exclusion'],
    [own.toUpperCase(), undefined, 'upper case'],
    ['', undefined, 'empty'],
  ];
  for (const [expression, names, reason] of cases) {
    it(reason, () => {
      const r = resolveIndexExpression(expression, allowed);
      if (names === undefined) assert.equal(r.ok, false, expression);
      else assert.deepEqual(r, { ok: true, names }, expression);
    });
  }
});

describe('proxy: rewriteSqlQuery', () => {
  const resolve = (table: string) => {
    const r = resolveIndexExpression(table, [own]);
    if (!r.ok) throw new Error(r.reason);
    return [...r.names];
  };
  it('replaces the one table by the resolved, quoted name and keeps the rest of the statement', () => {
    assert.deepEqual(rewriteSqlQuery(`SELECT a, 'FROM x' FROM "vigilo-reports-acme-*" WHERE b = 'it''s' LIMIT 3`, resolve), {
      ok: true,
      query: `SELECT a, 'FROM x' FROM "${own}" WHERE b = 'it''s' LIMIT 3`,
      table: 'vigilo-reports-acme-*',
    });
  });
  it('denies EXTRACT(... FROM ...) because it adds a second FROM', () => {
    assert.equal(rewriteSqlQuery(`SELECT EXTRACT(YEAR FROM d) FROM "${own}"`, resolve).ok, false);
  });
});

describe('proxy: sealAnswer', () => {
  it('seals the named context ids so that only the same tenant can unseal them', () => {
    const answer = sealAnswer({ _scroll_id: 'abc', hits: {} }, ['_scroll_id'], tenant, sealer);
    assert.notEqual(answer['_scroll_id'], 'abc');
    assert.equal(sealer.unseal(tenant, answer['_scroll_id'] as string), 'abc');
    assert.equal(sealer.unseal(other, answer['_scroll_id'] as string), undefined);
    assert.equal(foreignSealer.unseal(tenant, answer['_scroll_id'] as string), undefined);
  });
});
