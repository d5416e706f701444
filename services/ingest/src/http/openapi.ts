import { adverseEventReportSchema } from '@vigilo/domain';

const problem = { $ref: '#/components/schemas/Problem' };
const problemResponse = (description: string) => ({ description, content: { 'application/problem+json': { schema: problem } } });
const tenantParam = { name: 'tenant', in: 'path', required: true, schema: { type: 'string', pattern: '^[a-z](?:[a-z0-9]|-(?=[a-z0-9])){2,39}$' } };
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$' } };
const viewParam = { name: 'view', in: 'query', required: false, schema: { type: 'string', enum: ['full', 'deidentified'], default: 'full' }, description: '`full` requires the pii:read scope; `deidentified` requires read.' };

/** OpenAPI 3.1 description of the ingest API; the report schema is the domain's JSON Schema. */
export function buildOpenApiDocument() {
  const { $schema: _ignored, $id: _id, ...reportSchema } = adverseEventReportSchema;
  const accepted = { $ref: '#/components/schemas/Accepted' };
  const stored = { $ref: '#/components/schemas/StoredReport' };
  return {
    openapi: '3.1.0',
    info: { title: 'Vigilo ingest API', version: '1.0.0', description: 'Adverse event reports into the source of truth. Errors are RFC 9457 problem documents with a stable `code` (see docs/errors.md).' },
    paths: {
      '/v1/tenants/{tenant}/reports': {
        post: {
          summary: 'Store one report version',
          description: 'Stores the version and its outbox row in one transaction. Re-sending a stored version with identical content returns the same answer (200); with different content, 409 VIG_INGEST_VERSION_CONFLICT.',
          parameters: [tenantParam],
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/AdverseEventReport' } } } },
          responses: {
            '201': { description: 'Stored', content: { 'application/json': { schema: accepted } } },
            '200': { description: 'This exact version was already stored', content: { 'application/json': { schema: accepted } } },
            '400': problemResponse('Malformed JSON'),
            '403': problemResponse('Missing scope or other tenant'),
            '404': problemResponse('Unknown tenant'),
            '409': problemResponse('Version conflict'),
            '413': problemResponse('Body too large'),
            '415': problemResponse('Not application/json'),
            '422': problemResponse('Report violates the schema; `errors` lists JSON pointers'),
            '503': problemResponse('Database unavailable; retry'),
          },
        },
      },
      '/v1/tenants/{tenant}/reports/bulk': {
        post: {
          summary: 'Store many report versions from an NDJSON stream',
          description: 'One report per line. Lines are committed in batches; the response streams one result line per input line, in order, then a summary line. Partial success is normal: check each line.',
          parameters: [tenantParam],
          requestBody: { required: true, content: { 'application/x-ndjson': { schema: { type: 'string' } } } },
          responses: {
            '200': { description: 'Per-line results', content: { 'application/x-ndjson': { schema: { oneOf: [{ $ref: '#/components/schemas/BulkLineResult' }, { $ref: '#/components/schemas/BulkSummary' }] } } } },
            '403': problemResponse('Missing scope or other tenant'),
            '404': problemResponse('Unknown tenant'),
            '415': problemResponse('Not application/x-ndjson'),
            '503': problemResponse('Database unavailable before any line was stored'),
          },
        },
      },
      '/v1/tenants/{tenant}/reports/{id}': {
        get: { summary: 'Current version of a report', parameters: [tenantParam, idParam, viewParam], responses: { '200': { description: 'The report', content: { 'application/json': { schema: stored } } }, '403': problemResponse('Missing scope'), '404': problemResponse('No such report') } },
      },
      '/v1/tenants/{tenant}/reports/{id}/versions': {
        get: { summary: 'Every stored version (metadata only)', parameters: [tenantParam, idParam], responses: { '200': { description: 'Versions, oldest first' }, '404': problemResponse('No such report') } },
      },
      '/v1/tenants/{tenant}/reports/{id}/versions/{version}': {
        get: { summary: 'One version of a report', parameters: [tenantParam, idParam, { name: 'version', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } }, viewParam], responses: { '200': { description: 'The version', content: { 'application/json': { schema: stored } } }, '404': problemResponse('No such version') } },
      },
    },
    components: {
      schemas: {
        AdverseEventReport: reportSchema,
        Accepted: {
          type: 'object',
          required: ['safetyreportid', 'safetyreportversion', 'contentHash', 'nullified', 'receivedAt'],
          properties: { safetyreportid: { type: 'string' }, safetyreportversion: { type: 'integer' }, contentHash: { type: 'string' }, nullified: { type: 'boolean' }, receivedAt: { type: 'string', format: 'date-time' } },
        },
        StoredReport: {
          type: 'object',
          properties: { safetyreportid: { type: 'string' }, safetyreportversion: { type: 'integer' }, currentVersion: { type: 'integer' }, nullified: { type: 'boolean' }, contentHash: { type: 'string' }, receivedAt: { type: 'string', format: 'date-time' }, view: { type: 'string' }, report: { $ref: '#/components/schemas/AdverseEventReport' } },
        },
        BulkLineResult: {
          type: 'object',
          required: ['line', 'status', 'outcome'],
          properties: { line: { type: 'integer' }, status: { type: 'integer' }, outcome: { enum: ['created', 'unchanged', 'rejected'] }, code: { type: 'string' }, detail: { type: 'string' }, safetyreportid: { type: 'string' }, safetyreportversion: { type: 'integer' }, errors: { type: 'array' } },
        },
        BulkSummary: { type: 'object', properties: { summary: { type: 'object', properties: { lines: { type: 'integer' }, created: { type: 'integer' }, unchanged: { type: 'integer' }, rejected: { type: 'integer' } } } } },
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'code'],
          properties: {
            type: { type: 'string', format: 'uri' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' }, instance: { type: 'string' }, code: { type: 'string' }, retryable: { type: 'boolean' }, traceId: { type: 'string' }, logId: { type: 'string' },
            errors: { type: 'array', items: { type: 'object', properties: { pointer: { type: 'string' }, code: { type: 'string' }, detail: { type: 'string' } } } },
          },
        },
      },
    },
  };
}
