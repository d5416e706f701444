/**
 * The page's client of the public API, always through the proxy (same origin): the API key goes in the
 * Authorization header of every call, answers keep the degraded flag the search service sets when it answered
 * from PostgreSQL, and both error shapes (openFDA's `{error}` and problem+json) become one `ApiError`.
 */

/** Who the key belongs to, as the proxy's `/v1/whoami` says. */
export interface Identity {
  readonly principal: string;
  readonly kind: 'api-key' | 'jwt';
  readonly tenant: string | null;
  readonly scopes: readonly string[];
}

/** An answer and, when the search engine could not give it, the reason it came from SQL instead. */
export interface Answer<T> {
  readonly data: T;
  readonly degraded: string | undefined;
}

/** A de-identified report as the search service returns it (openFDA's shape). */
export interface ReportDocument {
  readonly safetyreportid: string;
  readonly safetyreportversion?: number;
  readonly receivedate?: string;
  readonly serious?: string;
  readonly occurcountry?: string;
  readonly seriousnessdeath?: string;
  readonly seriousnesshospitalization?: string;
  readonly seriousnesslifethreatening?: string;
  readonly primarysource?: { readonly qualification?: string; readonly reportercountry?: string };
  readonly patient?: {
    readonly patientonsetage?: number | string;
    readonly patientonsetageunit?: string;
    readonly patientsex?: string;
    readonly patientweight?: number | string;
    readonly drug?: ReadonlyArray<{
      readonly medicinalproduct?: string;
      readonly drugcharacterization?: string;
      readonly drugadministrationroute?: string;
      readonly drugindication?: string;
      readonly drugdosagetext?: string;
      readonly activesubstance?: { readonly activesubstancename?: string };
    }>;
    readonly reaction?: ReadonlyArray<{ readonly reactionmeddrapt?: string; readonly reactionoutcome?: string }>;
  };
  readonly [field: string]: unknown;
}

export interface EventsPage {
  readonly total: number;
  readonly skip: number;
  readonly limit: number;
  readonly results: readonly ReportDocument[];
}

export interface TermCount {
  readonly term: string;
  readonly count: number;
}

export interface TimeCount {
  /** `YYYYMMDD`. */
  readonly time: string;
  readonly count: number;
}

export interface Estimate {
  readonly value: number | null;
  readonly lower: number | null;
  readonly upper: number | null;
}

export interface SignalRow {
  readonly drug: string;
  readonly event: string;
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly d: number;
  readonly prr: Estimate;
  readonly ror: Estimate;
  readonly ic: Estimate;
  readonly expected: number;
  readonly chi2_yates: number | null;
  readonly evans_signal: boolean;
}

export interface SignalTable {
  readonly totalReports: number;
  readonly rows: readonly SignalRow[];
}

export interface SignalParams {
  readonly drug?: string;
  readonly event?: string;
  readonly suspect?: boolean;
  /** `YYYY-MM-DD` or `YYYYMMDD`. */
  readonly from?: string;
  readonly to?: string;
  readonly limit?: number;
}

/** One stored version as the ingest service lists it. */
export interface VersionEntry {
  readonly version: number;
  readonly contentHash: string;
  readonly nullified: boolean;
  /** ISO 8601. */
  readonly receivedAt: string;
}

export interface VersionHistory {
  readonly safetyreportid: string;
  readonly currentVersion: number;
  readonly versions: readonly VersionEntry[];
}

/** The current version of a report as the ingest service returns it, in its de-identified view. */
export interface StoredReport {
  readonly safetyreportid: string;
  readonly safetyreportversion: number;
  readonly currentVersion: number;
  readonly nullified: boolean;
  readonly receivedAt: string;
  readonly view: 'deidentified' | 'full';
  readonly report: ReportDocument;
}

/** A failed call: the HTTP status, Vigilo's stable code, and where in which parameter the problem is. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly parameter?: string,
    readonly position?: number,
  ) {
    super(message);
  }
}

type Fetch = (input: string, init?: { headers?: Record<string, string> }) => Promise<Response>;

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

function apiError(status: number, code: unknown, message: unknown, parameter: unknown, position: unknown): ApiError {
  return new ApiError(
    status,
    typeof code === 'string' ? code : 'UNKNOWN',
    typeof message === 'string' ? message : `HTTP ${status}`,
    typeof parameter === 'string' ? parameter : undefined,
    typeof position === 'number' ? position : undefined,
  );
}

/** Reads either error shape the services answer with; anything else keeps its status and a generic code. */
export function errorFromBody(status: number, body: unknown): ApiError {
  const openFda = field(body, 'error');
  if (openFda !== undefined) {
    const details = field(openFda, 'details');
    return apiError(status, field(details, 'code') ?? field(openFda, 'code'), field(openFda, 'message'), field(details, 'parameter'), field(details, 'position'));
  }
  return apiError(status, field(body, 'code'), field(body, 'detail') ?? field(body, 'title'), field(body, 'parameter'), field(body, 'position'));
}

