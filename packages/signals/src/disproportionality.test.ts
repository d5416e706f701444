import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { disproportionality, tableFromMargins } from './disproportionality.js';

interface Vector {
  a: number; b: number; c: number; d: number;
  prr: number; prr_lower: number; prr_upper: number;
  ror: number; ror_lower: number; ror_upper: number;
  expected: number; ic: number; ic025: number; ic975: number;
  chi2_yates: number; evans_signal: boolean;
}
const vectorsFile = new URL('../fixtures/signal-vectors.json', import.meta.url);
const { cases, tolerance } = JSON.parse(readFileSync(vectorsFile, 'utf8')) as { cases: Vector[]; tolerance: number };

// The vectors give 4-5 significant figures; compare relatively for large values (chi-square) and absolutely otherwise.
const close = (actual: number | null, expected: number, label: string) => {
  assert.notEqual(actual, null, label);
  const error = Math.abs(actual! - expected) / Math.max(1, Math.abs(expected));
  assert.ok(error <= tolerance, `${label}: ${actual} vs ${expected}`);
};

describe('disproportionality', () => {
  it(`reproduces every case of the shared signal vectors (${cases.length}) within their tolerance`, () => {
    assert.ok(cases.length > 0);
    for (const v of cases) {
      const s = disproportionality(v);
      const at = `a=${v.a} b=${v.b} c=${v.c} d=${v.d}`;
      close(s.prr.value, v.prr, `PRR ${at}`);
      close(s.prr.lower, v.prr_lower, `PRR lower ${at}`);
      close(s.prr.upper, v.prr_upper, `PRR upper ${at}`);
      close(s.ror.value, v.ror, `ROR ${at}`);
      close(s.ror.lower, v.ror_lower, `ROR lower ${at}`);
      close(s.ror.upper, v.ror_upper, `ROR upper ${at}`);
      close(s.expected, v.expected, `E ${at}`);
      close(s.ic.value, v.ic, `IC ${at}`);
      close(s.ic.lower, v.ic025, `IC025 ${at}`);
      close(s.ic.upper, v.ic975, `IC975 ${at}`);
      close(s.chi2Yates, v.chi2_yates, `chi2 ${at}`);
      assert.equal(s.evansSignal, v.evans_signal, `Evans ${at}`);
    }
  });

  it('agrees with textbook definitions on a hand-checkable table', () => {
    // a=4 b=6 c=10 d=80: PRR = 0.4 / (10/90) = 3.6; ROR = 320/60; E = 10*14/100 = 1.4;
    // chi2 = 100 * (|320-60| - 50)^2 / (10*90*14*86) = 4,410,000 / 1,083,600.
    const s = disproportionality({ a: 4, b: 6, c: 10, d: 80 });
    assert.ok(Math.abs(s.prr.value! - 3.6) < 1e-12);
    assert.ok(Math.abs(s.ror.value! - 320 / 60) < 1e-12);
    assert.ok(Math.abs(s.expected - 1.4) < 1e-12);
    assert.ok(Math.abs(s.chi2Yates! - 4_410_000 / 1_083_600) < 1e-12);
    assert.ok(Math.abs(s.ic.value! - Math.log2(4.5 / 1.9)) < 1e-12);
    assert.equal(s.evansSignal, true);
    assert.ok(s.prr.lower! < 3.6 && 3.6 < s.prr.upper!);
  });

  it('returns null, never NaN or Infinity, where a zero cell leaves a ratio undefined or infinite', () => {
    const s = disproportionality({ a: 5, b: 0, c: 0, d: 100 });
    assert.equal(s.prr.value, null);
    assert.equal(s.ror.value, null);
    // c = 0: every report of the event names the drug; the PRR is infinite and passes Evans' PRR >= 2.
    assert.equal(s.evansSignal, true);
    assert.equal(disproportionality({ a: 0, b: 5, c: 3, d: 100 }).evansSignal, false);
    assert.ok(Number.isFinite(s.ic.value!));
    const empty = disproportionality({ a: 0, b: 0, c: 0, d: 0 });
    assert.equal(empty.chi2Yates, null);
    assert.ok(JSON.stringify(empty).indexOf('NaN') === -1);
  });

  it('needs at least three cases for a signal even with a high PRR', () => {
    assert.equal(disproportionality({ a: 2, b: 0, c: 1, d: 10_000 }).evansSignal, false);
  });

  it('rejects negative or fractional counts', () => {
    assert.throws(() => disproportionality({ a: -1, b: 0, c: 0, d: 0 }), RangeError);
    assert.throws(() => disproportionality({ a: 1.5, b: 0, c: 0, d: 0 }), RangeError);
  });

  it('builds the table from report counts of the pair, the drug, the event and all reports', () => {
    assert.deepEqual(tableFromMargins({ pair: 122, drug: 1442, event: 503, total: 33164 }), { a: 122, b: 1320, c: 381, d: 31341 });
    assert.throws(() => tableFromMargins({ pair: 5, drug: 4, event: 10, total: 100 }), RangeError);
  });
});
