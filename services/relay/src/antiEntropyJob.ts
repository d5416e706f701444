import { type TenantId } from '@vigilo/domain';
import type { Logger } from '@vigilo/platform';
import { type Pool, listTenants } from '@vigilo/postgres';
import type { SearchIndex } from '@vigilo/search-engine';
import { type Difference, findDifferences } from './antiEntropy.js';
import { repairDifferences } from './repair.js';

const key = (d: Difference) => `${d.kind}:${d.id}:${d.sql?.version ?? '-'}`;

/**
 * The periodic anti-entropy job: compares every active tenant with the engine
 * and repairs differences that persisted across two runs `graceMs` apart, so
 * work still in the queue is not re-sent. Reports every count to `onResult`.
 */
export class AntiEntropyJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly deps: {
      pool: Pool;
      engine: SearchIndex;
      logger: Logger;
      intervalMs: number;
      graceMs: number;
      onResult?: (tenant: TenantId, differences: number, repaired: number) => void;
    },
  ) {}

  start(): void {
    const tick = () => {
      this.running = this.runOnce().catch((error: unknown) => this.deps.logger.warn({ err: error }, 'anti-entropy run failed'));
      this.timer = setTimeout(() => void this.running?.then(tick), this.deps.intervalMs);
      this.timer.unref();
    };
    this.timer = setTimeout(tick, Math.min(this.deps.intervalMs, 10_000));
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One pass over every active tenant. */
  async runOnce(): Promise<void> {
    for (const tenant of await listTenants(this.deps.pool)) {
      if (tenant.status !== 'active') continue;
      await this.deps.engine.refresh(tenant.id);
      const first = await findDifferences(this.deps, tenant.id);
      let repaired = 0;
      if (first.length > 0) {
        await new Promise((r) => setTimeout(r, this.deps.graceMs));
        await this.deps.engine.refresh(tenant.id);
        const before = new Set(first.map(key));
        const persistent = (await findDifferences(this.deps, tenant.id)).filter((d) => before.has(key(d)));
        repaired = await repairDifferences(this.deps.pool, tenant.id, persistent);
        if (persistent.length > 0) this.deps.logger.warn({ tenant: tenant.id, differences: persistent.length, repaired }, 'anti-entropy repaired differences');
      }
      this.deps.onResult?.(tenant.id, first.length, repaired);
    }
  }
}
