import {
  isRealPartialDate,
  comparePartialDates,
  validateReport,
  MAX_DRUGS_PER_REPORT,
  MAX_REACTIONS_PER_REPORT,
  SERIOUSNESS_CRITERIA,
  type AdverseEventReport,
  type Drug,
  type Patient,
  type PrimarySource,
  type Reaction,
} from '@vigilo/domain';
import {
  AGE_GROUP,
  AGE_UNIT,
  DURATION_UNIT,
  EXPEDITED,
  ISO_COUNTRY_CODES,
  OUTCOME_TO_SERIOUSNESS,
  QUALIFICATION,
  RECHALLENGE,
  REPORT_SOURCE_TYPE,
  ROLE_TO_CHARACTERIZATION,
  ROUTE_CODE,
  SEX,
  WEIGHT_TO_KG,
  type OutcomeCode,
  type SeriousnessField,
} from './codes.js';
import type { FaersRow, FaersSideTable } from './tables.js';
import type { DropCounts, FaersCaseRows, FaersDropReason, FaersRecord, FaersRecordSource, FaersSkipReason } from './types.js';

/** Same rule as the report schema's safetyreportid. */
const REPORT_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;
const MAX_VERSION = 100000;

/** Length limits of the report schema for the fields filled here. */
const LIMIT = {
  medicinalproduct: 500,
  activesubstancename: 500,
  reactionmeddrapt: 250,
  drugindication: 250,
  drugdosagetext: 2000,
  drugdosageform: 100,
  literaturereference: 1000,
  senderorganization: 200,
  identifier: 100,
  unit: 10,
} as const;

/** Codes deliberately not mapped (so they are not counted as unknown). */
const IGNORED_SEX = new Set(['NS']);
const IGNORED_RECHALLENGE = new Set(['D']);
const IGNORED_REPORT_CODES = new Set(['DIR', '30DAY', 'BSR', 'FDA']);
const IGNORED_REPORT_SOURCES = new Set(['FGN']);

export interface MapFaersCaseOptions {
  /**
   * The version to give the report. Required in spirit for AERS, where it
   * depends on the other versions of the case in the quarter (see
   * LegacyVersionAssigner); without it, AERS gets legacyBaseVersion(). FAERS
   * uses caseversion unless this is given.
   */
  readonly version?: number;
}

class Drops {
  readonly counts: Partial<Record<FaersDropReason, number>> = {};
  add(reason: FaersDropReason, count = 1): void {
    this.counts[reason] = (this.counts[reason] ?? 0) + count;
  }
}

/** Trimmed value of the first of `columns` present in the row, '' if none. */
function value(row: FaersRow, ...columns: string[]): string {
  for (const column of columns) {
    const raw = row[column];
    if (raw !== undefined) return raw.trim();
  }
  return '';
}

const code = (row: FaersRow, ...columns: string[]): string => value(row, ...columns).toUpperCase();

function rowCounts(rows: FaersCaseRows): Record<FaersSideTable, number> {
  return {
    DRUG: rows.drug.length,
    REAC: rows.reac.length,
    OUTC: rows.outc.length,
    RPSR: rows.rpsr.length,
    THER: rows.ther.length,
    INDI: rows.indi.length,
  };
}

/** The case id of a DEMO row: caseid (FAERS) or CASE (AERS). */
export function caseIdOf(rows: Pick<FaersCaseRows, 'format' | 'demo'>): string {
  return rows.format === 'faers' ? value(rows.demo, 'caseid') : value(rows.demo, 'case');
}

/**
 * The version an AERS report would have on its own: FOLL_SEQ + 1 when
 * FOLL_SEQ is a number (0 or empty is the initial report), otherwise 1 for an
 * initial report (I_F_COD = I) and 2 for a follow-up (I_F_COD = F). The
 * LegacyVersionAssigner then keeps versions strictly increasing with ISR
 * within a case.
 */
export function legacyBaseVersion(demo: FaersRow): number {
  const followUp = value(demo, 'foll_seq');
  if (/^[0-9]{1,5}$/.test(followUp)) {
    const seq = Number(followUp);
    if (seq + 1 <= MAX_VERSION) return seq + 1;
  }
  return code(demo, 'i_f_cod', 'i_f_code') === 'F' ? 2 : 1;
}

/**
 * Maps the rows of one report version to an AdverseEventReport. Pure and
 * deterministic: the same rows always give the same report, field for field
 * and in the same key order, so re-importing a quarter is a no-op.
 *
 * Returns a skipped record (never throws) when no valid report can be made.
 */
