import { type TenantDirectory, type TenantId, parseTenantId } from '@vigilo/domain';
import { InputError, NotFoundError, VigiloError } from '@vigilo/errors';
import { type Express, type Request, type Response, authorize, express, problemMiddleware, type Logger } from '@vigilo/platform';
import { type ParsedRequest, QueryError, parseRequest } from '@vigilo/query';
import type { Answer } from '../core/readPath.js';
import type { SearchService } from '../core/service.js';
import type { SignalQuery, SignalScope } from '../core/signals.js';
import { openFdaMeta, renderOpenFdaError } from './openfda.js';

export interface SearchRouteOptions {
  readonly maxLimit: number;
  readonly maxSkip: number;
  readonly signalDrugCandidates: number;
}

/** openFDA's defaults: one result, or the 100 most frequent terms of a count. */
const DEFAULT_SEARCH_LIMIT = 1;
const DEFAULT_COUNT_LIMIT = 100;
const DEFAULT_SIGNAL_LIMIT = 20;
const MAX_SIGNAL_LIMIT = 1000;
const MAX_NAME_LENGTH = 200;
export const DEGRADED_HEADER = 'Vigilo-Degraded';

function single(req: Request, name: string): string | undefined {
  const value = req.query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new QueryError('VIG_QUERY_BAD_PAGING', `${name} may be given once`, { parameter: name === 'search_after' ? 'after' : (name as 'limit'), position: 0 });
  return value;
}

function integerParameter(req: Request, name: 'limit' | 'skip', fallback: number): number {
  const raw = single(req, name);
  if (raw === undefined || raw === '') return fallback;
  if (!/^[0-9]{1,9}$/.test(raw)) throw new QueryError('VIG_QUERY_BAD_PAGING', `${name} must be a non-negative integer`, { parameter: name, position: 0 });
  return Number(raw);
}

function markDegraded(res: Response, answer: Answer<unknown>): void {
  if (answer.degraded) res.setHeader(DEGRADED_HEADER, answer.reason);
}

/** The `Link` header of the next page, as openFDA gives it: the same request with `search_after`. */
function nextLink(req: Request, cursor: string): string {
  const url = new URL(req.originalUrl, 'http://placeholder');
  url.searchParams.delete('skip');
  url.searchParams.set('search_after', cursor);
  return `<${url.pathname}${url.search}>; rel="next"`;
}

function signalParameter(req: Request, name: string): string | undefined {
  const value = req.query[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || value.length > MAX_NAME_LENGTH) {
    throw new InputError(`${name} must be given once, 1 to ${MAX_NAME_LENGTH} characters`, { code: 'VIG_SIGNAL_BAD_PARAMETER', fields: { parameter: name } });
  }
  return value;
}

function signalDay(req: Request, name: 'from' | 'to'): string | undefined {
  const value = signalParameter(req, name);
  if (value === undefined) return undefined;
  const compact = value.replace(/-/g, '');
  const date = /^[0-9]{8}$/.test(compact) ? new Date(`${compact.slice(0, 4)}-${compact.slice(4, 6)}-${compact.slice(6)}T00:00:00Z`) : undefined;
  if (!date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10).replace(/-/g, '') !== compact) {
    throw new InputError(`${name} must be a date, YYYYMMDD or YYYY-MM-DD`, { code: 'VIG_SIGNAL_BAD_PARAMETER', fields: { parameter: name } });
  }
  return compact;
}

