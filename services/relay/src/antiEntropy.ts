import { type TenantId, tenantSchemaName } from '@vigilo/domain';
import { type Pool, asTenant, qualified } from '@vigilo/postgres';
import type { IndexedVersion, SearchIndex } from '@vigilo/search-engine';

/** One disagreement between SQL (the truth) and the engine. */
export interface Difference {
  readonly id: string;
  /** missing: not in the engine; stale: the engine holds an older version or the wrong nullified state; extra: only in the engine. */
  readonly kind: 'missing' | 'stale' | 'extra';
  readonly sql?: { version: number; nullified: boolean };
  readonly engine?: { version: number; nullified: boolean };
}

interface SqlRow {
  id: string;
  version: number;
  nullified: boolean;
}

/**
 * Invariant 6: compares (id, version, nullified) of every current report in
 * SQL with (id, version, nullified) in the engine, page by page, both in byte
 * order of the id, and returns every difference. Call `engine.refresh` first
 * when writes just happened.
 */
export async function findDifferences(
  deps: { pool: Pool; engine: SearchIndex },
  tenant: TenantId,
  pageSize = 1000,
  /** One of the tenant's concrete indices instead of the read alias (a rollout's new index). */
  index?: string,
): Promise<Difference[]> {
  const reports = qualified(tenantSchemaName(tenant), 'reports');
  const differences: Difference[] = [];
  let sqlAfter: string | undefined;
  let engineAfter: string | undefined;
  let sqlPage: SqlRow[] = [];
  let enginePage: IndexedVersion[] = [];
  let sqlDone = false;
  let engineDone = false;
  const nextSql = async () => {
    if (sqlPage.length > 0 || sqlDone) return;
    sqlPage = await asTenant(deps.pool, tenant, async (client) => {
      const { rows } = await client.query<SqlRow>(
        `SELECT safetyreportid AS id, current_version AS version, nullified FROM ${reports}
         WHERE $1::text IS NULL OR safetyreportid COLLATE "C" > $1::text COLLATE "C"
         ORDER BY safetyreportid COLLATE "C" LIMIT $2`,
        [sqlAfter ?? null, pageSize],
      );
      return rows;
    });
    if (sqlPage.length === 0) sqlDone = true;
    else sqlAfter = sqlPage[sqlPage.length - 1]!.id;
  };
  const nextEngine = async () => {
    if (enginePage.length > 0 || engineDone) return;
    enginePage = await deps.engine.listVersions(tenant, { pageSize, ...(engineAfter !== undefined ? { after: engineAfter } : {}), ...(index !== undefined ? { index } : {}) });
    if (enginePage.length === 0) engineDone = true;
    else engineAfter = enginePage[enginePage.length - 1]!.id;
  };
  const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
  for (;;) {
    await nextSql();
    await nextEngine();
    const s = sqlPage[0];
    const e = enginePage[0];
    if (!s && !e) return differences;
    const order = !s ? 1 : !e ? -1 : byteOrder(s.id, e.id);
    if (order < 0) {
      differences.push({ id: s!.id, kind: 'missing', sql: { version: s!.version, nullified: s!.nullified } });
      sqlPage.shift();
    } else if (order > 0) {
      differences.push({ id: e!.id, kind: 'extra', engine: { version: e!.version, nullified: e!.nullified } });
      enginePage.shift();
    } else {
      if (s!.version !== e!.version || s!.nullified !== e!.nullified) {
        differences.push({ id: s!.id, kind: 'stale', sql: { version: s!.version, nullified: s!.nullified }, engine: { version: e!.version, nullified: e!.nullified } });
      }
      sqlPage.shift();
      enginePage.shift();
    }
  }
}
