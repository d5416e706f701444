import type { Clock } from './clock.js';

/**
 * A token bucket over all keys: `qps` tokens a second, at most `burst` saved up. `reserve()` takes a token now or
 * in the future and answers how long the caller must wait for it (golang.org/x/time/rate Reserve).
 */
export class TokenBucket {
  #tokens: number;
  #last: number;

  constructor(
    private readonly options: { qps: number; burst: number },
    private readonly clock: Clock,
  ) {
    if (!(options.qps > 0) || !(options.burst >= 1)) throw new RangeError('token bucket needs qps > 0 and burst >= 1');
    this.#tokens = options.burst;
    this.#last = clock.now();
  }

  reserve(): number {
    const now = this.clock.now();
    this.#tokens = Math.min(this.options.burst, this.#tokens + ((now - this.#last) / 1000) * this.options.qps);
    this.#last = now;
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : Math.ceil((-this.#tokens / this.options.qps) * 1000);
  }
}
