import { type TenantId, tenantSchemaName } from '@vigilo/domain';
import { type Pool, asTenant, qualified } from '@vigilo/postgres';
import {
  type CountResult,
  type ParsedRequest,
  type SearchPage,
  buildEngineCount,
  buildEngineSearch,
  buildSqlCount,
  buildSqlSearch,
  engineCountFilterPath,
  readEngineCount,
  readEngineSearch,
  readSqlCount,
  readSqlSearch,
} from '@vigilo/query';
import { type SearchIndex, liveReportsFilter } from '@vigilo/search-engine';

/** Search and count over a tenant's live reports; the answers are engine-independent and de-identified. */
export interface ReportReader {
  search(tenant: TenantId, request: ParsedRequest): Promise<SearchPage>;
  count(tenant: TenantId, request: ParsedRequest): Promise<CountResult>;
}

/** The primary path: the tenant's read alias (documents are de-identified before they are indexed). */
export class EngineReportReader implements ReportReader {
  constructor(private readonly engine: SearchIndex) {}

  async search(tenant: TenantId, request: ParsedRequest): Promise<SearchPage> {
    return readEngineSearch(request, await this.engine.search(tenant, buildEngineSearch(request, { filter: liveReportsFilter() })));
  }

  async count(tenant: TenantId, request: ParsedRequest): Promise<CountResult> {
    const body = buildEngineCount(request, { filter: liveReportsFilter() });
    return readEngineCount(request, await this.engine.search(tenant, body, { filterPath: engineCountFilterPath(request) }));
  }
}

/**
 * The fallback path: the source of truth, as the tenant's role (row-level security applies). Stored
 * content holds personal data: `readSqlSearch` de-identifies every hit before it leaves this class.
 */
export class SqlReportReader implements ReportReader {
  constructor(private readonly pool: Pool) {}

  private shape(tenant: TenantId) {
    const t = (table: string) => qualified(tenantSchemaName(tenant), table);
    return {
      from: `${t('reports')} r JOIN ${t('report_versions')} v ON v.safetyreportid = r.safetyreportid AND v.version = r.current_version`,
      content: 'v.content',
      id: 'v.safetyreportid',
      where: 'NOT r.nullified',
    };
  }

  async search(tenant: TenantId, request: ParsedRequest): Promise<SearchPage> {
    const statement = buildSqlSearch(request, this.shape(tenant));
    const rows = await asTenant(this.pool, tenant, async (client) => (await client.query(statement.text, statement.values)).rows);
    return readSqlSearch(request, rows);
  }

  async count(tenant: TenantId, request: ParsedRequest): Promise<CountResult> {
    const statement = buildSqlCount(request, this.shape(tenant));
    const rows = await asTenant(this.pool, tenant, async (client) => (await client.query(statement.text, statement.values)).rows);
    return readSqlCount(request, rows);
  }
}
