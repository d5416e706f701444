import assert from 'node:assert/strict';
import path from 'node:path';
import {
  OutageProxy,
  REPO_ROOT,
  findPersonalData,
  reportWithEveryPersonalField,
  startServiceProcess,
  until,
  type RunningProcess,
} from '@vigilo/testkit';
import { FAERS_2017Q2, WritePath, run } from './writePath.js';

interface OracleRow {
  drug: string;
  event: string;
  a: number;
  b: number;
  c: number;
  d: number;
  prr: number | null;
  prr_lower: number | null;
  prr_upper: number | null;
  ror: number | null;
  ror_lower: number | null;
  ror_upper: number | null;
  expected: number;
  ic: number;
  ic025: number;
  ic975: number;
  chi2_yates: number | null;
  evans_signal: boolean;
}
interface Oracle {
  total: number;
  rows: OracleRow[];
  drug_reports: Record<string, number>;
  event_reports: Record<string, number>;
}

/** Expected numbers straight from the raw FAERS files (packages/testkit/faers_signals.py, no Vigilo code). */
async function oracle(...args: string[]): Promise<Oracle> {
  const { stdout } = await run('python3', [path.join(REPO_ROOT, 'packages/testkit/faers_signals.py'), FAERS_2017Q2, ...args], { maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout) as Oracle;
}

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

type Reply = { status: number; headers: Headers; body: Record<string, any>; text: string };

/**
 * The read side end to end: the FAERS quarter goes through ingest, relay, the Cloud Tasks emulator and the
 * indexer into Elasticsearch; two search service processes answer, one from the engine (through a proxy the
 * test can cut) and one without an engine (SQL only). Expected numbers come from the raw files.
 */
describe('search service end to end (FAERS 2017Q2 through the write path; engine and SQL fallback)', function () {
  const wp = new WritePath({ tenantPrefix: 'srch' });
  let engineProxy: OutageProxy;
  let primary: RunningProcess;
  let sqlOnly: RunningProcess;
  let tenant: string;
  const piiId = 'PII-SEARCH-1';

  const get = async (service: RunningProcess, pathAndQuery: string, headers: Record<string, string> = { 'x-vigilo-tenant': tenant, 'x-vigilo-scopes': 'read' }): Promise<Reply> => {
    const res = await fetch(`${service.url}${pathAndQuery}`, { headers });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: JSON.parse(text) as Record<string, any>, text };
  };
  const events = (service: RunningProcess, query: string) => get(service, `/v1/tenants/${tenant}/drug/event.json?${query}`);
  const signals = (service: RunningProcess, query: string) => get(service, `/v1/tenants/${tenant}/signals?${query}`);

  before(async () => {
    await wp.start();
    tenant = wp.tenant;
    await wp.importFaers();
    assert.equal((await wp.postJson(`/v1/tenants/${tenant}/reports`, reportWithEveryPersonalField(piiId))).status, 201);
    assert.deepEqual(await wp.converged('the quarter is indexed'), []);
    engineProxy = new OutageProxy(new URL(wp.engineUrl));
    await engineProxy.start();
    const common = { VIGILO_DATABASE_URL: wp.db.url, VIGILO_SEARCH_PORT: '0', VIGILO_SEARCH_HOST: '127.0.0.1' };
    primary = await startServiceProcess('search', {
      ...common,
      VIGILO_ENGINE_URL: engineProxy.url,
      // Generous: a cut engine fails at once (connections refused); a slow CI host must not look like an outage.
      VIGILO_ENGINE_REQUEST_TIMEOUT: '15s',
      VIGILO_SEARCH_BREAKER_VOLUME: '3',
      VIGILO_SEARCH_BREAKER_RESET: '4s',
    });
    sqlOnly = await startServiceProcess('search', common);
  });

  after(async () => {
    await primary?.stop();
    await sqlOnly?.stop();
    await engineProxy?.stop();
    await wp.stop();
  });

  it('counts every live report and every reaction term as the raw files do', async () => {
    const expected = await oracle();
    const all = await events(primary, 'limit=1');
    assert.equal(all.status, 200);
    assert.equal(all.body['meta'].degraded, false);
    assert.equal(all.body['meta'].results.total, expected.total + 1, 'the quarter plus the one report with personal data');
    const counted = await events(primary, 'count=patient.reaction.reactionmeddrapt.exact&limit=1000');
    const want = { ...expected.event_reports, haemorrhage: (expected.event_reports['haemorrhage'] ?? 0) + 1 };
    assert.deepEqual(
      Object.fromEntries((counted.body['results'] as { term: string; count: number }[]).map((r) => [r.term, r.count])),
      want,
    );
    const risperdal = await events(primary, 'search=patient.drug.medicinalproduct.exact:"RISPERDAL"&limit=10');
    assert.equal(risperdal.body['meta'].results.total, expected.drug_reports['RISPERDAL']);
  });

  it('computes signal tables that match the raw files: top pairs, suspect-only, one drug, one event, one pair', async () => {
    const cases: Array<[string, string[]]> = [
      ['limit=15', ['--limit', '15']],
      ['limit=15&suspect=true', ['--limit', '15', '--suspect']],
      ['drug=RISPERDAL&limit=10', ['--drug', 'RISPERDAL', '--limit', '10']],
      ['event=Off%20label%20use&limit=10', ['--event', 'Off label use', '--limit', '10']],
      ['drug=REVLIMID&event=death', ['--drug', 'REVLIMID', '--event', 'death']],
      ['limit=10&from=20170401&to=20170615', ['--limit', '10', '--from', '20170401', '--to', '20170615']],
    ];
    for (const [query, args] of cases) {
      const expected = await oracle(...args);
      const answer = await signals(sqlOnly, query);
      assert.equal(answer.status, 200, `${query}: ${answer.text}`);
      // The PII report was received in 2024 and names WARFARIN/HAEMORRHAGE: it shifts totals only without a window.
      const extra = query.includes('from=') ? 0 : 1;
      assert.equal(answer.body['meta'].total_reports, expected.total + extra, query);
      const rows = answer.body['results'] as Array<Record<string, any>>;
      assert.deepEqual(rows.map((r) => [r['drug'], r['event'], r['a']]), expected.rows.map((r) => [r.drug, r.event, r.a]), query);
      rows.forEach((row, i) => {
        const want = expected.rows[i]!;
        assert.deepEqual([row['b'], row['c'], row['d'] - extra], [want.b, want.c, want.d], `${query} row ${i}`);
        if (extra === 0) {
          const close = (got: number | null, exp: number | null, what: string) =>
            exp === null ? assert.equal(got, null, what) : assert.ok(got !== null && Math.abs(got - exp) <= 1e-9 * Math.max(1, Math.abs(exp)), `${what}: ${got} vs ${exp}`);
          close(row['prr'].value, want.prr, 'PRR');
          close(row['prr'].lower, want.prr_lower, 'PRR lower');
          close(row['ror'].value, want.ror, 'ROR');
          close(row['ic'].value, want.ic, 'IC');
          close(row['ic'].lower, want.ic025, 'IC025');
          close(row['ic'].upper, want.ic975, 'IC975');
          close(row['chi2_yates'], want.chi2_yates, 'chi2');
          assert.equal(row['evans_signal'], want.evans_signal, `${query} Evans`);
        }
      });
      const fromEngine = await signals(primary, query);
      assert.equal(fromEngine.body['meta'].degraded, false, `${query}: ${fromEngine.headers.get('vigilo-degraded')}`);
      assert.deepEqual(fromEngine.body['results'], answer.body['results'], `${query}: engine and SQL agree`);
    }
  });

  it('answers the same requests identically from the engine and from SQL (which marks itself degraded)', async () => {
    const requests = [
      'search=serious:1&limit=100',
      'search=patient.patientsex:2+AND+serious:1&limit=100',
      'search=receivedate:[20170101+TO+20170630]&limit=100&sort=receivedate:desc',
      'search=patient.reaction.reactionmeddrapt:"drug+ineffective"&limit=50',
      'search=_exists_:occurcountry&count=occurcountry.exact',
      'count=receivedate',
      'count=patient.drug.drugcharacterization',
      'search=patient.drug:(medicinalproduct.exact:RISPERDAL+AND+drugcharacterization:1)&limit=20',
      'count=patient.drug.medicinalproduct.exact&limit=25',
      'search=NOT+serious:1&limit=100&skip=10',
    ];
    for (const query of requests) {
      const [engine, sql] = await Promise.all([events(primary, query), events(sqlOnly, query)]);
      assert.equal(engine.status, sql.status, `${query}: ${engine.text.slice(0, 300)} / ${sql.text.slice(0, 300)}`);
      assert.equal(engine.body['meta']?.degraded, false, query);
      assert.equal(sql.body['meta']?.degraded, true, query);
      assert.equal(sql.headers.get('vigilo-degraded'), 'engine-not-configured');
      assert.deepEqual(engine.body['results'], sql.body['results'], query);
      assert.deepEqual(engine.body['meta']?.results, sql.body['meta']?.results, query);
    }
  });

  it('pages past skip with the cursor of the Link header, every report exactly once, on both paths', async () => {
    for (const service of [primary, sqlOnly]) {
      const seen: string[] = [];
      let next: string | undefined = `/v1/tenants/${tenant}/drug/event.json?search=_exists_:safetyreportid&limit=7&sort=receivedate:asc`;
      while (next) {
        const page = await get(service, next);
        assert.equal(page.status, 200, page.text);
        seen.push(...(page.body['results'] as Array<{ safetyreportid: string }>).map((r) => r.safetyreportid));
        const link = page.headers.get('link');
        next = link ? /<([^>]+)>; rel="next"/.exec(link)![1] : undefined;
      }
      assert.equal(seen.length, 101);
      assert.equal(new Set(seen).size, 101);
    }
  });

  it('never returns personal data, from the engine or from SQL', async () => {
    for (const service of [primary, sqlOnly]) {
      const hit = await events(service, `search=safetyreportid.exact:"${piiId}"&limit=1`);
      assert.equal(hit.status, 200, hit.text);
      assert.equal(hit.body['results'][0].safetyreportid, piiId);
      assert.deepEqual(findPersonalData(hit.text), []);
      const everything = await events(service, 'limit=1000');
      assert.deepEqual(findPersonalData(everything.text), []);
    }
  });

  it("answers client mistakes in openFDA's error shape with a stable code and the position", async () => {
    const bad = await events(primary, 'search=patient.drug.medicinalproduct:(aspirin');
    assert.equal(bad.status, 400);
    assert.equal(bad.body['error'].code, 'BAD_REQUEST');
    assert.equal(bad.body['error'].details.code, 'VIG_QUERY_SYNTAX');
    assert.equal(typeof bad.body['error'].details.position, 'number');
    assert.doesNotMatch(bad.text, /at .*\.js:\d+/, 'no stack trace');
    const unknown = await events(primary, 'search=patient.patientinitial:AB');
    assert.equal(unknown.body['error'].details.code, 'VIG_QUERY_UNKNOWN_FIELD', 'personal-data fields are not queryable');
    const none = await events(primary, 'search=patient.drug.medicinalproduct.exact:"NO SUCH DRUG"');
    assert.deepEqual([none.status, none.body['error'].code], [404, 'NOT_FOUND']);
    const paging = await events(primary, 'limit=abc');
    assert.deepEqual([paging.status, paging.body['error'].details.code], [400, 'VIG_QUERY_BAD_PAGING']);
    const signal = await signals(primary, 'from=20171301');
    assert.deepEqual([signal.status, signal.body['code']], [400, 'VIG_SIGNAL_BAD_PARAMETER']);
    const anonymous = await get(primary, `/v1/tenants/${tenant}/drug/event.json`, {});
    assert.equal(anonymous.status, 401);
    const otherTenant = await get(primary, `/v1/tenants/${tenant}/drug/event.json`, { 'x-vigilo-tenant': 'someone-else', 'x-vigilo-scopes': 'read' });
    assert.deepEqual([otherTenant.status, otherTenant.body['error'].details.code], [403, 'VIG_FORBIDDEN_TENANT']);
  });

  it('falls back to SQL while the engine is cut off (the circuit opens), and returns to the engine after it is back', async () => {
    const query = 'count=patient.reaction.reactionmeddrapt.exact&limit=1000';
    const healthy = await events(primary, query);
    assert.equal(healthy.body['meta'].degraded, false);
    engineProxy.cut();
    try {
      for (let i = 0; i < 6; i++) {
        const answer = await events(primary, query);
        assert.equal(answer.status, 200);
        assert.equal(answer.body['meta'].degraded, true);
        assert.match(answer.headers.get('vigilo-degraded') ?? '', /^(engine-unavailable|engine-timeout|circuit-open)$/);
        assert.deepEqual(answer.body['results'], healthy.body['results']);
      }
      const open = await until(
        async () => (await events(primary, query)).headers.get('vigilo-degraded'),
        (reason) => reason === 'circuit-open',
        'the circuit opens after repeated failures',
        30_000,
      );
      assert.equal(open, 'circuit-open');
      const fallbackLines = (await fetch(`${primary.url}/metrics`).then((r) => r.text())).split('\n').filter((l) => l.startsWith('vigilo_search_fallbacks_total'));
      assert.ok(
        fallbackLines.some((l) => /operation="count"/.test(l) && /reason="circuit-open"/.test(l) && / [1-9][0-9]*$/.test(l)),
        fallbackLines.join('\n'),
      );
    } finally {
      engineProxy.restore();
    }
    const back = await until(async () => (await events(primary, query)).body['meta'].degraded, (degraded) => degraded === false, 'a half-open probe closes the circuit', 30_000);
    assert.equal(back, false);
  });
});
