import assert from 'node:assert/strict';
import { type AdverseEventReport, type Drug, type TenantId, parseTenantId, toSearchDocument } from '@vigilo/domain';
import { isVigiloError } from '@vigilo/errors';
import { findPersonalData, minimalReport, reportWithEveryPersonalField, uniqueTenant } from '@vigilo/testkit';
import type { EngineName } from './errors.js';
import { MAPPING_VERSION } from './mapping.js';
import { concreteIndexName, initialIndexName, tenantIndexNames } from './names.js';
import type { BulkOperation, SearchIndex } from './ports.js';
import { liveReportsFilter } from './queries.js';

/**
 * The shared contract of every SearchIndex adapter, run against the real engines
 * (see elasticsearch.int.test.ts and opensearch.int.test.ts). Each test works on
 * tenants of its own and drops them afterwards, so suites can share one node.
 */

/** What the suite asks of the adapter it gets. */
export interface SearchIndexContractTuning {
  /** `index.gc_deletes` of the tenants' indices: short, so the suite can outlive it. */
  readonly gcDeletes: string;
  /** Replicas: 0, so a single test node is green. */
  readonly replicas: number;
}

export interface SearchIndexContractSubject {
  /** The adapter under test, built with the tuning. */
  readonly index: SearchIndex;
  /** The engine `health()` must report. */
  readonly engine: EngineName;
  /**
   * The same engine's base URL, for a few raw REST calls the port deliberately does not offer
   * (an external-versioned delete, reading aliases and settings). An unsecured test node.
   */
  readonly engineUrl: string;
}

/** Builds the subject; called in a `before` hook, so a missing engine URL fails the suite (never skips it). */
export type SearchIndexContractFactory = (tuning: SearchIndexContractTuning) => SearchIndexContractSubject | Promise<SearchIndexContractSubject>;

const TUNING: SearchIndexContractTuning = { gcDeletes: '1s', replicas: 0 };
/** Upper bound of any wait for the engine (polling, never a fixed sleep). */
const CONVERGE_WITHIN_MS = 60_000;
const COMMITTED_AT = new Date(Date.UTC(2024, 5, 1, 12, 0, 0));

type Raw = { status: number; body: unknown };

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The report-level fields of a document, or undefined for a tombstone. */
function reportOf(source: Record<string, unknown>): Record<string, unknown> | undefined {
  const report = source['report'];
  return isRecord(report) ? report : undefined;
}

