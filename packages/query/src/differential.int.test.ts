import assert from 'node:assert/strict';
import path from 'node:path';
import { contentHash, deidentify, toSearchDocument, tenantSchemaName, type AdverseEventReport, type TenantId } from '@vigilo/domain';
import { readFaersQuarter } from '@vigilo/faers';
import { PostgresReportStore, asTenant, ident, provisionTenant } from '@vigilo/postgres';
import { createElasticsearchSearchIndex, createOpenSearchSearchIndex, liveReportsFilter, type SearchIndex } from '@vigilo/search-engine';
import { REPO_ROOT, createTestDatabase, uniqueTenant, type TestDatabase } from '@vigilo/testkit';
import type { CountResult, SearchPage } from './ast.js';
import { buildEngineCount, buildEngineSearch, engineCountFilterPath, readEngineCount, readEngineSearch } from './engine.js';
import { parseRequest, type SearchRequest } from './parse.js';
import { buildSqlCount, buildSqlSearch, readSqlCount, readSqlSearch, type SqlSearchRow, type SqlSource } from './sql.js';

/**
 * The same generated requests on both read paths over real FAERS reports: the search engine (Elasticsearch 9)
 * and PostgreSQL (the degraded path) must give identical totals, ids in order, cursors, sources and counts.
 */

const QUARTERS = ['faers_ascii_2017q2.zip', 'aers_ascii_2004q1.zip'].map((f) => path.join(REPO_ROOT, 'packages/faers/fixtures', f));
const GENERATED_QUERIES = 320;
/** Another seed explores other queries: VIGILO_QUERY_DIFF_SEED=n. */
const SEED = Number(process.env['VIGILO_QUERY_DIFF_SEED'] ?? 20_260_529);

interface Engine {
  readonly name: string;
  url(): string;
  create(url: string): SearchIndex;
}

function urlFrom(variable: string, what: string): string {
  const url = process.env[variable];
  if (!url) throw new Error(`${variable} is not set: run the tests through scripts/test (it starts ${what})`);
  return url;
}

const ENGINES: readonly Engine[] = [
  {
    name: 'Elasticsearch 9',
    url: () => urlFrom('VIGILO_TEST_ES_URL', 'Elasticsearch'),
    create: (node) => createElasticsearchSearchIndex({ node, replicas: 0, requestTimeoutMs: 60_000 }),
  },
  {
    name: 'OpenSearch 2',
    url: () => urlFrom('VIGILO_TEST_OPENSEARCH_URL', 'OpenSearch'),
    create: (node) => createOpenSearchSearchIndex({ node, replicas: 0, requestTimeoutMs: 60_000 }),
  },
];

/** mulberry32: a small seeded generator, so a failing query can be replayed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Json = Record<string, unknown>;

/** Values of a dotted path in a de-identified report (arrays flattened). */
function valuesAt(node: unknown, pathParts: readonly string[]): string[] {
  if (node === undefined || node === null) return [];
  if (Array.isArray(node)) return node.flatMap((item) => valuesAt(item, pathParts));
  if (pathParts.length === 0) return typeof node === 'string' || typeof node === 'number' ? [String(node)] : [];
  if (typeof node !== 'object') return [];
  return valuesAt((node as Json)[pathParts[0]!], pathParts.slice(1));
}

