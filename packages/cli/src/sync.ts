import { type TenantId, parseTenantId } from '@vigilo/domain';
import { InputError } from '@vigilo/errors';
import { PostgresDeadLetterStore, createPool } from '@vigilo/postgres';
import { findDifferences, reindexTenant, repairDifferences, replayDeadLetters, type Difference, type ReindexResult } from '@vigilo/relay';
import { type SearchIndex, createElasticsearchSearchIndex, createOpenSearchSearchIndex } from '@vigilo/search-engine';

export interface SyncOptions {
  tenant: string;
  databaseUrl: string | undefined;
  engineUrl?: string | undefined;
  engine?: 'elasticsearch' | 'opensearch';
}

function need(value: string | undefined, what: string): string {
  if (!value) throw new InputError(`Give ${what}`, { code: 'VIG_REQUEST_INVALID_PARAMETER' });
  return value;
}

async function withDeps<T>(options: SyncOptions, useEngine: boolean, fn: (deps: { tenant: TenantId; pool: ReturnType<typeof createPool>; engine?: SearchIndex }) => Promise<T>): Promise<T> {
  const tenant = parseTenantId(options.tenant);
  const pool = createPool({ connectionString: need(options.databaseUrl, '--database-url or VIGILO_DATABASE_URL'), max: 2, applicationName: 'vigilo-cli' });
  let engine: SearchIndex | undefined;
  try {
    if (useEngine) {
      const node = need(options.engineUrl, '--engine-url or VIGILO_ENGINE_URL');
      engine = options.engine === 'opensearch' ? createOpenSearchSearchIndex({ node }) : createElasticsearchSearchIndex({ node });
    }
    return await fn({ tenant, pool, ...(engine ? { engine } : {}) });
  } finally {
    await engine?.close();
    await pool.end();
  }
}

/** Anti-entropy: SQL vs the engine for one tenant; with `repair`, re-queues what differs. */
export async function syncCheck(options: SyncOptions & { repair: boolean }): Promise<{ differences: Difference[]; requeued: number }> {
  return withDeps(options, true, async ({ tenant, pool, engine }) => {
    await engine!.refresh(tenant);
    const differences = await findDifferences({ pool, engine: engine! }, tenant);
    const requeued = options.repair ? await repairDifferences(pool, tenant, differences) : 0;
    return { differences, requeued };
  });
}

export async function listDeadLetters(options: SyncOptions) {
  return withDeps(options, false, ({ tenant, pool }) => new PostgresDeadLetterStore(pool).list(tenant, { limit: 1000 }));
}

export async function replay(options: SyncOptions): Promise<number> {
  return withDeps(options, false, ({ tenant, pool }) => replayDeadLetters(pool, tenant));
}

/** Rolls the tenant out to a new index filled from SQL (when its mapping is old, or always with `force`). */
export async function reindex(options: SyncOptions & { force: boolean; shards?: number | undefined; onProgress?: (phase: string, done: number) => void }): Promise<ReindexResult> {
  return withDeps(options, true, ({ tenant, pool, engine }) =>
    reindexTenant({ pool, engine: engine! }, tenant, {
      force: options.force,
      ...(options.shards !== undefined ? { settings: { shards: options.shards } } : {}),
      ...(options.onProgress ? { onProgress: (p) => options.onProgress!(p.phase, p.done) } : {}),
    }),
  );
}
