/**
 * Collects items per key for up to `windowMs` or `maxBatch` items, then hands
 * them to `flush` in one call; each `add` resolves with its own result. Used
 * to turn concurrent task deliveries into one `_bulk` per tenant.
 */
export interface MicroBatcherOptions {
  /** Most items in one flush. @default 500 */
  maxBatch?: number;
  /** Longest an item waits for companions. @default 5 */
  windowMs?: number;
}

interface Pending<I, R> {
  items: I[];
  settle: Array<{ resolve: (r: R) => void; reject: (e: unknown) => void }>;
  timer: NodeJS.Timeout | undefined;
}

export class KeyedMicroBatcher<K, I, R> {
  private readonly pending = new Map<K, Pending<I, R>>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly maxBatch: number;
  private readonly windowMs: number;

  constructor(
    private readonly flushFn: (key: K, items: I[]) => Promise<R[]>,
    options: MicroBatcherOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 500;
    this.windowMs = options.windowMs ?? 5;
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
      else if (!batch.timer) batch.timer = setTimeout(() => this.flush(key), this.windowMs);
    });
  }

  /** Flushes everything pending now and waits for every flush in flight (graceful shutdown). */
  async drain(): Promise<void> {
    for (const key of [...this.pending.keys()]) this.flush(key);
    await Promise.allSettled([...this.inFlight]);
  }

  private flush(key: K): void {
    const batch = this.pending.get(key);
    if (!batch) return;
    this.pending.delete(key);
    if (batch.timer) clearTimeout(batch.timer);
    const run = (async () => {
      try {
        const results = await this.flushFn(key, batch.items);
        batch.settle.forEach((s, i) => s.resolve(results[i]!));
      } catch (error) {
        for (const s of batch.settle) s.reject(error);
      }
    })();
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
  }
}
