import type { TenantId } from '@vigilo/domain';
import { type Disproportionality, disproportionality, tableFromMargins } from '@vigilo/signals';

/** Which reports a signal table counts. */
export interface SignalScope {
  /** Count a drug only where it is a suspect (drugcharacterization 1); otherwise in any role. */
  readonly suspectOnly: boolean;
  /** First receive date counted, `YYYYMMDD` inclusive (a partial receive date counts as its first day). */
  readonly from?: string;
  /** Last receive date counted, `YYYYMMDD` inclusive. */
  readonly to?: string;
}

/** Reports per drug name or event term. */
export interface TermCount {
  readonly term: string;
  readonly count: number;
}

export interface PairCount {
  readonly drug: string;
  readonly event: string;
  readonly count: number;
}

/**
 * Report counts a signal table is built from, over a tenant's live reports in a scope. Drugs are
 * `medicinalproduct` values as stored (case-sensitive, as openFDA's `.exact`); events are MedDRA preferred
 * terms in lower case (as the engine's normalised keyword holds them). Rankings are by count descending,
 * then term in byte order. Two adapters: engine aggregations and SQL.
 */
export interface SignalCounts {
  total(tenant: TenantId, scope: SignalScope): Promise<number>;
  /** Reports mentioning each drug (as a suspect when the scope says so). Missing names count 0. */
  drugReports(tenant: TenantId, scope: SignalScope, drugs: readonly string[]): Promise<Map<string, number>>;
  /** Reports with each event. */
  eventReports(tenant: TenantId, scope: SignalScope, events: readonly string[]): Promise<Map<string, number>>;
  /** The `limit` events most reported with `drug`, with the number of reports holding both. */
  eventsWithDrug(tenant: TenantId, scope: SignalScope, drug: string, limit: number): Promise<TermCount[]>;
  /** The `limit` drugs most reported with `event`. */
  drugsWithEvent(tenant: TenantId, scope: SignalScope, event: string, limit: number): Promise<TermCount[]>;
  /** Reports holding both. */
  pairReports(tenant: TenantId, scope: SignalScope, drug: string, event: string): Promise<number>;
  /**
   * Among the `drugCandidates` drugs with most reports, the `limit` (drug, event) pairs with most reports,
   * ordered by count, then drug, then event.
   */
  topPairs(tenant: TenantId, scope: SignalScope, options: { readonly drugCandidates: number; readonly limit: number }): Promise<PairCount[]>;
}

export type SignalQuery =
  | { readonly kind: 'pair'; readonly drug: string; readonly event: string }
  | { readonly kind: 'drug'; readonly drug: string; readonly limit: number }
  | { readonly kind: 'event'; readonly event: string; readonly limit: number }
  | { readonly kind: 'top'; readonly limit: number; readonly drugCandidates: number };

export interface SignalRow extends Disproportionality {
  readonly drug: string;
  readonly event: string;
}

export interface SignalTable {
  readonly totalReports: number;
  readonly rows: SignalRow[];
}

/** Normalises an event term the way the engine's `reactionmeddrapt.exact` does. */
export function normaliseEvent(term: string): string {
  return term.toLowerCase();
}

/** Byte order of UTF-8 strings (the engines' keyword order, PostgreSQL's `COLLATE "C"`). */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** The signal table of a query; the same composition over either adapter. */
export async function computeSignals(counts: SignalCounts, tenant: TenantId, scope: SignalScope, query: SignalQuery): Promise<SignalTable> {
  const totalReports = await counts.total(tenant, scope);
  let pairs: PairCount[];
  switch (query.kind) {
    case 'pair': {
      const event = normaliseEvent(query.event);
      pairs = [{ drug: query.drug, event, count: await counts.pairReports(tenant, scope, query.drug, event) }];
      break;
    }
    case 'drug':
      pairs = (await counts.eventsWithDrug(tenant, scope, query.drug, query.limit)).map((e) => ({ drug: query.drug, event: e.term, count: e.count }));
      break;
    case 'event': {
      const event = normaliseEvent(query.event);
      pairs = (await counts.drugsWithEvent(tenant, scope, event, query.limit)).map((d) => ({ drug: d.term, event, count: d.count }));
      break;
    }
    case 'top':
      pairs = await counts.topPairs(tenant, scope, { drugCandidates: query.drugCandidates, limit: query.limit });
      break;
  }
  const [drugTotals, eventTotals] = await Promise.all([
    counts.drugReports(tenant, scope, [...new Set(pairs.map((p) => p.drug))]),
    counts.eventReports(tenant, scope, [...new Set(pairs.map((p) => p.event))]),
  ]);
  const rows = pairs.map((pair): SignalRow => {
    const table = tableFromMargins({ pair: pair.count, drug: drugTotals.get(pair.drug) ?? 0, event: eventTotals.get(pair.event) ?? 0, total: totalReports });
    return { drug: pair.drug, event: pair.event, ...disproportionality(table) };
  });
  return { totalReports, rows };
}
