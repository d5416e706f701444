import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { type ErrorCode, type FieldViolation, InputError } from '@vigilo/errors';
import { type AdverseEventReport, SERIOUSNESS_CRITERIA } from './report.js';
import { adverseEventReportSchema } from './schema.js';
import { isRealPartialDate, comparePartialDates } from './dates.js';

const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: false });
ajv.addKeyword({ keyword: 'x-vigilo-pii', schemaType: 'boolean' });
// The pattern keyword reports shape errors; this format only rejects dates
// that have the right shape but do not exist (20170231).
ajv.addFormat('e2b-date', {
  type: 'string',
  validate: (value: string) => !/^[0-9]{4}([0-9]{2}([0-9]{2})?)?$/.test(value) || isRealPartialDate(value),
});
const compiled = ajv.compile(adverseEventReportSchema);
// Valid reports are the hot path: a validator that stops at the first error
// decides; only invalid reports pay for collecting every violation.
const fastAjv = new Ajv2020({ allErrors: false, strict: true, allowUnionTypes: false });
fastAjv.addKeyword({ keyword: 'x-vigilo-pii', schemaType: 'boolean' });
fastAjv.addFormat('e2b-date', { type: 'string', validate: (value: string) => !/^[0-9]{4}([0-9]{2}([0-9]{2})?)?$/.test(value) || isRealPartialDate(value) });
const isValidFast = fastAjv.compile(adverseEventReportSchema);

/** Upper bound of violations reported for one report (the first ones by pointer order). */
export const MAX_VIOLATIONS = 50;

function codeFor(error: ErrorObject): ErrorCode {
  switch (error.keyword) {
    case 'required':
      return 'VIG_REPORT_FIELD_MISSING';
    case 'type':
      return 'VIG_REPORT_FIELD_TYPE';
    case 'enum':
    case 'const':
      return 'VIG_REPORT_FIELD_CODE';
    case 'pattern':
      return 'VIG_REPORT_FIELD_FORMAT';
    case 'format':
      return 'VIG_REPORT_DATE_INVALID';
    case 'additionalProperties':
      return 'VIG_REPORT_FIELD_UNKNOWN';
    case 'minItems':
    case 'minLength':
      return 'VIG_REPORT_FIELD_EMPTY';
    case 'maxItems':
    case 'maxLength':
      return 'VIG_REPORT_FIELD_TOO_LARGE';
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return 'VIG_REPORT_FIELD_RANGE';
    default:
      return 'VIG_REPORT_FIELD_FORMAT';
  }
}

const escapePointerToken = (token: string): string => token.replace(/~/g, '~0').replace(/\//g, '~1');

/** Describes the rule only; never echoes the offending value (it may be personal data). */
function toViolation(error: ErrorObject): FieldViolation {
  const params = error.params as Record<string, unknown>;
  let pointer = error.instancePath;
  let detail: string;
  switch (error.keyword) {
    case 'required':
      pointer += '/' + escapePointerToken(String(params['missingProperty']));
      detail = 'is required';
      break;
    case 'additionalProperties':
      pointer += '/' + escapePointerToken(String(params['additionalProperty']));
      detail = 'is not a field of the report model';
      break;
    case 'type':
      detail = `must be of type ${String(params['type'])}`;
      break;
    case 'enum':
      detail = `must be one of ${(params['allowedValues'] as unknown[]).join(', ')}`;
      break;
    case 'format':
      detail = 'is not a real calendar date';
      break;
    case 'pattern':
      detail = `must match ${String(params['pattern'])}`;
      break;
    default:
      detail = error.message ?? 'is invalid';
  }
  return { pointer: pointer === '' ? '/' : pointer, code: codeFor(error), detail };
}

export type ReportValidation =
  | { readonly ok: true; readonly report: AdverseEventReport }
  | { readonly ok: false; readonly violations: readonly FieldViolation[] };

/**
 * Validates an untrusted value against the report schema, then the rules a
 * schema cannot say (date order, seriousness consistency). Pure.
 */
export function validateReport(input: unknown): ReportValidation {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, violations: [{ pointer: '/', code: 'VIG_REPORT_NOT_OBJECT', detail: 'the report must be a JSON object' }] };
  }
  if (!isValidFast(input) && !compiled(input)) {
    const seen = new Set<string>();
    const violations: FieldViolation[] = [];
    for (const error of compiled.errors ?? []) {
      const violation = toViolation(error);
      const key = `${violation.pointer}\u0000${violation.code}`;
      if (seen.has(key)) continue;
      seen.add(key);
      violations.push(violation);
      if (violations.length >= MAX_VIOLATIONS) break;
    }
    return { ok: false, violations };
  }
  const report = input as AdverseEventReport;
  const violations = businessRuleViolations(report);
  return violations.length ? { ok: false, violations } : { ok: true, report };
}

function businessRuleViolations(report: AdverseEventReport): FieldViolation[] {
  const violations: FieldViolation[] = [];
  if (report.serious === '2') {
    for (const criterion of SERIOUSNESS_CRITERIA) {
      if (report[criterion] === '1') {
        violations.push({
          pointer: `/${criterion}`,
          code: 'VIG_REPORT_SERIOUSNESS_INCONSISTENT',
          detail: 'a seriousness criterion is set while serious is 2 (not serious)',
        });
      }
    }
  }
  report.patient.drug.forEach((drug, index) => {
    if (drug.drugstartdate && drug.drugenddate && comparePartialDates(drug.drugstartdate, drug.drugenddate) > 0) {
      violations.push({
        pointer: `/patient/drug/${index}/drugenddate`,
        code: 'VIG_REPORT_DATE_ORDER',
        detail: 'drugenddate is before drugstartdate',
      });
    }
  });
  return violations;
}

/** Like validateReport, but throws an InputError carrying every violation. */
export function parseReport(input: unknown): AdverseEventReport {
  const result = validateReport(input);
  if (result.ok) return result.report;
  const first = result.violations[0]!;
  throw new InputError(`The report is invalid: ${first.pointer} ${first.detail}`, {
    code: first.code,
    violations: result.violations,
  });
}