/** `YYYY-MM-DD` (a date input's value) to the `YYYYMMDD` the API takes; other text is passed on for the API to judge. */
export function compactDay(value: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? value.replace(/-/g, '') : value;
}

export class VigiloApi {
  constructor(
    private readonly key: string,
    private readonly fetchImpl: Fetch = (input, init) => fetch(input, init),
    private readonly base = '',
  ) {}

  private async get<T>(path: string, params: Record<string, string | undefined> = {}): Promise<Answer<T>> {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== '') query.set(name, value);
    const url = `${this.base}${path}${query.size > 0 ? `?${query.toString()}` : ''}`;
    let response: Response;
    try {
      response = await this.fetchImpl(url, { headers: { authorization: `Bearer ${this.key}`, accept: 'application/json' } });
    } catch {
      throw new ApiError(0, 'NETWORK', 'The service cannot be reached');
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (!response.ok) throw errorFromBody(response.status, body);
    const header = response.headers.get('vigilo-degraded') ?? undefined;
    const metaDegraded = field(field(body, 'meta'), 'degraded') === true;
    return { data: body as T, degraded: header ?? (metaDegraded ? 'degraded' : undefined) };
  }

  whoami(): Promise<Identity> {
    return this.get<Identity>('/v1/whoami').then((answer) => answer.data);
  }

  /** A page of reports; no match is an empty page (the service answers openFDA's 404 NOT_FOUND). */
  async events(tenant: string, search: string, options: { limit: number; skip: number; sort?: string }): Promise<Answer<EventsPage>> {
    try {
      const answer = await this.get<{ meta: { results: { total: number; skip: number; limit: number } }; results: ReportDocument[] }>(
        `/v1/tenants/${encodeURIComponent(tenant)}/drug/event.json`,
        { search: search.trim() || undefined, limit: String(options.limit), skip: String(options.skip), sort: options.sort },
      );
      const { total, skip, limit } = answer.data.meta.results;
      return { data: { total, skip, limit, results: answer.data.results }, degraded: answer.degraded };
    } catch (error) {
      if (error instanceof ApiError && error.code === 'VIG_SEARCH_NO_MATCHES') {
        return { data: { total: 0, skip: options.skip, limit: options.limit, results: [] }, degraded: undefined };
      }
      throw error;
    }
  }

  /** Term counts of a field (or a daily series of a date field) over the reports matching `search`. */
  async counts<T extends TermCount | TimeCount>(tenant: string, search: string, countField: string, limit: number): Promise<Answer<readonly T[]>> {
    try {
      const answer = await this.get<{ results: T[] }>(`/v1/tenants/${encodeURIComponent(tenant)}/drug/event.json`, {
        search: search.trim() || undefined,
        count: countField,
        limit: String(limit),
      });
      return { data: answer.data.results, degraded: answer.degraded };
    } catch (error) {
      if (error instanceof ApiError && error.code === 'VIG_SEARCH_NO_MATCHES') return { data: [], degraded: undefined };
      throw error;
    }
  }

  async signals(tenant: string, params: SignalParams): Promise<Answer<SignalTable>> {
    const answer = await this.get<{ meta: { total_reports: number }; results: SignalRow[] }>(`/v1/tenants/${encodeURIComponent(tenant)}/signals`, {
      drug: params.drug?.trim(),
      event: params.event?.trim(),
      suspect: params.suspect ? 'true' : undefined,
      from: params.from ? compactDay(params.from) : undefined,
      to: params.to ? compactDay(params.to) : undefined,
      limit: params.limit === undefined ? undefined : String(params.limit),
    });
    return { data: { totalReports: answer.data.meta.total_reports, rows: answer.data.results }, degraded: answer.degraded };
  }

  /** The current version, de-identified (the `read` scope is enough for this view). */
  report(tenant: string, id: string): Promise<Answer<StoredReport>> {
    return this.get<StoredReport>(`/v1/tenants/${encodeURIComponent(tenant)}/reports/${encodeURIComponent(id)}`, { view: 'deidentified' });
  }

  versions(tenant: string, id: string): Promise<Answer<VersionHistory>> {
    return this.get<VersionHistory>(`/v1/tenants/${encodeURIComponent(tenant)}/reports/${encodeURIComponent(id)}/versions`);
  }
}
