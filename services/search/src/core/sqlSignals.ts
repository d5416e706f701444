import { type TenantId, tenantSchemaName } from '@vigilo/domain';
import { type Pool, asTenant, qualified } from '@vigilo/postgres';
import { rankPairs } from './engineSignals.js';
import type { PairCount, SignalCounts, SignalScope, TermCount } from './signals.js';

/** Parameter list that numbers itself. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

// Same definitions as the engine side: a partial receive date counts as its first day; events compare in
// lower case (the engine's normaliser); ranking ties break in byte order (COLLATE "C").
const RECEIVED_DAY = `rpad(v.content->>'receivedate', 8, '01')`;
const DRUGS = `jsonb_array_elements(CASE jsonb_typeof(v.content->'patient'->'drug') WHEN 'array' THEN v.content->'patient'->'drug' ELSE '[]'::jsonb END)`;
const REACTIONS = `jsonb_array_elements(CASE jsonb_typeof(v.content->'patient'->'reaction') WHEN 'array' THEN v.content->'patient'->'reaction' ELSE '[]'::jsonb END)`;
const EVENT_TERM = `lower(x->>'reactionmeddrapt')`;
// Output columns in byte order, so that `ORDER BY n DESC, term` breaks ties as the engine does.
const EVENT_KEY = `${EVENT_TERM} COLLATE "C"`;
const DRUG_KEY = `(d->>'medicinalproduct') COLLATE "C"`;

/** SignalCounts from the source of truth: the degraded path, and the reference the engine path is tested against. */
export class SqlSignalCounts implements SignalCounts {
  constructor(private readonly pool: Pool) {}

  /**
   * `FROM ... WHERE ...` over the live current versions of the tenant's reports inside the scope, as `v`,
   * optionally with a lateral set (one row per drug or reaction element); callers append `AND` conditions.
   */
  private scoped(tenant: TenantId, scope: SignalScope, params: Params, lateral?: string): string {
    const t = (table: string) => qualified(tenantSchemaName(tenant), table);
    const conditions = ['NOT r.nullified'];
    if (scope.from) conditions.push(`${RECEIVED_DAY} >= ${params.add(scope.from)}`);
    if (scope.to) conditions.push(`${RECEIVED_DAY} <= ${params.add(scope.to)}`);
    return `FROM ${t('reports')} r JOIN ${t('report_versions')} v ON v.safetyreportid = r.safetyreportid AND v.version = r.current_version
            ${lateral ? `CROSS JOIN LATERAL ${lateral}` : ''}
            WHERE ${conditions.join(' AND ')}`;
  }

  private drugRole(scope: SignalScope): string {
    return scope.suspectOnly ? ` AND d->>'drugcharacterization' = '1'` : '';
  }

  private async rows<T>(tenant: TenantId, text: string, values: unknown[]): Promise<T[]> {
    return asTenant(this.pool, tenant, async (client) => (await client.query(text, values)).rows as T[]);
  }

  async total(tenant: TenantId, scope: SignalScope): Promise<number> {
    const p = new Params();
    const [row] = await this.rows<{ n: string }>(tenant, `SELECT count(*) AS n ${this.scoped(tenant, scope, p)}`, p.values);
    return Number(row!.n);
  }

  async drugReports(tenant: TenantId, scope: SignalScope, drugs: readonly string[]): Promise<Map<string, number>> {
    if (drugs.length === 0) return new Map();
    const p = new Params();
    const rows = await this.rows<{ term: string; n: string }>(
      tenant,
      `SELECT d->>'medicinalproduct' AS term, count(DISTINCT v.safetyreportid) AS n
       ${this.scoped(tenant, scope, p, `${DRUGS} d`)}
         AND d->>'medicinalproduct' = ANY(${p.add(drugs)}::text[])${this.drugRole(scope)}
       GROUP BY 1`,
      p.values,
    );
    return new Map(rows.map((r) => [r.term, Number(r.n)]));
  }

