import { fromProblem, isErrorCode, specOf, UnavailableError, VigiloError } from '@vigilo/errors';

/** One line of the bulk endpoint's answer: the fate of the input line with the same number. */
export interface BulkLineResult {
  /** Number of the input line (the contract numbers from 1; 0-based numbering is accepted too). */
  readonly line: number;
  readonly status: number;
  readonly safetyreportid?: string;
  readonly safetyreportversion?: number;
  readonly outcome: 'created' | 'unchanged' | 'rejected';
  /** Error code of a rejected line (VIG_...). */
  readonly code?: string;
}

export interface BulkSummary {
  readonly lines: number;
  readonly created: number;
  readonly unchanged: number;
  readonly rejected: number;
}

export interface BulkResponse {
  readonly results: readonly BulkLineResult[];
  readonly summary: BulkSummary;
  /** Attempts it took (1 when the first one succeeded). */
  readonly attempts: number;
}

export interface BulkIngestClientOptions {
  /** Base URL of the ingest service, e.g. http://127.0.0.1:8081 */
  readonly baseUrl: string;
  /** Bearer token, sent as `Authorization: Bearer ...` when given. */
  readonly token?: string;
  /** More request headers (e.g. the internal identity headers when talking to the service directly). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly fetch?: typeof fetch;
  /** Waits between attempts; replaced in tests so they never sleep. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Attempts per batch, the first included. @default 5 */
  readonly maxAttempts?: number;
  /** Delay before the second attempt; doubled each time, with jitter. @default 500 */
  readonly baseDelayMs?: number;
  /** Cap of one delay (a Retry-After header is honoured up to this). @default 30000 */
  readonly maxDelayMs?: number;
  /** Timeout of one attempt, response body included. @default 120000 */
  readonly timeoutMs?: number;
  /** Source of jitter in [0, 1). @default Math.random */
  readonly random?: () => number;
  /** Told before each retry (for progress output): attempt that failed, why, and the delay. */
  readonly onRetry?: (event: { attempt: number; reason: string; delayMs: number }) => void;
}

/** Statuses worth another attempt: overloaded or restarting service, or a gateway in front of it. */
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

export const NDJSON = 'application/x-ndjson';

class RetryableFailure extends Error {
  constructor(
    readonly reason: string,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(reason, options);
  }
}

/**
 * Client of `POST /v1/tenants/{tenant}/reports/bulk`. One call sends one batch
 * (one report JSON per line) and returns the per-line results. Network errors
 * and 429/502/503/504 are retried with exponential backoff; re-sending a batch
 * is safe because the ingest service treats a stored version with identical
 * content as unchanged.
 */
export class BulkIngestClient {
  private readonly fetch: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly timeoutMs: number;
  private readonly random: () => number;
  private readonly baseUrl: string;

