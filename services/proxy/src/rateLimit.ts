import { RateLimiterMemory, RateLimiterPostgres } from 'rate-limiter-flexible';
import type { TenantDirectory } from '@vigilo/domain';
import { parseTenantId } from '@vigilo/domain';
import type { Pool } from '@vigilo/postgres';
import { LeasedBudget } from './leasedBudget.js';

export interface RateLimits {
  readonly tenantRequests: number;
  readonly tenantWindowSeconds: number;
  readonly keyRequests: number;
  readonly keyWindowSeconds: number;
}

export interface RateDecision {
  readonly allowed: boolean;
  /** The binding budget: the one with fewer requests left. */
  readonly limit: number;
  readonly remaining: number;
  readonly resetSeconds: number;
  /** Whole seconds until a request may succeed (only when not allowed). */
  readonly retryAfterSeconds: number;
}

const positiveInt = (v: unknown): number | undefined => (typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : undefined);

/** The defaults, overridden by the tenant registry's `settings.rateLimit` where it holds valid numbers. */
export function effectiveLimits(defaults: RateLimits, settings: Readonly<Record<string, unknown>> | undefined): RateLimits {
  const o = settings?.['rateLimit'];
  if (typeof o !== 'object' || o === null) return defaults;
  const s = o as Record<string, unknown>;
  return {
    tenantRequests: positiveInt(s['tenantRequests']) ?? defaults.tenantRequests,
    tenantWindowSeconds: positiveInt(s['tenantWindowSeconds']) ?? defaults.tenantWindowSeconds,
    keyRequests: positiveInt(s['keyRequests']) ?? defaults.keyRequests,
    keyWindowSeconds: positiveInt(s['keyWindowSeconds']) ?? defaults.keyWindowSeconds,
  };
}

/**
 * Fixed-window limits per tenant and per credential, counted in PostgreSQL (`vigilo.rate_limits`, one atomic
 * upsert per lease, see LeasedBudget: most requests need no round trip) so that every replica draws on the same
 * budget. If the database cannot be reached, an
 * in-process limiter with the same budget takes over (rate-limiter-flexible's insurance limiter): limits then
 * hold per replica instead of overall, and requests are not refused because of the outage.
 */
export class SharedRateLimiter {
  private readonly limiters = new Map<string, LeasedBudget>();

  constructor(private readonly deps: { pool: Pool; defaults: RateLimits; tenants: TenantDirectory }) {}

  private limiter(scope: 'tenant' | 'key', points: number, seconds: number): LeasedBudget {
    const name = `${scope}:${points}:${seconds}`;
    let limiter = this.limiters.get(name);
    if (!limiter) {
      const store = new RateLimiterPostgres({
        storeClient: this.deps.pool,
        storeType: 'pool',
        schemaName: 'vigilo',
        tableName: 'rate_limits',
        tableCreated: true,
        clearExpiredByTimeout: false,
        keyPrefix: name,
        points,
        duration: seconds,
        insuranceLimiter: new RateLimiterMemory({ keyPrefix: name, points, duration: seconds }),
      });
      limiter = new LeasedBudget(store);
      this.limiters.set(name, limiter);
    }
    return limiter;
  }

  private async limitsOf(tenant: string | undefined): Promise<RateLimits> {
    if (tenant === undefined) return this.deps.defaults;
    const record = await this.deps.tenants.get(parseTenantId(tenant));
    return effectiveLimits(this.deps.defaults, record?.settings);
  }

  async consume(tenant: string | undefined, callerId: string): Promise<RateDecision> {
    const limits = await this.limitsOf(tenant);
    const checks = [
      { limiter: this.limiter('tenant', limits.tenantRequests, limits.tenantWindowSeconds), key: tenant ?? '_platform', limit: limits.tenantRequests },
      { limiter: this.limiter('key', limits.keyRequests, limits.keyWindowSeconds), key: callerId, limit: limits.keyRequests },
    ];
    const results = await Promise.all(checks.map(async ({ limiter, key, limit }) => ({ res: await limiter.take(key), limit })));
    const denied = results.filter((r) => !r.res.allowed);
    const binding = (denied.length > 0 ? denied : results).reduce((a, b) => (b.res.remaining < a.res.remaining ? b : a));
    return {
      allowed: denied.length === 0,
      limit: binding.limit,
      remaining: Math.max(0, binding.res.remaining),
      resetSeconds: Math.max(0, Math.ceil(binding.res.msBeforeNext / 1000)),
      retryAfterSeconds: Math.max(1, ...denied.map((r) => Math.ceil(r.res.msBeforeNext / 1000))),
    };
  }
}
