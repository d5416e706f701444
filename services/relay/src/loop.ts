import type pg from 'pg';
import { type TenantId, isTenantId } from '@vigilo/domain';
import type { Logger } from '@vigilo/platform';
import { type Pool, listTenants } from '@vigilo/postgres';
import type { OutboxRelay } from './relay.js';

/**
 * Runs the relay for every active tenant: a tenant is marked dirty by a
 * NOTIFY on `vigilo_outbox` (fast path) or by the periodic sweep (safety net,
 * also covers notifications lost while disconnected), then drained.
 */
export class RelayLoop {
  private readonly dirty = new Set<TenantId>();
  private listener: pg.PoolClient | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private running = false;
  private wake: (() => void) | undefined;
  private worker: Promise<void> | undefined;

  /** `listen: false` never holds a LISTEN connection: the sweep every `pollIntervalMs` is the only trigger. */
  constructor(private readonly deps: { pool: Pool; relay: OutboxRelay; logger: Logger; pollIntervalMs: number; listen?: boolean }) {}

  async start(): Promise<void> {
    this.running = true;
    if (this.deps.listen !== false) await this.listen();
    this.sweepTimer = setInterval(() => void this.sweep(), this.deps.pollIntervalMs);
    await this.sweep();
    this.worker = this.work();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.wake?.();
    await this.worker;
    if (this.listener) {
      this.listener.release(true);
      this.listener = undefined;
    }
  }

  private async listen(): Promise<void> {
    try {
      const client = await this.deps.pool.connect();
      client.on('notification', (n) => {
        if (isTenantId(n.payload)) this.mark(n.payload);
      });
      client.on('error', (error) => {
        this.deps.logger.warn({ err: error }, 'LISTEN connection lost; the sweep covers until it is back');
        if (this.listener === client) this.listener = undefined;
        client.release(true);
      });
      await client.query('LISTEN vigilo_outbox');
      this.listener = client;
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'cannot LISTEN; relying on the sweep');
    }
  }

  private mark(tenant: TenantId): void {
    this.dirty.add(tenant);
    this.wake?.();
  }

  private async sweep(): Promise<void> {
    try {
      if (!this.listener && this.running && this.deps.listen !== false) await this.listen();
      for (const tenant of await listTenants(this.deps.pool)) if (tenant.status === 'active') this.mark(tenant.id);
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'tenant sweep failed');
    }
  }

  private async work(): Promise<void> {
    while (this.running) {
      const next = this.dirty.values().next();
      if (next.done) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      const tenant = next.value;
      this.dirty.delete(tenant);
      try {
        await this.deps.relay.drain(tenant);
      } catch (error) {
        // Rows stay pending; the next sweep retries them.
        this.deps.logger.warn({ err: error, tenant }, 'relaying failed; will retry');
      }
    }
  }
}
