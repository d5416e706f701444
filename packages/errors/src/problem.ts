import { isVigiloError, type FieldViolation, VigiloError } from './errors.js';
import { ERROR_CODES, type ErrorCode, isErrorCode } from './registry.js';

/** Base of the `type` URI of every problem document. */
export const PROBLEM_TYPE_BASE = 'https://vigilo.dev/problems/';
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** RFC 9457 problem document with Vigilo's extensions. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  code: ErrorCode;
  retryable: boolean;
  traceId?: string;
  logId?: string;
  errors?: FieldViolation[];
  [extension: string]: unknown;
}

export function problemTypeFor(code: ErrorCode): string {
  return PROBLEM_TYPE_BASE + code.toLowerCase().replace(/_/g, '-');
}

export interface ToProblemOptions {
  instance?: string;
  traceId?: string;
  logId?: string;
}

/**
 * Turns any thrown value into a problem document. Unknown errors become
 * VIG_INTERNAL and reveal nothing of the original (it must be logged by the
 * caller under `logId`).
 */
export function toProblem(error: unknown, options: ToProblemOptions = {}): ProblemDocument {
  const known = isVigiloError(error) && isErrorCode(error.code);
  const code: ErrorCode = known ? (error as VigiloError).code : 'VIG_INTERNAL';
  const spec = ERROR_CODES[code];
  const doc: ProblemDocument = {
    type: problemTypeFor(code),
    title: spec.title,
    status: spec.status,
    detail: known ? (error as VigiloError).message : 'An internal error occurred; quote logId when reporting it.',
    code,
    retryable: spec.retryable,
  };
  if (options.instance !== undefined) doc.instance = options.instance;
  if (options.traceId !== undefined) doc.traceId = options.traceId;
  if (!known && options.logId !== undefined) doc.logId = options.logId;
  if (known) {
    const e = error as VigiloError;
    if (e.violations.length > 0) doc.errors = [...e.violations];
    for (const [key, value] of Object.entries(e.fields)) {
      if (value !== undefined && !(key in doc)) doc[key] = value;
    }
  }
  return doc;
}

/** Parses a problem document (e.g. from an HTTP response) back into an error. */
export function fromProblem(doc: unknown): VigiloError {
  if (typeof doc !== 'object' || doc === null) {
    return new VigiloError('VIG_INTERNAL', 'Response was not a problem document');
  }
  const p = doc as Partial<ProblemDocument>;
  const code = isErrorCode(p.code) ? p.code : 'VIG_INTERNAL';
  return new VigiloError(code, typeof p.detail === 'string' ? p.detail : (p.title ?? code), {
    violations: Array.isArray(p.errors) ? p.errors : [],
  });
}
