import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type JWK, type GenerateKeyPairResult } from 'jose';
import { parseTenantId, toSearchDocument } from '@vigilo/domain';
import { createApiKey, migratePlatform, migrateTenant, registerTenant, revokeApiKey } from '@vigilo/postgres';
import { createElasticsearchSearchIndex, tenantIndexNames, type SearchIndex } from '@vigilo/search-engine';
import { createTestDatabase, minimalReport, requireEnv, startServiceProcess, uniqueTenant, type RunningProcess, type TestDatabase } from '@vigilo/testkit';
import { ContextSealer } from './core/contextSeal.js';
import { engineCorpus, type CorpusCase } from './core/corpus.js';

/** A pass-through in front of the engine that records every request reaching it. */
async function recordingEngine(target: string): Promise<{ url: string; seen: string[]; close(): Promise<void> }> {
  const seen: string[] = [];
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const out = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  // Like the engine, keep idle connections open well beyond the proxy's own keep-alive.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A JWKS endpoint whose key set the test can rotate. */
async function jwksServer(): Promise<{ url: string; keys: JWK[]; close(): Promise<void> }> {
  const state = { keys: [] as JWK[] };
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: state.keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`,
    get keys() {
      return state.keys;
    },
    set keys(value: JWK[]) {
      state.keys = value;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  } as { url: string; keys: JWK[]; close(): Promise<void> };
}

type Reply = { status: number; headers: Headers; text: string; json: any };

/** Sends the exact path given (no URL normalisation, unlike fetch) and a body with any method. */
async function call(base: string, method: string, path: string, token: string | undefined, body?: string, headers: Record<string, string> = {}): Promise<Reply> {
  const url = new URL(base);
  return new Promise<Reply>((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        agent: false,
        method,
        path,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined ? { 'content-type': path.includes('_msearch') ? 'application/x-ndjson' : 'application/json', 'content-length': String(Buffer.byteLength(body)) } : {}),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: any;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          const h = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h.set(k, v);
          resolve({ status: res.statusCode ?? 0, headers: h, text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const ISSUER = 'https://issuer.test.vigilo';
const AUDIENCE = 'vigilo';

describe('proxy (real processes, PostgreSQL and Elasticsearch)', function () {
  this.timeout(300_000);
  let db: TestDatabase;
  let engine: SearchIndex;
  let recorder: Awaited<ReturnType<typeof recordingEngine>>;
  let jwks: Awaited<ReturnType<typeof jwksServer>>;
  let proxy: RunningProcess;
  let search: RunningProcess;
  let ingest: RunningProcess;
  const tenant = uniqueTenant('pxa');
  const other = uniqueTenant('pxb');
  const contextKey = randomBytes(32);
  const keys: Record<string, string> = {};
  const rsa = { current: undefined as unknown as GenerateKeyPairResult, kid: 'k1' };
  const docIds = (t: string) => [1, 2, 3].map((n) => `${t}-DOC-${n}`);

  before(async () => {
    db = await createTestDatabase('vigilo_proxy');
    await migratePlatform(db.pool);
    for (const t of [tenant, other]) await registerTenant(db.pool, { id: t });
    engine = createElasticsearchSearchIndex({ node: requireEnv('VIGILO_TEST_ES_URL'), replicas: 0 });
    for (const t of [tenant, other]) {
      const id = parseTenantId(t);
      await engine.ensureTenant(id, { replicas: 0 });
      const outcomes = await engine.bulk(
        id,
        docIds(t).map((safetyreportid) => ({
          id: safetyreportid,
          version: 1,
          document: toSearchDocument({ tenant: t, content: minimalReport({ safetyreportid }), version: 1, nullified: false, committedAt: new Date() }),
        })),
      );
      assert.ok(outcomes.every((o) => o.outcome === 'written'));
      await engine.refresh(id);
    }
    keys['read'] = (await createApiKey(db.pool, { tenant, scopes: ['read'] })).key;
    keys['writeOnly'] = (await createApiKey(db.pool, { tenant, scopes: ['write'] })).key;
    keys['readWrite'] = (await createApiKey(db.pool, { tenant, scopes: ['read', 'write'] })).key;
    await migrateTenant(db.pool, tenant);
    keys['otherRead'] = (await createApiKey(db.pool, { tenant: other, scopes: ['read'] })).key;
    const revoked = await createApiKey(db.pool, { tenant, scopes: ['read'] });
    await revokeApiKey(db.pool, revoked.record.prefix);
    keys['revoked'] = revoked.key;

    recorder = await recordingEngine(requireEnv('VIGILO_TEST_ES_URL'));
    jwks = await jwksServer();
    rsa.current = await generateKeyPair('RS256', { extractable: true });
    jwks.keys = [{ ...(await exportJWK(rsa.current.publicKey)), kid: rsa.kid, alg: 'RS256', use: 'sig' }];

    search = await startServiceProcess('search', {
      VIGILO_DATABASE_URL: db.url,
      VIGILO_ENGINE_URL: requireEnv('VIGILO_TEST_ES_URL'),
      VIGILO_SEARCH_PORT: '0',
      VIGILO_SEARCH_HOST: '127.0.0.1',
    });
    ingest = await startServiceProcess('ingest', { VIGILO_DATABASE_URL: db.url, VIGILO_INGEST_PORT: '0', VIGILO_INGEST_HOST: '127.0.0.1' });
    proxy = await startServiceProcess('proxy', {
      VIGILO_DATABASE_URL: db.url,
      VIGILO_ENGINE_URL: recorder.url,
      VIGILO_PROXY_SEARCH_URL: search.url,
      VIGILO_PROXY_INGEST_URL: ingest.url,
      VIGILO_PROXY_MAX_BODY: '256kb',
      VIGILO_PROXY_CONTEXT_KEY: contextKey.toString('base64'),
      VIGILO_PROXY_JWT_ISSUER: ISSUER,
      VIGILO_PROXY_JWT_AUDIENCE: AUDIENCE,
      VIGILO_PROXY_JWKS_URL: jwks.url,
      VIGILO_PROXY_JWKS_COOLDOWN: '0s',
      VIGILO_PROXY_JWT_CLOCK_SKEW: '5s',
      VIGILO_PROXY_PORT: '0',
      VIGILO_PROXY_HOST: '127.0.0.1',
      VIGILO_PROXY_RATE_TENANT_REQUESTS: '100000',
      VIGILO_PROXY_RATE_KEY_REQUESTS: '100000',
      VIGILO_PROXY_AUDIT_FLUSH: '50ms',
    });
  });

  after(async () => {
    await proxy?.stop();
    await search?.stop();
    await ingest?.stop();
    await recorder?.close();
    await jwks?.close();
    for (const t of [tenant, other]) await engine?.dropTenant(parseTenantId(t)).catch(() => undefined);
    await engine?.close();
    await db?.drop();
  });

  const corpus = () =>
    engineCorpus({
      tenant,
      other,
      docId: docIds(tenant)[0]!,
      otherDocId: docIds(other)[0]!,
      sealer: new ContextSealer(contextKey),
      foreignSealer: new ContextSealer(randomBytes(32)),
    });
  const engineCall = (c: CorpusCase, key = keys['read']!) => call(proxy.url, c.method, `/engine${c.path}`, key, c.body);

  it('denies every request of the corpus with 403, and none of them reaches the engine', async () => {
    const { denied } = corpus();
    assert.ok(denied.length >= 100);
    recorder.seen.length = 0;
    for (const c of denied) {
      const reply = await engineCall(c);
      assert.equal(reply.status, 403, `${c.reason}: ${c.method} ${c.path} -> ${reply.status} ${reply.text.slice(0, 300)}`);
      if (c.method !== 'HEAD') assert.equal(reply.json?.code, 'VIG_PROXY_ENGINE_FORBIDDEN', c.reason);
    }
    assert.deepEqual(recorder.seen, [], 'denied requests reached the engine');
  });

  // The test engine is the open-source core without x-pack SQL and async search; those allowed cases are covered
  // by the unit tests of the authorizer (what would be sent), their denied counterparts by the test above.
  it("allows every request of the corpus that the test engine supports and answers with the caller's documents only", async () => {
    const allowed = corpus().allowed.filter((c) => c.needs === undefined);
    assert.ok(allowed.length >= 30, `allowed: ${allowed.length}`);
    let documentsSeen = 0;
    for (const c of allowed) {
      const reply = await engineCall(c);
      assert.ok(reply.status >= 200 && reply.status < 300, `${c.reason}: ${c.method} ${c.path} -> ${reply.status} ${reply.text.slice(0, 400)}`);
      assert.ok(!reply.text.includes(other), `${c.reason}: the other tenant's data came back: ${reply.text.slice(0, 400)}`);
      const hits = reply.json?.hits?.hits as Array<{ _id: string; _index: string }> | undefined;
      for (const hit of hits ?? []) {
        assert.ok(docIds(tenant).includes(hit._id), `${c.reason}: unexpected hit ${hit._id}`);
        documentsSeen++;
      }
    }
    assert.ok(documentsSeen > 0, 'the allowed searches returned documents');
    const all = await engineCall({ reason: 'all', method: 'GET', path: '/*/_search?size=100' });
    assert.deepEqual((all.json.hits.hits as Array<{ _id: string }>).map((h) => h._id).sort(), docIds(tenant).sort());
  });

  it('seals scroll and point-in-time ids to the tenant: the owner continues, another tenant is refused before the engine', async () => {
    const alias = tenantIndexNames(parseTenantId(tenant)).readAlias;
    const first = await call(proxy.url, 'POST', `/engine/${alias}/_search?scroll=1m`, keys['read'], JSON.stringify({ size: 1, sort: ['vigilo.safetyreportid'] }));
    assert.equal(first.status, 200, first.text);
    const scrollId = first.json._scroll_id as string;
    assert.ok(scrollId.startsWith('vgc1.'));
    const next = await call(proxy.url, 'POST', '/engine/_search/scroll', keys['read'], JSON.stringify({ scroll: '1m', scroll_id: scrollId }));
    assert.equal(next.status, 200, next.text);
    assert.deepEqual(next.json.hits.hits.map((h: { _id: string }) => h._id), [docIds(tenant)[1]]);
    recorder.seen.length = 0;
    const stolen = await call(proxy.url, 'POST', '/engine/_search/scroll', keys['otherRead'], JSON.stringify({ scroll: '1m', scroll_id: scrollId }));
    assert.equal(stolen.status, 403);
    assert.deepEqual(recorder.seen, []);

    const pit = await call(proxy.url, 'POST', `/engine/${alias}/_pit?keep_alive=1m`, keys['read']);
    assert.equal(pit.status, 200, pit.text);
    const pitBody = JSON.stringify({ size: 10, pit: { id: pit.json.id, keep_alive: '1m' } });
    const page = await call(proxy.url, 'POST', '/engine/_search', keys['read'], pitBody);
    assert.equal(page.status, 200, page.text);
    assert.deepEqual(page.json.hits.hits.map((h: { _id: string }) => h._id).sort(), docIds(tenant).sort());
    assert.ok(String(page.json.pit_id).startsWith('vgc1.'));
    assert.equal((await call(proxy.url, 'POST', '/engine/_search', keys['otherRead'], pitBody)).status, 403);
  });

  describe('authentication', () => {
    const alias = () => tenantIndexNames(parseTenantId(tenant)).readAlias;
    const engineCount = (token: string | undefined) => call(proxy.url, 'GET', `/engine/${alias()}/_count`, token);
    const sign = (claims: Record<string, unknown>, options: { key?: GenerateKeyPairResult['privateKey']; kid?: string; alg?: string; exp?: number | string; nbf?: number | string } = {}) => {
      let jwt = new SignJWT({ scope: 'read', vigilo_tenant: tenant, ...claims })
        .setProtectedHeader({ alg: options.alg ?? 'RS256', kid: options.kid ?? rsa.kid })
        .setIssuer(typeof claims['iss'] === 'string' ? claims['iss'] : ISSUER)
        .setAudience(typeof claims['aud'] === 'string' ? claims['aud'] : AUDIENCE)
        .setSubject('analyst@example.org')
        .setIssuedAt()
        .setExpirationTime(options.exp ?? '5m');
      if (options.nbf !== undefined) jwt = jwt.setNotBefore(options.nbf);
      return jwt.sign(options.key ?? rsa.current.privateKey);
    };
    const refused = async (token: string | undefined, code: string, what: string) => {
      const reply = await engineCount(token);
      assert.equal(reply.status, code === 'VIG_AUTH_REQUIRED' || code === 'VIG_AUTH_INVALID' ? 401 : 403, `${what}: ${reply.text}`);
      assert.equal(reply.json.code, code, what);
    };

    it('accepts a valid RS256 JWT and its tenant claim', async () => {
      const reply = await engineCount(await sign({}));
      assert.equal(reply.status, 200, reply.text);
      assert.equal(reply.json.count, 3);
    });

    it('refuses alg none, HS256 signed with the public key, wrong audience or issuer, expired, not yet valid, unknown kid', async () => {
      const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const now = Math.floor(Date.now() / 1000);
      const claims = { iss: ISSUER, aud: AUDIENCE, sub: 'x', exp: now + 300, scope: 'read', vigilo_tenant: tenant };
      await refused(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`, 'VIG_AUTH_INVALID', 'alg none');
      const publicJwk = await exportJWK(rsa.current.publicKey);
      const { createHmac, createPublicKey } = await import('node:crypto');
      const pem = createPublicKey({ key: publicJwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
      const header = b64({ alg: 'HS256', kid: rsa.kid });
      const payload = b64(claims);
      const mac = createHmac('sha256', pem).update(`${header}.${payload}`).digest('base64url');
      await refused(`${header}.${payload}.${mac}`, 'VIG_AUTH_INVALID', 'HS256 with the RSA public key as secret');
      await refused(await sign({ aud: 'someone-else' }), 'VIG_AUTH_INVALID', 'wrong audience');
      await refused(await sign({ iss: 'https://evil.example' }), 'VIG_AUTH_INVALID', 'wrong issuer');
      await refused(await sign({}, { exp: now - 60 }), 'VIG_AUTH_INVALID', 'expired beyond the skew');
      await refused(await sign({}, { nbf: now + 120 }), 'VIG_AUTH_INVALID', 'not yet valid beyond the skew');
      await refused(await sign({}, { kid: 'nobody' }), 'VIG_AUTH_INVALID', 'unknown kid');
      const stranger = await generateKeyPair('RS256');
      await refused(await sign({}, { key: stranger.privateKey }), 'VIG_AUTH_INVALID', 'signed by a key not in the JWKS');
      await refused(undefined, 'VIG_AUTH_REQUIRED', 'no credential');
    });

    it('refuses a tenantless token without admin on /v1 and on the engine', async () => {
      const token = await sign({ vigilo_tenant: undefined });
      const v1 = await call(proxy.url, 'GET', `/v1/tenants/${tenant}/drug/event.json?limit=1`, token);
      assert.equal(v1.status, 403, v1.text);
      assert.equal(v1.json.code, 'VIG_FORBIDDEN_TENANT');
      await refused(token, 'VIG_FORBIDDEN_TENANT', 'tenantless token on the engine');
    });

    it('follows a key rotation: a token of the new key is accepted once the JWKS publishes it', async () => {
      const next = await generateKeyPair('ES256', { extractable: true });
      const token = await sign({}, { key: next.privateKey, kid: 'k2', alg: 'ES256' });
      await refused(token, 'VIG_AUTH_INVALID', 'new key not yet published');
      jwks.keys = [...jwks.keys, { ...(await exportJWK(next.publicKey)), kid: 'k2', alg: 'ES256', use: 'sig' }];
      const reply = await engineCount(token);
      assert.equal(reply.status, 200, reply.text);
    });

    it('API keys: valid, revoked, wrong tenant, missing scope', async () => {
      assert.equal((await engineCount(keys['read'])).status, 200);
      await refused(keys['revoked'], 'VIG_AUTH_INVALID', 'revoked key');
      await refused(`vgk_${'a'.repeat(12)}_${'b'.repeat(43)}`, 'VIG_AUTH_INVALID', 'unknown key');
      await refused(keys['writeOnly'], 'VIG_FORBIDDEN_SCOPE', 'engine read with a write-only key');
      const wrongTenant = await call(proxy.url, 'GET', `/v1/tenants/${other}/drug/event.json?limit=1`, keys['read']);
      assert.equal(wrongTenant.status, 403);
      assert.equal(wrongTenant.json.code, 'VIG_FORBIDDEN_TENANT');
      const missingScope = await call(proxy.url, 'GET', `/v1/tenants/${tenant}/drug/event.json?limit=1`, keys['writeOnly']);
      assert.equal(missingScope.status, 403, missingScope.text);
      const suspended = uniqueTenant('pxs');
      await registerTenant(db.pool, { id: suspended });
      const suspendedKey = (await createApiKey(db.pool, { tenant: suspended, scopes: ['read'] })).key;
      await registerTenant(db.pool, { id: suspended, status: 'suspended' });
      const refusedSuspended = await call(proxy.url, 'GET', `/engine/${tenantIndexNames(parseTenantId(suspended)).readAlias}/_count`, suspendedKey);
      assert.equal(refusedSuspended.status, 409, refusedSuspended.text);
      assert.equal(refusedSuspended.json.code, 'VIG_TENANT_NOT_ACTIVE');
    });

    it('sets security and rate limit headers on proxied answers', async () => {
      const reply = await engineCount(keys['read']);
      assert.equal(reply.status, 200);
      assert.equal(reply.headers.get('x-content-type-options'), 'nosniff');
      assert.match(reply.headers.get('strict-transport-security') ?? '', /max-age=\d+/);
      assert.equal(reply.headers.get('x-frame-options'), 'DENY');
      assert.equal(reply.headers.get('ratelimit-limit'), '100000');
      assert.ok(Number(reply.headers.get('ratelimit-remaining')) < 100000);
      assert.equal((await call(proxy.url, 'GET', '/readyz', undefined)).status, 200);
      const metrics = await call(proxy.url, 'GET', '/metrics', undefined);
      assert.match(metrics.text, /vigilo_proxy_decisions_total\{[^}]*surface="engine",outcome="engine"[^}]*\} [1-9]/);
    });
  });

  it('routes /v1 to the search service with the identity of the credential, ignoring identity headers sent by the client', async () => {
    const forged = { 'x-vigilo-tenant': other, 'x-vigilo-scopes': 'admin pii:read' };
    const reply = await call(proxy.url, 'GET', `/v1/tenants/${tenant}/drug/event.json?limit=10`, keys['read'], undefined, forged);
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual(reply.json.results.map((r: { safetyreportid: string }) => r.safetyreportid).sort(), docIds(tenant).sort());
    const denied = await call(proxy.url, 'GET', `/v1/tenants/${other}/drug/event.json?limit=10`, keys['read'], undefined, forged);
    assert.equal(denied.status, 403);
    assert.ok(!denied.text.includes(`${other}-DOC`));
  });

  it('streams reports to the ingest service and answers with its results; bodies over the limit are 413', async () => {
    const report = { ...minimalReport({ safetyreportid: `${tenant}-NEW-1` }) };
    const created = await call(proxy.url, 'POST', `/v1/tenants/${tenant}/reports`, keys['readWrite'], JSON.stringify(report));
    assert.equal(created.status, 201, created.text);
    const lines = [2, 3].map((n) => JSON.stringify(minimalReport({ safetyreportid: `${tenant}-NEW-${n}` }))).join('\n') + '\n';
    const bulk = await call(proxy.url, 'POST', `/v1/tenants/${tenant}/reports/bulk`, keys['readWrite'], lines, { 'content-type': 'application/x-ndjson' });
    assert.equal(bulk.status, 200, bulk.text);
    assert.equal(bulk.text.trim().split('\n').length, 3, 'one result per line and a summary');
    const versions = await call(proxy.url, 'GET', `/v1/tenants/${tenant}/reports/${tenant}-NEW-1/versions`, keys['readWrite']);
    assert.equal(versions.status, 200, versions.text);
    const big = JSON.stringify({ ...report, padding: 'x'.repeat(300 * 1024) });
    const declared = await call(proxy.url, 'POST', `/v1/tenants/${tenant}/reports`, keys['readWrite'], big);
    assert.equal(declared.status, 413);
    assert.equal(declared.json.code, 'VIG_REQUEST_BODY_TOO_LARGE');
    const chunked = await new Promise<number>((resolve, reject) => {
      const url = new URL(proxy.url);
      const req = httpRequest(
        { host: url.hostname, port: url.port, agent: false, method: 'POST', path: `/v1/tenants/${tenant}/reports`, headers: { authorization: `Bearer ${keys['readWrite']}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      for (let i = 0; i < 30; i++) req.write('x'.repeat(16 * 1024));
      req.end();
    });
    assert.equal(chunked, 413);
  });

  it('refuses dot segments and encoded separators in /v1 paths, and tenantless credentials without admin', async () => {
    const dotted = await call(proxy.url, 'GET', `/v1/tenants/${tenant}/reports/../../${other}/reports/x`, keys['read']);
    assert.equal(dotted.status, 400, dotted.text);
    const encoded = await call(proxy.url, 'GET', `/v1/tenants/${tenant}/reports/x%2F..%2F..%2F${other}`, keys['read']);
    assert.equal(encoded.status, 400, encoded.text);
  });

  it('survives clients that hang up while their answer streams', async () => {
    const url = new URL(proxy.url);
    const alias = tenantIndexNames(parseTenantId(tenant)).readAlias;
    for (let i = 0; i < 40; i++) {
      await new Promise<void>((resolve) => {
        const req = httpRequest({ host: url.hostname, port: url.port, agent: false, method: 'GET', path: `/engine/${alias}/_search?size=3`, headers: { authorization: `Bearer ${keys['read']}` } });
        req.on('error', () => resolve());
        req.on('close', () => resolve());
        // Hang up at varying points: before the answer, and while it streams.
        if (i % 2 === 0) setTimeout(() => req.destroy(), i % 7);
        else req.on('response', (res) => res.destroy());
        req.end();
      });
    }
    assert.equal(proxy.child.exitCode, null, 'the proxy process died');
    assert.equal((await call(proxy.url, 'GET', `/engine/${alias}/_count`, keys['read'])).status, 200);
  });

  it('writes an append-only audit row for every decision, without bodies', async () => {
    const secret = 'SECRET-QUERY-TEXT-' + randomBytes(4).toString('hex');
    const alias = tenantIndexNames(parseTenantId(tenant)).readAlias;
    await call(proxy.url, 'POST', `/engine/${alias}/_search`, keys['read'], JSON.stringify({ query: { match: { 'report.primarysource.reportercountry': secret } } }));
    const rows = await (async () => {
      for (let i = 0; i < 100; i++) {
        const { rows } = await db.pool.query(`SELECT * FROM vigilo.proxy_audit WHERE route = $1 ORDER BY id DESC LIMIT 1`, ['/engine/{index}/_search']);
        if (rows.length > 0) return rows;
        await new Promise((r) => setTimeout(r, 100));
      }
      return [];
    })();
    assert.equal(rows.length, 1);
    const { rows: denied } = await db.pool.query(`SELECT count(*)::int AS n FROM vigilo.proxy_audit WHERE decision = 'denied' AND tenant_id = $1`, [tenant]);
    assert.ok(denied[0].n >= 100, `denied rows: ${denied[0].n}`);
    const { rows: leaked } = await db.pool.query(`SELECT count(*)::int AS n FROM vigilo.proxy_audit WHERE row_to_json(proxy_audit)::text LIKE $1`, [`%${secret}%`]);
    assert.equal(leaked[0].n, 0);
    assert.ok(!proxy.output.some((line) => line.includes(secret)), 'the query text reached the log');
    await assert.rejects(db.pool.query('UPDATE vigilo.proxy_audit SET decision = $1', ['allowed']), /append-only/);
    await assert.rejects(db.pool.query('DELETE FROM vigilo.proxy_audit'), /append-only/);
  });
});

