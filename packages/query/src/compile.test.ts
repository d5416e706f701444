import assert from 'node:assert/strict';
import { minimalReport } from '@vigilo/testkit';
import { decodeCursor } from './cursor.js';
import { buildEngineCount, buildEngineSearch, engineCountFilterPath, readEngineCount, readEngineSearch } from './engine.js';
import { parseRequest, parseSort } from './parse.js';
import { buildSqlCount, buildSqlSearch, readSqlCount, readSqlSearch, type SqlSource } from './sql.js';

const LIVE = { bool: { must_not: [{ term: { 'vigilo.nullified': true } }] } };
const SOURCE: SqlSource = { from: 'reports r JOIN report_versions v ON true', content: 'v.content', id: 'r.safetyreportid', where: 'NOT r.nullified' };

describe('buildEngineSearch', () => {
  it('compiles a same-element group to a nested query and keeps the caller filter', () => {
    const p = parseRequest({ search: 'patient.drug:(medicinalproduct:aspirin AND drugcharacterization:1)', limit: 5, skip: 10 });
    assert.deepEqual(buildEngineSearch(p, { filter: LIVE }), {
      query: {
        bool: {
          filter: [
            LIVE,
            {
              nested: {
                path: 'report.patient.drug',
                score_mode: 'none',
                query: {
                  bool: {
                    filter: [
                      { match_phrase: { 'report.patient.drug.medicinalproduct': { query: 'aspirin' } } },
                      { term: { 'report.patient.drug.drugcharacterization': { value: '1' } } },
                    ],
                  },
                },
              },
            },
          ],
        },
      },
      size: 5,
      from: 10,
      sort: [{ 'vigilo.safetyreportid': { order: 'asc' } }],
      track_total_hits: true,
      _source: ['report'],
    });
  });

  it('compiles date ranges to whole days, NOT-among-OR to must_not, wildcards to constant-score prefixes', () => {
    const p = parseRequest({ search: 'receivedate:[2017-01-01 TO 20170131] patient.drug.medicinalproduct:ASPI* NOT _exists_:patient.patientweight', limit: 1, skip: 0 });
    const body = buildEngineSearch(p, { filter: LIVE }) as { query: { bool: { filter: unknown[] } } };
    assert.deepEqual(body.query.bool.filter[1], {
      bool: {
        should: [
          { range: { 'report.receivedate': { gte: '20170101', lt: '20170201', format: 'yyyyMMdd' } } },
          { prefix: { 'report.patient.drug.medicinalproduct': { value: 'aspi', rewrite: 'constant_score' } } },
        ],
        minimum_should_match: 1,
        must_not: [{ exists: { field: 'report.patient.patientweight' } }],
      },
    });
  });

  it('sorts by the field (nested path, missing last) then the id, and pages with search_after in engine units', () => {
    const sort = parseSort('patient.drug.drugstartdate:desc');
    const p = parseRequest({ sort: 'patient.drug.drugstartdate:desc', limit: 3, skip: 0, after: `${Buffer.from(JSON.stringify({ s: 'patient.drug.drugstartdate:desc', k: '20170102', i: 'R-1' })).toString('base64url')}` });
    assert.equal(p.sort?.field.name, sort.field.name);
    const body = buildEngineSearch(p, { filter: LIVE });
    assert.deepEqual(body['sort'], [
      { 'report.patient.drug.drugstartdate': { order: 'desc', missing: -62_135_596_800_000 /* 0001-01-01T00:00Z: missing values last in a descending sort */, nested: { path: 'report.patient.drug' }, mode: 'max' } },
      { 'vigilo.safetyreportid': { order: 'asc' } },
    ]);
    assert.deepEqual(body['search_after'], [Date.UTC(2017, 0, 2), 'R-1']);
    assert.equal(body['from'], undefined);
  });
});

describe('readEngineSearch', () => {
  it('reads total, sources and a cursor holding the last sort key as a day', () => {
    const p = parseRequest({ sort: 'receivedate:asc', limit: 2, skip: 0 });
    const page = readEngineSearch(p, {
      hits: {
        total: { value: 7, relation: 'eq' },
        hits: [
          { _id: 'A', _source: { report: { safetyreportid: 'A' } }, sort: [Date.UTC(2004, 0, 5), 'A'] },
          { _id: 'B', _source: { report: { safetyreportid: 'B' } }, sort: [Date.UTC(2004, 1, 29), 'B'] },
        ],
      },
    });
    assert.equal(page.total, 7);
    assert.deepEqual(page.hits.map((h) => h.id), ['A', 'B']);
    assert.deepEqual(page.hits[1]?.source, { safetyreportid: 'B' });
    assert.deepEqual(decodeCursor(page.next!, p.sort), { key: '20040229', id: 'B' });
  });

  it('offers no cursor for a page that is not full', () => {
    const p = parseRequest({ limit: 2, skip: 0 });
    const page = readEngineSearch(p, { hits: { total: { value: 1 }, hits: [{ _id: 'A', _source: { report: {} }, sort: ['A'] }] } });
    assert.equal(page.next, undefined);
  });
});

