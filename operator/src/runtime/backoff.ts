/** Exponential backoff per key: `base * 2^failures`, capped at `max` (client-go's ItemExponentialFailureRateLimiter). */
export class ItemExponentialBackoff {
  readonly #failures = new Map<string, number>();

  constructor(private readonly options: { baseMs: number; maxMs: number }) {
    if (!(options.baseMs > 0) || options.maxMs < options.baseMs) throw new RangeError('backoff needs 0 < baseMs <= maxMs');
  }

  /** The delay before the next attempt of `key`, counting this failure. */
  next(key: string): number {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    // 2^failures overflows to Infinity long after it passed maxMs; min() keeps it finite.
    return Math.min(this.options.baseMs * 2 ** failures, this.options.maxMs);
  }

  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  /** Called after a success: the next failure starts from `baseMs` again. */
  forget(key: string): void {
    this.#failures.delete(key);
  }
}

/**
 * `ms` stretched by a random factor in [1, 1 + fraction): periodic work of many replicas or many objects does not
 * fire in lockstep (client-go's wait.Jitter).
 */
export function jitter(ms: number, fraction: number, random: () => number = Math.random): number {
  return Math.round(ms * (1 + fraction * random()));
}