describe('proxy rate limits shared by three proxy processes (one PostgreSQL store)', function () {
  this.timeout(300_000);
  let db: TestDatabase;
  const proxies: RunningProcess[] = [];
  const tenant = uniqueTenant('pxr');
  const budget = 30;

  before(async () => {
    db = await createTestDatabase('vigilo_proxy_rate');
    await migratePlatform(db.pool);
    // A window far longer than the burst, so that every request of the test falls into the same window.
    await registerTenant(db.pool, { id: tenant, settings: { rateLimit: { tenantRequests: budget, tenantWindowSeconds: 3600 } } });
    for (let i = 0; i < 3; i++) {
      proxies.push(
        await startServiceProcess('proxy', {
          VIGILO_DATABASE_URL: db.url,
          VIGILO_PROXY_PORT: '0',
          VIGILO_PROXY_HOST: '127.0.0.1',
          VIGILO_PROXY_RATE_KEY_REQUESTS: '100000',
        }),
      );
    }
  });

  after(async () => {
    for (const p of proxies) await p.stop();
    await db?.drop();
  });

  it('lets exactly the tenant budget through across replicas and answers the rest 429 with Retry-After and RateLimit headers', async () => {
    const keys = await Promise.all([0, 1, 2].map(async () => (await createApiKey(db.pool, { tenant, scopes: ['read'] })).key));
    const perProxy = 30;
    // /v1 routes with no service configured answer 404 after authentication and the limiter: the limiter is what is measured.
    const replies = await Promise.all(
      proxies.flatMap((p, i) => Array.from({ length: perProxy }, () => call(p.url, 'GET', `/v1/tenants/${tenant}/signals`, keys[i]))),
    );
    const limited = replies.filter((r) => r.status === 429);
    const passed = replies.filter((r) => r.status !== 429);
    assert.equal(passed.length, budget, `statuses: ${JSON.stringify(replies.map((r) => r.status))}`);
    assert.equal(limited.length, 3 * perProxy - budget);
    assert.ok(passed.every((r) => r.status === 404));
    for (const r of limited) {
      assert.equal(r.json.code, 'VIG_RATE_LIMITED');
      assert.ok(Number(r.headers.get('retry-after')) >= 1);
      assert.equal(r.headers.get('ratelimit-limit'), String(budget));
      assert.equal(r.headers.get('ratelimit-remaining'), '0');
    }
  });

  it('writes the audit rows of the last requests before it exits on SIGTERM', async () => {
    const key = (await createApiKey(db.pool, { tenant, scopes: ['read'] })).key;
    const last = proxies.pop()!;
    const reply = await call(last.url, 'GET', `/v1/tenants/${tenant}/signals`, key);
    const requestId = reply.headers.get('x-request-id');
    assert.ok(requestId);
    assert.equal(await last.stop('SIGTERM'), 0);
    const { rows } = await db.pool.query('SELECT decision, reason FROM vigilo.proxy_audit WHERE request_id = $1', [requestId]);
    assert.deepEqual(rows, [{ decision: 'denied', reason: 'rate: limit exceeded' }]);
  });
});
