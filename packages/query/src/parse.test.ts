import assert from 'node:assert/strict';
import { toProblem } from '@vigilo/errors';
import type { Query } from './ast.js';
import { encodeCursor } from './cursor.js';
import { QueryError } from './errors.js';
import { parseRequest, parseSearch, parseSort, type SearchRequest } from './parse.js';

/** The AST with fields reduced to their names, for readable expectations. */
function shape(query: Query): unknown {
  return JSON.parse(JSON.stringify(query, (key, value: unknown) => (key === 'field' && typeof value === 'object' && value !== null ? (value as { name: string }).name : value)));
}

describe('parseSearch: constructs', () => {
  const cases: { reason: string; search: string; expected: unknown }[] = [
    { reason: 'a keyword term is a whole-value match', search: 'serious:1', expected: { kind: 'equals', field: 'serious', value: '1' } },
    { reason: 'a text term is a word search', search: 'patient.drug.medicinalproduct:ASPIRIN', expected: { kind: 'words', field: 'patient.drug.medicinalproduct', text: 'ASPIRIN' } },
    {
      reason: 'a quoted phrase keeps its spaces and escaped quotes',
      search: 'patient.reaction.reactionmeddrapt:"drug \\"ineffective\\""',
      expected: { kind: 'words', field: 'patient.reaction.reactionmeddrapt', text: 'drug "ineffective"' },
    },
    {
      reason: '+ is a space, as on openFDA',
      search: 'patient.reaction.reactionmeddrapt:"drug+ineffective"+AND+serious:1',
      expected: { kind: 'and', all: [{ kind: 'words', field: 'patient.reaction.reactionmeddrapt', text: 'drug ineffective' }, { kind: 'equals', field: 'serious', value: '1' }] },
    },
    {
      reason: 'date ranges take YYYYMMDD and YYYY-MM-DD',
      search: 'receivedate:[20040101 TO 2004-12-31]',
      expected: { kind: 'range', field: 'receivedate', gte: '20040101', lte: '20041231' },
    },
    { reason: 'a date term is one day', search: 'receivedate:2017-05-12', expected: { kind: 'range', field: 'receivedate', gte: '20170512', lte: '20170512' } },
    { reason: '* opens a range', search: 'patient.patientonsetage:[* TO 65.5]', expected: { kind: 'range', field: 'patient.patientonsetage', lte: 65.5 } },
    { reason: 'a number term is a number', search: 'patient.patientweight:72', expected: { kind: 'equals', field: 'patient.patientweight', value: 72 } },
    { reason: '[* TO *] is existence', search: 'receiptdate:[* TO *]', expected: { kind: 'exists', field: 'receiptdate' } },
    { reason: 'keyword ranges compare values', search: 'patient.drug.drugcharacterization:[1 TO 2]', expected: { kind: 'range', field: 'patient.drug.drugcharacterization', gte: '1', lte: '2' } },
    {
      reason: 'AND binds tighter than OR',
      search: 'serious:1 AND patient.patientsex:2 OR serious:2',
      expected: {
        kind: 'or',
        any: [{ kind: 'and', all: [{ kind: 'equals', field: 'serious', value: '1' }, { kind: 'equals', field: 'patient.patientsex', value: '2' }] }, { kind: 'equals', field: 'serious', value: '2' }],
        none: [],
      },
    },
    {
      reason: 'whitespace between clauses means OR',
      search: 'serious:1 serious:2',
      expected: { kind: 'or', any: [{ kind: 'equals', field: 'serious', value: '1' }, { kind: 'equals', field: 'serious', value: '2' }], none: [] },
    },
    {
      reason: 'a NOT clause among OR clauses excludes (Lucene, openFDA)',
      search: 'serious:1 NOT patient.patientsex:2',
      expected: { kind: 'or', any: [{ kind: 'equals', field: 'serious', value: '1' }], none: [{ kind: 'equals', field: 'patient.patientsex', value: '2' }] },
    },
    { reason: 'NOT alone negates', search: 'NOT serious:1', expected: { kind: 'not', query: { kind: 'equals', field: 'serious', value: '1' } } },
    {
      reason: 'parentheses group',
      search: '(serious:1 OR serious:2) AND patient.patientsex:1',
      expected: {
        kind: 'and',
        all: [
          { kind: 'or', any: [{ kind: 'equals', field: 'serious', value: '1' }, { kind: 'equals', field: 'serious', value: '2' }], none: [] },
          { kind: 'equals', field: 'patient.patientsex', value: '1' },
        ],
      },
    },
    { reason: '_exists_', search: '_exists_:patient.patientweight', expected: { kind: 'exists', field: 'patient.patientweight' } },
    { reason: '_missing_ is not-exists', search: '_missing_:patient.drug.drugindication', expected: { kind: 'not', query: { kind: 'exists', field: 'patient.drug.drugindication' } } },
    { reason: 'a trailing * on a text field is a word prefix, in lower case', search: 'patient.drug.medicinalproduct:ASPI*', expected: { kind: 'prefix', field: 'patient.drug.medicinalproduct', prefix: 'aspi' } },
    { reason: 'a trailing * on .exact keeps the case', search: 'patient.drug.medicinalproduct.exact:ASPI*', expected: { kind: 'prefix', field: 'patient.drug.medicinalproduct.exact', prefix: 'ASPI' } },
    {
      reason: 'reactionmeddrapt.exact is compared in lower case',
      search: 'patient.reaction.reactionmeddrapt.exact:"Drug Ineffective"',
      expected: { kind: 'equals', field: 'patient.reaction.reactionmeddrapt.exact', value: 'drug ineffective' },
    },
    {
      reason: 'a list of values is OR',
      search: 'serious:(1 OR 2 "3")',
      expected: { kind: 'or', any: [1, 2, 3].map((v) => ({ kind: 'equals', field: 'serious', value: String(v) })), none: [] },
    },
    {
      reason: 'a group matches one drug element; names inside are relative or full',
      search: 'patient.drug:(medicinalproduct:aspirin AND NOT patient.drug.drugcharacterization:1)',
      expected: {
        kind: 'element',
        group: 'patient.drug',
        query: {
          kind: 'and',
          all: [
            { kind: 'words', field: 'patient.drug.medicinalproduct', text: 'aspirin' },
            { kind: 'not', query: { kind: 'equals', field: 'patient.drug.drugcharacterization', value: '1' } },
          ],
        },
      },
    },
    {
      reason: 'a reaction group',
      search: 'patient.reaction:(reactionmeddrapt:nausea AND reactionoutcome:1)',
      expected: {
        kind: 'element',
        group: 'patient.reaction',
        query: { kind: 'and', all: [{ kind: 'words', field: 'patient.reaction.reactionmeddrapt', text: 'nausea' }, { kind: 'equals', field: 'patient.reaction.reactionoutcome', value: '1' }] },
      },
    },
    { reason: 'country codes that look like keywords are values after a colon', search: 'occurcountry:TO', expected: { kind: 'words', field: 'occurcountry', text: 'TO' } },
  ];
  for (const c of cases) {
    it(c.reason, () => assert.deepEqual(shape(parseSearch(c.search)), c.expected, `${c.reason}: ${c.search}`));
  }
});

