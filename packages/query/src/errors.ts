import { InputError } from '@vigilo/errors';

export type QueryErrorCode =
  | 'VIG_QUERY_SYNTAX'
  | 'VIG_QUERY_UNKNOWN_FIELD'
  | 'VIG_QUERY_BAD_VALUE'
  | 'VIG_QUERY_TOO_COMPLEX'
  | 'VIG_QUERY_BAD_COUNT'
  | 'VIG_QUERY_BAD_SORT'
  | 'VIG_QUERY_BAD_PAGING';

/** The request parameter an error is about. */
export type QueryParameter = 'search' | 'count' | 'sort' | 'limit' | 'skip' | 'after';

/**
 * A bad search request. `position` is the 0-based offset of the problem in the decoded parameter value
 * (`+` already turned into a space), so a client can point at it; both go into the problem document as
 * fields. Messages name fields and limits, never values from stored reports.
 */
export class QueryError extends InputError {
  readonly parameter: QueryParameter;
  readonly position: number;

  constructor(code: QueryErrorCode, message: string, where: { parameter: QueryParameter; position: number; limit?: string }) {
    super(message, { code, fields: { parameter: where.parameter, position: where.position, ...(where.limit ? { limit: where.limit } : {}) } });
    this.parameter = where.parameter;
    this.position = where.position;
  }
}
