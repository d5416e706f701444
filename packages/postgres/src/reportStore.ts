import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { from as copyFrom } from 'pg-copy-streams';
import {
  type AdverseEventReport,
  type PutOptions,
  type PutOutcome,
  type ReportStore,
  type ReportToStore,
  type StoredReport,
  type StoredVersionRef,
  type TenantId,
  isNullification,
  tenantRoleName,
  tenantSchemaName,
} from '@vigilo/domain';
import { ident, qualified } from './sql.js';
import { type Pool, type PoolClient, withTransaction } from './pool.js';

export interface PostgresReportStoreOptions {
  pool: Pool;
  /**
   * Batches of at least this many rows are loaded into the staging table with
   * COPY; smaller ones with one INSERT from arrays. @default 64
   */
  copyThreshold?: number;
  /** Use COPY at all (the embedded PostgreSQL cannot). @default true */
  useCopy?: boolean;
}

interface VersionRow {
  safetyreportid: string;
  version: number;
  content_hash: string;
  nullified: boolean;
  received_at: Date;
}

const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
const COPY_TEXT_SPECIALS = /[\\\n\r\t]/g;
const COPY_TEXT_ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
/** Escapes a value for COPY's text format (tab-separated, backslash escapes). */
const copyText = (value: string): string => value.replace(COPY_TEXT_SPECIALS, (c) => COPY_TEXT_ESCAPES[c]!);

/**
 * Runs `fn` as the tenant's own database role: the schema grants and the
 * row-level security policies then apply to every statement, so a bug that
 * names another tenant's table fails instead of leaking.
 */
export async function asTenant<T>(pool: Pool, tenant: TenantId, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  return withTransaction(pool, async (client) => {
    await client.query(`SET LOCAL ROLE ${ident(tenantRoleName(tenant))}`);
    return fn(client);
  });
}

export class PostgresReportStore implements ReportStore {
  private readonly pool: Pool;
  private readonly copyThreshold: number;
  private readonly useCopy: boolean;

  constructor(options: PostgresReportStoreOptions) {
    this.pool = options.pool;
    this.copyThreshold = options.copyThreshold ?? 64;
    this.useCopy = options.useCopy ?? true;
  }

