/**
 * A small seeded PRNG (sfc32, seeded through splitmix32) and samplers over
 * empirical distributions. Deterministic: the same seed gives the same
 * sequence on every machine and Node version (integer arithmetic only, no
 * Math.random).
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const next = () => {
      // splitmix32
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.uint32();
  }

  /** A uniform 32-bit unsigned integer (sfc32). */
  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.uint32() / 4294967296;
  }

  /** Uniform integer in [min, max] (inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.float() * items.length)]!;
  }
}

/**
 * A discrete distribution over values with observed counts, sampled in
 * O(log n) by binary search over the cumulative counts.
 */
export class Empirical<T> {
  readonly values: readonly T[];
  readonly counts: readonly number[];
  private readonly cumulative: Float64Array;
  readonly total: number;

  constructor(counts: ReadonlyMap<T, number> | Iterable<readonly [T, number]>) {
    // Most frequent first, ties in insertion order: stable across runs.
    const entries = [...counts].filter(([, n]) => n > 0).sort((x, y) => y[1] - x[1]);
    if (entries.length === 0) throw new Error('an empirical distribution needs at least one observation');
    this.values = entries.map(([v]) => v);
    this.counts = entries.map(([, n]) => n);
    this.cumulative = new Float64Array(entries.length);
    let sum = 0;
    entries.forEach(([, n], i) => {
      sum += n;
      this.cumulative[i] = sum;
    });
    this.total = sum;
  }

  static of<T>(observations: Iterable<T>): Empirical<T> {
    const counts = new Map<T, number>();
    for (const o of observations) counts.set(o, (counts.get(o) ?? 0) + 1);
    return new Empirical(counts);
  }

  sample(rng: Rng): T {
    const target = rng.float() * this.total;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cumulative[mid]! > target) hi = mid;
      else lo = mid + 1;
    }
    return this.values[lo]!;
  }

  /** Share of the observations held by the `k` most frequent values. */
  topShare(k: number): number {
    let sum = 0;
    for (let i = 0; i < Math.min(k, this.counts.length); i++) sum += this.counts[i]!;
    return sum / this.total;
  }

  mean(toNumber: (value: T) => number): number {
    let sum = 0;
    this.values.forEach((v, i) => (sum += toNumber(v) * this.counts[i]!));
    return sum / this.total;
  }
}
