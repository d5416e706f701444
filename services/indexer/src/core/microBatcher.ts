/**
 * Collects items per key for up to `windowMs` or `maxBatch` items, then hands
 * them to `flush` in one call; each `add` resolves with its own result. Used
 * to turn concurrent task deliveries into one `_bulk` per tenant.
 *
 * With `maxInFlightPerKey`, it batches like a group commit: while that many
 * flushes of a key are running, its new items wait and accumulate, and go out
 * together when one of them finishes. A busy engine thus gets fewer, larger
 * bulks (its cost is mostly per request) instead of a queue of small ones,
 * and an idle one still sees each item after at most `windowMs`.
 */
export interface MicroBatcherOptions {
  /** Most items in one flush. @default 500 */
  maxBatch?: number;
  /** Longest an item waits for companions while nothing of its key is in flight. @default 5 */
  windowMs?: number;
  /** Flushes of one key running at once before new items wait for one to finish. A full batch (`maxBatch`) goes anyway. @default 1 */
  maxInFlightPerKey?: number;
}

interface Pending<I, R> {
  items: I[];
  settle: Array<{ resolve: (r: R) => void; reject: (e: unknown) => void }>;
  timer: NodeJS.Timeout | undefined;
}

export class KeyedMicroBatcher<K, I, R> {
  private readonly pending = new Map<K, Pending<I, R>>();
  private readonly running = new Map<K, number>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly maxBatch: number;
  private readonly windowMs: number;
  private readonly maxInFlightPerKey: number;

  constructor(
    private readonly flushFn: (key: K, items: I[]) => Promise<R[]>,
    options: MicroBatcherOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 500;
    this.windowMs = options.windowMs ?? 5;
    this.maxInFlightPerKey = Math.max(1, options.maxInFlightPerKey ?? 1);
  }

  add(key: K, item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      let batch = this.pending.get(key);
      if (!batch) {
        batch = { items: [], settle: [], timer: undefined };
        this.pending.set(key, batch);
      }
      batch.items.push(item);
      batch.settle.push({ resolve, reject });
      if (batch.items.length >= this.maxBatch) this.flush(key);
      else if (!batch.timer) batch.timer = setTimeout(() => this.onWindow(key), this.windowMs);
    });
  }

  /** Flushes everything pending now and waits for every flush in flight (graceful shutdown). */
  async drain(): Promise<void> {
    for (const key of [...this.pending.keys()]) this.flush(key);
    while (this.inFlight.size > 0) {
      await Promise.allSettled([...this.inFlight]);
      for (const key of [...this.pending.keys()]) this.flush(key);
    }
  }

  /** The window is over: go now, unless the key is at its limit (then the next finishing flush takes the batch). */
  private onWindow(key: K): void {
    const batch = this.pending.get(key);
    if (batch) batch.timer = undefined;
    if ((this.running.get(key) ?? 0) < this.maxInFlightPerKey) this.flush(key);
  }

  private flush(key: K): void {
    const batch = this.pending.get(key);
    if (!batch) return;
    this.pending.delete(key);
    if (batch.timer) clearTimeout(batch.timer);
    this.running.set(key, (this.running.get(key) ?? 0) + 1);
    const run = (async () => {
      try {
        const results = await this.flushFn(key, batch.items);
        batch.settle.forEach((s, i) => s.resolve(results[i]!));
      } catch (error) {
        for (const s of batch.settle) s.reject(error);
      }
    })();
    this.inFlight.add(run);
    void run.finally(() => {
      this.inFlight.delete(run);
      const left = (this.running.get(key) ?? 1) - 1;
      if (left > 0) this.running.set(key, left);
      else this.running.delete(key);
      // Items that waited while this key was at its limit go out now, together.
      const waiting = this.pending.get(key);
      if (waiting && !waiting.timer) this.flush(key);
    });
  }
}