  constructor(private readonly options: BulkIngestClientOptions) {
    this.fetch = options.fetch ?? globalThis.fetch;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.maxAttempts = options.maxAttempts ?? 5;
    this.baseDelayMs = options.baseDelayMs ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 30000;
    this.timeoutMs = options.timeoutMs ?? 120000;
    this.random = options.random ?? Math.random;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  bulkUrl(tenant: string): string {
    return `${this.baseUrl}/v1/tenants/${encodeURIComponent(tenant)}/reports/bulk`;
  }

  /**
   * Sends one batch. Resolves with one result per input line (numbered from 1
   * in input order); rejects with a VigiloError when the request as a whole
   * failed: the service's own problem+json error (its code and status),
   * UnavailableError (VIG_UNAVAILABLE) when every attempt failed on the network
   * or with a retryable status, VIG_INTERNAL when the answer breaks the
   * contract.
   *
   * Lines answered with a retryable code (VIG_UNAVAILABLE when the database
   * failed mid-request, or any code the registry marks retryable, or
   * VIG_INGEST_BULK_TOO_MANY_LINES) are sent again in a further request, with
   * the same backoff, up to `maxAttempts` rounds; what is still refused after
   * that is returned as rejected.
   */
  async postBulk(tenant: string, lines: readonly string[]): Promise<BulkResponse> {
    const final: BulkLineResult[] = new Array<BulkLineResult>(lines.length);
    let pending = lines.map((_, index) => index);
    let requests = 0;
    for (let round = 1; ; round += 1) {
      const response = await this.postOnce(tenant, pending.map((index) => lines[index]!));
      requests += response.attempts;
      const again: number[] = [];
      const codes = new Set<string>();
      response.results.forEach((result, k) => {
        const index = pending[k]!;
        if (round < this.maxAttempts && isRetryableLine(result)) {
          again.push(index);
          codes.add(result.code ?? `HTTP ${result.status}`);
        } else {
          final[index] = { ...result, line: index + 1 };
        }
      });
      if (again.length === 0) break;
      pending = again;
      // Too many lines is not an overload: send the rest at once.
      const delayMs = [...codes].every((code) => code === 'VIG_INGEST_BULK_TOO_MANY_LINES') ? 0 : this.delay(round);
      this.options.onRetry?.({ attempt: round, reason: `${again.length} lines answered ${[...codes].join(', ')}`, delayMs });
      if (delayMs > 0) await this.sleep(delayMs);
    }
    const summary = { lines: final.length, created: 0, unchanged: 0, rejected: 0 };
    for (const result of final) summary[result.outcome] += 1;
    return { results: final, summary, attempts: requests };
  }

  /** One request, retried as a whole on network errors and retryable statuses. */
  private async postOnce(tenant: string, lines: readonly string[]): Promise<BulkResponse> {
    const body = lines.map((line) => `${line}\n`).join('');
    for (let attempt = 1; ; attempt += 1) {
      try {
        const response = await this.attempt(tenant, body, lines.length);
        return { ...response, attempts: attempt };
      } catch (error) {
        if (!(error instanceof RetryableFailure)) throw error;
        if (attempt >= this.maxAttempts) {
          throw new UnavailableError(`The ingest service failed ${attempt} times in a row (last: ${error.reason})`, {
            cause: error,
            fields: { attempts: attempt },
          });
        }
        const delayMs = Math.min(this.maxDelayMs, Math.max(this.delay(attempt), error.retryAfterMs ?? 0));
        this.options.onRetry?.({ attempt, reason: error.reason, delayMs });
        await this.sleep(delayMs);
      }
    }
  }

  /** Exponential backoff with jitter: between half and all of base * 2^(attempt-1), capped. */
  private delay(attempt: number): number {
    const backoff = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(backoff / 2 + (this.random() * backoff) / 2);
  }

  private async attempt(tenant: string, body: string, lineCount: number): Promise<Omit<BulkResponse, 'attempts'>> {
    const headers: Record<string, string> = { 'content-type': NDJSON, accept: `${NDJSON}, application/problem+json` };
    for (const [name, value] of Object.entries(this.options.headers ?? {})) headers[name.toLowerCase()] = value;
    if (this.options.token) headers['authorization'] = `Bearer ${this.options.token}`;
    let response: Response;
    let text: string;
    try {
      response = await this.fetch(this.bulkUrl(tenant), {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (cause) {
      // Connection refused or reset, DNS, timeout, body cut short.
      throw new RetryableFailure(networkReason(cause), undefined, { cause });
    }
    if (RETRYABLE_STATUS.has(response.status)) {
      throw new RetryableFailure(`HTTP ${response.status}`, retryAfterMs(response.headers.get('retry-after')));
    }
    if (!response.ok) throw problemError(response.status, text);
    return parseBulkResponse(text, lineCount);
  }
}

/** A line the service could not store for a passing reason: worth sending again. */
function isRetryableLine(result: BulkLineResult): boolean {
  if (result.outcome !== 'rejected') return false;
  if (result.code === 'VIG_INGEST_BULK_TOO_MANY_LINES') return true;
  if (result.code !== undefined && isErrorCode(result.code)) return specOf(result.code).retryable;
  return RETRYABLE_STATUS.has(result.status);
}

function networkReason(cause: unknown): string {
  if (cause instanceof Error) {
    if (cause.name === 'TimeoutError' || cause.name === 'AbortError') return 'timeout';
    const inner = cause.cause as { code?: unknown; message?: unknown } | undefined;
    if (typeof inner?.code === 'string') return inner.code;
    if (typeof inner?.message === 'string' && inner.message !== '') return `network error: ${inner.message}`;
    return 'network error';
  }
  return 'network error';
}

function retryAfterMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

/** A whole-request error: the service's problem+json when it sent one. */
function problemError(status: number, text: string): VigiloError {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    doc = undefined;
  }
  if (typeof doc === 'object' && doc !== null && typeof (doc as { code?: unknown }).code === 'string') {
    const error = fromProblem(doc);
    return new VigiloError(error.code, error.message, {
      fields: { status, remoteCode: String((doc as { code: string }).code) },
      violations: error.violations,
    });
  }
  return new VigiloError('VIG_INTERNAL', `The ingest service answered HTTP ${status} without a problem document`, { fields: { status } });
}

function contractError(detail: string): VigiloError {
  return new VigiloError('VIG_INTERNAL', `The ingest service's answer breaks the bulk contract: ${detail}`);
}

const OUTCOMES = new Set(['created', 'unchanged', 'rejected']);

/** Parses and checks the NDJSON answer: one result per input line, in order, then the summary. */
export function parseBulkResponse(text: string, lineCount: number): Omit<BulkResponse, 'attempts'> {
  const results: BulkLineResult[] = [];
  let summary: BulkSummary | undefined;
  for (const raw of text.split('\n')) {
    if (raw.trim() === '') continue;
    if (summary !== undefined) throw contractError('a line follows the summary');
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      throw contractError(`line ${results.length + 1} of the answer is not JSON`);
    }
    if (typeof value !== 'object' || value === null) throw contractError('an answer line is not an object');
    const record = value as Record<string, unknown>;
    if ('summary' in record) {
      summary = parseSummary(record['summary']);
      continue;
    }
    results.push(parseResult(record, results.length, results[0]?.line));
  }
  if (summary === undefined) throw contractError('the summary line is missing');
  if (results.length !== lineCount || summary.lines !== lineCount) {
    throw contractError(`${lineCount} lines sent, ${results.length} results and a summary of ${summary.lines} received`);
  }
  const tally = { created: 0, unchanged: 0, rejected: 0 };
  for (const result of results) tally[result.outcome] += 1;
  if (tally.created !== summary.created || tally.unchanged !== summary.unchanged || tally.rejected !== summary.rejected) {
    throw contractError('the summary does not add up to the per-line results');
  }
  return { results, summary };
}

/** Results come in input order: line numbers start at 1 (or 0) and go up by one. */
function parseResult(record: Record<string, unknown>, index: number, firstLine: number | undefined): BulkLineResult {
  const { line, status, outcome, code, safetyreportid, safetyreportversion } = record;
  const expected = firstLine === undefined ? [0, 1] : [firstLine + index];
  if (typeof line !== 'number' || !expected.includes(line)) {
    throw contractError(`result ${index + 1} has line number ${String(line)}, expected ${expected.join(' or ')}`);
  }
  if (typeof status !== 'number' || typeof outcome !== 'string' || !OUTCOMES.has(outcome)) {
    throw contractError(`result ${index + 1} lacks status or outcome`);
  }
  return {
    line,
    status,
    outcome: outcome as BulkLineResult['outcome'],
    ...(typeof code === 'string' ? { code } : {}),
    ...(typeof safetyreportid === 'string' ? { safetyreportid } : {}),
    ...(typeof safetyreportversion === 'number' ? { safetyreportversion } : {}),
  };
}

function parseSummary(value: unknown): BulkSummary {
  if (typeof value !== 'object' || value === null) throw contractError('the summary is not an object');
  const s = value as Record<string, unknown>;
  const count = (name: string): number => {
    const n = s[name];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw contractError(`the summary's ${name} is not a count`);
    return n;
  };
  return { lines: count('lines'), created: count('created'), unchanged: count('unchanged'), rejected: count('rejected') };
}
