import { type TenantId, tenantSchemaName } from '@vigilo/domain';
import { type Pool, type PoolClient, asTenant, qualified } from '@vigilo/postgres';
import { MAX_INDEX_QUEUE_SHARDS, type TaskQueue, indexQueueName, indexQueueShard, indexTaskName } from '@vigilo/queue';

export { indexQueueName };

export interface OutboxRelayOptions {
  pool: Pool;
  queue: TaskQueue;
  /**
   * Over how many indexing queues the tenant is spread (the operator's `spec.queue.shards`, read from the
   * registry); a report's tasks always go to the same one (`indexQueueShard`). @default one queue
   */
  queueShards?: (tenant: TenantId) => number | Promise<number>;
  /** Outbox rows claimed per transaction. @default 200 */
  batchSize?: number;
  /** Enqueue calls in flight per batch. @default 16 */
  concurrency?: number;
  onRelayed?: (tenant: TenantId, count: number) => void;
  /**
   * Keep the claimed rows locked (`FOR UPDATE SKIP LOCKED`) while their tasks are enqueued, so that replicas never
   * enqueue the same row at the same time. `false` reads the rows, enqueues and marks them in separate
   * transactions: for a single relay on a database where an open transaction blocks every other connection (the
   * embedded PGlite). Correct either way: task names are deterministic, so a second enqueue of a row is answered
   * "already exists" (invariant 4); the lock only saves that work. @default true
   */
  lockWhileEnqueueing?: boolean;
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
  private readonly batchSize: number;
  private readonly concurrency: number;

  constructor(private readonly options: OutboxRelayOptions) {
    this.batchSize = options.batchSize ?? 200;
    this.concurrency = options.concurrency ?? 16;
  }

  /** Relays one batch of a tenant's pending rows; returns how many were dispatched. */
  async relayBatch(tenant: TenantId): Promise<number> {
    const outbox = qualified(tenantSchemaName(tenant), 'outbox');
    const pending = `SELECT id, safetyreportid, version, origin, generation, traceparent FROM ${outbox}
         WHERE dispatched_at IS NULL ORDER BY id LIMIT $1`;
    const markDispatched = (client: PoolClient, rows: readonly OutboxRow[]) =>
      client.query(`UPDATE ${outbox} SET dispatched_at = now() WHERE id = ANY($1::bigint[]) AND dispatched_at IS NULL`, [rows.map((r) => r.id)]);
    // Read before any transaction opens: on a one-connection pool a lookup inside it would wait for itself.
    const shards = (await this.options.queueShards?.(tenant)) ?? 1;
    let count: number;
    if (this.options.lockWhileEnqueueing === false) {
      const { rows } = await asTenant(this.options.pool, tenant, (client) => client.query<OutboxRow>(pending, [this.batchSize]));
      if (rows.length > 0) {
        await this.enqueueAll(tenant, rows, shards);
        await asTenant(this.options.pool, tenant, (client) => markDispatched(client, rows));
      }
      count = rows.length;
    } else {
      count = await asTenant(this.options.pool, tenant, async (client) => {
        const { rows } = await client.query<OutboxRow>(`${pending} FOR UPDATE SKIP LOCKED`, [this.batchSize]);
        if (rows.length === 0) return 0;
        await this.enqueueAll(tenant, rows, shards);
        await markDispatched(client, rows);
        return rows.length;
      });
    }
    if (count > 0) this.options.onRelayed?.(tenant, count);
    return count;
  }

  private async enqueueAll(tenant: TenantId, rows: readonly OutboxRow[], shards: number): Promise<void> {
    await forEachLimited(rows, this.concurrency, (row) =>
      this.options.queue.enqueue(indexQueueName(tenant, indexQueueShard(row.safetyreportid, shards)), {
        name:
          row.origin === 'outbox' || row.generation === null
            ? indexTaskName(tenant, row.safetyreportid, row.version)
            : indexTaskName(tenant, row.safetyreportid, row.version, { origin: row.origin, generation: row.generation }),
        payload: { tenant, safetyreportid: row.safetyreportid, version: row.version, origin: row.origin },
        ...(row.traceparent ? { headers: { traceparent: row.traceparent } } : {}),
      }),
    );
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

/**
 * The shard count a tenant's registry row gives (`settings.queue.shards`, written by the operator from the
 * Tenant's spec); 1 when absent or invalid.
 */
export function queueShardsOf(settings: Readonly<Record<string, unknown>> | undefined): number {
  const queue = settings?.['queue'];
  const shards = typeof queue === 'object' && queue !== null ? (queue as Record<string, unknown>)['shards'] : undefined;
  return typeof shards === 'number' && Number.isSafeInteger(shards) && shards >= 1 && shards <= MAX_INDEX_QUEUE_SHARDS ? shards : 1;
}
