import { type TenantId, tenantSchemaName, toSearchDocument } from '@vigilo/domain';
import { VigiloError } from '@vigilo/errors';
import { type Pool, PostgresReportStore, asTenant, qualified } from '@vigilo/postgres';
import type { BulkOperation, MappingRollout, SearchIndex, TenantIndexSettings } from '@vigilo/search-engine';

export interface ReindexOptions {
  /** Roll out even when the mapping is current (e.g. to change the number of shards). @default false */
  readonly force?: boolean;
  readonly settings?: TenantIndexSettings;
  /** Reports read from SQL and written per `_bulk`. @default 500 */
  readonly pageSize?: number;
  /** Checks of the new index against SQL before giving up (live writes settle between checks). @default 20 */
  readonly verifyAttempts?: number;
  readonly onProgress?: (progress: { readonly phase: 'backfill' | 'verify' | 'swap'; readonly done: number }) => void;
}

export interface ReindexResult {
  /** undefined: the tenant's index was current and nothing was rolled out. */
  readonly rollout: MappingRollout | undefined;
  /** Versions the backfill wrote; `stale`: the new index already held them or newer (live writes). */
  readonly written: number;
  readonly stale: number;
}

const RETRIES = 8;

/**
 * Moves a tenant to a new index without downtime or lost updates: `startRollout` sends every write (the
 * indexer's included) to the new index while reads stay on the old one; the backfill then writes the current
 * version of every report from SQL, read after that switch, with external versions (a live write of a newer
 * version wins either way); the new index is compared with SQL until it agrees; then the read alias moves
 * atomically and the old index goes. Safe to run again after a crash: it resumes the rollout in progress.
 */
export async function reindexTenant(deps: { pool: Pool; engine: SearchIndex }, tenant: TenantId, options: ReindexOptions = {}): Promise<ReindexResult> {
  const rollout = await deps.engine.startRollout(tenant, { ...(options.force ? { force: true } : {}), ...(options.settings ? { settings: options.settings } : {}) });
  if (!rollout) return { rollout: undefined, written: 0, stale: 0 };
  const pageSize = options.pageSize ?? 500;
  const store = new PostgresReportStore({ pool: deps.pool });
  const reports = qualified(tenantSchemaName(tenant), 'reports');
  let written = 0;
  let stale = 0;

  const writeCurrent = async (ids: readonly string[]) => {
    const current = await store.getCurrentMany(tenant, ids);
    let pending: BulkOperation[] = [...current.values()].map((stored) => ({
      id: stored.safetyreportid,
      version: stored.version,
      document: toSearchDocument({ tenant, content: stored.content, version: stored.version, nullified: stored.nullified, committedAt: stored.receivedAt }),
    }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      const outcomes = await deps.engine.bulk(tenant, pending);
      const retry: BulkOperation[] = [];
      outcomes.forEach((outcome, i) => {
        if (outcome.outcome === 'written') written++;
        else if (outcome.outcome === 'stale') stale++;
        else if (outcome.retryable && attempt < RETRIES) retry.push(pending[i]!);
        else throw new VigiloError('VIG_INTERNAL', `Reindexing failed on a document: ${outcome.reason}`, { fields: { tenantId: tenant } });
      });
      pending = retry;
      if (pending.length) await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
    }
  };

  let after: string | null = null;
  for (;;) {
    const ids: string[] = await asTenant(deps.pool, tenant, async (client) => {
      const { rows } = await client.query<{ id: string }>(
        `SELECT safetyreportid AS id FROM ${reports}
         WHERE $1::text IS NULL OR safetyreportid COLLATE "C" > $1::text COLLATE "C"
         ORDER BY safetyreportid COLLATE "C" LIMIT $2`,
        [after, pageSize],
      );
      return rows.map((r) => r.id);
    });
    if (ids.length === 0) break;
    await writeCurrent(ids);
    after = ids[ids.length - 1]!;
    options.onProgress?.({ phase: 'backfill', done: written + stale });
  }

  // The swap must not take any report back in time: the new index must hold every report of the old one at
  // the same or a newer version. (Against SQL it could never settle while reports keep arriving; those reach
  // the new index through the write alias anyway, and anti-entropy watches SQL against the read alias.)
  const attempts = options.verifyAttempts ?? 20;
  for (let attempt = 1; ; attempt++) {
    await deps.engine.refresh(tenant);
    const behind = await reportsBehind(deps.engine, tenant, rollout);
    options.onProgress?.({ phase: 'verify', done: attempt });
    if (behind.length === 0) break;
    if (attempt >= attempts) {
      throw new VigiloError('VIG_UNAVAILABLE', `The new index is still behind the old one on ${behind.length} reports; run the reindex again`, { fields: { tenantId: tenant } });
    }
    await writeCurrent(behind);
    await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
  }
  await deps.engine.finishRollout(tenant, rollout);
  options.onProgress?.({ phase: 'swap', done: 1 });
  return { rollout, written, stale };
}

/** Ids the rollout's new index lacks, or holds at an older version than the old index. */
async function reportsBehind(engine: SearchIndex, tenant: TenantId, rollout: MappingRollout, pageSize = 1000): Promise<string[]> {
  const behind: string[] = [];
  let after: string | undefined;
  for (;;) {
    const old = await engine.listVersions(tenant, { pageSize, index: rollout.from, ...(after !== undefined ? { after } : {}) });
    if (old.length === 0) return behind;
    // The same id range of the new index (it may hold more ids: reports that arrived during the rollout).
    const first = old[0]!.id;
    const last = old[old.length - 1]!.id;
    const fresh = new Map<string, number>();
    let cursor: string | undefined = previousId(first);
    for (;;) {
      const page = await engine.listVersions(tenant, { pageSize, index: rollout.to, ...(cursor !== undefined ? { after: cursor } : {}) });
      for (const v of page) if (Buffer.compare(Buffer.from(v.id), Buffer.from(last)) <= 0) fresh.set(v.id, v.version);
      if (page.length < pageSize || Buffer.compare(Buffer.from(page[page.length - 1]!.id), Buffer.from(last)) >= 0) break;
      cursor = page[page.length - 1]!.id;
    }
    for (const v of old) if ((fresh.get(v.id) ?? 0) < v.version) behind.push(v.id);
    after = last;
  }
}

/** A listing cursor just before `id` in byte order: `search_after` on the id itself would skip it. */
function previousId(id: string): string | undefined {
  // Ids are 1-100 characters of [A-Za-z0-9._:-]; dropping the last character gives a strictly smaller id.
  return id.length > 1 ? id.slice(0, -1) : undefined;
}
