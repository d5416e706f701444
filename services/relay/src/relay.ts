import { type TenantId, tenantSchemaName } from '@vigilo/domain';
import { type Pool, asTenant, qualified } from '@vigilo/postgres';
import { type TaskQueue, indexTaskName } from '@vigilo/queue';

/** The indexing queue of a tenant; the operator creates it under the same name. */
export function indexQueueName(tenant: TenantId): string {
  return `vigilo-index-${tenant}`;
}

export interface OutboxRelayOptions {
  pool: Pool;
  queue: TaskQueue;
  /** @default indexQueueName */
  queueNameFor?: (tenant: TenantId) => string;
  /** Outbox rows claimed per transaction. @default 200 */
  batchSize?: number;
  /** Enqueue calls in flight per batch. @default 16 */
  concurrency?: number;
  onRelayed?: (tenant: TenantId, count: number) => void;
}

interface OutboxRow {
  id: number;
  safetyreportid: string;
  version: number;
  origin: 'outbox' | 'repair' | 'replay';
  generation: string | null;
  traceparent: string | null;
}

async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(workers);
}

/**
 * Moves outbox rows to the queue (invariant 4). Rows are claimed with
 * FOR UPDATE SKIP LOCKED, so replicas share the work without sending a row
 * twice at the same time; they are marked dispatched in the same transaction,
 * after the queue acknowledged every task. A crash in between leaves them
 * pending: they are enqueued again under the same deterministic names, and
 * the queue answers "already exists", which counts as success.
 */
export class OutboxRelay {
  private readonly queueNameFor: (tenant: TenantId) => string;
  private readonly batchSize: number;
  private readonly concurrency: number;

  constructor(private readonly options: OutboxRelayOptions) {
    this.queueNameFor = options.queueNameFor ?? indexQueueName;
    this.batchSize = options.batchSize ?? 200;
    this.concurrency = options.concurrency ?? 16;
  }

  /** Relays one batch of a tenant's pending rows; returns how many were dispatched. */
  async relayBatch(tenant: TenantId): Promise<number> {
    const outbox = qualified(tenantSchemaName(tenant), 'outbox');
    const queueName = this.queueNameFor(tenant);
    const count = await asTenant(this.options.pool, tenant, async (client) => {
      const { rows } = await client.query<OutboxRow>(
        `SELECT id, safetyreportid, version, origin, generation, traceparent FROM ${outbox}
         WHERE dispatched_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [this.batchSize],
      );
      if (rows.length === 0) return 0;
      await forEachLimited(rows, this.concurrency, (row) =>
        this.options.queue.enqueue(queueName, {
          name:
            row.origin === 'outbox' || row.generation === null
              ? indexTaskName(tenant, row.safetyreportid, row.version)
              : indexTaskName(tenant, row.safetyreportid, row.version, { origin: row.origin, generation: row.generation }),
          payload: { tenant, safetyreportid: row.safetyreportid, version: row.version, origin: row.origin },
          ...(row.traceparent ? { headers: { traceparent: row.traceparent } } : {}),
        }),
      );
      await client.query(`UPDATE ${outbox} SET dispatched_at = now() WHERE id = ANY($1::bigint[])`, [rows.map((r) => r.id)]);
      return rows.length;
    });
    if (count > 0) this.options.onRelayed?.(tenant, count);
    return count;
  }

  /** Relays until the tenant has no pending row left that this relay could claim. */
  async drain(tenant: TenantId): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.relayBatch(tenant);
      total += n;
      if (n < this.batchSize) return total;
    }
  }
}
