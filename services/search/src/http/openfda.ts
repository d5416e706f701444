import type { ProblemDocument } from '@vigilo/errors';
import type { ProblemRenderer, Response } from '@vigilo/platform';

/** The `meta` block every openFDA response carries, plus Vigilo's degraded flag. */
export function openFdaMeta(lastUpdated: string, degraded: boolean): Record<string, unknown> {
  return {
    disclaimer: 'Reports are de-identified copies of the tenant\u2019s adverse event reports. A report does not establish that a drug caused the event.',
    terms: 'https://vigilo.dev/terms',
    license: 'https://vigilo.dev/license',
    last_updated: lastUpdated,
    degraded,
  };
}

/** openFDA's error codes by HTTP status; openFDA clients branch on these. */
export function openFdaCode(status: number): string {
  switch (status) {
    case 400:
    case 413:
      return 'BAD_REQUEST';
    case 401:
      return 'UNAUTHORIZED';
    case 403:
      return 'FORBIDDEN';
    case 404:
      return 'NOT_FOUND';
    case 429:
      return 'TOO_MANY_REQUESTS';
    case 503:
      return 'SERVICE_UNAVAILABLE';
    default:
      return 'SERVER_ERROR';
  }
}

/**
 * Errors of the openFDA-compatible endpoint in openFDA's shape, `{"error": {"code", "message"}}`, with
 * Vigilo's stable code and its fields (parameter, position, logId) under `error.details`.
 */
export const renderOpenFdaError: ProblemRenderer = (problem: ProblemDocument, res: Response) => {
  const { type: _type, title, status, detail, instance: _instance, ...details } = problem;
  res.status(status).json({ error: { code: openFdaCode(status), message: detail || title, details } });
};
