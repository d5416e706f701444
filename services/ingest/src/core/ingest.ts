import {
  type PutOptions,
  type PutOutcome,
  type ReportIdentity,
  type ReportStore,
  type ReportToStore,
  type TenantDirectory,
  type TenantId,
  type TenantRecord,
  canonicalJson,
  hasUnstorableText,
  hashCanonical,
  validateReport,
} from '@vigilo/domain';
import { type ErrorCode, type FieldViolation, NotFoundError, VigiloError } from '@vigilo/errors';

/** The answer for one offered report (one bulk line or one POST). */
export type LineResult =
  | {
      readonly outcome: 'created' | 'unchanged';
      readonly safetyreportid: string;
      readonly safetyreportversion: number;
      readonly contentHash: string;
      readonly nullified: boolean;
      readonly receivedAt: string;
      readonly becameCurrent?: boolean;
    }
  | {
      readonly outcome: 'rejected';
      readonly code: ErrorCode;
      readonly status: number;
      readonly detail: string;
      readonly safetyreportid?: string;
      readonly safetyreportversion?: number;
      readonly errors?: readonly FieldViolation[];
    };

export interface IngestMetricsSink {
  count(tenant: TenantId, outcome: 'created' | 'unchanged' | 'rejected', n?: number): void;
}

export interface IngestDeps {
  store: ReportStore;
  tenants: TenantDirectory;
  metrics?: IngestMetricsSink;
}

/** A validated report ready to store, or the reason it cannot be. */
export type Candidate = { readonly ok: true; readonly item: ReportToStore } | { readonly ok: false; readonly result: LineResult };

/**
 * What validating one bulk line yields, small enough to pass between threads: the identity and hash of a
 * valid report (its text is the line itself), or the line's result.
 */
export type PreparedLine =
  | { readonly ok: true; readonly identity: ReportIdentity; readonly hash: string }
  | { readonly ok: false; readonly result: LineResult };

export const MALFORMED_LINE: LineResult = { outcome: 'rejected', code: 'VIG_REQUEST_MALFORMED_JSON', status: 400, detail: 'The line is not valid JSON' };

/**
 * Validation and hashing of one untrusted value. Pure. `json` is the text the
 * value was parsed from, when there is one: it is stored as-is (jsonb
 * normalises it), which saves serialising the report again.
 */
export function prepare(input: unknown, json?: string): Candidate {
  const validation = validateReport(input);
  if (!validation.ok) {
    const first = validation.violations[0]!;
    const maybe = input as { safetyreportid?: unknown; safetyreportversion?: unknown } | null;
    return {
      ok: false,
      result: {
        outcome: 'rejected',
        code: first.code,
        status: 422,
        detail: `The report is invalid: ${first.pointer} ${first.detail}`,
        ...(typeof maybe?.safetyreportid === 'string' && maybe.safetyreportid.length <= 100 && /^[A-Za-z0-9._:-]+$/.test(maybe.safetyreportid)
          ? { safetyreportid: maybe.safetyreportid }
          : {}),
        ...(Number.isInteger(maybe?.safetyreportversion) ? { safetyreportversion: maybe!.safetyreportversion as number } : {}),
        errors: validation.violations,
      },
    };
  }
  const canonical = canonicalJson(validation.report);
  if (hasUnstorableText(canonical)) {
    const violation = { pointer: '/', code: 'VIG_REPORT_FIELD_FORMAT' as const, detail: 'text must not contain U+0000 or unpaired UTF-16 surrogates' };
    return {
      ok: false,
      result: {
        outcome: 'rejected',
        code: violation.code,
        status: 422,
        detail: `The report is invalid: ${violation.detail}`,
        safetyreportid: validation.report.safetyreportid,
        safetyreportversion: validation.report.safetyreportversion,
        errors: [violation],
      },
    };
  }
  const item: ReportToStore = json !== undefined ? { report: validation.report, contentHash: hashCanonical(canonical), json } : { report: validation.report, contentHash: hashCanonical(canonical) };
  return { ok: true, item };
}

/** Parses, validates and hashes one bulk line. Pure; runs on a worker thread or inline. */
export function prepareLine(text: string): PreparedLine {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, result: MALFORMED_LINE };
  }
  const candidate = prepare(parsed);
  if (!candidate.ok) return candidate;
  const { safetyreportid, safetyreportversion, reportnullificationamendment } = candidate.item.report;
  const identity: ReportIdentity = reportnullificationamendment === undefined ? { safetyreportid, safetyreportversion } : { safetyreportid, safetyreportversion, reportnullificationamendment };
  return { ok: true, identity, hash: candidate.item.contentHash };
}

/** The candidate of a bulk line from its prepared form and its text. */
export function candidateOfLine(prepared: PreparedLine, text: string): Candidate {
  return prepared.ok ? { ok: true, item: { report: prepared.identity, contentHash: prepared.hash, json: text } } : prepared;
}

function toLineResult(outcome: PutOutcome): LineResult {
  if (outcome.outcome === 'conflict') {
    return {
      outcome: 'rejected',
      code: 'VIG_INGEST_VERSION_CONFLICT',
      status: 409,
      detail: 'This version of the report is already stored with different content; send a higher safetyreportversion',
      safetyreportid: outcome.safetyreportid,
      safetyreportversion: outcome.version,
    };
  }
  return {
    outcome: outcome.outcome,
    safetyreportid: outcome.safetyreportid,
    safetyreportversion: outcome.version,
    contentHash: outcome.contentHash,
    nullified: outcome.nullified,
    receivedAt: outcome.receivedAt.toISOString(),
    ...(outcome.outcome === 'created' ? { becameCurrent: outcome.becameCurrent } : {}),
  };
}

export class IngestService {
  constructor(private readonly deps: IngestDeps) {}

  get store(): ReportStore {
    return this.deps.store;
  }

  /** Counts lines rejected before validation (malformed JSON, oversized lines). */
  recordRejected(tenant: TenantId, n = 1): void {
    this.deps.metrics?.count(tenant, 'rejected', n);
  }

  /** The tenant must exist; writes additionally need it active. */
  async requireTenant(tenant: TenantId, forWrite: boolean): Promise<TenantRecord> {
    const record = await this.deps.tenants.get(tenant);
    if (!record) throw new NotFoundError('No such tenant', { code: 'VIG_TENANT_NOT_FOUND', fields: { tenantId: tenant } });
    if (forWrite && record.status !== 'active') {
      throw new VigiloError('VIG_TENANT_NOT_ACTIVE', `The tenant is ${record.status} and accepts no reports`, { fields: { tenantId: tenant } });
    }
    return record;
  }

  /**
   * Stores the valid candidates in one transaction and returns one result
   * per candidate, in order. Nothing is acknowledged before the commit.
   */
  async ingest(tenant: TenantId, candidates: readonly Candidate[], options: PutOptions = {}): Promise<LineResult[]> {
    const valid = candidates.filter((c): c is Extract<Candidate, { ok: true }> => c.ok);
    const outcomes = valid.length ? await this.deps.store.putReports(tenant, valid.map((c) => c.item), options) : [];
    let next = 0;
    const results = candidates.map((c) => (c.ok ? toLineResult(outcomes[next++]!) : c.result));
    if (this.deps.metrics) {
      const tally = { created: 0, unchanged: 0, rejected: 0 };
      for (const r of results) tally[r.outcome]++;
      for (const [outcome, n] of Object.entries(tally)) if (n) this.deps.metrics.count(tenant, outcome as keyof typeof tally, n);
    }
    return results;
  }
}
