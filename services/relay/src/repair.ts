import { type TenantId, tenantSchemaName } from '@vigilo/domain';
import { type Pool, PostgresDeadLetterStore, asTenant, qualified } from '@vigilo/postgres';
import type { Difference } from './antiEntropy.js';

/** 1-64 letters, digits, hyphens and underscores: part of the repair tasks' names. */
export function newGeneration(now: Date = new Date()): string {
  return `g${now.toISOString().replace(/[^0-9]/g, '').slice(0, 17)}`;
}

/**
 * Re-queues every report that anti-entropy found missing or stale, through the
 * outbox (the same path as a first delivery), under a repair name of its own so
 * that a task name the queue still holds reserved cannot swallow it. Extra
 * documents (in the engine, not in SQL) are only reported: SQL never deletes
 * reports, so they mean a wrong tenant or a dropped schema, for a human to look at.
 */
export async function repairDifferences(pool: Pool, tenant: TenantId, differences: readonly Difference[], generation = newGeneration()): Promise<number> {
  const ids = differences.filter((d) => d.kind !== 'extra').map((d) => d.id);
  if (ids.length === 0) return 0;
  const s = tenantSchemaName(tenant);
  return asTenant(pool, tenant, async (client) => {
    const { rowCount } = await client.query(
      `INSERT INTO ${qualified(s, 'outbox')} (safetyreportid, version, origin, generation)
       SELECT safetyreportid, current_version, 'repair', $2 FROM ${qualified(s, 'reports')}
       WHERE safetyreportid = ANY($1::text[]) ORDER BY safetyreportid`,
      [ids, generation],
    );
    return rowCount ?? 0;
  });
}

/**
 * Replays parked tasks (dead letters) through the outbox: the indexer then
 * handles them exactly as a first delivery, with the report's current state.
 */
export async function replayDeadLetters(pool: Pool, tenant: TenantId, options: { limit?: number } = {}): Promise<number> {
  const letters = await new PostgresDeadLetterStore(pool).list(tenant, { limit: options.limit ?? 1000 });
  if (letters.length === 0) return 0;
  const s = tenantSchemaName(tenant);
  await asTenant(pool, tenant, async (client) => {
    await client.query(
      `INSERT INTO ${qualified(s, 'outbox')} (safetyreportid, version, origin, generation)
       SELECT l.safetyreportid, r.current_version, 'replay', 'dl' || l.id || '-' || extract(epoch FROM now())::bigint
       FROM ${qualified(s, 'dead_letters')} l JOIN ${qualified(s, 'reports')} r USING (safetyreportid)
       WHERE l.id = ANY($1::bigint[])`,
      [letters.map((l) => l.id)],
    );
    await client.query(`UPDATE ${qualified(s, 'dead_letters')} SET replayed_at = now() WHERE id = ANY($1::bigint[])`, [letters.map((l) => l.id)]);
  });
  return letters.length;
}
