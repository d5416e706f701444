import { ItemExponentialBackoff } from './backoff.js';
import { type Clock, systemClock } from './clock.js';
import { TokenBucket } from './rateLimiter.js';

export interface WorkQueueOptions {
  /** First retry delay of a key; doubles per consecutive failure. @default 5 ms (controller-runtime) */
  baseDelayMs?: number;
  /** Longest retry delay of a key. @default 1000 s (controller-runtime) */
  maxDelayMs?: number;
  /** Retries per second over all keys. @default 10 */
  qps?: number;
  /** Retries allowed at once above `qps`. @default 100 */
  burst?: number;
  clock?: Clock;
  /** Called on every change of depth (keys waiting, not in flight or delayed). */
  onDepth?: (depth: number) => void;
  onAdd?: () => void;
  onRetry?: () => void;
}

/**
 * A keyed work queue with client-go's guarantees:
 * - a key waits at most once however often it is added (dedupe);
 * - a key is handed to one worker at a time: added while in flight, it waits until `done()` and is then queued
 *   again, so the newest state is always reconciled and never twice at once;
 * - `addAfter` keeps one timer per key, the earliest; `addRateLimited` delays by the larger of the key's own
 *   exponential backoff and a global token bucket.
 */
export class WorkQueue {
  readonly #queue: string[] = [];
  readonly #dirty = new Set<string>();
  readonly #processing = new Set<string>();
  readonly #waiting = new Map<string, { at: number; cancel: () => void }>();
  readonly #getters: Array<(key: string | undefined) => void> = [];
  readonly #clock: Clock;
  readonly #backoff: ItemExponentialBackoff;
  readonly #bucket: TokenBucket;
  #shuttingDown = false;

  constructor(private readonly options: WorkQueueOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#backoff = new ItemExponentialBackoff({ baseMs: options.baseDelayMs ?? 5, maxMs: options.maxDelayMs ?? 1_000_000 });
    this.#bucket = new TokenBucket({ qps: options.qps ?? 10, burst: options.burst ?? 100 }, this.#clock);
  }

  add(key: string): void {
    if (this.#shuttingDown || this.#dirty.has(key)) return;
    this.options.onAdd?.();
    this.#dirty.add(key);
    if (this.#processing.has(key)) return;
    const getter = this.#getters.shift();
    if (getter) {
      this.#dirty.delete(key);
      this.#processing.add(key);
      getter(key);
    } else {
      this.#queue.push(key);
      this.#reportDepth();
    }
  }

  addAfter(key: string, delayMs: number): void {
    if (this.#shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const at = this.#clock.now() + delayMs;
    const existing = this.#waiting.get(key);
    if (existing && existing.at <= at) return;
    existing?.cancel();
    const cancel = this.#clock.schedule(delayMs, () => {
      this.#waiting.delete(key);
      this.add(key);
    });
    this.#waiting.set(key, { at, cancel });
  }

  /** Re-adds a key after a failure; returns the delay chosen. */
  addRateLimited(key: string): number {
    this.options.onRetry?.();
    const delay = Math.max(this.#backoff.next(key), this.#bucket.reserve());
    this.addAfter(key, delay);
    return delay;
  }

  /** Clears the key's failure count (after a success). */
  forget(key: string): void {
    this.#backoff.forget(key);
  }

  failures(key: string): number {
    return this.#backoff.failures(key);
  }

  /** The next key to work on; `undefined` once the queue is shut down and drained. */
  get(): Promise<string | undefined> {
    const key = this.#queue.shift();
    if (key !== undefined) {
      this.#dirty.delete(key);
      this.#processing.add(key);
      this.#reportDepth();
      return Promise.resolve(key);
    }
    if (this.#shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#getters.push(resolve));
  }

  /** Marks the key's work finished; a key added meanwhile is queued now. */
  done(key: string): void {
    this.#processing.delete(key);
    if (this.#dirty.has(key)) {
      this.#dirty.delete(key);
      this.add(key);
    }
  }

  /** Keys waiting to be handed out (not in flight, not delayed). */
  len(): number {
    return this.#queue.length;
  }

  inFlight(): number {
    return this.#processing.size;
  }

  /** Stops accepting keys, cancels delayed ones, releases idle getters; keys already queued are still handed out. */
  shutDown(): void {
    this.#shuttingDown = true;
    for (const { cancel } of this.#waiting.values()) cancel();
    this.#waiting.clear();
    for (const getter of this.#getters.splice(0)) getter(undefined);
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  #reportDepth(): void {
    this.options.onDepth?.(this.#queue.length);
  }
}
