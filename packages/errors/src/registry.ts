/**
 * The one registry of stable error codes. A code, once published, is never
 * reused for another meaning; retired codes stay here with `retired: true`.
 * `docs/errors.md` must list exactly these codes (enforced by a test).
 */
export interface ErrorCodeSpec {
  /** HTTP status the code maps to. */
  readonly status: number;
  /** Short, stable, human-readable summary (RFC 9457 `title`). */
  readonly title: string;
  /** Whether retrying the same request later may succeed. */
  readonly retryable: boolean;
  readonly retired?: boolean;
}

export const ERROR_CODES = {
  VIG_INTERNAL: { status: 500, title: 'Internal error', retryable: true },
  VIG_CONFIG_INVALID: { status: 500, title: 'Invalid configuration', retryable: false },
  VIG_UNAVAILABLE: { status: 503, title: 'Service unavailable', retryable: true },
  VIG_NOT_FOUND: { status: 404, title: 'Not found', retryable: false },
  VIG_ROUTE_NOT_FOUND: { status: 404, title: 'No such route', retryable: false },
  VIG_METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed', retryable: false },
  VIG_AUTH_REQUIRED: { status: 401, title: 'Authentication required', retryable: false },
  VIG_FORBIDDEN_SCOPE: { status: 403, title: 'Missing scope', retryable: false },
  VIG_FORBIDDEN_TENANT: { status: 403, title: 'Credential is bound to another tenant', retryable: false },
  VIG_REQUEST_BODY_TOO_LARGE: { status: 413, title: 'Request body too large', retryable: false },
  VIG_REQUEST_UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type', retryable: false },
  VIG_REQUEST_MALFORMED_JSON: { status: 400, title: 'Malformed JSON', retryable: false },
  VIG_REQUEST_INVALID_PARAMETER: { status: 400, title: 'Invalid parameter', retryable: false },
  VIG_REQUEST_TIMEOUT: { status: 408, title: 'Request timeout', retryable: true },
  VIG_TENANT_INVALID_ID: { status: 400, title: 'Invalid tenant identifier', retryable: false },
  VIG_TENANT_NOT_FOUND: { status: 404, title: 'Unknown tenant', retryable: false },
  VIG_TENANT_NOT_ACTIVE: { status: 409, title: 'Tenant is not active', retryable: false },
  VIG_TENANT_EXISTS: { status: 409, title: 'Tenant already exists', retryable: false },
  VIG_REPORT_NOT_OBJECT: { status: 422, title: 'Report is not a JSON object', retryable: false },
  VIG_REPORT_FIELD_MISSING: { status: 422, title: 'Required field missing', retryable: false },
  VIG_REPORT_FIELD_TYPE: { status: 422, title: 'Field has the wrong type', retryable: false },
  VIG_REPORT_FIELD_FORMAT: { status: 422, title: 'Field has the wrong format', retryable: false },
  VIG_REPORT_FIELD_CODE: { status: 422, title: 'Field holds an unknown code', retryable: false },
  VIG_REPORT_FIELD_UNKNOWN: { status: 422, title: 'Unknown field', retryable: false },
  VIG_REPORT_FIELD_EMPTY: { status: 422, title: 'Field must not be empty', retryable: false },
  VIG_REPORT_FIELD_TOO_LARGE: { status: 422, title: 'Field is too large', retryable: false },
  VIG_REPORT_FIELD_RANGE: { status: 422, title: 'Field is out of range', retryable: false },
  VIG_REPORT_DATE_INVALID: { status: 422, title: 'Date does not exist', retryable: false },
  VIG_REPORT_DATE_ORDER: { status: 422, title: 'Dates are in the wrong order', retryable: false },
  VIG_REPORT_SERIOUSNESS_INCONSISTENT: { status: 422, title: 'Seriousness criteria contradict the serious flag', retryable: false },
  VIG_REPORT_NOT_FOUND: { status: 404, title: 'Report not found', retryable: false },
  VIG_REPORT_VERSION_NOT_FOUND: { status: 404, title: 'Report version not found', retryable: false },
  VIG_INGEST_VERSION_CONFLICT: { status: 409, title: 'Version already stored with different content', retryable: false },
  VIG_INGEST_BULK_LINE_TOO_LARGE: { status: 413, title: 'Bulk line too large', retryable: false },
  VIG_INGEST_BULK_TOO_MANY_LINES: { status: 413, title: 'Too many lines in one bulk request', retryable: false },
  VIG_FAERS_FILE_INVALID: { status: 400, title: 'FAERS quarter file cannot be read', retryable: false },
  VIG_QUEUE_NAME_RESERVED: { status: 409, title: 'Queue name still reserved by a deleted queue', retryable: false },
  VIG_ROLLOUT_CONFLICT: { status: 409, title: 'Index rollout in an unexpected state', retryable: false },
  VIG_QUERY_SYNTAX: { status: 400, title: 'Search query syntax error', retryable: false },
  VIG_QUERY_UNKNOWN_FIELD: { status: 400, title: 'Unknown field in a query', retryable: false },
  VIG_QUERY_BAD_VALUE: { status: 400, title: 'Value does not fit its field', retryable: false },
  VIG_QUERY_TOO_COMPLEX: { status: 400, title: 'Query exceeds a limit', retryable: false },
  VIG_QUERY_BAD_COUNT: { status: 400, title: 'Invalid count parameter', retryable: false },
  VIG_QUERY_BAD_SORT: { status: 400, title: 'Invalid sort parameter', retryable: false },
  VIG_QUERY_BAD_PAGING: { status: 400, title: 'Invalid limit, skip or cursor', retryable: false },
  VIG_SEARCH_NO_MATCHES: { status: 404, title: 'No matches found', retryable: false },
  VIG_SIGNAL_BAD_PARAMETER: { status: 400, title: 'Invalid signal parameter', retryable: false },
  VIG_AUTH_INVALID: { status: 401, title: 'Invalid credential', retryable: false },
  VIG_RATE_LIMITED: { status: 429, title: 'Rate limit exceeded', retryable: true },
  VIG_PROXY_ENGINE_FORBIDDEN: { status: 403, title: 'Engine request not allowed', retryable: false },
  VIG_PROXY_UPSTREAM_UNAVAILABLE: { status: 502, title: 'Upstream service unreachable', retryable: true },
  VIG_PROXY_UPSTREAM_TIMEOUT: { status: 504, title: 'Upstream service timed out', retryable: true },
} as const satisfies Record<string, ErrorCodeSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CODES, value);
}

export function specOf(code: ErrorCode): ErrorCodeSpec {
  return ERROR_CODES[code];
}
