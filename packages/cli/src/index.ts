export { runCli, createProgram, EXIT, DEFAULT_INGEST_URL, DEFAULT_BATCH_SIZE, type CliIo } from './cli.js';
export {
  importFaersQuarter,
  type FaersImportOptions,
  type FaersImportDeps,
  type FaersImportSummary,
  type RejectedSample,
} from './faers-import.js';
export {
  BulkIngestClient,
  parseBulkResponse,
  NDJSON,
  type BulkIngestClientOptions,
  type BulkLineResult,
  type BulkResponse,
  type BulkSummary,
} from './ingest-client.js';
export { createProgress, type Progress, type ProgressCounters, type ProgressOptions, type ProgressStream } from './progress.js';
export { formatImportSummary } from './summary.js';
export { createTenant, listTenants, type TenantCreateOptions } from './tenants.js';
