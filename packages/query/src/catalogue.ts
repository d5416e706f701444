/**
 * The fields a query may name: openFDA's paths (without the search document's `report.` prefix), each with
 * the kind the search engine indexes it as (packages/search-engine/src/mapping.ts; a unit test keeps the two
 * in step). Personal-data fields are not in the mapping and are therefore unknown here: a query can neither
 * match nor probe them, on the engine or on SQL.
 */

/** The two arrays of a report whose elements are `nested` in the engine and can be matched one element at a time. */
export type GroupPath = 'patient.drug' | 'patient.reaction';
export const GROUP_PATHS: readonly GroupPath[] = ['patient.drug', 'patient.reaction'];

/**
 * - `text`: analysed with the standard analyzer (word search); has an `.exact` keyword sub-field unless `exact` is `none`.
 * - `keyword`: whole values, case-sensitive.
 * - `date`: E2B partial date (CCYY, CCYYMM, CCYYMMDD), indexed as its first day.
 * - `number`: a decimal string in the report, a double in the engine.
 */
export type FieldKind = 'text' | 'keyword' | 'date' | 'number';

export interface CatalogueEntry {
  readonly kind: FieldKind;
  /** For `text` fields: the `.exact` sub-field, case-sensitive (`keyword`), lower-cased (`lowercase`) or absent. */
  readonly exact?: 'keyword' | 'lowercase' | 'none';
  /**
   * De-identification keeps only the year of this date (PERSONAL_DATA action `year`), so the engine indexes
   * 1 January of that year; SQL applies the same truncation to the full date it holds.
   */
  readonly yearOnly?: true;
  /**
   * This keyword is the format code of the `yearOnly` date named here (same element): de-identification sets
   * it to 602 (CCYY) whenever it truncates that date, so SQL reads it the same way.
   */
  readonly formatOf?: string;
}

const text = { kind: 'text', exact: 'keyword' } as const;
const keyword = { kind: 'keyword' } as const;
const date = { kind: 'date' } as const;
const number = { kind: 'number' } as const;

const DRUG: Readonly<Record<string, CatalogueEntry>> = {
  drugcharacterization: keyword,
  medicinalproduct: text,
  'activesubstance.activesubstancename': text,
  drugauthorizationnumb: text,
  drugstructuredosagenumb: text,
  drugstructuredosageunit: keyword,
  drugseparatedosagenumb: number,
  drugintervaldosageunitnumb: number,
  drugintervaldosagedefinition: keyword,
  drugcumulativedosagenumb: number,
  drugcumulativedosageunit: keyword,
  drugdosageform: text,
  drugadministrationroute: text,
  drugindication: text,
  drugstartdate: { kind: 'date', yearOnly: true },
  drugstartdateformat: { kind: 'keyword', formatOf: 'drugstartdate' },
  drugenddate: { kind: 'date', yearOnly: true },
  drugenddateformat: { kind: 'keyword', formatOf: 'drugenddate' },
  drugtreatmentduration: text,
  drugtreatmentdurationunit: keyword,
  actiondrug: keyword,
  drugrecurreadministration: keyword,
  drugadditional: keyword,
};

const REACTION: Readonly<Record<string, CatalogueEntry>> = {
  reactionmeddrapt: { kind: 'text', exact: 'lowercase' },
  reactionmeddraversionpt: keyword,
  reactionoutcome: keyword,
  reactionstartdate: { kind: 'date', yearOnly: true },
  reactionstartdateformat: { kind: 'keyword', formatOf: 'reactionstartdate' },
};

