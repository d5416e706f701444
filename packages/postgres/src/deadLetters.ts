import { type TenantId, tenantSchemaName } from '@vigilo/domain';
import type { Pool } from './pool.js';
import { asTenant } from './reportStore.js';
import { qualified } from './sql.js';

/** A task that exhausted its attempts, parked with its error. Ids and codes only: no report content. */
export interface DeadLetter {
  readonly id: number;
  readonly taskName: string;
  readonly queue: string;
  readonly safetyreportid: string;
  readonly version: number;
  readonly attempts: number;
  readonly errorCode: string;
  readonly errorDetail: string;
  readonly parkedAt: Date;
  readonly replayedAt: Date | undefined;
}

export type DeadLetterInput = Omit<DeadLetter, 'id' | 'parkedAt' | 'replayedAt'>;

interface Row {
  id: number;
  task_name: string;
  queue: string;
  safetyreportid: string;
  version: number;
  attempts: number;
  error_code: string;
  error_detail: string;
  parked_at: Date;
  replayed_at: Date | null;
}

const toDeadLetter = (r: Row): DeadLetter => ({
  id: r.id,
  taskName: r.task_name,
  queue: r.queue,
  safetyreportid: r.safetyreportid,
  version: r.version,
  attempts: r.attempts,
  errorCode: r.error_code,
  errorDetail: r.error_detail,
  parkedAt: r.parked_at,
  replayedAt: r.replayed_at ?? undefined,
});

/** The dead-letter table of each tenant schema (invariant 5: nothing is dropped silently). */
export class PostgresDeadLetterStore {
  constructor(private readonly pool: Pool) {}

  /** Parks a task; parking the same task name again updates its error (idempotent for redeliveries). */
  async park(tenant: TenantId, letter: DeadLetterInput): Promise<void> {
    const t = qualified(tenantSchemaName(tenant), 'dead_letters');
    await asTenant(this.pool, tenant, (client) =>
      client.query(
        `INSERT INTO ${t} (task_name, queue, safetyreportid, version, attempts, error_code, error_detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (task_name) DO UPDATE SET attempts = EXCLUDED.attempts, error_code = EXCLUDED.error_code,
           error_detail = EXCLUDED.error_detail, parked_at = now(), replayed_at = NULL`,
        [letter.taskName, letter.queue, letter.safetyreportid, letter.version, letter.attempts, letter.errorCode, letter.errorDetail.slice(0, 2000)],
      ),
    );
  }

  /** Parked letters not yet replayed, oldest first. */
  async list(tenant: TenantId, options: { limit?: number; includeReplayed?: boolean } = {}): Promise<DeadLetter[]> {
    const t = qualified(tenantSchemaName(tenant), 'dead_letters');
    return asTenant(this.pool, tenant, async (client) => {
      const { rows } = await client.query<Row>(
        `SELECT * FROM ${t} WHERE $1::boolean OR replayed_at IS NULL ORDER BY id LIMIT $2`,
        [options.includeReplayed ?? false, options.limit ?? 100],
      );
      return rows.map(toDeadLetter);
    });
  }

  async markReplayed(tenant: TenantId, ids: readonly number[]): Promise<void> {
    const t = qualified(tenantSchemaName(tenant), 'dead_letters');
    await asTenant(this.pool, tenant, (client) => client.query(`UPDATE ${t} SET replayed_at = now() WHERE id = ANY($1::bigint[])`, [ids]));
  }

  async depth(tenant: TenantId): Promise<number> {
    const t = qualified(tenantSchemaName(tenant), 'dead_letters');
    return asTenant(this.pool, tenant, async (client) => {
      const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t} WHERE replayed_at IS NULL`);
      return rows[0]?.n ?? 0;
    });
  }
}