describe('buildEngineCount / readEngineCount', () => {
  it('counts whole values by reports, most frequent first then by term', () => {
    const p = parseRequest({ search: 'serious:1', count: 'patient.reaction.reactionmeddrapt.exact', limit: 10, skip: 0 });
    const body = buildEngineCount(p, { filter: LIVE });
    assert.deepEqual(body['aggs'], {
      count: { terms: { field: 'report.patient.reaction.reactionmeddrapt.exact', size: 10, shard_size: 1000, order: [{ _count: 'desc' }, { _key: 'asc' }] } },
    });
    assert.equal(body['size'], 0);
    const result = readEngineCount(p, { aggregations: { count: { buckets: [{ key: 'nausea', doc_count: 4 }, { key: 'rash', doc_count: 2 }] } } });
    assert.deepEqual(result, { kind: 'terms', results: [{ term: 'nausea', count: 4 }, { term: 'rash', count: 2 }] });
  });

  it('gives a daily series for a date field', () => {
    const p = parseRequest({ count: 'receivedate', limit: 100, skip: 0 });
    assert.deepEqual(buildEngineCount(p, { filter: LIVE })['aggs'], {
      count: { date_histogram: { field: 'report.receivedate', calendar_interval: 'day', format: 'yyyyMMdd', min_doc_count: 1 } },
    });
    const result = readEngineCount(p, { aggregations: { count: { buckets: [{ key: 1073001600000, key_as_string: '20040102', doc_count: 3 }] } } });
    assert.deepEqual(result, { kind: 'time', results: [{ time: '20040102', count: 3 }] });
  });

  it('asks the engine for only the bucket fields it reads, and reads a filtered empty answer as no counts', () => {
    const series = parseRequest({ count: 'receivedate', limit: 100, skip: 0 });
    assert.deepEqual(engineCountFilterPath(series), ['aggregations.count.buckets.key_as_string', 'aggregations.count.buckets.doc_count']);
    const terms = parseRequest({ count: 'occurcountry.exact', limit: 5, skip: 0 });
    assert.deepEqual(engineCountFilterPath(terms), ['aggregations.count.buckets.key', 'aggregations.count.buckets.doc_count']);
    assert.deepEqual(readEngineCount(series, {}), { kind: 'time', results: [] });
    assert.deepEqual(readEngineCount(terms, {}), { kind: 'terms', results: [] });
    assert.throws(() => readEngineCount(terms, { aggregations: { other: {} } }), TypeError);
  });
});