function expectError(fn: () => unknown, code: string, position: number, parameter = 'search'): QueryError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof QueryError, `expected a QueryError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.equal(caught.position, position, `${code}: ${caught.message}`);
  assert.equal(caught.parameter, parameter);
  return caught;
}

describe('parseSearch: errors carry a stable code and the position', () => {
  const cases: { reason: string; search: string; code: string; position: number }[] = [
    { reason: 'a field without a value', search: 'serious:', code: 'VIG_QUERY_SYNTAX', position: 8 },
    { reason: 'a dangling AND: the clause is missing at the end', search: 'serious:1 AND', code: 'VIG_QUERY_SYNTAX', position: 13 },
    { reason: 'an open parenthesis after AND: the clause is missing at the end', search: 'serious:1 AND (', code: 'VIG_QUERY_SYNTAX', position: 15 },
    { reason: 'an unterminated phrase after AND: at the end, not at the AND', search: 'serious:1 AND occurcountry:"US', code: 'VIG_QUERY_SYNTAX', position: 30 },
    { reason: 'a stray closing bracket', search: 'serious:1 ]', code: 'VIG_QUERY_SYNTAX', position: 10 },
    { reason: 'an unclosed parenthesis', search: '(serious:1', code: 'VIG_QUERY_SYNTAX', position: 10 },
    { reason: 'an unterminated phrase', search: 'serious:"1', code: 'VIG_QUERY_SYNTAX', position: 10 },
    { reason: 'a clause without a field', search: 'aspirin', code: 'VIG_QUERY_SYNTAX', position: 7 },
    { reason: 'a range without TO', search: 'receivedate:[20040101 20041231]', code: 'VIG_QUERY_SYNTAX', position: 22 },
    { reason: 'groups do not nest', search: 'patient.drug:(patient.reaction:(reactionoutcome:1))', code: 'VIG_QUERY_SYNTAX', position: 14 },
    { reason: 'an unknown field', search: 'serious:1 AND foo:1', code: 'VIG_QUERY_UNKNOWN_FIELD', position: 14 },
    { reason: 'a personal-data field is unknown', search: 'patient.patientinitial:AB', code: 'VIG_QUERY_UNKNOWN_FIELD', position: 0 },
    { reason: 'a field of another group inside a group', search: 'patient.drug:(reactionmeddrapt:x)', code: 'VIG_QUERY_UNKNOWN_FIELD', position: 14 },
    { reason: 'a leaf field used as a group', search: 'serious:(serious:1)', code: 'VIG_QUERY_UNKNOWN_FIELD', position: 0 },
    { reason: '_exists_ of an unknown field', search: '_exists_:nope', code: 'VIG_QUERY_UNKNOWN_FIELD', position: 9 },
    { reason: 'a partial date', search: 'receivedate:2017', code: 'VIG_QUERY_BAD_VALUE', position: 12 },
    { reason: 'a day that does not exist', search: 'receivedate:[20170231 TO 20170301]', code: 'VIG_QUERY_BAD_VALUE', position: 13 },
    { reason: 'reversed range bounds', search: 'receivedate:[20171231 TO 20170101]', code: 'VIG_QUERY_BAD_VALUE', position: 12 },
    { reason: 'a number field with a word', search: 'patient.patientonsetage:abc', code: 'VIG_QUERY_BAD_VALUE', position: 24 },
    { reason: 'a range on a text field', search: 'patient.drug.medicinalproduct:[a TO b]', code: 'VIG_QUERY_BAD_VALUE', position: 30 },
    { reason: 'a wildcard prefix that is too short', search: 'patient.drug.medicinalproduct:as*', code: 'VIG_QUERY_BAD_VALUE', position: 30 },
    { reason: 'a wildcard that is not trailing', search: 'patient.drug.medicinalproduct:asp*rin', code: 'VIG_QUERY_BAD_VALUE', position: 33 },
    { reason: 'a wildcard across words of a text field', search: 'patient.drug.medicinalproduct:asp-ri*', code: 'VIG_QUERY_BAD_VALUE', position: 30 },
    { reason: 'a wildcard on a date', search: 'receivedate:2017*', code: 'VIG_QUERY_BAD_VALUE', position: 12 },
    { reason: 'a phrase without words on a text field', search: 'patient.drug.medicinalproduct:"--"', code: 'VIG_QUERY_BAD_VALUE', position: 30 },
  ];
  for (const c of cases) {
    it(`${c.reason}: ${c.code} at ${c.position}`, () => {
      expectError(() => parseSearch(c.search), c.code, c.position);
    });
  }

  it('says in words what the query needs where it goes wrong', () => {
    const said = (search: string) => {
      try {
        parseSearch(search);
      } catch (error) {
        assert.ok(error instanceof QueryError && error.code === 'VIG_QUERY_SYNTAX', String(error));
        return error.message;
      }
      assert.fail(`${search} parsed`);
    };
    assert.match(said('serious:1 AND occurcountry:"US'), /Expected a closing quote \(".*found the end of the query/);
    assert.match(said('serious:1 AND'), /Expected a clause \(field:value\) after AND/);
    assert.match(said('serious:'), /Expected a value/);
    assert.match(said('(serious:1'), /Expected "\)"/);
    assert.match(said('receivedate:[20040101 20041231]'), /Expected TO but found "2"/);
    assert.match(said('aspirin'), /Expected ":" after the field name/);
    assert.match(said('serious:1 ]'), /Expected a clause \(field:value\) or AND\/OR but found "\]"/);
  });

  it('reports the error as a 400 problem with code, parameter and position', () => {
    const error = expectError(() => parseSearch('serious:1 AND foo:1'), 'VIG_QUERY_UNKNOWN_FIELD', 14);
    const problem = toProblem(error);
    assert.equal(problem.status, 400);
    assert.equal(problem.code, 'VIG_QUERY_UNKNOWN_FIELD');
    assert.equal(problem['position'], 14);
    assert.equal(problem['parameter'], 'search');
  });
});

describe('parseSearch: limits', () => {
  it('refuses a search longer than maxLength', () => {
    const error = expectError(() => parseSearch('serious:1 '.repeat(401)), 'VIG_QUERY_TOO_COMPLEX', 4000);
    assert.equal(error.fields['limit'], 'maxLength');
  });
  it('refuses more than maxClauses conditions, at the first one over', () => {
    const search = Array.from({ length: 65 }, () => 'serious:1').join(' OR ');
    const error = expectError(() => parseSearch(search), 'VIG_QUERY_TOO_COMPLEX', 64 * 'serious:1 OR '.length);
    assert.equal(error.fields['limit'], 'maxClauses');
    assert.doesNotThrow(() => parseSearch(Array.from({ length: 64 }, () => 'serious:1').join(' OR ')));
  });
  it('refuses nesting deeper than maxDepth', () => {
    expectError(() => parseSearch(`${'('.repeat(13)}serious:1${')'.repeat(13)}`), 'VIG_QUERY_TOO_COMPLEX', 12);
    assert.doesNotThrow(() => parseSearch(`${'('.repeat(12)}serious:1${')'.repeat(12)}`));
    assert.doesNotThrow(() => parseSearch('patient.drug.medicinalproduct:"(((((((((((((((( aspirin"'), 'parentheses in a phrase do not nest');
  });
  it('refuses a list longer than maxListTerms', () => {
    const values = Array.from({ length: 101 }, (_, i) => String(i));
    expectError(() => parseSearch(`serious:(${values.join(' ')})`, { maxClauses: 500 }), 'VIG_QUERY_TOO_COMPLEX', 9 + values.slice(0, 100).join(' ').length + 1);
  });
  it('refuses more than maxWildcards wildcards', () => {
    const search = Array.from({ length: 5 }, () => 'patient.drug.medicinalproduct:asp*').join(' ');
    expectError(() => parseSearch(search), 'VIG_QUERY_TOO_COMPLEX', 4 * 35 + 30);
  });
  it('takes limits from the caller', () => {
    expectError(() => parseRequest({ search: 'serious:1 serious:2 serious:3', limit: 1, skip: 0 }, { maxClauses: 2 }), 'VIG_QUERY_TOO_COMPLEX', 20);
    assert.doesNotThrow(() => parseSearch('patient.drug.medicinalproduct:as*', { minPrefixLength: 2 }));
  });
});

describe('parseRequest', () => {
  const base: SearchRequest = { limit: 10, skip: 0 };
  it('parses count, sort and paging', () => {
    const p = parseRequest({ ...base, search: 'serious:1', sort: 'receivedate:desc', skip: 20 });
    assert.equal(p.sort?.field.name, 'receivedate');
    assert.equal(p.sort?.order, 'desc');
    assert.equal(p.skip, 20);
    assert.equal(parseRequest({ ...base, count: 'receivedate' }).count?.kind, 'time');
    assert.equal(parseRequest({ ...base, count: 'patient.drug.medicinalproduct.exact' }).count?.kind, 'terms');
    assert.equal(parseRequest({ ...base, search: '' }).query, undefined, 'an empty search matches everything');
  });
  const errors: { reason: string; req: SearchRequest; code: string; parameter: string }[] = [
    { reason: 'count of a text field', req: { ...base, count: 'patient.drug.medicinalproduct' }, code: 'VIG_QUERY_BAD_COUNT', parameter: 'count' },
    { reason: 'count of a number field', req: { ...base, count: 'patient.patientonsetage' }, code: 'VIG_QUERY_BAD_COUNT', parameter: 'count' },
    { reason: 'count of an unknown field', req: { ...base, count: 'patient.patientinitial' }, code: 'VIG_QUERY_UNKNOWN_FIELD', parameter: 'count' },
    { reason: 'count with sort', req: { ...base, count: 'serious', sort: 'receivedate:asc' }, code: 'VIG_QUERY_BAD_COUNT', parameter: 'count' },
    { reason: 'count with skip', req: { ...base, count: 'serious', skip: 5 }, code: 'VIG_QUERY_BAD_COUNT', parameter: 'count' },
    { reason: 'count with limit 0', req: { ...base, count: 'serious', limit: 0 }, code: 'VIG_QUERY_BAD_PAGING', parameter: 'limit' },
    { reason: 'sort without an order', req: { ...base, sort: 'receivedate' }, code: 'VIG_QUERY_BAD_SORT', parameter: 'sort' },
    { reason: 'sort on a text field', req: { ...base, sort: 'patient.drug.medicinalproduct:asc' }, code: 'VIG_QUERY_BAD_SORT', parameter: 'sort' },
    { reason: 'sort on an unknown field', req: { ...base, sort: 'nope:asc' }, code: 'VIG_QUERY_UNKNOWN_FIELD', parameter: 'sort' },
    { reason: 'limit above 1000', req: { ...base, limit: 1001 }, code: 'VIG_QUERY_BAD_PAGING', parameter: 'limit' },
    { reason: 'skip above 25000', req: { ...base, skip: 25_001 }, code: 'VIG_QUERY_BAD_PAGING', parameter: 'skip' },
    { reason: 'a fractional skip', req: { ...base, skip: 1.5 }, code: 'VIG_QUERY_BAD_PAGING', parameter: 'skip' },
    { reason: 'a cursor with skip', req: { ...base, skip: 3, after: encodeCursor(undefined, { id: 'X' }) }, code: 'VIG_QUERY_BAD_PAGING', parameter: 'skip' },
    { reason: 'a cursor that is not one', req: { ...base, after: 'not a cursor!' }, code: 'VIG_QUERY_BAD_PAGING', parameter: 'after' },
    {
      reason: 'a cursor of another sort',
      req: { ...base, sort: 'receivedate:asc', after: encodeCursor(parseSort('receivedate:desc'), { key: '20170101', id: 'X' }) },
      code: 'VIG_QUERY_BAD_PAGING',
      parameter: 'after',
    },
    {
      reason: 'a cursor whose key does not fit the field',
      req: { ...base, sort: 'receivedate:asc', after: Buffer.from(JSON.stringify({ s: 'receivedate:asc', k: 5, i: 'X' })).toString('base64url') },
      code: 'VIG_QUERY_BAD_PAGING',
      parameter: 'after',
    },
  ];
  for (const c of errors) {
    it(`refuses ${c.reason} with ${c.code}`, () => {
      expectError(() => parseRequest(c.req), c.code, 0, c.parameter);
    });
  }

  it('round-trips a cursor of the same sort', () => {
    const sort = parseSort('patient.patientonsetage:desc');
    const p = parseRequest({ ...base, sort: 'patient.patientonsetage:desc', after: encodeCursor(sort, { key: 42.5, id: 'R-9' }) });
    assert.deepEqual(p.after, { key: 42.5, id: 'R-9' });
  });
});

describe('parseSearch: robustness', () => {
  it('folds a run of NOTs without recursion (an even number cancels out)', () => {
    assert.deepEqual(shape(parseSearch('NOT NOT serious:1')), { kind: 'equals', field: 'serious', value: '1' });
    assert.deepEqual(shape(parseSearch('NOT NOT NOT serious:1')), { kind: 'not', query: { kind: 'equals', field: 'serious', value: '1' } });
    assert.doesNotThrow(() => parseSearch(`${'NOT '.repeat(20_001)}serious:1`, { maxLength: 1_000_000 }));
  });

  it('answers any input with a query or a QueryError whose position lies within the input', () => {
    const pieces = ['serious:1', 'receivedate:[20170101 TO 20171231]', 'patient.drug:(', 'medicinalproduct:asp*', ' AND ', ' OR ', ' ', 'NOT ', '(', ')', '"', '[', ']', ':', '*', '+', 'é', '\\', '_exists_:', 'foo', 'TO'];
    let state = 12345;
    const next = () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state / 2 ** 32;
    };
    let parsed = 0;
    for (let i = 0; i < 5000; i++) {
      let text = '';
      for (let n = 1 + Math.floor(next() * 8); n > 0; n--) text += pieces[Math.floor(next() * pieces.length)];
      try {
        parseSearch(text);
        parsed++;
      } catch (error) {
        assert.ok(error instanceof QueryError, `${JSON.stringify(text)}: ${String(error)}`);
        assert.ok(error.position >= 0 && error.position <= text.length, `${JSON.stringify(text)}: position ${error.position}`);
      }
    }
    assert.ok(parsed >= 50, `only ${parsed} of 5000 inputs parsed; the generator is too weak`);
  });
});