  async putReports(tenant: TenantId, reports: readonly ReportToStore[], options: PutOptions = {}): Promise<PutOutcome[]> {
    const traceparent = options.traceparent && TRACEPARENT.test(options.traceparent) ? options.traceparent : null;
    if (reports.length === 0) return [];
    const schema = tenantSchemaName(tenant);
    const t = (table: string) => qualified(schema, table);
    return asTenant(this.pool, tenant, async (client) => {
      // COPY FROM cannot target a table with row-level security, hence the
      // staging table. Its content stays text stored uncompressed (EXTERNAL):
      // it is parsed into jsonb once, by the INSERT below, and compressed once.
      await client.query(
        `CREATE TEMP TABLE vigilo_staging (
           line integer NOT NULL, safetyreportid text NOT NULL, version integer NOT NULL,
           content text NOT NULL, content_hash text NOT NULL, nullified boolean NOT NULL
         ) ON COMMIT DROP;
         ALTER TABLE vigilo_staging ALTER COLUMN content SET STORAGE EXTERNAL`,
      );
      await this.fillStaging(client, reports);
      // One set-based statement: insert new versions (ordered, so concurrent
      // batches take row locks in the same order), advance the current
      // pointer only forwards, and queue an outbox row per advanced report.
      const inserted = await client.query<VersionRow & { became_current: boolean }>(
        `WITH input AS (
           SELECT DISTINCT ON (safetyreportid, version) safetyreportid, version, content, content_hash, nullified
           FROM vigilo_staging ORDER BY safetyreportid, version, line
         ), inserted AS (
           INSERT INTO ${t('report_versions')} (safetyreportid, version, content, content_hash, nullified)
           SELECT safetyreportid, version, content::jsonb, content_hash, nullified FROM input ORDER BY safetyreportid, version
           ON CONFLICT (safetyreportid, version) DO NOTHING
           RETURNING safetyreportid, version, content_hash, nullified, received_at
         ), newest AS (
           SELECT DISTINCT ON (safetyreportid) safetyreportid, version, nullified, received_at
           FROM inserted ORDER BY safetyreportid, version DESC
         ), advanced AS (
           INSERT INTO ${t('reports')} AS r (safetyreportid, current_version, nullified, first_received_at, updated_at)
           SELECT safetyreportid, version, nullified, received_at, received_at FROM newest ORDER BY safetyreportid
           ON CONFLICT (safetyreportid) DO UPDATE
             SET current_version = EXCLUDED.current_version, nullified = EXCLUDED.nullified, updated_at = EXCLUDED.updated_at
             WHERE r.current_version < EXCLUDED.current_version
           RETURNING safetyreportid, current_version
         ), queued AS (
           INSERT INTO ${t('outbox')} (safetyreportid, version, traceparent)
           SELECT safetyreportid, current_version, $1::text FROM advanced ORDER BY safetyreportid
           RETURNING safetyreportid
         )
         SELECT i.*, (a.safetyreportid IS NOT NULL AND a.current_version = i.version) AS became_current
         FROM inserted i LEFT JOIN advanced a USING (safetyreportid)`,
        [traceparent],
      );
      const created = new Map<string, VersionRow & { became_current: boolean }>();
      for (const row of inserted.rows) created.set(`${row.safetyreportid}\u0000${row.version}`, row);
      // Versions that already existed (possibly committed by a concurrent
      // batch after our statement began): read them with a fresh snapshot.
      const existing = new Map<string, VersionRow>();
      const missingIds: string[] = [];
      const missingVersions: number[] = [];
      for (const { report } of reports) {
        const key = `${report.safetyreportid}\u0000${report.safetyreportversion}`;
        if (!created.has(key)) {
          missingIds.push(report.safetyreportid);
          missingVersions.push(report.safetyreportversion);
        }
      }
      if (missingIds.length > 0) {
        const { rows } = await client.query<VersionRow>(
          `SELECT v.safetyreportid, v.version, v.content_hash, v.nullified, v.received_at
           FROM ${t('report_versions')} v
           JOIN unnest($1::text[], $2::int[]) AS k(safetyreportid, version) USING (safetyreportid, version)`,
          [missingIds, missingVersions],
        );
        for (const row of rows) existing.set(`${row.safetyreportid}\u0000${row.version}`, row);
      }
      const firstLineOfKey = new Set<string>();
      return reports.map(({ report, contentHash }): PutOutcome => {
        const key = `${report.safetyreportid}\u0000${report.safetyreportversion}`;
        const fresh = created.get(key);
        const stored = fresh ?? existing.get(key);
        if (!stored || stored.content_hash !== contentHash) {
          return { outcome: 'conflict', safetyreportid: report.safetyreportid, version: report.safetyreportversion };
        }
        const ref: StoredVersionRef = {
          safetyreportid: stored.safetyreportid,
          version: stored.version,
          contentHash: stored.content_hash,
          nullified: stored.nullified,
          receivedAt: stored.received_at,
        };
        if (fresh && !firstLineOfKey.has(key)) {
          firstLineOfKey.add(key);
          return { outcome: 'created', becameCurrent: fresh.became_current, ...ref };
        }
        return { outcome: 'unchanged', ...ref };
      });
    });
  }

  private async fillStaging(client: PoolClient, reports: readonly ReportToStore[]): Promise<void> {
    if (this.useCopy && reports.length >= this.copyThreshold) {
      const lines = (function* () {
        let line = 0;
        for (const { report, contentHash, json } of reports) {
          line++;
          yield `${line}\t${copyText(report.safetyreportid)}\t${report.safetyreportversion}\t${copyText(json ?? JSON.stringify(report))}\t${contentHash}\t${isNullification(report)}\n`;
        }
      })();
      await pipeline(Readable.from(lines), client.query(copyFrom('COPY vigilo_staging FROM STDIN')));
      return;
    }
    await client.query(
      `INSERT INTO vigilo_staging (line, safetyreportid, version, content, content_hash, nullified)
       SELECT * FROM unnest($1::int[], $2::text[], $3::int[], $4::text[], $5::text[], $6::bool[])`,
      [
        reports.map((_, i) => i + 1),
        reports.map((r) => r.report.safetyreportid),
        reports.map((r) => r.report.safetyreportversion),
        reports.map((r) => r.json ?? JSON.stringify(r.report)),
        reports.map((r) => r.contentHash),
        reports.map((r) => isNullification(r.report)),
      ],
    );
  }

