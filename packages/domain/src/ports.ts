import type { AdverseEventReport } from './report.js';
import type { TenantId } from './tenant.js';

/** A stored version, without its content (safe to log and return without a PII scope). */
export interface StoredVersionRef {
  readonly safetyreportid: string;
  readonly version: number;
  readonly contentHash: string;
  readonly nullified: boolean;
  readonly receivedAt: Date;
}

/** A report (or one version of it) with its full content, personal data included. */
export interface StoredReport extends StoredVersionRef {
  readonly content: AdverseEventReport;
  /** The highest stored version of this report. */
  readonly currentVersion: number;
}

/** The result of offering one report version to the store. */
export type PutOutcome =
  | ({ readonly outcome: 'created'; readonly becameCurrent: boolean } & StoredVersionRef)
  | ({ readonly outcome: 'unchanged' } & StoredVersionRef)
  | { readonly outcome: 'conflict'; readonly safetyreportid: string; readonly version: number };

export interface PutOptions {
  /** W3C traceparent of the calling request, stored on the outbox rows so indexing joins the trace. */
  readonly traceparent?: string;
}

/** The fields of a report the store needs besides its JSON text. */
export type ReportIdentity = Pick<AdverseEventReport, 'safetyreportid' | 'safetyreportversion' | 'reportnullificationamendment'>;

/**
 * One version to store. Either the report itself (serialised by the store unless `json` is given), or, when the
 * caller validated the JSON text elsewhere (the ingest service's worker threads), its identity and that text.
 */
export type ReportToStore =
  | { readonly report: AdverseEventReport; readonly contentHash: string; readonly json?: string }
  | { readonly report: ReportIdentity; readonly contentHash: string; readonly json: string };

/**
 * The source of truth for reports. `putReports` stores every version it is
 * given in one transaction, together with an outbox row for each report whose
 * current version changed; outcomes come back in input order.
 */
export interface ReportStore {
  putReports(tenant: TenantId, reports: readonly ReportToStore[], options?: PutOptions): Promise<PutOutcome[]>;
  getCurrent(tenant: TenantId, safetyreportid: string): Promise<StoredReport | undefined>;
  getVersion(tenant: TenantId, safetyreportid: string, version: number): Promise<StoredReport | undefined>;
  listVersions(tenant: TenantId, safetyreportid: string): Promise<StoredVersionRef[]>;
}

export type TenantStatus = 'active' | 'suspended' | 'deleting';

export interface TenantRecord {
  readonly id: TenantId;
  readonly displayName: string;
  readonly status: TenantStatus;
  readonly schemaName: string;
  readonly roleName: string;
  readonly schemaVersion: number;
  readonly settings: Readonly<Record<string, unknown>>;
}

/** Where services learn which tenants exist (the registry the operator maintains). */
export interface TenantDirectory {
  get(tenant: TenantId): Promise<TenantRecord | undefined>;
}
