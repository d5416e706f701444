import type { AdverseEventReport } from './report.js';
import { adverseEventReportSchema } from './schema.js';

/**
 * What happens to a personal-data field on its way out of SQL.
 * - `remove`: the field is dropped.
 * - `year`: a date is reduced to its year (CCYY), its format code set to 602.
 */
export type PersonalDataAction = 'remove' | 'year';

export interface PersonalDataField {
  /** Dotted path; `[]` steps into every element of an array. */
  readonly path: string;
  readonly action: PersonalDataAction;
  readonly why: string;
}

/**
 * THE declared list of personal data in a report. Everything here is removed
 * or generalised by `deidentify()`, whose output is all that may reach the
 * search engine, logs, metrics or error bodies. Adding a field to the model
 * that holds personal data means adding it here (a test fails otherwise: the
 * schema's `x-vigilo-pii` marks must match this list).
 */
export const PERSONAL_DATA: readonly PersonalDataField[] = Object.freeze([
  { path: 'reportnullificationamendmentreason', action: 'remove', why: 'free text' },
  { path: 'primarysource.reportertitle', action: 'remove', why: 'reporter identity' },
  { path: 'primarysource.reportergivename', action: 'remove', why: 'reporter name' },
  { path: 'primarysource.reportermiddlename', action: 'remove', why: 'reporter name' },
  { path: 'primarysource.reporterfamilyname', action: 'remove', why: 'reporter name' },
  { path: 'primarysource.reporterorganization', action: 'remove', why: 'reporter contact' },
  { path: 'primarysource.reporterdepartment', action: 'remove', why: 'reporter contact' },
  { path: 'primarysource.reporterstreet', action: 'remove', why: 'reporter contact' },
  { path: 'primarysource.reportercity', action: 'remove', why: 'reporter contact' },
  { path: 'primarysource.reporterstate', action: 'remove', why: 'reporter contact' },
  { path: 'primarysource.reporterpostcode', action: 'remove', why: 'reporter contact' },
  { path: 'primarysource.reportertel', action: 'remove', why: 'reporter contact' },
  { path: 'primarysource.reporteremail', action: 'remove', why: 'reporter contact' },
  { path: 'patient.patientinitial', action: 'remove', why: 'patient identifier' },
  { path: 'patient.patientgpmedicalrecordnumb', action: 'remove', why: 'patient identifier' },
  { path: 'patient.patientspecialistrecordnumb', action: 'remove', why: 'patient identifier' },
  { path: 'patient.patienthospitalrecordnumb', action: 'remove', why: 'patient identifier' },
  { path: 'patient.patientinvestigationnumb', action: 'remove', why: 'patient identifier' },
  { path: 'patient.patientbirthdate', action: 'remove', why: 'exact birth date; the onset age is kept' },
  { path: 'patient.patientbirthdateformat', action: 'remove', why: 'belongs to the removed birth date' },
  { path: 'patient.patientlastmenstrualdate', action: 'remove', why: 'exact date about the patient' },
  { path: 'patient.patientdeath.patientdeathdate', action: 'year', why: 'exact date about the patient' },
  { path: 'patient.parent', action: 'remove', why: 'parent data' },
  { path: 'patient.summary', action: 'remove', why: 'narrative and comments are free text' },
  { path: 'patient.drug[].drugbatchnumb', action: 'remove', why: 'batch numbers are traceable to a patient' },
  { path: 'patient.drug[].drugdosagetext', action: 'remove', why: 'free text' },
  { path: 'patient.drug[].drugstartdate', action: 'year', why: 'exact date about the patient' },
  { path: 'patient.drug[].drugenddate', action: 'year', why: 'exact date about the patient' },
  { path: 'patient.reaction[].primarysourcereaction', action: 'remove', why: 'free text' },
  { path: 'patient.reaction[].reactionstartdate', action: 'year', why: 'exact date about the patient' },
]);

/** A report with every personal-data field removed or generalised. */
export type DeidentifiedReport = AdverseEventReport;

type JsonObject = Record<string, unknown>;
type SchemaNode = { type?: string; properties?: Record<string, SchemaNode>; items?: SchemaNode };

/**
 * Copies only what the schema declares, so an unexpected field (from an older
 * row, a bug, a future model) can never pass through by accident.
 */
function projectOntoSchema(value: unknown, schema: SchemaNode): unknown {
  if (schema.type === 'object' && schema.properties) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    const out: JsonObject = {};
    for (const [key, child] of Object.entries(schema.properties)) {
      const projected = projectOntoSchema((value as JsonObject)[key], child);
      if (projected !== undefined) out[key] = projected;
    }
    return out;
  }
  if (schema.type === 'array' && schema.items) {
    if (!Array.isArray(value)) return undefined;
    return value.map((item) => projectOntoSchema(item, schema.items!)).filter((item) => item !== undefined);
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return undefined;
}

function applyAt(node: unknown, steps: readonly string[], field: PersonalDataField): void {
  if (node === null || typeof node !== 'object') return;
  const [step, ...rest] = steps;
  if (step === undefined) return;
  const isArrayStep = step.endsWith('[]');
  const key = isArrayStep ? step.slice(0, -2) : step;
  const obj = node as JsonObject;
  if (isArrayStep) {
    const items = obj[key];
    if (Array.isArray(items)) for (const item of items) applyAt(item, rest, field);
    return;
  }
  if (rest.length > 0) {
    applyAt(obj[key], rest, field);
    return;
  }
  if (!(key in obj)) return;
  if (field.action === 'remove') {
    delete obj[key];
  } else {
    const value = obj[key];
    if (typeof value === 'string' && value.length >= 4) {
      obj[key] = value.slice(0, 4);
      if (`${key}format` in obj) obj[`${key}format`] = '602';
    } else {
      delete obj[key];
    }
  }
}

/**
 * The one de-identification function. Pure and deterministic; the input is
 * not modified. Its output is what the search engine receives.
 */
export function deidentify(report: AdverseEventReport): DeidentifiedReport {
  const copy = projectOntoSchema(report, adverseEventReportSchema as unknown as SchemaNode) as JsonObject;
  for (const field of PERSONAL_DATA) applyAt(copy, field.path.split('.'), field);
  return copy as unknown as DeidentifiedReport;
}