  async eventReports(tenant: TenantId, scope: SignalScope, events: readonly string[]): Promise<Map<string, number>> {
    if (events.length === 0) return new Map();
    const p = new Params();
    const rows = await this.rows<{ term: string; n: string }>(
      tenant,
      `SELECT ${EVENT_TERM} AS term, count(DISTINCT v.safetyreportid) AS n
       ${this.scoped(tenant, scope, p, `${REACTIONS} x`)}
         AND ${EVENT_TERM} = ANY(${p.add(events)}::text[])
       GROUP BY 1`,
      p.values,
    );
    return new Map(rows.map((r) => [r.term, Number(r.n)]));
  }

  private withDrug(scope: SignalScope, p: Params, drug: string): string {
    return `EXISTS (SELECT 1 FROM ${DRUGS} d WHERE d->>'medicinalproduct' = ${p.add(drug)}${this.drugRole(scope)})`;
  }

  private withEvent(p: Params, event: string): string {
    return `EXISTS (SELECT 1 FROM ${REACTIONS} x WHERE ${EVENT_TERM} = ${p.add(event)})`;
  }

  async eventsWithDrug(tenant: TenantId, scope: SignalScope, drug: string, limit: number): Promise<TermCount[]> {
    const p = new Params();
    const rows = await this.rows<{ term: string; n: string }>(
      tenant,
      `SELECT ${EVENT_KEY} AS term, count(DISTINCT v.safetyreportid) AS n
       ${this.scoped(tenant, scope, p, `${REACTIONS} x`)} AND ${this.withDrug(scope, p, drug)}
         AND x->>'reactionmeddrapt' IS NOT NULL
       GROUP BY 1 ORDER BY n DESC, term LIMIT ${p.add(limit)}`,
      p.values,
    );
    return rows.map((r) => ({ term: r.term, count: Number(r.n) }));
  }

  async drugsWithEvent(tenant: TenantId, scope: SignalScope, event: string, limit: number): Promise<TermCount[]> {
    const p = new Params();
    const rows = await this.rows<{ term: string; n: string }>(
      tenant,
      `SELECT ${DRUG_KEY} AS term, count(DISTINCT v.safetyreportid) AS n
       ${this.scoped(tenant, scope, p, `${DRUGS} d`)} AND ${this.withEvent(p, event)}
         AND d->>'medicinalproduct' IS NOT NULL${this.drugRole(scope)}
       GROUP BY 1 ORDER BY n DESC, term LIMIT ${p.add(limit)}`,
      p.values,
    );
    return rows.map((r) => ({ term: r.term, count: Number(r.n) }));
  }

  async pairReports(tenant: TenantId, scope: SignalScope, drug: string, event: string): Promise<number> {
    const p = new Params();
    const [row] = await this.rows<{ n: string }>(tenant, `SELECT count(*) AS n ${this.scoped(tenant, scope, p)} AND ${this.withDrug(scope, p, drug)} AND ${this.withEvent(p, event)}`, p.values);
    return Number(row!.n);
  }

  async topPairs(tenant: TenantId, scope: SignalScope, options: { drugCandidates: number; limit: number }): Promise<PairCount[]> {
    const p = new Params();
    const rows = await this.rows<{ drug: string; event: string; n: string }>(
      tenant,
      `WITH report_drugs AS (
         SELECT DISTINCT v.safetyreportid, d->>'medicinalproduct' AS drug
         ${this.scoped(tenant, scope, p, `${DRUGS} d`)} AND d->>'medicinalproduct' IS NOT NULL${this.drugRole(scope)}
       ), candidates AS (
         SELECT drug FROM report_drugs GROUP BY drug ORDER BY count(*) DESC, drug COLLATE "C" LIMIT ${p.add(options.drugCandidates)}
       ), report_events AS (
         SELECT DISTINCT v.safetyreportid, ${EVENT_TERM} AS event
         ${this.scoped(tenant, scope, p, `${REACTIONS} x`)} AND x->>'reactionmeddrapt' IS NOT NULL
       )
       SELECT rd.drug, re.event, count(*) AS n
       FROM report_drugs rd JOIN candidates USING (drug) JOIN report_events re USING (safetyreportid)
       GROUP BY rd.drug, re.event
       ORDER BY n DESC, rd.drug COLLATE "C", re.event COLLATE "C"
       LIMIT ${p.add(options.limit)}`,
      p.values,
    );
    return rankPairs(rows.map((r) => ({ drug: r.drug, event: r.event, count: Number(r.n) })), options.limit);
  }
}
