import { InputError, type ErrorFields } from '@vigilo/errors';

/**
 * Why a quarter file cannot be read at all. Carried as `fields.faersProblem`
 * on an `InputError` with code `VIG_FAERS_FILE_INVALID`.
 */
export type FaersFileProblem =
  /** The file is not a readable zip archive. */
  | 'archive_invalid'
  /** One of the seven tables is missing from the archive. */
  | 'table_missing'
  /** Two files in the archive claim the same table. */
  | 'table_ambiguous'
  /** A table's header row is missing or lacks its key column, or the tables mix FAERS and AERS. */
  | 'header_invalid'
  /** A table is not sorted by its key (primaryid / ISR) in the order of DEMO; a merge join is impossible. */
  | 'table_unsorted';

export const FAERS_FILE_ERROR_CODE = 'VIG_FAERS_FILE_INVALID' as const;

/** Builds the error thrown for an unreadable quarter. Messages name tables, lines and keys, never field values. */
export function faersFileError(problem: FaersFileProblem, message: string, fields: ErrorFields = {}, cause?: unknown): InputError {
  return new InputError(message, {
    code: FAERS_FILE_ERROR_CODE,
    fields: { faersProblem: problem, ...fields },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** The `faersProblem` of an error thrown by this package, if it is one. */
export function faersProblemOf(error: unknown): FaersFileProblem | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const fields = (error as { fields?: unknown }).fields;
  if (typeof fields !== 'object' || fields === null) return undefined;
  const problem = (fields as Record<string, unknown>)['faersProblem'];
  return typeof problem === 'string' ? (problem as FaersFileProblem) : undefined;
}