describe('buildSqlSearch', () => {
  it('binds every value from the request as a parameter, never in the text', () => {
    const hostile = `x'); DROP TABLE reports; --`;
    const p = parseRequest({ search: `patient.drug.medicinalproduct:"${hostile}" OR patient.drug.medicinalproduct.exact:"${hostile}" OR companynumb.exact:abc%_*`, limit: 10, skip: 0 });
    const { text, values } = buildSqlSearch(p, SOURCE);
    assert.ok(!text.includes('DROP TABLE'), text);
    assert.ok(!text.includes('abc'), text);
    assert.deepEqual(values.filter((v) => v === hostile).length, 2);
    assert.ok(values.includes('abc\\%\\_%'));
    // The cheap pre-check of a word search binds the query's runs of letters and digits, never the text.
    assert.ok(['x', 'DROP', 'TABLE', 'reports'].every((piece) => values.includes(piece)));
  });

  it('matches a group with one EXISTS over the elements, and a field outside a group with its own EXISTS', () => {
    const p = parseRequest({ search: 'patient.drug:(medicinalproduct:aspirin AND drugcharacterization:1) AND patient.reaction.reactionoutcome:5', limit: 1, skip: 0 });
    const { text } = buildSqlSearch(p, SOURCE);
    assert.match(
      text,
      /EXISTS \(SELECT 1 FROM jsonb_array_elements\(v\.content #> '\{patient,drug\}'\) AS e1 WHERE \(\(coalesce\(strpos\(lower\(\(v\.content #> '\{patient,drug\}'\)::text\), lower\(\$1::text\)\) > 0, false\) AND vigilo\.std_phrase\(\(e1 #>> '\{medicinalproduct\}'\), \$2::text\)\) AND coalesce\(\(e1 #>> '\{drugcharacterization\}'\) = \$3::text, false\)\)\)/,
    );
    assert.match(text, /EXISTS \(SELECT 1 FROM jsonb_array_elements\(v\.content #> '\{patient,reaction\}'\) AS e2 WHERE coalesce\(\(e2 #>> '\{reactionoutcome\}'\) = \$4::text, false\)\)/);
  });

  it('orders by the sort key then the id in byte order, and continues after a cursor with a keyset condition', () => {
    const p = parseRequest({ search: 'serious:1', sort: 'receivedate:desc', limit: 4, skip: 0, after: Buffer.from(JSON.stringify({ s: 'receivedate:desc', k: '20040110', i: 'R-5' })).toString('base64url') });
    const { text, values } = buildSqlSearch(p, SOURCE);
    assert.match(text, /coalesce\(vigilo\.partial_date_day\(\(v\.content #>> '\{receivedate\}'\), false\) COLLATE "C", \$2::text\) AS k/);
    assert.match(text, /\(k COLLATE "C" < \$4::text OR \(k COLLATE "C" = \$4::text AND id COLLATE "C" > \$3::text\)\)/);
    assert.match(text, /ORDER BY k COLLATE "C" DESC, id COLLATE "C" ASC LIMIT \$5::int OFFSET \$6::int/);
    assert.deepEqual(values, ['1', '00010101', 'R-5', '20040110', 4, 0]);
  });
});

describe('readSqlSearch', () => {
  it('de-identifies the stored content exactly as the engine documents are, and returns the total and cursor', () => {
    const content = { ...minimalReport({ safetyreportid: 'S-1' }), primarysource: { reportergivename: 'Alice', qualification: '1' } };
    const p = parseRequest({ sort: 'serious:asc', limit: 1, skip: 0 });
    const page = readSqlSearch(p, [{ total: '12', id: 'S-1', content, key: '1' }]);
    assert.equal(page.total, 12);
    assert.equal(JSON.stringify(page.hits[0]?.source).includes('Alice'), false);
    assert.deepEqual((page.hits[0]?.source as { primarysource: unknown }).primarysource, { qualification: '1' });
    assert.deepEqual(decodeCursor(page.next!, p.sort), { key: '1', id: 'S-1' });
  });

  it('reads a page past the end (one row without id) as an empty page with the total', () => {
    const p = parseRequest({ limit: 5, skip: 100 });
    assert.deepEqual(readSqlSearch(p, [{ total: '3', id: null, content: null }]), { total: 3, hits: [], next: undefined });
  });
});

describe('buildSqlCount / readSqlCount', () => {
  it('counts distinct reports per whole value of a nested field, in lower case for reactionmeddrapt.exact', () => {
    const p = parseRequest({ count: 'patient.reaction.reactionmeddrapt.exact', limit: 7, skip: 0 });
    const { text, values } = buildSqlCount(p, SOURCE);
    assert.match(text, /SELECT DISTINCT m\.id, lower\(\(e #>> '\{reactionmeddrapt\}'\)\) AS v FROM m CROSS JOIN LATERAL jsonb_array_elements\(m\.c #> '\{patient,reaction\}'\) AS e/);
    assert.match(text, /ORDER BY count\(\*\) DESC, v COLLATE "C" ASC LIMIT \$1::int/);
    assert.deepEqual(values, [7]);
    assert.deepEqual(readSqlCount(p, [{ term: 'nausea', count: '4' }]), { kind: 'terms', results: [{ term: 'nausea', count: 4 }] });
  });

  it('series a year-only date on its first day of the year, as de-identification leaves it', () => {
    const p = parseRequest({ count: 'patient.drug.drugstartdate', limit: 100, skip: 0 });
    assert.match(buildSqlCount(p, SOURCE).text, /vigilo\.partial_date_day\(\(e #>> '\{drugstartdate\}'\), true\) AS v/);
    assert.deepEqual(readSqlCount(p, [{ time: '20040101', count: '2' }]), { kind: 'time', results: [{ time: '20040101', count: 2 }] });
  });
});