async function poll(what: string, attempt: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + CONVERGE_WITHIN_MS;
  for (;;) {
    if (await attempt()) return;
    if (Date.now() > deadline) assert.fail(`${what}: not converged within ${CONVERGE_WITHIN_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export function describeSearchIndexContract(name: string, factory: SearchIndexContractFactory): void {
  describe(`SearchIndex contract: ${name}`, function () {
    let subject: SearchIndexContractSubject;
    let index: SearchIndex;
    const tenants: TenantId[] = [];

    const newTenant = (prefix = 'se'): TenantId => {
      const tenant = parseTenantId(uniqueTenant(prefix));
      tenants.push(tenant);
      return tenant;
    };
    const track = (tenant: TenantId): TenantId => {
      tenants.push(tenant);
      return tenant;
    };

    async function raw(method: string, path: string, body?: unknown): Promise<Raw> {
      const response = await fetch(new URL(path, subject.engineUrl), {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
    }

    const op = (
      tenant: TenantId,
      id: string,
      version: number,
      overrides: Partial<AdverseEventReport> = {},
      nullified = false,
    ): BulkOperation => {
      const content = minimalReport({ ...overrides, safetyreportid: id, safetyreportversion: version });
      return { id, version, document: toSearchDocument({ tenant, content, version, nullified, committedAt: COMMITTED_AT }) };
    };
    const withDrugs = (drugs: Drug[]): Partial<AdverseEventReport> => ({ patient: { ...minimalReport().patient, drug: drugs } });
    const withReactions = (...terms: string[]): Partial<AdverseEventReport> => ({
      patient: { ...minimalReport().patient, reaction: terms.map((reactionmeddrapt) => ({ reactionmeddrapt })) },
    });

    async function write(tenant: TenantId, operations: BulkOperation[]): Promise<void> {
      const outcomes = await index.bulk(tenant, operations);
      assert.deepEqual(
        outcomes.map((o) => o.outcome),
        operations.map(() => 'written'),
        `every document written: ${JSON.stringify(outcomes)}`,
      );
      await index.refresh(tenant);
    }

    async function sources(tenant: TenantId): Promise<Map<string, Record<string, unknown>>> {
      const docs = await index.listDocuments(tenant, { pageSize: 1000 });
      return new Map(docs.map((doc) => [doc.id, doc.source]));
    }

    before(async function () {
      subject = await factory(TUNING);
      index = subject.index;
    });
    afterEach(async function () {
      for (const tenant of tenants.splice(0)) await index.dropTenant(tenant);
    });
    after(async function () {
      await index?.close();
    });

    it('reports the engine, its version and a cluster status', async function () {
      const health = await index.health();
      assert.equal(health.engine, subject.engine);
      assert.match(health.version, /^[0-9]+\.[0-9]+\.[0-9]+/);
      assert.ok(['green', 'yellow', 'red'].includes(health.status));
    });

    it('creates the first index behind a write alias (is_write_index) and a read alias, idempotently', async function () {
      const tenant = newTenant();
      const names = index.names(tenant);
      assert.deepEqual(names, tenantIndexNames(tenant));
      const [first, concurrent] = await Promise.all([index.ensureTenant(tenant), index.ensureTenant(tenant)]);
      const again = await index.ensureTenant(tenant);
      assert.equal(first.index, initialIndexName(names));
      assert.equal(concurrent.index, first.index);
      assert.equal(again.index, first.index);
      assert.deepEqual([first.created, concurrent.created].sort(), [false, true], 'exactly one of two concurrent calls creates');
      assert.equal(again.created, false);
      const aliases = await raw('GET', `/${names.indexPattern}/_alias`);
      assert.deepEqual(aliases.body, {
        [first.index]: { aliases: { [names.readAlias]: {}, [names.writeAlias]: { is_write_index: true } } },
      });
    });

    it('converges a drifted template, a removed read alias and changed settings', async function () {
      const tenant = newTenant();
      const names = index.names(tenant);
      const { index: concrete } = await index.ensureTenant(tenant);
      const drifted = await raw('PUT', `/_index_template/${names.template}`, {
        index_patterns: [names.indexPattern],
        priority: 1,
        template: { mappings: { dynamic: 'true' } },
        _meta: { content_hash: 'stale' },
      });
      assert.equal(drifted.status, 200);
      assert.equal((await raw('DELETE', `/${concrete}/_alias/${names.readAlias}`)).status, 200);
      assert.equal((await raw('PUT', `/${concrete}/_settings`, { 'index.refresh_interval': '30s' })).status, 200);

      assert.deepEqual(await index.ensureTenant(tenant), { index: concrete, created: false });

      const template = await raw('GET', `/_index_template/${names.template}`);
      const body = isRecord(template.body) && Array.isArray(template.body['index_templates']) ? template.body['index_templates'][0] : undefined;
      const mappings = (body as { index_template?: { template?: { mappings?: Record<string, unknown> } } })?.index_template?.template?.mappings;
      assert.equal(mappings?.['dynamic'], 'strict');
      assert.deepEqual(mappings?.['_meta'], { mapping_version: MAPPING_VERSION });
      const aliases = await raw('GET', `/_alias/${names.readAlias}`);
      assert.deepEqual(Object.keys(aliases.body as object), [concrete]);
      const settings = await raw('GET', `/${concrete}/_settings?flat_settings=true`);
      const flat = (settings.body as Record<string, { settings: Record<string, string> }>)[concrete]?.settings;
      assert.equal(flat?.['index.refresh_interval'], '1s');
      assert.equal(flat?.['index.gc_deletes'], TUNING.gcDeletes);
      assert.equal(flat?.['index.number_of_replicas'], String(TUNING.replicas));
    });

    it('writes documents with the report version as the external version', async function () {
      const tenant = newTenant();
      await index.ensureTenant(tenant);
      await write(tenant, [op(tenant, 'R-1', 5), op(tenant, 'R-2', 3), op(tenant, 'R-3', 7)]);
      assert.deepEqual(await index.listVersions(tenant, { pageSize: 10 }), [
        { id: 'R-1', version: 5, nullified: false },
        { id: 'R-2', version: 3, nullified: false },
        { id: 'R-3', version: 7, nullified: false },
      ]);
      assert.equal(await index.count(tenant), 3);
    });

    it('answers stale for an older version after a newer one, and the engine keeps the newer', async function () {
      const tenant = newTenant();
      await index.ensureTenant(tenant);
      await write(tenant, [op(tenant, 'R-1', 2, { occurcountry: 'DE' })]);
      assert.deepEqual(await index.bulk(tenant, [op(tenant, 'R-1', 1, { occurcountry: 'FR' })]), [{ id: 'R-1', outcome: 'stale' }]);
      await index.refresh(tenant);
      const stored = (await sources(tenant)).get('R-1');
      assert.equal(reportOf(stored ?? {})?.['occurcountry'], 'DE');
      assert.deepEqual(await index.listVersions(tenant, { pageSize: 10 }), [{ id: 'R-1', version: 2, nullified: false }]);
    });

    it('answers stale, never an error, for a duplicate of the same version (also within one bulk)', async function () {
      const tenant = newTenant();
      await index.ensureTenant(tenant);
      await write(tenant, [op(tenant, 'R-1', 4)]);
      assert.deepEqual(await index.bulk(tenant, [op(tenant, 'R-1', 4), op(tenant, 'R-2', 1), op(tenant, 'R-2', 1)]), [
        { id: 'R-1', outcome: 'stale' },
        { id: 'R-2', outcome: 'written' },
        { id: 'R-2', outcome: 'stale' },
      ]);
    });

    it('replaces a document with a higher-versioned tombstone, which keeps older writes stale', async function () {
      const tenant = newTenant();
      await index.ensureTenant(tenant);
      await write(tenant, [op(tenant, 'R-1', 1), op(tenant, 'R-2', 1)]);
      await write(tenant, [op(tenant, 'R-1', 2, {}, true)]);
      assert.deepEqual(await index.bulk(tenant, [op(tenant, 'R-1', 1)]), [{ id: 'R-1', outcome: 'stale' }]);
      await index.refresh(tenant);
      assert.deepEqual(await index.listVersions(tenant, { pageSize: 10 }), [
        { id: 'R-1', version: 2, nullified: true },
        { id: 'R-2', version: 1, nullified: false },
      ]);
      const tombstone = (await sources(tenant)).get('R-1');
      assert.equal(tombstone?.['report'], undefined, 'a tombstone carries no report');
      assert.equal(await index.count(tenant), 2);
      assert.equal(await index.count(tenant, liveReportsFilter()), 1);
      const hits = await index.search(tenant, { query: { bool: { filter: [liveReportsFilter()] } } });
      assert.deepEqual(((hits['hits'] as { hits: Array<{ _id: string }> }).hits).map((h) => h._id), ['R-2']);
    });

    it('keeps refusing the older version after a tombstone for longer than gc_deletes, unlike a delete', async function () {
      const tenant = newTenant();
      const { index: concrete } = await index.ensureTenant(tenant);
      const settings = await raw('GET', `/${concrete}/_settings?flat_settings=true`);
      assert.equal((settings.body as Record<string, { settings: Record<string, string> }>)[concrete]?.settings['index.gc_deletes'], TUNING.gcDeletes);

      await write(tenant, [op(tenant, 'R-1', 1)]);
      await write(tenant, [op(tenant, 'R-1', 2, {}, true)]);

      // A probe document deleted the way the port never deletes: with an external version.
      const probe = op(tenant, 'PROBE', 5);
      const put = (version: number) => raw('PUT', `/${concrete}/_doc/PROBE?version=${version}&version_type=external`, probe.document);
      assert.equal((await put(5)).status, 201);
      assert.equal((await raw('DELETE', `/${concrete}/_doc/PROBE?version=6&version_type=external`)).status, 200);
      // Wait (by polling, not sleeping) until the engine has forgotten the delete: an older version is then accepted.
      await poll('the engine forgets an external-versioned delete after gc_deletes', async () => {
        await raw('POST', `/${concrete}/_refresh`);
        return (await put(4)).status === 201;
      });

      // The tombstone is a document: its version still blocks the late, older write.
      assert.deepEqual(await index.bulk(tenant, [op(tenant, 'R-1', 1)]), [{ id: 'R-1', outcome: 'stale' }]);
      await index.refresh(tenant);
      const versions = await index.listVersions(tenant, { pageSize: 10 });
      assert.deepEqual(versions.find((v) => v.id === 'R-1'), { id: 'R-1', version: 2, nullified: true });
    });

    it('matches a nested drug query only when the same drug element has both conditions', async function () {
      const tenant = newTenant();
      await index.ensureTenant(tenant);
      await write(tenant, [
        op(tenant, 'X-SUSPECT', 1, withDrugs([{ medicinalproduct: 'XANTOFEN', drugcharacterization: '1' }])),
        op(tenant, 'X-CONCOMITANT', 1, withDrugs([
          { medicinalproduct: 'XANTOFEN', drugcharacterization: '2' },
          { medicinalproduct: 'YPSILOL', drugcharacterization: '1' },
        ])),
        op(tenant, 'Y-ONLY', 1, withDrugs([{ medicinalproduct: 'YPSILOL', drugcharacterization: '1' }])),
      ]);
      const conditions = [
        { term: { 'report.patient.drug.medicinalproduct.exact': 'XANTOFEN' } },
        { term: { 'report.patient.drug.drugcharacterization': '1' } },
      ];
      const ids = async (query: Record<string, unknown>) => {
        const response = await index.search(tenant, { query, sort: [{ 'vigilo.safetyreportid': 'asc' }] });
        return (response['hits'] as { hits: Array<{ _id: string }> }).hits.map((h) => h._id);
      };
      assert.deepEqual(await ids({ nested: { path: 'report.patient.drug', query: { bool: { filter: conditions } } } }), ['X-SUSPECT']);
      // The same conditions on the report as a whole (include_in_root) mix elements, as openFDA does.
      assert.deepEqual(await ids({ bool: { filter: conditions } }), ['X-CONCOMITANT', 'X-SUSPECT']);
      // Word search on the text field works without nesting too.
      assert.deepEqual(await ids({ match: { 'report.patient.drug.medicinalproduct': 'ypsilol' } }), ['X-CONCOMITANT', 'Y-ONLY']);
    });

    it('counts whole values in a terms aggregation on the .exact sub-fields', async function () {
      const tenant = newTenant();
      await index.ensureTenant(tenant);
      await write(tenant, [
        op(tenant, 'R-1', 1, withReactions('DRUG INEFFECTIVE', 'NAUSEA')),
        op(tenant, 'R-2', 1, withReactions('Drug ineffective')),
        op(tenant, 'R-3', 1, {
          patient: {
            ...minimalReport().patient,
            drug: [{ medicinalproduct: 'ACETYLSALICYLIC ACID', drugcharacterization: '1' }],
            reaction: [{ reactionmeddrapt: 'Headache' }],
          },
        }),
      ]);
      const response = await index.search(tenant, {
        size: 0,
        aggs: {
          reactions: { terms: { field: 'report.patient.reaction.reactionmeddrapt.exact', size: 10 } },
          products: { terms: { field: 'report.patient.drug.medicinalproduct.exact', size: 10 } },
        },
      });
      const buckets = (agg: string) =>
        Object.fromEntries(
          ((response['aggregations'] as Record<string, { buckets: Array<{ key: string; doc_count: number }> }>)[agg]?.buckets ?? []).map((b) => [
            b.key,
            b.doc_count,
          ]),
        );
      // MedDRA terms are counted case-insensitively (as openFDA does), per report, whole terms.
      assert.deepEqual(buckets('reactions'), { 'drug ineffective': 2, nausea: 1, headache: 1 });
      // Other .exact fields keep the value as written, whole.
      assert.deepEqual(buckets('products'), { ASPIRIN: 2, METFORMIN: 2, 'ACETYLSALICYLIC ACID': 1 });
    });

    it('sends back only the filter_path parts of a search response, and drops what the filter leaves empty', async function () {
      const tenant = newTenant();
      await index.ensureTenant(tenant);
      await write(tenant, [op(tenant, 'R-1', 1, withReactions('NAUSEA')), op(tenant, 'R-2', 1, withReactions('Nausea', 'RASH'))]);
      const body = (term: string) => ({
        size: 0,
        query: { term: { 'report.patient.reaction.reactionmeddrapt.exact': term } },
        aggs: { count: { terms: { field: 'report.patient.reaction.reactionmeddrapt.exact', size: 10 } } },
      });
      const filterPath = ['aggregations.count.buckets.key', 'aggregations.count.buckets.doc_count'];
      assert.deepEqual(await index.search(tenant, body('nausea'), { filterPath }), {
        aggregations: { count: { buckets: [{ key: 'nausea', doc_count: 2 }, { key: 'rash', doc_count: 1 }] } },
      });
      assert.deepEqual(await index.search(tenant, body('headache'), { filterPath }), {});
      const whole = await index.search(tenant, body('nausea'));
      assert.ok(whole['hits'] && whole['took'] !== undefined, 'without a filter the whole response comes back');
    });

    it('buckets vigilo.receivedate in a date_histogram and ranges over partial report dates', async function () {
      const tenant = newTenant();
      await index.ensureTenant(tenant);
      await write(tenant, [
        op(tenant, 'R-1', 1, { receivedate: '20240105' }),
        op(tenant, 'R-2', 1, { receivedate: '20240131' }),
        op(tenant, 'R-3', 1, { receivedate: '20240302' }),
        op(tenant, 'R-4', 1, { receivedate: '2023' }),
      ]);
      const response = await index.search(tenant, {
        size: 0,
        query: { range: { 'vigilo.receivedate': { gte: '2024-01-01' } } },
        aggs: { months: { date_histogram: { field: 'vigilo.receivedate', calendar_interval: 'month', format: 'yyyy-MM' } } },
      });
      const months = (response['aggregations'] as { months: { buckets: Array<{ key_as_string: string; doc_count: number }> } }).months.buckets;
      assert.deepEqual(
        months.map((b) => [b.key_as_string, b.doc_count]),
        [
          ['2024-01', 2],
          ['2024-02', 0],
          ['2024-03', 1],
        ],
      );
      assert.equal(await index.count(tenant, { range: { 'report.receivedate': { gte: '2023', lt: '2024' } } }), 1);
    });

    it('pages listVersions and listDocuments in id order across page boundaries, tombstones included', async function () {
      const tenant = newTenant();
      await index.ensureTenant(tenant);
      const ids = Array.from({ length: 25 }, (_, i) => `C-${String((i * 7) % 25).padStart(3, '0')}`);
      await write(tenant, ids.map((id, i) => op(tenant, id, i + 1, {}, i % 6 === 0)));
      const expected = ids
        .map((id, i) => ({ id, version: i + 1, nullified: i % 6 === 0 }))
        .sort((a, b) => (a.id < b.id ? -1 : 1));
      const pages: number[] = [];
      const seen: unknown[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await index.listVersions(tenant, { pageSize: 10, ...(after === undefined ? {} : { after }) });
        if (page.length === 0) break;
        pages.push(page.length);
        seen.push(...page);
        after = page.at(-1)?.id;
      }
      assert.deepEqual(pages, [10, 10, 5]);
      assert.deepEqual(seen, expected);
      const docs = await index.listDocuments(tenant, { pageSize: 10, after: expected[9]!.id });
      assert.deepEqual(docs.map((d) => d.id), expected.slice(10, 20).map((v) => v.id));
    });

    it('keeps tenants apart, including a tenant whose id extends another one', async function () {
      const a = newTenant();
      const aEu = track(parseTenantId(`${a}-eu`));
      const b = newTenant();
      for (const tenant of [a, aEu, b]) await index.ensureTenant(tenant);
      await write(a, [op(a, 'A-1', 1), op(a, 'SHARED', 1)]);
      await write(aEu, [op(aEu, 'SHARED', 9)]);
      assert.equal(await index.count(b), 0);
      assert.deepEqual(await index.listVersions(b, { pageSize: 10 }), []);
      assert.deepEqual(await index.listVersions(aEu, { pageSize: 10 }), [{ id: 'SHARED', version: 9, nullified: false }]);
      assert.deepEqual((await index.listVersions(a, { pageSize: 10 })).map((v) => [v.id, v.version]), [
        ['A-1', 1],
        ['SHARED', 1],
      ]);
      // A document of tenant A is refused through tenant B before it reaches the engine.
      const [refused] = await index.bulk(b, [op(a, 'A-2', 1)]);
      assert.equal(refused?.outcome, 'failed');
      assert.equal(refused?.outcome === 'failed' && refused.retryable, false);
      // Dropping tenant `x` leaves tenant `x-eu` alone.
      await index.dropTenant(a);
      assert.deepEqual(await index.listVersions(aEu, { pageSize: 10 }), [{ id: 'SHARED', version: 9, nullified: false }]);
    });

    it('lets a new generation be created from the template without joining the aliases', async function () {
      const tenant = newTenant();
      const names = index.names(tenant);
      const { index: first } = await index.ensureTenant(tenant);
      const second = concreteIndexName(names, 2);
      assert.equal((await raw('PUT', `/${second}`)).status, 200);
      const mapping = await raw('GET', `/${second}/_mapping`);
      const mappings = (mapping.body as Record<string, { mappings: Record<string, unknown> }>)[second]?.mappings;
      assert.equal(mappings?.['dynamic'], 'strict', 'the template gives a new generation the same mapping');
      assert.deepEqual(await index.ensureTenant(tenant), { index: first, created: false }, 'the aliases stay on generation 1');
      await index.dropTenant(tenant);
      assert.equal((await raw('GET', `/${second}`)).status, 404, 'dropTenant removes every generation');
    });

    it('drops template, aliases and indices idempotently, and then refuses writes without creating an index', async function () {
      const tenant = newTenant();
      const names = index.names(tenant);
      await index.ensureTenant(tenant);
      await write(tenant, [op(tenant, 'R-1', 1)]);
      await index.dropTenant(tenant);
      await index.dropTenant(tenant);
      assert.equal((await raw('GET', `/_index_template/${names.template}`)).status, 404);
      assert.equal((await raw('GET', `/_alias/${names.writeAlias}`)).status, 404);
      assert.deepEqual((await raw('GET', `/${names.indexPattern}`)).body, {});
      const [outcome] = await index.bulk(tenant, [op(tenant, 'R-1', 2)]);
      assert.equal(outcome?.outcome, 'failed');
      assert.equal(outcome?.outcome === 'failed' && outcome.retryable, true, 'a missing write alias may be provisioned later');
      assert.equal((await raw('GET', `/${names.writeAlias}`)).status, 404, 'no index was auto-created under the alias name');
    });

    it('stores no personal data: every stored source is free of the markers of a report with every personal field', async function () {
      const tenant = newTenant();
      await index.ensureTenant(tenant);
      const content = reportWithEveryPersonalField('CASE-PII', 3);
      const document = toSearchDocument({ tenant, content, version: 3, nullified: false, committedAt: COMMITTED_AT });
      await write(tenant, [{ id: 'CASE-PII', version: 3, document }, op(tenant, 'R-2', 1, {}, true)]);
      const stored = await index.listDocuments(tenant, { pageSize: 100 });
      assert.equal(stored.length, 2);
      assert.deepEqual(findPersonalData(JSON.stringify(stored.map((d) => d.source))), []);
      const report = reportOf(stored.find((d) => d.id === 'CASE-PII')?.source ?? {});
      assert.equal((report?.['patient'] as { patientonsetage?: string } | undefined)?.patientonsetage, '76', 'non-personal data is kept');
    });

    it('refuses (not retryable) a document with a field the mapping does not declare, without quoting values', async function () {
      const tenant = newTenant();
      await index.ensureTenant(tenant);
      const base = op(tenant, 'R-1', 1);
      const report = base.document.report!;
      const secret = 'PIIMARK-value-Zq999';
      const notDeidentified: BulkOperation = {
        ...base,
        document: { ...base.document, report: { ...report, patient: { ...report.patient, patientinitial: secret } } },
      };
      const unknownField: BulkOperation = {
        id: 'R-2',
        version: 1,
        document: { ...op(tenant, 'R-2', 1).document, extra: secret } as unknown as BulkOperation['document'],
      };
      const third = op(tenant, 'R-3', 1);
      const badDate: BulkOperation = { ...third, document: { ...third.document, report: { ...third.document.report!, receivedate: `2024${secret}` } } };
      const outcomes = await index.bulk(tenant, [notDeidentified, unknownField, badDate]);
      for (const outcome of outcomes) {
        assert.equal(outcome.outcome, 'failed', JSON.stringify(outcome));
        assert.equal(outcome.outcome === 'failed' && outcome.retryable, false);
        assert.ok(!JSON.stringify(outcome).includes('PIIMARK'), `no value in ${JSON.stringify(outcome)}`);
      }
      assert.match((outcomes[0] as { reason: string }).reason, /^400 strict_dynamic_mapping_exception at report\.patient\.patientinitial$/);
      assert.match((outcomes[1] as { reason: string }).reason, /^400 strict_dynamic_mapping_exception at extra$/);
      assert.match((outcomes[2] as { reason: string }).reason, /^400 [a-z_]+ at report\.receivedate$/);
      await index.refresh(tenant);
      assert.equal(await index.count(tenant), 0);
    });

    it('rolls an index with an old mapping out to a new generation: writes move first, reads on finish, the old index goes', async function () {
      const tenant = newTenant('ro');
      const names = index.names(tenant);
      await index.ensureTenant(tenant);
      await write(tenant, [op(tenant, 'R-1', 1), op(tenant, 'R-2', 3)]);
      assert.equal(await index.startRollout(tenant), undefined, 'nothing to roll out while the mapping is current');
      // An index made by an older release: its mapping records an older version.
      assert.equal((await raw('PUT', `/${initialIndexName(names)}/_mapping`, { _meta: { mapping_version: MAPPING_VERSION - 1 } })).status, 200);
      const rollout = await index.startRollout(tenant);
      assert.deepEqual(rollout, { from: initialIndexName(names), to: concreteIndexName(names, 2) });
      assert.deepEqual(await index.startRollout(tenant), rollout, 'idempotent: resumes the rollout in progress');
      const layout = await index.indices(tenant);
      assert.deepEqual(
        layout.map((i) => [i.generation, i.mappingVersion, i.write, i.read]),
        [
          [1, MAPPING_VERSION - 1, false, true],
          [2, MAPPING_VERSION, true, false],
        ],
      );
      // Writes land in the new index; reads still see the old one until the swap.
      await write(tenant, [op(tenant, 'R-2', 4), op(tenant, 'R-3', 1)]);
      assert.deepEqual((await index.listVersions(tenant, { pageSize: 10 })).map((v) => [v.id, v.version]), [['R-1', 1], ['R-2', 3]]);
      assert.deepEqual((await index.listVersions(tenant, { pageSize: 10, index: rollout!.to })).map((v) => [v.id, v.version]), [['R-2', 4], ['R-3', 1]]);
      // A backfill writing older versions into the new index cannot bring them back (external versions).
      const backfill = await index.bulk(tenant, [op(tenant, 'R-1', 1), op(tenant, 'R-2', 3)]);
      assert.deepEqual(backfill.map((o) => o.outcome), ['written', 'stale']);
      await index.finishRollout(tenant, rollout!);
      await index.finishRollout(tenant, rollout!);
      await index.refresh(tenant);
      assert.deepEqual((await index.listVersions(tenant, { pageSize: 10 })).map((v) => [v.id, v.version]), [['R-1', 1], ['R-2', 4], ['R-3', 1]]);
      assert.deepEqual((await index.indices(tenant)).map((i) => [i.index, i.write, i.read]), [[rollout!.to, true, true]]);
      await assert.rejects(index.listVersions(tenant, { pageSize: 10, index: index.names(newTenant()).readAlias }), (error: unknown) => isVigiloError(error) && error.code === 'VIG_REQUEST_INVALID_PARAMETER');
    });

    it('rolls out on demand (force), e.g. to change the number of shards', async function () {
      const tenant = newTenant('rf');
      await index.ensureTenant(tenant);
      const rollout = await index.startRollout(tenant, { force: true, settings: { shards: 2 } });
      assert.ok(rollout);
      const settings = (await raw('GET', `/${rollout.to}/_settings?flat_settings=true`)).body as Record<string, { settings: Record<string, string> }>;
      assert.equal(settings[rollout.to]!.settings['index.number_of_shards'], '2');
      await index.finishRollout(tenant, rollout);
      assert.deepEqual((await index.indices(tenant)).map((i) => i.index), [rollout.to]);
    });

    it('translates engine refusals into VIG_INTERNAL without content, and refuses bodies naming another index', async function () {
      const tenant = newTenant();
      await index.ensureTenant(tenant);
      await assert.rejects(index.search(tenant, { query: { no_such_query: { field: 'PIIMARK-q' } } }), (error: unknown) => {
        assert.ok(isVigiloError(error));
        assert.equal(error.code, 'VIG_INTERNAL');
        assert.ok(!error.message.includes('PIIMARK') && !JSON.stringify(error.fields).includes('PIIMARK'));
        return true;
      });
      const other = newTenant();
      await assert.rejects(
        index.search(tenant, { query: { terms: { 'vigilo.safetyreportid': { index: index.names(other).readAlias, id: 'x', path: 'y' } } } }),
        (error: unknown) => isVigiloError(error) && error.code === 'VIG_REQUEST_INVALID_PARAMETER',
      );
      await assert.rejects(index.count(parseTenantId(`${other}-missing`)), (error: unknown) => isVigiloError(error) && error.code === 'VIG_INTERNAL');
    });
  });
}