export function mapFaersCase(rows: FaersCaseRows, options: MapFaersCaseOptions = {}): FaersRecord {
  const drops = new Drops();
  const caseid = caseIdOf(rows);
  const version = options.version ?? (rows.format === 'faers' ? parseVersion(value(rows.demo, 'caseversion')) : legacyBaseVersion(rows.demo));
  const source: FaersRecordSource = {
    format: rows.format,
    primaryid: rows.key,
    caseid,
    version,
    demoLine: rows.demoLine,
    rows: rowCounts(rows),
  };
  const skip = (reason: FaersSkipReason): FaersRecord => ({ kind: 'skipped', reason, source, dropped: drops.counts });

  if (!REPORT_ID.test(caseid)) return skip('invalid_case_id');
  if (version === undefined) return skip('invalid_version');

  const drugs = mapDrugs(rows, drops);
  const reactions = mapReactions(rows.reac, drops);
  if (drugs.length === 0) return skip('no_drug');
  if (reactions.length === 0) return skip('no_reaction');
  if (drugs.length > MAX_DRUGS_PER_REPORT) return skip('too_many_drugs');
  if (reactions.length > MAX_REACTIONS_PER_REPORT) return skip('too_many_reactions');

  const report = buildReport(rows, caseid, version, drugs, reactions, drops);
  const validation = validateReport(report);
  if (!validation.ok) {
    return { kind: 'skipped', reason: 'invalid_report', source, dropped: drops.counts, violations: validation.violations };
  }
  return { kind: 'report', report, source, dropped: drops.counts };
}

function parseVersion(raw: string): number | undefined {
  if (!/^[0-9]{1,6}$/.test(raw)) return undefined;
  const version = Number(raw);
  return version >= 1 && version <= MAX_VERSION ? version : undefined;
}

function buildReport(
  rows: FaersCaseRows,
  caseid: string,
  version: number,
  drugs: Drug[],
  reactions: Reaction[],
  drops: Drops,
): AdverseEventReport {
  const demo = rows.demo;
  const report: ReportDraft = { safetyreportid: caseid, safetyreportversion: version };

  // Receipt dates. FAERS: init_fda_dt is the first receipt of the case, fda_dt
  // the receipt of this version. AERS has fda_dt only, which is the first
  // receipt when the report is the initial one.
  const latest = date(value(demo, 'fda_dt'), drops);
  const initial =
    rows.format === 'faers'
      ? date(value(demo, 'init_fda_dt'), drops)
      : code(demo, 'i_f_cod', 'i_f_code') === 'I'
        ? latest
        : undefined;
  if (initial && latest && comparePartialDates(initial.value, latest.value) > 0) {
    drops.add('date_order');
    setDate(report, 'receiptdate', latest);
  } else {
    setDate(report, 'receivedate', initial);
    setDate(report, 'receiptdate', latest);
  }
  setDate(report, 'transmissiondate', date(value(demo, 'rept_dt'), drops));

  const type = reportType(rows, drops);
  if (type !== undefined) report.reporttype = type;

  const seriousness = outcomes(rows.outc, drops);
  report.serious = seriousness.size > 0 ? '1' : '2';
  for (const field of SERIOUSNESS_ORDER) if (seriousness.has(field)) report[field] = '1';

  const reportCode = code(demo, 'rept_cod');
  if (reportCode !== '') {
    const expedited = EXPEDITED[reportCode];
    if (expedited !== undefined) report.fulfillexpeditecriteria = expedited;
    else if (!IGNORED_REPORT_CODES.has(reportCode)) drops.add('code_unknown');
  }

  const occurcountry = country(value(demo, 'occr_country'), drops);
  if (occurcountry) report.occurcountry = occurcountry;
  const reportercountry = country(value(demo, 'reporter_country'), drops);
  if (reportercountry) report.primarysourcecountry = reportercountry;

  const companynumb = identifier(value(demo, 'mfr_num'), drops);
  if (companynumb) report.companynumb = companynumb;
  const authoritynumb = identifier(value(demo, 'auth_num'), drops);
  if (authoritynumb) report.authoritynumb = authoritynumb;

  const primarysource: PrimarySource = {};
  const qualification = coded(code(demo, 'occp_cod'), QUALIFICATION, drops);
  if (qualification) primarysource.qualification = qualification;
  if (reportercountry) primarysource.reportercountry = reportercountry;
  const literature = text(value(demo, 'lit_ref'), LIMIT.literaturereference, drops);
  if (literature) primarysource.literaturereference = literature;
  if (Object.keys(primarysource).length > 0) report.primarysource = primarysource;

  const senderorganization = text(value(demo, 'mfr_sndr'), LIMIT.senderorganization, drops);
  if (senderorganization) report.sender = { senderorganization };

  return { ...report, patient: buildPatient(rows, drugs, reactions, drops) };
}