const REPORT: Readonly<Record<string, CatalogueEntry>> = {
  safetyreportid: text,
  safetyreportversion: number,
  receivedate: date,
  receivedateformat: keyword,
  receiptdate: date,
  receiptdateformat: keyword,
  transmissiondate: date,
  transmissiondateformat: keyword,
  reporttype: keyword,
  serious: keyword,
  seriousnessdeath: keyword,
  seriousnesslifethreatening: keyword,
  seriousnesshospitalization: keyword,
  seriousnessdisabling: keyword,
  seriousnesscongenitalanomali: keyword,
  seriousnessother: keyword,
  fulfillexpeditecriteria: keyword,
  occurcountry: text,
  primarysourcecountry: text,
  companynumb: text,
  authoritynumb: text,
  duplicate: keyword,
  'reportduplicate.duplicatesource': text,
  'reportduplicate.duplicatenumb': text,
  reportnullificationamendment: keyword,
  'primarysource.qualification': keyword,
  'primarysource.reportercountry': text,
  'primarysource.literaturereference': { kind: 'text', exact: 'none' },
  'sender.sendertype': keyword,
  'sender.senderorganization': text,
  'receiver.receivertype': keyword,
  'receiver.receiverorganization': text,
  'patient.patientonsetage': number,
  'patient.patientonsetageunit': keyword,
  'patient.patientagegroup': keyword,
  'patient.patientsex': keyword,
  'patient.patientweight': number,
  'patient.patientheight': number,
  'patient.patientdeath.patientdeathdate': { kind: 'date', yearOnly: true },
  'patient.patientdeath.patientdeathdateformat': { kind: 'keyword', formatOf: 'patientdeathdate' },
  'patient.patientdeath.patientautopsyyesno': keyword,
};

/** Every queryable base field by its full openFDA path. */
export const FIELD_CATALOGUE: ReadonlyMap<string, CatalogueEntry> = new Map<string, CatalogueEntry>([
  ...Object.entries(REPORT),
  ...Object.entries(DRUG).map(([k, v]) => [`patient.drug.${k}`, v] as const),
  ...Object.entries(REACTION).map(([k, v]) => [`patient.reaction.${k}`, v] as const),
]);

/** A field as a compiler needs it: what it is, where the engine indexes it, where SQL finds it. */
export interface ResolvedField {
  /** The name as written (full path, with `.exact` when given). */
  readonly name: string;
  /** `keyword` for an `.exact` variant. */
  readonly kind: FieldKind;
  /** Field path in the search document, e.g. `report.patient.drug.medicinalproduct.exact`. */
  readonly enginePath: string;
  /** Whole values compared in lower case (the `.exact` of `reactionmeddrapt`). */
  readonly lowercase: boolean;
  /** Set when the field lives in the elements of a nested array. */
  readonly group: GroupPath | undefined;
  /** JSON path of the value: inside an element of `group` when set, else from the report's root. */
  readonly jsonPath: readonly string[];
  readonly yearOnly: boolean;
  /** JSON path (same base as `jsonPath`) of the truncated date whose format code this field is, if any. */
  readonly formatOf: readonly string[] | undefined;
  /** For an `.exact` variant or a keyword: true; for `text`: whether an `.exact` sub-field exists. */
  readonly hasExact: boolean;
}

const EXACT_SUFFIX = '.exact';

/** Looks a field name up (full openFDA path, optionally `.exact`); undefined when unknown. */
export function resolveField(name: string): ResolvedField | undefined {
  const exact = name.endsWith(EXACT_SUFFIX);
  const base = exact ? name.slice(0, -EXACT_SUFFIX.length) : name;
  const entry = FIELD_CATALOGUE.get(base);
  if (!entry) return undefined;
  const group = GROUP_PATHS.find((g) => base.startsWith(`${g}.`));
  const jsonPath = (group ? base.slice(group.length + 1) : base).split('.');
  const formatOf = entry.formatOf === undefined ? undefined : [...jsonPath.slice(0, -1), entry.formatOf];
  const common = { name, group, jsonPath, yearOnly: entry.yearOnly === true, formatOf };
  if (exact) {
    if (entry.kind !== 'text' || entry.exact === 'none' || entry.exact === undefined) return undefined;
    return { ...common, kind: 'keyword', enginePath: `report.${base}${EXACT_SUFFIX}`, lowercase: entry.exact === 'lowercase', hasExact: true };
  }
  return {
    ...common,
    kind: entry.kind,
    enginePath: `report.${base}`,
    lowercase: false,
    hasExact: entry.kind === 'keyword' || (entry.kind === 'text' && entry.exact !== 'none'),
  };
}

/** Every name `resolveField` accepts (base fields and their `.exact` variants), sorted. */
export function queryableFieldNames(): string[] {
  const names: string[] = [];
  for (const [name, entry] of FIELD_CATALOGUE) {
    names.push(name);
    if (entry.kind === 'text' && entry.exact !== 'none') names.push(name + EXACT_SUFFIX);
  }
  return names.sort();
}
