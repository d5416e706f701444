import type { AdverseEventReport } from '@vigilo/domain';
import type { FieldViolation } from '@vigilo/errors';
import type { FaersFormat, FaersRow, FaersSideTable } from './tables.js';

/** The rows of one report version (one DEMO row) and everything joined to it by key. */
export interface FaersCaseRows {
  readonly format: FaersFormat;
  /** primaryid (FAERS) or ISR (AERS). */
  readonly key: string;
  /** Line of the DEMO row in its file (1 is the header). */
  readonly demoLine: number;
  readonly demo: FaersRow;
  readonly drug: readonly FaersRow[];
  readonly reac: readonly FaersRow[];
  readonly outc: readonly FaersRow[];
  readonly rpsr: readonly FaersRow[];
  readonly ther: readonly FaersRow[];
  readonly indi: readonly FaersRow[];
}

/**
 * Stable reasons why a DEMO row produced no report. Every DEMO row yields
 * either a report or a skipped record with one of these.
 */
export const FAERS_SKIP_REASONS = [
  /** caseid / CASE is empty or not a valid report id. */
  'invalid_case_id',
  /** caseversion is not an integer from 1 to 100000. */
  'invalid_version',
  /** The same primaryid / ISR appears on an earlier DEMO row; the first one wins. */
  'duplicate_primaryid',
  /** No DRUG row could become a drug (none, or all without role or name). */
  'no_drug',
  /** No REAC row could become a reaction (none, or all without a preferred term). */
  'no_reaction',
  /** More drugs than the report model allows (500). */
  'too_many_drugs',
  /** More reactions than the report model allows (500). */
  'too_many_reactions',
  /** The mapped report failed validateReport (a mapper bug or an unforeseen value); see `violations`. */
  'invalid_report',
] as const;
export type FaersSkipReason = (typeof FAERS_SKIP_REASONS)[number];

/**
 * Stable reasons why a row or a value was left out of a report that was
 * produced. The counts of the first four explain every difference between
 * raw row counts and what a report holds.
 */
export const FAERS_DROP_REASONS = [
  /** A DRUG row whose role_cod is not PS, SS, C or I: the drug is left out. */
  'drug_unknown_role',
  /** A DRUG row with neither drugname nor prod_ai: the drug is left out. */
  'drug_no_name',
  /** A REAC row without pt: the reaction is left out. */
  'reaction_no_term',
  /** An OUTC row whose code is not DE, LT, HO, DS, CA, RI or OT: ignored. */
  'outcome_unknown_code',
  /** An RPSR row whose code is unknown: ignored. */
  'report_source_unknown_code',
  /** A THER row whose drug_seq matches no drug of the report. */
  'therapy_no_drug',
  /** A THER row beyond the first for one drug: dates are merged (earliest start, latest end), durations dropped. */
  'therapy_merged',
  /** An INDI row whose drug_seq matches no drug of the report. */
  'indication_no_drug',
  /** An INDI row beyond the first for one drug (the model holds one indication per drug). */
  'indication_extra',
  /** A date that is not a real CCYY, CCYYMM or CCYYMMDD date. */
  'date_invalid',
  /** A pair of dates in the wrong order; the less reliable one is dropped. */
  'date_order',
  /** A country that is not an ISO 3166-1 alpha-2 code (e.g. COUNTRY NOT SPECIFIED, a full name). */
  'country_not_code',
  /** A route with no E2B route code. */
  'route_unmapped',
  /** An age that is not a number, or has no unit. */
  'age_invalid',
  /** A weight that is not a positive number with a known unit. */
  'weight_invalid',
  /** A dose, cumulative dose or duration that is not a plain number (or has no unit where one is required). */
  'number_invalid',
  /** A coded value (sex, age group, occupation, rechallenge, report code) outside its code list. */
  'code_unknown',
  /** An identifier (company, authority, application or batch number) or unit longer than the model allows. */
  'value_too_long',
  /** A free-text value (drug name, term, dosage text...) cut to the length the model allows. */
  'value_truncated',
] as const;
export type FaersDropReason = (typeof FAERS_DROP_REASONS)[number];

export type DropCounts = Readonly<Partial<Record<FaersDropReason, number>>>;

/** Where a record came from. Identifiers only: no personal data. */
export interface FaersRecordSource {
  readonly format: FaersFormat;
  /** primaryid (FAERS) or ISR (AERS). */
  readonly primaryid: string;
  /** caseid (FAERS) or CASE (AERS), trimmed, possibly empty when invalid. */
  readonly caseid: string;
  /** The version the report got (FAERS caseversion; AERS: derived, see docs/faers-mapping.md). */
  readonly version: number | undefined;
  readonly demoLine: number;
  /** Raw rows joined to this DEMO row, per table. */
  readonly rows: Readonly<Record<FaersSideTable, number>>;
}

export interface FaersReportRecord {
  readonly kind: 'report';
  readonly report: AdverseEventReport;
  readonly source: FaersRecordSource;
  readonly dropped: DropCounts;
}

export interface FaersSkippedRecord {
  readonly kind: 'skipped';
  readonly reason: FaersSkipReason;
  readonly source: FaersRecordSource;
  readonly dropped: DropCounts;
  /** For `invalid_report`: what validateReport said (pointers and codes, no values). */
  readonly violations?: readonly FieldViolation[];
}

export type FaersRecord = FaersReportRecord | FaersSkippedRecord;