/** A report being built: the patient comes last, so every report has the same key order. */
type ReportDraft = Omit<AdverseEventReport, 'patient'>;

const SERIOUSNESS_ORDER: readonly SeriousnessField[] = SERIOUSNESS_CRITERIA;

function outcomes(outc: readonly FaersRow[], drops: Drops): Set<SeriousnessField> {
  const flags = new Set<SeriousnessField>();
  for (const row of outc) {
    const outcome = code(row, 'outc_cod');
    if (Object.prototype.hasOwnProperty.call(OUTCOME_TO_SERIOUSNESS, outcome)) {
      flags.add(OUTCOME_TO_SERIOUSNESS[outcome as OutcomeCode]);
    } else {
      drops.add('outcome_unknown_code');
    }
  }
  return flags;
}

/** Study beats spontaneous beats other; DIR (direct) reports are spontaneous when RPSR says nothing. */
function reportType(rows: FaersCaseRows, drops: Drops): string | undefined {
  let best: '1' | '2' | '3' | undefined;
  const rank = { '2': 3, '1': 2, '3': 1 } as const;
  for (const row of rows.rpsr) {
    const source = code(row, 'rpsr_cod');
    const type = REPORT_SOURCE_TYPE[source];
    if (type === undefined) {
      if (!IGNORED_REPORT_SOURCES.has(source)) drops.add('report_source_unknown_code');
      continue;
    }
    if (best === undefined || rank[type] > rank[best]) best = type;
  }
  if (best === undefined && code(rows.demo, 'rept_cod') === 'DIR') return '1';
  return best;
}

function buildPatient(rows: FaersCaseRows, drugs: Drug[], reactions: Reaction[], drops: Drops): Patient {
  const demo = rows.demo;
  const patient: Omit<Patient, 'drug' | 'reaction'> = {};

  const ageRaw = value(demo, 'age');
  if (ageRaw !== '') {
    const age = decimal(ageRaw);
    const unit = AGE_UNIT[code(demo, 'age_cod')];
    if (age !== undefined && unit !== undefined) {
      patient.patientonsetage = age;
      patient.patientonsetageunit = unit;
    } else {
      drops.add('age_invalid');
    }
  }
  const ageGroup = coded(code(demo, 'age_grp'), AGE_GROUP, drops);
  if (ageGroup) patient.patientagegroup = ageGroup;

  const sexCode = code(demo, 'sex', 'gndr_cod');
  if (sexCode !== '' && !IGNORED_SEX.has(sexCode)) {
    const sex = coded(sexCode, SEX, drops);
    if (sex) patient.patientsex = sex;
  }

  const weightRaw = value(demo, 'wt');
  if (weightRaw !== '') {
    const factor = WEIGHT_TO_KG[code(demo, 'wt_cod')];
    const amount = Number(weightRaw);
    // Converted weights are rounded to 10 g; weights given in kg are kept as precise as the model allows.
    const kg =
      factor !== undefined && /^[0-9]*\.?[0-9]+$/.test(weightRaw) && amount > 0 ? decimalOf(amount * factor, factor === 1 ? 4 : 2) : undefined;
    if (kg !== undefined && kg !== '0') patient.patientweight = kg;
    else drops.add('weight_invalid');
  }

  const death = date(value(demo, 'death_dt'), drops);
  if (death) patient.patientdeath = { patientdeathdate: death.value, patientdeathdateformat: death.format };

  return { ...patient, drug: drugs, reaction: reactions };
}

function mapReactions(reac: readonly FaersRow[], drops: Drops): Reaction[] {
  const reactions: Reaction[] = [];
  for (const row of reac) {
    const term = text(value(row, 'pt'), LIMIT.reactionmeddrapt, drops);
    if (term === undefined) {
      drops.add('reaction_no_term');
      continue;
    }
    reactions.push({ reactionmeddrapt: term });
  }
  return reactions;
}

/** drug_seq column per table and format. */
const THER_SEQ = ['dsg_drug_seq', 'drug_seq'];
const INDI_SEQ = ['indi_drug_seq', 'drug_seq'];

