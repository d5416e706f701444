import type { TenantId } from '@vigilo/domain';
import type { CountResult, ParsedRequest, SearchPage } from '@vigilo/query';
import type { Answer, EngineFirstReadPath } from './readPath.js';
import type { ReportReader } from './reports.js';
import { type SignalCounts, type SignalQuery, type SignalScope, type SignalTable, computeSignals } from './signals.js';

export interface SearchServiceDeps {
  readonly readPath: EngineFirstReadPath;
  /** Undefined when no engine is configured (every answer from SQL). */
  readonly engine: { readonly reports: ReportReader; readonly signals: SignalCounts } | undefined;
  readonly sql: { readonly reports: ReportReader; readonly signals: SignalCounts };
}

/** Every read of the service: the engine first, SQL when it cannot answer, the same result shape either way. */
export class SearchService {
  constructor(private readonly deps: SearchServiceDeps) {}

  private read<T>(operation: string, fromEngine: ((engine: NonNullable<SearchServiceDeps['engine']>) => Promise<T>), fromSql: () => Promise<T>): Promise<Answer<T>> {
    const engine = this.deps.engine;
    return this.deps.readPath.read(operation, engine ? () => fromEngine(engine) : fromSql, fromSql);
  }

  search(tenant: TenantId, request: ParsedRequest): Promise<Answer<SearchPage>> {
    return this.read('search', (e) => e.reports.search(tenant, request), () => this.deps.sql.reports.search(tenant, request));
  }

  count(tenant: TenantId, request: ParsedRequest): Promise<Answer<CountResult>> {
    return this.read('count', (e) => e.reports.count(tenant, request), () => this.deps.sql.reports.count(tenant, request));
  }

  signals(tenant: TenantId, scope: SignalScope, query: SignalQuery): Promise<Answer<SignalTable>> {
    return this.read(
      'signals',
      (e) => computeSignals(e.signals, tenant, scope, query),
      () => computeSignals(this.deps.sql.signals, tenant, scope, query),
    );
  }
}
