import { type Clock, systemClock } from './clock.js';

/** The fields of a coordination.k8s.io/v1 Lease that leader election uses; times are epoch milliseconds. */
export interface LeaseRecord {
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime: number;
  renewTime: number;
  leaseTransitions: number;
}

export class LeaseConflictError extends Error {
  constructor() {
    super('the lease changed since it was read');
    this.name = 'LeaseConflictError';
  }
}

/** Where the lease lives (adapter: coordination.k8s.io/v1 Leases through client-node). */
export interface LeaseStore {
  get(): Promise<{ record: LeaseRecord; version: string } | undefined>;
  /** @throws LeaseConflictError when it exists already. */
  create(record: LeaseRecord): Promise<void>;
  /** @throws LeaseConflictError when `version` is not the current one. */
  update(record: LeaseRecord, version: string): Promise<void>;
}

export interface LeaderElectorOptions {
  identity: string;
  store: LeaseStore;
  /** How long a lease is valid without renewal; non-leaders wait this long before taking over. @default 15 s */
  leaseDurationMs?: number;
  /** A leader that could not renew for this long steps down. @default 10 s */
  renewDeadlineMs?: number;
  /** Interval between attempts to acquire or renew. @default 2 s */
  retryPeriodMs?: number;
  clock?: Clock;
  onStartedLeading: () => void;
  /** Called when leadership is lost (not after a voluntary `stop()`); the process should exit. */
  onStoppedLeading: () => void;
  onNewLeader?: (identity: string) => void;
  onError?: (error: unknown) => void;
}

/**
 * Lease-based leader election as client-go does it. A lease counts as expired when its record has not changed for
 * `leaseDuration` by the local clock since this process last saw it change, so clocks of different machines need
 * not agree. `stop()` releases the lease (holder emptied, duration 1 s) so a standby takes over at once.
 */
export class LeaderElector {
  readonly #clock: Clock;
  readonly #leaseDurationMs: number;
  readonly #renewDeadlineMs: number;
  readonly #retryPeriodMs: number;
  #observed: { record: LeaseRecord; version: string; at: number } | undefined;
  #leading = false;
  #lastRenew = 0;
  #cancel: (() => void) | undefined;
  #stopped = true;
  #released = false;
  #lastLeader = '';
  #busy: Promise<void> = Promise.resolve();

  constructor(private readonly options: LeaderElectorOptions) {
    this.#clock = options.clock ?? systemClock;
    this.#leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.#renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.#retryPeriodMs = options.retryPeriodMs ?? 2_000;
    if (!(this.#leaseDurationMs > this.#renewDeadlineMs && this.#renewDeadlineMs > this.#retryPeriodMs)) {
      throw new RangeError('leader election needs leaseDuration > renewDeadline > retryPeriod');
    }
  }

  get isLeader(): boolean {
    return this.#leading;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#tick();
  }

  /** One acquire-or-renew attempt (exposed for tests with a manual clock). */
  tick(): Promise<void> {
    this.#busy = this.#busy.then(() => this.#attempt());
    return this.#busy;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#released = true;
    this.#cancel?.();
    await this.#busy;
    if (!this.#leading) return;
    this.#leading = false;
    try {
      const current = await this.options.store.get();
      if (current && current.record.holderIdentity === this.options.identity) {
        const now = this.#clock.now();
        await this.options.store.update({ ...current.record, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now, acquireTime: now }, current.version);
      }
    } catch (error) {
      this.options.onError?.(error);
    }
  }

  #tick(): void {
    if (this.#stopped) return;
    void this.tick().finally(() => {
      if (!this.#stopped) this.#cancel = this.#clock.schedule(this.#retryPeriodMs, () => this.#tick());
    });
  }

  async #attempt(): Promise<void> {
    if (this.#released) return;
    const now = this.#clock.now();
    let acquired = false;
    try {
      acquired = await this.#tryAcquireOrRenew(now);
    } catch (error) {
      this.options.onError?.(error);
    }
    if (acquired) {
      this.#lastRenew = this.#clock.now();
      if (!this.#leading) {
        this.#leading = true;
        this.#announce(this.options.identity);
        this.options.onStartedLeading();
      }
    } else if (this.#leading && this.#clock.now() - this.#lastRenew >= this.#renewDeadlineMs) {
      this.#leading = false;
      this.options.onStoppedLeading();
    }
  }

  async #tryAcquireOrRenew(now: number): Promise<boolean> {
    const { store, identity } = this.options;
    const current = await store.get();
    const leaseDurationSeconds = Math.ceil(this.#leaseDurationMs / 1000);
    if (!current) {
      try {
        await store.create({ holderIdentity: identity, leaseDurationSeconds, acquireTime: now, renewTime: now, leaseTransitions: 0 });
        return true;
      } catch (error) {
        if (error instanceof LeaseConflictError) return false;
        throw error;
      }
    }
    if (!this.#observed || this.#observed.version !== current.version) {
      this.#observed = { ...current, at: now };
    }
    const record = current.record;
    if (record.holderIdentity) this.#announce(record.holderIdentity);
    const heldByUs = record.holderIdentity === identity;
    const expired = this.#observed.at + record.leaseDurationSeconds * 1000 <= now;
    if (!heldByUs && record.holderIdentity !== '' && !expired) return false;
    const next: LeaseRecord = heldByUs
      ? { ...record, leaseDurationSeconds, renewTime: now }
      : { holderIdentity: identity, leaseDurationSeconds, acquireTime: now, renewTime: now, leaseTransitions: record.leaseTransitions + 1 };
    try {
      await store.update(next, current.version);
      return true;
    } catch (error) {
      if (error instanceof LeaseConflictError) return false;
      throw error;
    }
  }

  #announce(identity: string): void {
    if (identity !== this.#lastLeader) {
      this.#lastLeader = identity;
      this.options.onNewLeader?.(identity);
    }
  }
}