function mapDrugs(rows: FaersCaseRows, drops: Drops): Drug[] {
  const drugs: Drug[] = [];
  const bySeq = new Map<string, Drug>();
  for (const row of rows.drug) {
    const characterization = ROLE_TO_CHARACTERIZATION[code(row, 'role_cod')];
    if (characterization === undefined) {
      drops.add('drug_unknown_role');
      continue;
    }
    const name = text(value(row, 'drugname'), LIMIT.medicinalproduct, drops);
    const substance = text(value(row, 'prod_ai'), LIMIT.activesubstancename, drops);
    const medicinalproduct = name ?? substance;
    if (medicinalproduct === undefined) {
      drops.add('drug_no_name');
      continue;
    }
    const drug: Drug = { drugcharacterization: characterization, medicinalproduct };
    if (substance !== undefined) drug.activesubstance = { activesubstancename: substance };

    const batch = identifier(value(row, 'lot_num'), drops);
    if (batch) drug.drugbatchnumb = batch;
    const authorization = identifier(value(row, 'nda_num'), drops);
    if (authorization) drug.drugauthorizationnumb = authorization;

    const dose = amountWithUnit(value(row, 'dose_amt'), value(row, 'dose_unit'), drops);
    if (dose) {
      drug.drugstructuredosagenumb = dose.amount;
      if (dose.unit) drug.drugstructuredosageunit = dose.unit;
    }
    const cumulative = amountWithUnit(value(row, 'cum_dose_chr'), value(row, 'cum_dose_unit'), drops);
    if (cumulative) {
      drug.drugcumulativedosagenumb = cumulative.amount;
      if (cumulative.unit) drug.drugcumulativedosageunit = cumulative.unit;
    }

    const dosageText = text(value(row, 'dose_vbm'), LIMIT.drugdosagetext, drops);
    if (dosageText) drug.drugdosagetext = dosageText;
    const form = text(value(row, 'dose_form'), LIMIT.drugdosageform, drops);
    if (form) drug.drugdosageform = form;

    const routeRaw = value(row, 'route');
    if (routeRaw !== '') {
      const route = ROUTE_CODE.get(routeRaw.toUpperCase().replace(/\s+/g, ' '));
      if (route) drug.drugadministrationroute = route;
      else drops.add('route_unmapped');
    }

    const rechallenge = code(row, 'rechal');
    if (rechallenge !== '' && !IGNORED_RECHALLENGE.has(rechallenge)) {
      const recurred = coded(rechallenge, RECHALLENGE, drops);
      if (recurred) drug.drugrecurreadministration = recurred;
    }

    drugs.push(drug);
    const seq = value(row, 'drug_seq');
    if (seq !== '' && !bySeq.has(seq)) bySeq.set(seq, drug);
  }

  applyIndications(rows.indi, bySeq, drops);
  applyTherapies(rows.ther, bySeq, drops);
  return drugs;
}

function applyIndications(indi: readonly FaersRow[], bySeq: ReadonlyMap<string, Drug>, drops: Drops): void {
  for (const row of indi) {
    const drug = bySeq.get(value(row, ...INDI_SEQ));
    if (drug === undefined) {
      drops.add('indication_no_drug');
      continue;
    }
    const indication = text(value(row, 'indi_pt'), LIMIT.drugindication, drops);
    if (indication === undefined) continue;
    if (drug.drugindication !== undefined) drops.add('indication_extra');
    else drug.drugindication = indication;
  }
}

interface Therapy {
  start?: PartialDate;
  end?: PartialDate;
  duration?: { amount: string; unit: string };
  rows: number;
}

function applyTherapies(ther: readonly FaersRow[], bySeq: ReadonlyMap<string, Drug>, drops: Drops): void {
  const therapies = new Map<Drug, Therapy>();
  for (const row of ther) {
    const drug = bySeq.get(value(row, ...THER_SEQ));
    if (drug === undefined) {
      drops.add('therapy_no_drug');
      continue;
    }
    let therapy = therapies.get(drug);
    if (therapy === undefined) {
      therapy = { rows: 0 };
      therapies.set(drug, therapy);
    } else {
      drops.add('therapy_merged');
    }
    therapy.rows += 1;
    let start = date(value(row, 'start_dt'), drops);
    let end = date(value(row, 'end_dt'), drops);
    if (start && end && comparePartialDates(start.value, end.value) > 0) {
      // Which one is wrong cannot be known: keep neither.
      drops.add('date_order', 2);
      start = undefined;
      end = undefined;
    }
    if (start && (therapy.start === undefined || comparePartialDates(start.value, therapy.start.value) < 0)) therapy.start = start;
    if (end && (therapy.end === undefined || comparePartialDates(end.value, therapy.end.value) > 0)) therapy.end = end;
    const durationRaw = value(row, 'dur');
    if (durationRaw !== '') {
      const amount = decimal(durationRaw);
      const unit = DURATION_UNIT[code(row, 'dur_cod')];
      if (amount !== undefined && unit !== undefined) therapy.duration = { amount, unit };
      else drops.add('number_invalid');
    }
  }
  for (const [drug, therapy] of therapies) {
    if (therapy.start) {
      drug.drugstartdate = therapy.start.value;
      drug.drugstartdateformat = therapy.start.format;
    }
    if (therapy.end) {
      drug.drugenddate = therapy.end.value;
      drug.drugenddateformat = therapy.end.format;
    }
    // One duration per drug in the model: only meaningful for a single therapy period.
    if (therapy.duration && therapy.rows === 1) {
      drug.drugtreatmentduration = therapy.duration.amount;
      drug.drugtreatmentdurationunit = therapy.duration.unit;
    }
  }
}

