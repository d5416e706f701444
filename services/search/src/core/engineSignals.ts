import type { TenantId } from '@vigilo/domain';
import { type SearchIndex, liveReportsFilter } from '@vigilo/search-engine';
import type { PairCount, SignalCounts, SignalScope, TermCount } from './signals.js';

const DRUG_PATH = 'report.patient.drug';
const DRUG_NAME = 'report.patient.drug.medicinalproduct.exact';
const DRUG_ROLE = 'report.patient.drug.drugcharacterization';
const EVENT = 'report.patient.reaction.reactionmeddrapt.exact';
const RECEIVED = 'vigilo.receivedate';
const SUSPECT = '1';
/** Terms aggregations ask every shard for more buckets than they return, so rankings are exact up to this size. */
const SHARD_SIZE_FACTOR = 4;
const RANKING = [{ _count: 'desc' }, { _key: 'asc' }];
const REPORT_RANKING = [{ reports: 'desc' }, { _key: 'asc' }];

type Json = Record<string, unknown>;

const isoDay = (yyyymmdd: string) => `${yyyymmdd.slice(0, 4)}-${yyyymmdd.slice(4, 6)}-${yyyymmdd.slice(6, 8)}`;

function scopeFilters(scope: SignalScope): Json[] {
  const filters: Json[] = [liveReportsFilter()];
  if (scope.from || scope.to) {
    filters.push({ range: { [RECEIVED]: { ...(scope.from ? { gte: isoDay(scope.from) } : {}), ...(scope.to ? { lte: isoDay(scope.to) } : {}) } } });
  }
  return filters;
}

function drugElementFilter(scope: SignalScope, names?: readonly string[]): Json {
  const conditions: Json[] = [];
  if (names) conditions.push(names.length === 1 ? { term: { [DRUG_NAME]: names[0] } } : { terms: { [DRUG_NAME]: names } });
  if (scope.suspectOnly) conditions.push({ term: { [DRUG_ROLE]: SUSPECT } });
  return conditions.length ? { bool: { filter: conditions } } : { match_all: {} };
}

function drugFilter(scope: SignalScope, drug: string): Json {
  return { nested: { path: DRUG_PATH, query: drugElementFilter(scope, [drug]) } };
}

function terms(field: string, size: number, order: Json[], extra: Json = {}): Json {
  return { field, size, shard_size: Math.max(size * SHARD_SIZE_FACTOR, 100), order, ...extra };
}

/** Drug buckets counted in reports (a drug can occur several times in one report): nested → filter → terms → reverse_nested. */
function drugBuckets(scope: SignalScope, size: number, names?: readonly string[], sub: Json = {}): Json {
  return {
    drug_elements: {
      nested: { path: DRUG_PATH },
      aggs: {
        in_role: {
          filter: drugElementFilter(scope, names),
          aggs: { drugs: { terms: terms(DRUG_NAME, size, REPORT_RANKING), aggs: { reports: { reverse_nested: {}, ...(Object.keys(sub).length ? { aggs: sub } : {}) } } } },
        },
      },
    },
  };
}

interface Bucket {
  key: string;
  doc_count: number;
  reports?: { doc_count: number; events?: { buckets: Bucket[] } };
}

function drugBucketsOf(body: Json): Bucket[] {
  const aggs = body['aggregations'] as { drug_elements: { in_role: { drugs: { buckets: Bucket[] } } } };
  return aggs.drug_elements.in_role.drugs.buckets;
}

function bucketsOf(body: Json, name: string): Bucket[] {
  return ((body['aggregations'] as Record<string, { buckets: Bucket[] }>)[name]?.buckets ?? []) as Bucket[];
}

/** SignalCounts from engine aggregations on the tenant's read alias (tombstones excluded). */
export class EngineSignalCounts implements SignalCounts {
  constructor(private readonly engine: SearchIndex) {}

  private query(scope: SignalScope, ...extra: Json[]): Json {
    return { bool: { filter: [...scopeFilters(scope), ...extra] } };
  }

  async total(tenant: TenantId, scope: SignalScope): Promise<number> {
    return this.engine.count(tenant, this.query(scope));
  }

  async drugReports(tenant: TenantId, scope: SignalScope, drugs: readonly string[]): Promise<Map<string, number>> {
    if (drugs.length === 0) return new Map();
    // The query keeps only reports holding one of the drugs (in the role), so the aggregation visits those
    // reports' drug elements instead of every report's.
    const holding = { nested: { path: DRUG_PATH, query: drugElementFilter(scope, drugs) } };
    const body = await this.engine.search(tenant, { size: 0, track_total_hits: false, query: this.query(scope, holding), aggs: drugBuckets(scope, drugs.length, drugs) });
    return new Map(drugBucketsOf(body).map((b) => [b.key, b.reports!.doc_count]));
  }

  async eventReports(tenant: TenantId, scope: SignalScope, events: readonly string[]): Promise<Map<string, number>> {
    if (events.length === 0) return new Map();
    const body = await this.engine.search(tenant, {
      size: 0,
      track_total_hits: false,
      query: this.query(scope, { terms: { [EVENT]: events } }),
      aggs: { events: { terms: terms(EVENT, events.length, RANKING, { include: [...events] }) } },
    });
    return new Map(bucketsOf(body, 'events').map((b) => [b.key, b.doc_count]));
  }

  async eventsWithDrug(tenant: TenantId, scope: SignalScope, drug: string, limit: number): Promise<TermCount[]> {
    const body = await this.engine.search(tenant, {
      size: 0,
      track_total_hits: false,
      query: this.query(scope, drugFilter(scope, drug)),
      aggs: { events: { terms: terms(EVENT, limit, RANKING) } },
    });
    return bucketsOf(body, 'events').map((b) => ({ term: b.key, count: b.doc_count }));
  }

  async drugsWithEvent(tenant: TenantId, scope: SignalScope, event: string, limit: number): Promise<TermCount[]> {
    const body = await this.engine.search(tenant, {
      size: 0,
      track_total_hits: false,
      query: this.query(scope, { term: { [EVENT]: event } }),
      aggs: drugBuckets(scope, limit),
    });
    return drugBucketsOf(body).map((b) => ({ term: b.key, count: b.reports!.doc_count }));
  }

  async pairReports(tenant: TenantId, scope: SignalScope, drug: string, event: string): Promise<number> {
    return this.engine.count(tenant, this.query(scope, drugFilter(scope, drug), { term: { [EVENT]: event } }));
  }

  async topPairs(tenant: TenantId, scope: SignalScope, options: { drugCandidates: number; limit: number }): Promise<PairCount[]> {
    const body = await this.engine.search(tenant, {
      size: 0,
      track_total_hits: false,
      query: this.query(scope),
      aggs: drugBuckets(scope, options.drugCandidates, undefined, { events: { terms: terms(EVENT, options.limit, RANKING) } }),
    });
    const pairs: PairCount[] = [];
    for (const drug of drugBucketsOf(body)) for (const event of drug.reports!.events!.buckets) pairs.push({ drug: drug.key, event: event.key, count: event.doc_count });
    return rankPairs(pairs, options.limit);
  }
}

/** Count descending, then drug, then event in byte order; the first `limit`. */
export function rankPairs(pairs: PairCount[], limit: number): PairCount[] {
  const bytes = (s: string) => Buffer.from(s, 'utf8');
  return pairs
    .sort((x, y) => y.count - x.count || Buffer.compare(bytes(x.drug), bytes(y.drug)) || Buffer.compare(bytes(x.event), bytes(y.event)))
    .slice(0, limit);
}