const TEXT_FIELDS = [
  'patient.drug.medicinalproduct',
  'patient.drug.activesubstance.activesubstancename',
  'patient.drug.drugindication',
  'patient.drug.drugdosageform',
  'patient.drug.drugadministrationroute',
  'patient.reaction.reactionmeddrapt',
  'occurcountry',
  'primarysourcecountry',
  'companynumb',
  'sender.senderorganization',
  'primarysource.reportercountry',
];
const KEYWORD_FIELDS = [
  'serious',
  'seriousnessdeath',
  'seriousnesshospitalization',
  'reporttype',
  'patient.patientsex',
  'patient.patientonsetageunit',
  'patient.drug.drugcharacterization',
  'patient.drug.actiondrug',
  'patient.drug.drugstartdateformat',
  'patient.reaction.reactionoutcome',
  'primarysource.qualification',
  'occurcountry.exact',
  'patient.drug.medicinalproduct.exact',
  'patient.reaction.reactionmeddrapt.exact',
  'patient.drug.drugindication.exact',
];
const DATE_FIELDS = ['receivedate', 'receiptdate', 'patient.drug.drugstartdate', 'patient.drug.drugenddate', 'patient.patientdeath.patientdeathdate'];
const NUMBER_FIELDS = ['patient.patientonsetage', 'patient.patientweight', 'safetyreportversion', 'patient.drug.drugseparatedosagenumb'];
const SORT_FIELDS = [
  'receivedate',
  'receiptdate',
  'patient.patientonsetage',
  'patient.patientweight',
  'patient.drug.drugstartdate',
  'occurcountry.exact',
  'patient.reaction.reactionmeddrapt.exact',
  'patient.drug.medicinalproduct.exact',
  'serious',
];
const COUNT_FIELDS = [
  'patient.reaction.reactionmeddrapt.exact',
  'patient.drug.medicinalproduct.exact',
  'patient.drug.drugcharacterization',
  'occurcountry.exact',
  'serious',
  'patient.patientsex',
  'patient.drug.drugstartdateformat',
  'receivedate',
  'receiptdate',
  'patient.drug.drugstartdate',
  'patient.reaction.reactionstartdate',
];

class Generator {
  readonly random: () => number;
  constructor(
    seed: number,
    private readonly reports: readonly AdverseEventReport[],
  ) {
    this.random = seeded(seed);
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }
  chance(p: number): boolean {
    return this.random() < p;
  }

  /** A value of `field` from a random report that has one (undefined after a few misses). */
  value(field: string): string | undefined {
    const base = field.endsWith('.exact') ? field.slice(0, -6) : field;
    for (let i = 0; i < 20; i++) {
      const values = valuesAt(this.pick(this.reports), base.split('.'));
      if (values.length > 0) return this.pick(values);
    }
    return undefined;
  }

  quoted(text: string): string {
    return `"${text.replace(/["\\]/g, (c) => `\\${c}`)}"`;
  }