  async getCurrent(tenant: TenantId, safetyreportid: string): Promise<StoredReport | undefined> {
    const t = (table: string) => qualified(tenantSchemaName(tenant), table);
    return asTenant(this.pool, tenant, async (client) => {
      const { rows } = await client.query<VersionRow & { content: AdverseEventReport; current_version: number }>(
        `SELECT v.safetyreportid, v.version, v.content, v.content_hash, v.nullified, v.received_at, r.current_version
         FROM ${t('reports')} r JOIN ${t('report_versions')} v
           ON v.safetyreportid = r.safetyreportid AND v.version = r.current_version
         WHERE r.safetyreportid = $1`,
        [safetyreportid],
      );
      return rows[0] ? toStoredReport(rows[0]) : undefined;
    });
  }

  /** Current versions of many reports at once (the indexer's read); missing ids are absent from the map. */
  async getCurrentMany(tenant: TenantId, safetyreportids: readonly string[]): Promise<Map<string, StoredReport>> {
    const t = (table: string) => qualified(tenantSchemaName(tenant), table);
    if (safetyreportids.length === 0) return new Map();
    return asTenant(this.pool, tenant, async (client) => {
      const { rows } = await client.query<VersionRow & { content: AdverseEventReport; current_version: number }>(
        `SELECT v.safetyreportid, v.version, v.content, v.content_hash, v.nullified, v.received_at, r.current_version
         FROM ${t('reports')} r JOIN ${t('report_versions')} v
           ON v.safetyreportid = r.safetyreportid AND v.version = r.current_version
         WHERE r.safetyreportid = ANY($1::text[])`,
        [safetyreportids],
      );
      return new Map(rows.map((row) => [row.safetyreportid, toStoredReport(row)]));
    });
  }

  async getVersion(tenant: TenantId, safetyreportid: string, version: number): Promise<StoredReport | undefined> {
    const t = (table: string) => qualified(tenantSchemaName(tenant), table);
    return asTenant(this.pool, tenant, async (client) => {
      const { rows } = await client.query<VersionRow & { content: AdverseEventReport; current_version: number }>(
        `SELECT v.safetyreportid, v.version, v.content, v.content_hash, v.nullified, v.received_at, r.current_version
         FROM ${t('report_versions')} v JOIN ${t('reports')} r ON r.safetyreportid = v.safetyreportid
         WHERE v.safetyreportid = $1 AND v.version = $2`,
        [safetyreportid, version],
      );
      return rows[0] ? toStoredReport(rows[0]) : undefined;
    });
  }

  async listVersions(tenant: TenantId, safetyreportid: string): Promise<StoredVersionRef[]> {
    const t = (table: string) => qualified(tenantSchemaName(tenant), table);
    return asTenant(this.pool, tenant, async (client) => {
      const { rows } = await client.query<VersionRow>(
        `SELECT safetyreportid, version, content_hash, nullified, received_at
         FROM ${t('report_versions')} WHERE safetyreportid = $1 ORDER BY version`,
        [safetyreportid],
      );
      return rows.map((row) => ({
        safetyreportid: row.safetyreportid,
        version: row.version,
        contentHash: row.content_hash,
        nullified: row.nullified,
        receivedAt: row.received_at,
      }));
    });
  }

  /** Outbox rows not yet handed to the queue, for the outbox-depth metric. */
  async outboxDepth(tenant: TenantId): Promise<number> {
    const t = qualified(tenantSchemaName(tenant), 'outbox');
    return asTenant(this.pool, tenant, async (client) => {
      const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t} WHERE dispatched_at IS NULL`);
      return rows[0]?.n ?? 0;
    });
  }
}

function toStoredReport(row: VersionRow & { content: AdverseEventReport; current_version: number }): StoredReport {
  return {
    safetyreportid: row.safetyreportid,
    version: row.version,
    contentHash: row.content_hash,
    nullified: row.nullified,
    receivedAt: row.received_at,
    content: row.content,
    currentVersion: row.current_version,
  };
}
