import { jitter } from './backoff.js';
import { type Clock, systemClock } from './clock.js';
import { WorkQueue, type WorkQueueOptions } from './workqueue.js';

export interface Result {
  /** Reconcile this key again after this long, even without events (drift healing). */
  requeueAfterMs?: number;
}

export interface Reconciler {
  reconcile(key: string): Promise<Result>;
}

/** Observations, named after controller-runtime's metrics (see metrics.ts). */
export interface ControllerObserver {
  reconciled?(outcome: 'success' | 'error' | 'requeue_after', seconds: number, error?: unknown): void;
  depth?(depth: number): void;
  added?(): void;
  retried?(): void;
  activeWorkers?(count: number): void;
}

export interface ControllerOptions {
  name: string;
  reconciler: Reconciler;
  /** Reconciles running at once (each key is only ever on one of them). @default 4 */
  maxConcurrentReconciles?: number;
  /** Every key is queued again this often, stretched by up to 10 % jitter. 0 disables. @default 10 min */
  resyncPeriodMs?: number;
  /** All keys the resync should queue (the informer cache's). */
  keys: () => string[];
  queue?: Omit<WorkQueueOptions, 'clock' | 'onDepth' | 'onAdd' | 'onRetry'>;
  clock?: Clock;
  observer?: ControllerObserver;
  onError?: (key: string, error: unknown) => void;
}

/**
 * Workers taking keys from a WorkQueue: a failed reconcile is retried with the queue's rate limiting, a success
 * clears the key's backoff and honours `requeueAfterMs`. `stop()` stops taking keys and waits for the reconciles in
 * flight (graceful shutdown).
 */
export class Controller {
  readonly queue: WorkQueue;
  readonly #clock: Clock;
  readonly #workers: Promise<void>[] = [];
  #active = 0;
  #cancelResync: (() => void) | undefined;
  #running = false;

  constructor(private readonly options: ControllerOptions) {
    this.#clock = options.clock ?? systemClock;
    const observer = options.observer;
    this.queue = new WorkQueue({
      ...options.queue,
      clock: this.#clock,
      ...(observer?.depth ? { onDepth: (d: number) => observer.depth?.(d) } : {}),
      ...(observer?.added ? { onAdd: () => observer.added?.() } : {}),
      ...(observer?.retried ? { onRetry: () => observer.retried?.() } : {}),
    });
  }

  get name(): string {
    return this.options.name;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    const workers = this.options.maxConcurrentReconciles ?? 4;
    for (let i = 0; i < workers; i++) this.#workers.push(this.#work());
    for (const key of this.options.keys()) this.queue.add(key);
    this.#scheduleResync();
  }

  enqueue(key: string): void {
    this.queue.add(key);
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#cancelResync?.();
    this.queue.shutDown();
    await Promise.all(this.#workers);
  }

  #scheduleResync(): void {
    const period = this.options.resyncPeriodMs ?? 600_000;
    if (!this.#running || period <= 0) return;
    this.#cancelResync = this.#clock.schedule(jitter(period, 0.1), () => {
      for (const key of this.options.keys()) this.queue.add(key);
      this.#scheduleResync();
    });
  }

  async #work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      if (!this.#running) {
        this.queue.done(key);
        continue;
      }
      this.options.observer?.activeWorkers?.(++this.#active);
      const started = performance.now();
      try {
        const result = await this.options.reconciler.reconcile(key);
        this.queue.forget(key);
        const seconds = (performance.now() - started) / 1000;
        if (result.requeueAfterMs !== undefined && result.requeueAfterMs > 0) {
          this.options.observer?.reconciled?.('requeue_after', seconds);
          this.queue.addAfter(key, result.requeueAfterMs);
        } else {
          this.options.observer?.reconciled?.('success', seconds);
        }
      } catch (error) {
        this.options.observer?.reconciled?.('error', (performance.now() - started) / 1000, error);
        this.options.onError?.(key, error);
        this.queue.addRateLimited(key);
      } finally {
        this.queue.done(key);
        this.options.observer?.activeWorkers?.(--this.#active);
      }
    }
  }
}