interface PartialDate {
  value: string;
  /** E2B date format code: 102 CCYYMMDD, 610 CCYYMM, 602 CCYY. */
  format: string;
}

/** isRealPartialDate, memoised: a quarter has a few thousand distinct dates and millions of date values. */
const dateValidity = new Map<string, boolean>();
function isRealDate(raw: string): boolean {
  let valid = dateValidity.get(raw);
  if (valid === undefined) {
    valid = isRealPartialDate(raw);
    if (dateValidity.size >= 100_000) dateValidity.clear();
    dateValidity.set(raw, valid);
  }
  return valid;
}

const DATE_FORMAT_BY_LENGTH: Readonly<Record<number, string>> = { 8: '102', 6: '610', 4: '602' };

/** A FAERS date (CCYY, CCYYMM or CCYYMMDD) if it is a real one; otherwise dropped and counted. */
function date(raw: string, drops: Drops): PartialDate | undefined {
  if (raw === '') return undefined;
  if (!isRealDate(raw)) {
    drops.add('date_invalid');
    return undefined;
  }
  return { value: raw, format: DATE_FORMAT_BY_LENGTH[raw.length]! };
}

type DateField = 'receivedate' | 'receiptdate' | 'transmissiondate';

function setDate(report: ReportDraft, field: DateField, value: PartialDate | undefined): void {
  if (value === undefined) return;
  report[field] = value.value;
  report[`${field}format`] = value.format;
}

function country(raw: string, drops: Drops): string | undefined {
  if (raw === '') return undefined;
  const upper = raw.toUpperCase();
  if (ISO_COUNTRY_CODES.has(upper)) return upper;
  drops.add('country_not_code');
  return undefined;
}

function coded(raw: string, table: Readonly<Record<string, string>>, drops: Drops): string | undefined {
  if (raw === '') return undefined;
  const mapped = table[raw];
  if (mapped === undefined) drops.add('code_unknown');
  return mapped;
}

/** Free text cut to the schema's limit (counted when cut). */
function text(raw: string, limit: number, drops: Drops): string | undefined {
  if (raw === '') return undefined;
  if (raw.length <= limit) return raw;
  drops.add('value_truncated');
  return raw.slice(0, limit).trimEnd();
}

/** Identifiers are never cut (a cut identifier is a wrong one): too long means dropped. */
function identifier(raw: string, drops: Drops): string | undefined {
  if (raw === '') return undefined;
  if (raw.length <= LIMIT.identifier) return raw;
  drops.add('value_too_long');
  return undefined;
}

function amountWithUnit(amountRaw: string, unitRaw: string, drops: Drops): { amount: string; unit?: string } | undefined {
  if (amountRaw === '') return undefined;
  const amount = decimal(amountRaw);
  if (amount === undefined) {
    drops.add('number_invalid');
    return undefined;
  }
  if (unitRaw === '') return { amount };
  if (unitRaw.length > LIMIT.unit) {
    drops.add('value_too_long');
    return { amount };
  }
  return { amount, unit: unitRaw };
}

/** A non-negative decimal as the schema wants it: at most 6 integer and 4 fraction digits. */
function decimal(raw: string): string | undefined {
  const normalised = raw.replace(',', '.');
  if (!/^[0-9]*\.?[0-9]+$/.test(normalised)) return undefined;
  return decimalOf(Number(normalised));
}

function decimalOf(amount: number, digits = 4): string | undefined {
  if (!Number.isFinite(amount) || amount < 0) return undefined;
  const scale = 10 ** digits;
  const rounded = Math.round(amount * scale) / scale;
  if (rounded >= 1_000_000) return undefined;
  return rounded.toFixed(digits).replace(/\.?0+$/, '');
}
