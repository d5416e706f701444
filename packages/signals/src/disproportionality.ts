/**
 * The 2x2 table of one (drug, event) pair over a set of reports. Counts are of reports:
 * `a` mention the drug and the event, `b` the drug without the event, `c` the event without the drug,
 * `d` neither.
 */
export interface ContingencyTable {
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly d: number;
}

/** A point estimate with its two-sided 95 % interval; `null` where a zero cell leaves it undefined or infinite. */
export interface Estimate {
  readonly value: number | null;
  readonly lower: number | null;
  readonly upper: number | null;
}

export interface Disproportionality extends ContingencyTable {
  readonly n: number;
  /** Proportional reporting ratio (a/(a+b)) / (c/(c+d)); log-normal interval. */
  readonly prr: Estimate;
  /** Reporting odds ratio ad/bc; log-normal interval. */
  readonly ror: Estimate;
  /** Expected count of a under independence, (a+b)(a+c)/N. */
  readonly expected: number;
  /** Information component log2((a+0.5)/(E+0.5)) with Norén's closed-form IC025/IC975. */
  readonly ic: Estimate;
  /** Pearson chi-square with Yates' continuity correction; null when a margin is empty. */
  readonly chi2Yates: number | null;
  /** Evans et al. (2001): PRR ≥ 2 (an infinite PRR, c = 0, passes), chi-square ≥ 4 and a ≥ 3. */
  readonly evansSignal: boolean;
}

/** The normal quantile of a two-sided 95 % interval. */
export const Z_95 = 1.959963984540054;

export const EVANS_CRITERIA = Object.freeze({ minPrr: 2, minChi2: 4, minCases: 3 });

const NONE: Estimate = Object.freeze({ value: null, lower: null, upper: null });

function logNormal(value: number, standardError: number): Estimate {
  return { value, lower: Math.exp(Math.log(value) - Z_95 * standardError), upper: Math.exp(Math.log(value) + Z_95 * standardError) };
}

function assertCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
}

/** Every statistic of one table. Pure and total: undefined ratios come back as null, never NaN or Infinity. */
export function disproportionality(table: ContingencyTable): Disproportionality {
  const { a, b, c, d } = table;
  for (const [name, value] of Object.entries({ a, b, c, d })) assertCount(name, value);
  const n = a + b + c + d;

  const prr = a > 0 && c > 0 ? logNormal(a / (a + b) / (c / (c + d)), Math.sqrt(1 / a - 1 / (a + b) + 1 / c - 1 / (c + d))) : NONE;
  const ror = a > 0 && b > 0 && c > 0 && d > 0 ? logNormal((a * d) / (b * c), Math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)) : NONE;

  const expected = n === 0 ? 0 : ((a + b) * (a + c)) / n;
  const shrunk = a + 0.5;
  const icValue = Math.log2(shrunk / (expected + 0.5));
  const ic: Estimate = {
    value: icValue,
    lower: icValue - 3.3 * shrunk ** -0.5 - 2 * shrunk ** -1.5,
    upper: icValue + 2.4 * shrunk ** -0.5 - 0.5 * shrunk ** -1.5,
  };

  const margins = (a + b) * (c + d) * (a + c) * (b + d);
  const chi2Yates = margins === 0 ? null : (n * Math.max(0, Math.abs(a * d - b * c) - n / 2) ** 2) / margins;

  // With c = 0 (the event is only ever reported with this drug) the PRR is infinite: it passes PRR >= 2.
  const prrPasses = (a > 0 && c === 0) || (prr.value !== null && prr.value >= EVANS_CRITERIA.minPrr);
  const evansSignal = prrPasses && chi2Yates !== null && chi2Yates >= EVANS_CRITERIA.minChi2 && a >= EVANS_CRITERIA.minCases;
  return { a, b, c, d, n, prr, ror, expected, ic, chi2Yates, evansSignal };
}

/**
 * The table of a pair from the counts a search engine or SQL can give directly: reports with the pair,
 * with the drug, with the event, and in all.
 */
export function tableFromMargins(counts: { readonly pair: number; readonly drug: number; readonly event: number; readonly total: number }): ContingencyTable {
  const { pair, drug, event, total } = counts;
  for (const [name, value] of Object.entries(counts)) assertCount(name, value);
  if (pair > drug || pair > event || drug + event - pair > total) throw new RangeError('inconsistent margins');
  return { a: pair, b: drug - pair, c: event - pair, d: total - drug - event + pair };
}