function signalRequest(req: Request, options: SearchRouteOptions): { scope: SignalScope; query: SignalQuery } {
  const drug = signalParameter(req, 'drug');
  const event = signalParameter(req, 'event');
  const from = signalDay(req, 'from');
  const to = signalDay(req, 'to');
  if (from && to && from > to) throw new InputError('from must not be after to', { code: 'VIG_SIGNAL_BAD_PARAMETER', fields: { parameter: 'from' } });
  const suspect = signalParameter(req, 'suspect') ?? 'false';
  if (suspect !== 'true' && suspect !== 'false') throw new InputError('suspect must be true or false', { code: 'VIG_SIGNAL_BAD_PARAMETER', fields: { parameter: 'suspect' } });
  const rawLimit = signalParameter(req, 'limit');
  const limit = rawLimit === undefined ? DEFAULT_SIGNAL_LIMIT : /^[0-9]{1,4}$/.test(rawLimit) ? Number(rawLimit) : NaN;
  if (!(limit >= 1 && limit <= MAX_SIGNAL_LIMIT)) {
    throw new InputError(`limit must be an integer from 1 to ${MAX_SIGNAL_LIMIT}`, { code: 'VIG_SIGNAL_BAD_PARAMETER', fields: { parameter: 'limit' } });
  }
  const scope: SignalScope = { suspectOnly: suspect === 'true', ...(from ? { from } : {}), ...(to ? { to } : {}) };
  const query: SignalQuery =
    drug && event
      ? { kind: 'pair', drug, event }
      : drug
        ? { kind: 'drug', drug, limit }
        : event
          ? { kind: 'event', event, limit }
          : { kind: 'top', limit, drugCandidates: options.signalDrugCandidates };
  return { scope, query };
}

export function mountSearchRoutes(app: Express, service: SearchService, tenants: TenantDirectory, logger: Logger, options: SearchRouteOptions): void {
  const requireTenant = async (req: Request): Promise<TenantId> => {
    const tenant = parseTenantId(req.params['tenant']);
    authorize(req, tenant, 'read');
    if (!(await tenants.get(tenant))) throw new NotFoundError('No such tenant', { code: 'VIG_TENANT_NOT_FOUND', fields: { tenantId: tenant } });
    return tenant;
  };

  const openFda = express.Router();
  openFda.get('/v1/tenants/:tenant/drug/event.json', async (req, res) => {
    const tenant = await requireTenant(req);
    const count = single(req, 'count');
    const parsed: ParsedRequest = parseRequest(
      {
        search: single(req, 'search'),
        count,
        sort: single(req, 'sort'),
        limit: integerParameter(req, 'limit', count ? DEFAULT_COUNT_LIMIT : DEFAULT_SEARCH_LIMIT),
        skip: integerParameter(req, 'skip', 0),
        after: single(req, 'search_after'),
      },
      { maxLimit: options.maxLimit, maxSkip: options.maxSkip },
    );
    const lastUpdated = new Date().toISOString().slice(0, 10);
    if (parsed.count) {
      const answer = await service.count(tenant, parsed);
      markDegraded(res, answer);
      if (answer.value.results.length === 0) throw new VigiloError('VIG_SEARCH_NO_MATCHES', 'No matches found!');
      res.json({ meta: openFdaMeta(lastUpdated, answer.degraded), results: answer.value.results });
      return;
    }
    const answer = await service.search(tenant, parsed);
    markDegraded(res, answer);
    const page = answer.value;
    if (page.total === 0) throw new VigiloError('VIG_SEARCH_NO_MATCHES', 'No matches found!');
    if (page.next) res.setHeader('Link', nextLink(req, page.next));
    res.json({
      meta: { ...openFdaMeta(lastUpdated, answer.degraded), results: { skip: parsed.skip, limit: parsed.limit, total: page.total } },
      results: page.hits.map((hit) => hit.source),
    });
  });
  openFda.use(problemMiddleware(logger, renderOpenFdaError));
  app.use(openFda);

  app.get('/v1/tenants/:tenant/signals', async (req, res) => {
    const tenant = await requireTenant(req);
    const { scope, query } = signalRequest(req, options);
    const answer = await service.signals(tenant, scope, query);
    markDegraded(res, answer);
    res.json({
      meta: {
        degraded: answer.degraded,
        total_reports: answer.value.totalReports,
        query: { ...query, suspect: scope.suspectOnly, from: scope.from ?? null, to: scope.to ?? null },
        method: 'PRR and ROR with log-normal 95% intervals; IC with Norén shrinkage and closed-form IC025/IC975; Pearson chi-square with Yates correction; Evans: PRR >= 2, chi2 >= 4, a >= 3',
      },
      results: answer.value.rows.map((row) => ({
        drug: row.drug,
        event: row.event,
        a: row.a,
        b: row.b,
        c: row.c,
        d: row.d,
        n: row.n,
        prr: row.prr,
        ror: row.ror,
        ic: row.ic,
        expected: row.expected,
        chi2_yates: row.chi2Yates,
        evans_signal: row.evansSignal,
      })),
    });
  });
}
