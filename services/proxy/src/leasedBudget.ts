import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

/** What one request learns from the budget of a key. */
export interface BudgetDecision {
  readonly allowed: boolean;
  /** Requests left in the window, as far as this process knows (the shared count plus what it holds). */
  readonly remaining: number;
  /** Until the window resets. */
  readonly msBeforeNext: number;
}

export interface LeasedBudgetOptions {
  /** Most requests taken from the shared store in one lease. @default 20 */
  readonly maxBlock?: number;
  /**
   * A lease takes at most this share of what the shared store said was left, so that replicas never hold much of
   * a small budget unused: near the end of a window leases are single requests, and what passes is exact.
   * @default 1/16
   */
  readonly shareOfRemaining?: number;
  readonly now?: () => number;
}

interface Lease {
  /** Requests this process may still let through in the lease's window, without asking the store. */
  tokens: number;
  /** What the store had left when the lease was taken. */
  storeRemaining: number;
  expiresAt: number;
  /** The store refused even one request: every request is refused until the window resets. */
  exhausted: boolean;
}

/** Bounds the memory of many keys: expired leases are swept when this many are held. */
const SWEEP_AT = 10_000;

/**
 * A fixed-window budget shared by every replica through a rate-limiter-flexible store (PostgreSQL here), taken
 * in small leases instead of one store round trip per request. A lease reserves its requests in the store before
 * any of them is used, so the replicas together never let more through than the budget; at worst, requests one
 * replica leased and did not use in a window are refused to the others (at most `maxBlock - 1` per replica, and
 * none near exhaustion, where leases shrink to single requests; a lease refused in a race ends the window). Concurrent requests of one key wait for a single
 * lease rather than each asking the store.
 */
export class LeasedBudget {
  private readonly leases = new Map<string, Lease>();
  private readonly pending = new Map<string, Promise<void>>();
  private readonly maxBlock: number;
  private readonly share: number;
  private readonly now: () => number;

  constructor(
    private readonly store: RateLimiterAbstract,
    options: LeasedBudgetOptions = {},
  ) {
    this.maxBlock = Math.max(1, Math.floor(options.maxBlock ?? 20));
    this.share = options.shareOfRemaining ?? 1 / 16;
    this.now = options.now ?? Date.now;
  }

  async take(key: string): Promise<BudgetDecision> {
    for (;;) {
      const t = this.now();
      const lease = this.leases.get(key);
      if (lease && lease.expiresAt > t) {
        if (lease.tokens > 0) {
          lease.tokens -= 1;
          return { allowed: true, remaining: Math.max(0, lease.storeRemaining) + lease.tokens, msBeforeNext: lease.expiresAt - t };
        }
        if (lease.exhausted) return { allowed: false, remaining: 0, msBeforeNext: lease.expiresAt - t };
      }
      let leasing = this.pending.get(key);
      if (!leasing) {
        leasing = this.lease(key, lease && lease.expiresAt > t ? lease : undefined).finally(() => this.pending.delete(key));
        this.pending.set(key, leasing);
      }
      await leasing;
    }
  }

  private async lease(key: string, previous: Lease | undefined): Promise<void> {
    // The first lease of a window is one request: only then does this process learn what is left.
    const block = previous ? Math.min(this.maxBlock, Math.max(1, Math.floor(previous.storeRemaining * this.share))) : 1;
    try {
      const res = await this.store.consume(key, block);
      this.remember(key, { tokens: block, storeRemaining: res.remainingPoints, expiresAt: this.now() + res.msBeforeNext, exhausted: false });
    } catch (outcome) {
      if (!(outcome instanceof RateLimiterRes)) throw outcome;
      // The store counts a refused lease as taken (rate-limiter-flexible's fixed window), so the window is over for
      // every replica: leases are at most a sixteenth of what was left, so only a race loses requests here.
      this.remember(key, { tokens: 0, storeRemaining: 0, expiresAt: this.now() + outcome.msBeforeNext, exhausted: true });
    }
  }

  private remember(key: string, lease: Lease): void {
    if (this.leases.size >= SWEEP_AT) {
      const t = this.now();
      for (const [k, l] of this.leases) if (l.expiresAt <= t) this.leases.delete(k);
    }
    this.leases.set(key, lease);
  }
}
