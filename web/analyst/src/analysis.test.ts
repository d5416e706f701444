import assert from 'node:assert/strict';
import { checkSearch, formatDay, formatEstimate, forestRows, monthlySeries } from './analysis.js';
import type { SignalRow } from './api.js';

function row(drug: string, event: string, estimates: Partial<Pick<SignalRow, 'prr' | 'ror' | 'ic'>>, evans = false): SignalRow {
  const none = { value: null, lower: null, upper: null };
  return { drug, event, a: 1, b: 1, c: 1, d: 1, prr: none, ror: none, ic: none, expected: 1, chi2_yates: null, evans_signal: evans, ...estimates };
}

describe('checkSearch (the page checks a search with the service parser)', () => {
  it('accepts an empty search and a valid one', () => {
    assert.equal(checkSearch(''), undefined);
    assert.equal(checkSearch('   '), undefined);
    assert.equal(checkSearch('patient.drug:(medicinalproduct.exact:RISPERDAL AND drugcharacterization:1)'), undefined);
  });

  it('reports a syntax error with its code and the offset of the offending character', () => {
    const problem = checkSearch('serious:1 AND (');
    assert.equal(problem?.code, 'VIG_QUERY_SYNTAX');
    assert.equal(problem?.position, 'serious:1 AND ('.length);
  });

  it('reports an unknown field with VIG_QUERY_UNKNOWN_FIELD', () => {
    assert.equal(checkSearch('patient.nosuchfield:1')?.code, 'VIG_QUERY_UNKNOWN_FIELD');
  });
});

describe('monthlySeries', () => {
  it('sums days into months and fills the months between with zero', () => {
    const series = monthlySeries([
      { time: '20170105', count: 2 },
      { time: '20170120', count: 3 },
      { time: '20170301', count: 1 },
    ]);
    assert.deepEqual(
      series.map((m) => [m.month.toISOString().slice(0, 7), m.count]),
      [
        ['2017-01', 5],
        ['2017-02', 0],
        ['2017-03', 1],
      ],
    );
  });

  it('carries over the year boundary and ignores malformed days', () => {
    const series = monthlySeries([
      { time: '20161231', count: 1 },
      { time: '2017', count: 9 },
      { time: '20170101', count: 1 },
    ]);
    assert.deepEqual(series.map((m) => m.month.toISOString().slice(0, 7)), ['2016-12', '2017-01']);
    assert.deepEqual(monthlySeries([]), []);
  });
});

describe('forestRows', () => {
  const rows = [
    row('A', 'x', { ror: { value: 2, lower: 1.1, upper: 3.5 }, ic: { value: 0.8, lower: -0.2, upper: 1.5 } }, true),
    row('B', 'y', { ic: { value: -0.5, lower: -1.4, upper: 0.3 } }),
    row('C', 'z', { ror: { value: 0, lower: 0, upper: 4 }, ic: { value: 0.1, lower: -0.9, upper: 0.8 } }),
  ];

  it('keeps for a ratio only rows with a positive, finite estimate and interval', () => {
    assert.deepEqual(forestRows(rows, 'ror', (r) => r.drug), [{ label: 'A', value: 2, lower: 1.1, upper: 3.5, evans: true }]);
  });

  it('keeps every defined IC, negative values included', () => {
    assert.deepEqual(
      forestRows(rows, 'ic', (r) => `${r.drug} ${r.event}`).map((r) => r.label),
      ['A x', 'B y', 'C z'],
    );
  });
});

describe('formatting', () => {
  it('writes an estimate with its interval, or a dash when undefined', () => {
    assert.equal(formatEstimate({ value: 2.345, lower: 1.1, upper: 4.567 }), '2.35 (1.10–4.57)');
    assert.equal(formatEstimate({ value: null, lower: null, upper: null }), '–');
  });

  it('writes full and partial E2B dates', () => {
    assert.equal(formatDay('20170406'), '2017-04-06');
    assert.equal(formatDay('201704'), '2017-04');
    assert.equal(formatDay('2017'), '2017');
    assert.equal(formatDay(undefined), '–');
  });
});