  words(text: string): string[] {
    return text.split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 0);
  }

  day(field: string): string | undefined {
    const v = this.value(field);
    if (!v) return undefined;
    const full = v.length === 8 ? v : v.length === 6 ? `${v}01` : `${v}0101`;
    const shifted = new Date(Date.UTC(Number(full.slice(0, 4)), Number(full.slice(4, 6)) - 1, Number(full.slice(6, 8)) + this.int(-40, 40)));
    const iso = shifted.toISOString().slice(0, 10);
    return this.chance(0.5) ? iso : iso.replace(/-/g, '');
  }

  leaf(): string {
    for (;;) {
      const r = this.random();
      if (r < 0.3) {
        const field = this.pick(TEXT_FIELDS);
        const v = this.value(field);
        if (!v) continue;
        const words = this.words(v);
        if (words.length === 0) continue;
        if (words.length > 1 && this.chance(0.35)) {
          const start = this.int(0, words.length - 2);
          return `${field}:${this.quoted(words.slice(start, start + 2).join(' '))}`;
        }
        const word = this.pick(words);
        if (word.length >= 4 && this.chance(0.2)) return `${field}:${word.slice(0, this.int(3, word.length - 1))}*`;
        return `${field}:${this.chance(0.5) ? word.toLowerCase() : word}`;
      }
      if (r < 0.55) {
        const field = this.pick(KEYWORD_FIELDS);
        const v = this.value(field);
        if (!v) continue;
        if (field.endsWith('.exact') && v.length >= 4 && this.chance(0.15)) {
          const prefix = v.slice(0, this.int(3, Math.min(v.length - 1, 6)));
          if (/^[^\s()[\]{}"\\*]+$/.test(prefix)) return `${field}:${prefix}*`;
        }
        if (this.chance(0.15)) {
          const other = this.value(field) ?? v;
          return `${field}:(${this.quoted(v)} ${this.pick(['OR ', ''])}${this.quoted(other)})`;
        }
        if (this.chance(0.08)) {
          const other = this.value(field) ?? v;
          const [lo, hi] = Buffer.compare(Buffer.from(v), Buffer.from(other)) <= 0 ? [v, other] : [other, v];
          if (/^[^\s\][]+$/.test(lo) && /^[^\s\][]+$/.test(hi) && lo !== '*' && hi !== '*') return `${field}:[${lo} TO ${hi}]`;
        }
        if (/^[^\s()[\]{}"\\*]+$/.test(v) && this.chance(0.5)) return `${field}:${v}`;
        return `${field}:${this.quoted(v)}`;
      }
      if (r < 0.7) {
        const field = this.pick(DATE_FIELDS);
        const a = this.day(field);
        const b = this.day(field);
        if (!a || !b) continue;
        const [lo, hi] = a.replace(/-/g, '') <= b.replace(/-/g, '') ? [a, b] : [b, a];
        if (this.chance(0.15)) return `${field}:${lo}`;
        if (this.chance(0.15)) return `${field}:[${lo} TO *]`;
        return `${field}:[${lo} TO ${hi}]`;
      }
      if (r < 0.8) {
        const field = this.pick(NUMBER_FIELDS);
        const a = this.value(field);
        if (!a) continue;
        const x = Number(a);
        if (this.chance(0.25)) return `${field}:${a}`;
        const lo = Math.max(0, x - this.int(0, 20));
        return this.chance(0.2) ? `${field}:[* TO ${x}]` : `${field}:[${lo} TO ${x + this.int(0, 20)}]`;
      }
      if (r < 0.88) {
        const field = this.pick([...DATE_FIELDS, ...NUMBER_FIELDS, 'patient.drug.drugindication', 'patient.reaction.reactionoutcome', 'patient.drug.actiondrug', 'primarysource.qualification']);
        return `${this.chance(0.5) ? '_exists_' : '_missing_'}:${field}`;
      }
      return this.element();
    }
  }

  element(): string {
    if (this.chance(0.6)) {
      const product = this.value('patient.drug.medicinalproduct');
      const words = product ? this.words(product) : [];
      const name = words.length > 0 ? this.pick(words) : 'ASPIRIN';
      const second = this.pick([
        `drugcharacterization:${this.pick(['1', '2', '3'])}`,
        `NOT drugcharacterization:1`,
        `_exists_:drugindication`,
        `drugadministrationroute:${this.value('patient.drug.drugadministrationroute')?.split(/\s+/)[0] ?? 'oral'}`,
        `drugstartdate:[2000-01-01 TO 2017-12-31]`,
      ]);
      return `patient.drug:(medicinalproduct:${name} AND ${second})`;
    }
    const term = this.value('patient.reaction.reactionmeddrapt');
    const words = term ? this.words(term) : [];
    const word = words.length > 0 ? this.pick(words) : 'nausea';
    const second = this.pick([`reactionoutcome:${this.pick(['1', '2', '3', '4', '5', '6'])}`, '_missing_:reactionoutcome', `NOT reactionoutcome:6`]);
    return `patient.reaction:(reactionmeddrapt:${word} ${this.pick(['AND', 'OR'])} ${second})`;
  }

  search(): string {
    const shape = this.random();
    let q: string;
    if (shape < 0.35) q = this.leaf();
    else if (shape < 0.55) q = `${this.leaf()} AND ${this.leaf()}`;
    else if (shape < 0.7) q = `${this.leaf()} ${this.pick(['OR ', ''])}${this.leaf()}`;
    else if (shape < 0.8) q = `${this.leaf()} AND NOT ${this.leaf()}`;
    else if (shape < 0.87) q = `${this.leaf()} NOT ${this.leaf()}`;
    else q = `(${this.leaf()} OR ${this.leaf()}) AND ${this.leaf()}`;
    // openFDA clients send spaces as +.
    return this.chance(0.4) ? q.replace(/ /g, '+') : q;
  }

  request(): SearchRequest {
    const kind = this.random();
    if (kind < 0.3) {
      return { search: this.chance(0.6) ? this.search() : undefined, count: this.pick(COUNT_FIELDS), limit: this.int(1, 40), skip: 0 };
    }
    const sort = this.chance(0.55) ? `${this.pick(SORT_FIELDS)}:${this.pick(['asc', 'desc'])}` : undefined;
    return { search: this.chance(0.85) ? this.search() : undefined, sort, limit: this.int(1, 25), skip: this.chance(0.3) ? this.int(1, 30) : 0 };
  }
}

for (const target of ENGINES) describe(`query language: ${target.name} and SQL give identical answers (differential, real FAERS data)`, function () {
  this.timeout(600_000);
  let db: TestDatabase;
  let index: SearchIndex;
  let tenant: TenantId;
  let source: SqlSource;
  let reports: AdverseEventReport[] = [];

  before(async () => {
    db = await createTestDatabase('vigilo_query');
    tenant = uniqueTenant('q') as TenantId;
    await provisionTenant(db.pool, { id: tenant });
    const store = new PostgresReportStore({ pool: db.pool });
    const loaded: AdverseEventReport[] = [];
    for (const zip of QUARTERS) for await (const record of readFaersQuarter(zip)) if (record.kind === 'report') loaded.push(record.report);
    await store.putReports(tenant, loaded.map((report) => ({ report, contentHash: contentHash(report) })));
    // A few reports are nullified by a later version: both paths must leave them out.
    const nullified = loaded.filter((_, i) => i % 37 === 5).map((r) => ({ ...r, safetyreportversion: r.safetyreportversion + 1, reportnullificationamendment: '1' }));
    await store.putReports(tenant, nullified.map((report) => ({ report, contentHash: contentHash(report) })));

    index = target.create(target.url());
    await index.ensureTenant(tenant);
    const current = await store.getCurrentMany(tenant, [...new Set(loaded.map((r) => r.safetyreportid))]);
    const operations = [...current.values()].map((stored) => ({
      id: stored.safetyreportid,
      version: stored.version,
      document: toSearchDocument({ tenant, content: stored.content, version: stored.version, nullified: stored.nullified, committedAt: stored.receivedAt }),
    }));
    const outcomes = await index.bulk(tenant, operations);
    assert.deepEqual(outcomes.filter((o) => o.outcome !== 'written'), []);
    await index.refresh(tenant);
    reports = [...current.values()].filter((s) => !s.nullified).map((s) => deidentify(s.content));
    assert.ok(reports.length >= 150, `expected the FAERS fixtures to give at least 150 live reports, got ${reports.length}`);

    const schema = ident(tenantSchemaName(tenant));
    source = {
      from: `${schema}.reports r JOIN ${schema}.report_versions v ON v.safetyreportid = r.safetyreportid AND v.version = r.current_version`,
      content: 'v.content',
      id: 'r.safetyreportid',
      where: 'NOT r.nullified',
    };
  });

  after(async () => {
    if (index) {
      await index.dropTenant(tenant).catch(() => undefined);
      await index.close();
    }
    if (db) await db.drop();
  });

  async function engineSearch(req: SearchRequest): Promise<SearchPage> {
    const p = parseRequest(req);
    return readEngineSearch(p, await index.search(tenant, buildEngineSearch(p, { filter: liveReportsFilter() })));
  }
  async function sqlSearch(req: SearchRequest): Promise<SearchPage> {
    const p = parseRequest(req);
    const stmt = buildSqlSearch(p, source);
    const rows = await asTenant(db.pool, tenant, async (client) => (await client.query<SqlSearchRow>(stmt.text, stmt.values)).rows);
    return readSqlSearch(p, rows);
  }
  async function engineCount(req: SearchRequest): Promise<CountResult> {
    const p = parseRequest(req);
    // As the search service asks: filtered to what readEngineCount reads (an empty count comes back as {}).
    return readEngineCount(p, await index.search(tenant, buildEngineCount(p, { filter: liveReportsFilter() }), { filterPath: engineCountFilterPath(p) }));
  }
  async function sqlCount(req: SearchRequest): Promise<CountResult> {
    const p = parseRequest(req);
    const stmt = buildSqlCount(p, source);
    const rows = await asTenant(db.pool, tenant, async (client) => (await client.query(stmt.text, stmt.values)).rows);
    return readSqlCount(p, rows);
  }

  it(`tokenises every text value of the data set as ${target.name}'s standard analyzer does`, async () => {
    const texts = new Set<string>([
      "O'NEIL", 'D.N.A.', '3.5MG', '1,000 MG', 'ASPIRIN/CAFFEINE', '5-FU', 'A:B', 'X_Y', '___', 'ÉCLAIR Ærø',
      'ΑΣΠΙΡΊΝΗ', 'ANTI-TNF(α)', '12.5.3', 'U.S.A', 'e.g., this', 'ibuprofen;naproxen', '10;20', 'foo’s', 'a.1', '1.a', "can't", '.5', 'x--y',
    ]);
    for (const report of reports) for (const field of TEXT_FIELDS) for (const v of valuesAt(report, field.split('.'))) texts.add(v);
    const list = [...texts];
    const sql = await db.pool.query<{ t: string; tokens: string[] }>('SELECT t, vigilo.std_tokens(t) AS tokens FROM unnest($1::text[]) AS t', [list]);
    const ours = new Map(sql.rows.map((r) => [r.t, r.tokens]));
    const mismatches: string[] = [];
    for (let i = 0; i < list.length; i += 8) {
      await Promise.all(
        list.slice(i, i + 8).map(async (text) => {
          const response = await fetch(`${target.url()}/_analyze`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ analyzer: 'standard', text }),
          });
          const body = (await response.json()) as { tokens?: { token: string }[] };
          if (!body.tokens) throw new Error(`_analyze answered ${response.status}: ${JSON.stringify(body).slice(0, 300)}`);
          const engine = body.tokens.map((t) => t.token);
          if (JSON.stringify(engine) !== JSON.stringify(ours.get(text))) mismatches.push(`${JSON.stringify(text)}: engine ${JSON.stringify(engine)}, sql ${JSON.stringify(ours.get(text))}`);
        }),
      );
    }
    assert.ok(list.length > 300, `only ${list.length} distinct text values`);
    assert.deepEqual(mismatches, []);
  });

  it('agrees with counts computed here from the loaded reports, on both paths', async () => {
    const tally = (values: string[]) => {
      const counts = new Map<string, number>();
      for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
      return counts;
    };
    // count=serious: reports per value, most frequent first, ties by term.
    const serious = [...tally(reports.flatMap((r) => (r.serious ? [r.serious] : [])))]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .map(([term, count]) => ({ term, count }));
    const countSerious = { count: 'serious', limit: 10, skip: 0 };
    assert.deepEqual(await engineCount(countSerious), { kind: 'terms', results: serious });
    assert.deepEqual(await sqlCount(countSerious), { kind: 'terms', results: serious });

    // count=receivedate: a daily series, partial dates on their first day.
    const day = (d: string) => (d.length === 8 ? d : d.length === 6 ? `${d}01` : `${d}0101`);
    const series = [...tally(reports.flatMap((r) => (r.receivedate ? [day(r.receivedate)] : [])))].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([time, count]) => ({ time, count }));
    const countDays = { count: 'receivedate', limit: 1, skip: 0 };
    assert.deepEqual(await engineCount(countDays), { kind: 'time', results: series });
    assert.deepEqual(await sqlCount(countDays), { kind: 'time', results: series });

    // The same drug element: named and suspect, against the flattened reading.
    const suspects = reports.flatMap((r) => r.patient.drug.filter((d) => d.drugcharacterization === '1').map((d) => d.medicinalproduct));
    const product = [...tally(suspects)].sort((a, b) => b[1] - a[1])[0]![0];
    const sameElement = reports.filter((r) => r.patient.drug.some((d) => d.medicinalproduct === product && d.drugcharacterization === '1')).map((r) => r.safetyreportid).sort();
    const flattened = reports
      .filter((r) => r.patient.drug.some((d) => d.medicinalproduct === product) && r.patient.drug.some((d) => d.drugcharacterization === '1'))
      .map((r) => r.safetyreportid)
      .sort();
    assert.ok(sameElement.length > 0 && flattened.length >= sameElement.length);
    const grouped = { search: `patient.drug:(medicinalproduct.exact:${JSON.stringify(product)} AND drugcharacterization:1)`, limit: 1000, skip: 0 };
    for (const page of [await engineSearch(grouped), await sqlSearch(grouped)]) {
      assert.deepEqual(page.hits.map((h) => h.id), [...sameElement].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
    }
    const flat = { search: `patient.drug.medicinalproduct.exact:${JSON.stringify(product)} AND patient.drug.drugcharacterization:1`, limit: 1000, skip: 0 };
    assert.equal((await engineSearch(flat)).total, flattened.length);
    assert.equal((await sqlSearch(flat)).total, flattened.length);
  });

  it(`answers ${GENERATED_QUERIES} generated requests identically (totals, ids in order, cursors, sources, counts)`, async () => {
    const gen = new Generator(SEED, reports);
    let nonEmpty = 0;
    let followed = 0;
    const kinds = { search: 0, count: 0, sorted: 0, skipped: 0 };
    for (let i = 0; i < GENERATED_QUERIES; i++) {
      const req = gen.request();
      const label = `#${i} ${JSON.stringify(req)}`;
      if (req.count) {
        kinds.count++;
        const [engine, sql] = await Promise.all([engineCount(req), sqlCount(req)]);
        assert.deepEqual(sql, engine, label);
        if (engine.results.length > 0) nonEmpty++;
        continue;
      }
      kinds.search++;
      if (req.sort) kinds.sorted++;
      if (req.skip > 0) kinds.skipped++;
      const [engine, sql] = await Promise.all([engineSearch(req), sqlSearch(req)]);
      assert.deepEqual(sql, engine, label);
      if (engine.total > 0) nonEmpty++;
      // Follow the cursor for up to two more pages.
      let next = engine.next;
      for (let page = 0; page < 2 && next; page++) {
        const after = { ...req, skip: 0, after: next };
        const [e, s] = await Promise.all([engineSearch(after), sqlSearch(after)]);
        assert.deepEqual(s, e, `${label} page ${page + 2}`);
        followed++;
        next = e.next;
      }
    }
    // The generator must exercise the paths, not only agree on empty answers.
    assert.ok(nonEmpty >= GENERATED_QUERIES * 0.5, `only ${nonEmpty} of ${GENERATED_QUERIES} requests matched anything`);
    assert.ok(followed >= 30, `only ${followed} cursor pages followed`);
    assert.ok(kinds.count >= 50 && kinds.sorted >= 50 && kinds.skipped >= 20, JSON.stringify(kinds));
    if (process.env['VIGILO_QUERY_DIFF_VERBOSE']) console.log({ nonEmpty, followed, ...kinds });
  });
});
