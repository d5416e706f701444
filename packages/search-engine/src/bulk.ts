import type { BulkItemOutcome, BulkOperation } from './ports.js';

/**
 * Building a `_bulk` request and reading its answer, engine-independently.
 * Every item is an `index` action through the tenant's write alias with
 * `version_type: external`, `version` = the report version and `_id` = the
 * safetyreportid; the request is sent with `require_alias=true`, so a missing
 * write alias can never auto-create an index under the alias's name.
 */

/** Upper bound of an external version (a Java long). */
const MAX_EXTERNAL_VERSION = Number.MAX_SAFE_INTEGER;
/** Lucene's limit on `_id`, in UTF-8 bytes. */
const MAX_ID_BYTES = 512;

/**
 * Why an operation cannot be sent, or undefined when it can. Checked before sending, so that a
 * caller's mistake (a document of another tenant, an id or version that disagrees with the document)
 * never reaches the engine. The answer names the rule, never a value.
 */
export function invalidOperationReason(tenant: string, operation: BulkOperation): string | undefined {
  const { id, version, document } = operation;
  if (typeof id !== 'string' || id.length === 0 || Buffer.byteLength(id, 'utf8') > MAX_ID_BYTES) return 'invalid_operation: id';
  if (!Number.isSafeInteger(version) || version < 1 || version > MAX_EXTERNAL_VERSION) return 'invalid_operation: version';
  if (document?.vigilo?.tenant !== tenant) return 'invalid_operation: document of another tenant';
  if (document.vigilo.safetyreportid !== id) return 'invalid_operation: id differs from vigilo.safetyreportid';
  if (document.vigilo.version !== version) return 'invalid_operation: version differs from vigilo.version';
  if (document.vigilo.nullified !== (document.report === undefined)) {
    return 'invalid_operation: a tombstone has no report, a live document has one';
  }
  return undefined;
}

/** The action line of one operation. */
export function bulkActionLine(writeAlias: string, operation: BulkOperation): Record<string, unknown> {
  return { index: { _index: writeAlias, _id: operation.id, version: operation.version, version_type: 'external' } };
}

/** The NDJSON lines (as objects) of a `_bulk` request: action, document, action, document... */
export function buildBulkBody(writeAlias: string, operations: readonly BulkOperation[]): unknown[] {
  const lines: unknown[] = [];
  for (const operation of operations) lines.push(bulkActionLine(writeAlias, operation), operation.document);
  return lines;
}

/** Query parameters of every `_bulk`. */
export const BULK_QUERYSTRING: Readonly<Record<string, string>> = Object.freeze({ require_alias: 'true' });

/** Error types of bulk items that trying again later may fix, whatever their status. */
const RETRYABLE_ITEM_ERRORS = new Set([
  'es_rejected_execution_exception', // Elasticsearch: write thread pool queue full (429)
  'rejected_execution_exception', // OpenSearch's name for the same
  'opensearch_rejected_execution_exception',
  'unavailable_shards_exception', // primary not active yet (503)
  'no_shard_available_action_exception',
  'circuit_breaking_exception', // memory pressure (429)
  'cluster_block_exception', // read-only or disk flood-stage blocks: operational, lifted by an operator
  'node_not_connected_exception',
  'node_closed_exception',
  'process_cluster_event_timeout_exception',
  'index_not_found_exception', // write alias missing: tenant not provisioned yet (require_alias)
]);

/** The part of one bulk response item the interpretation reads (`items[i].index`). */
export interface BulkResponseItem {
  readonly status?: unknown;
  readonly error?: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** An engine error type is an identifier (`version_conflict_engine_exception`); anything else is not passed on. */
function safeErrorType(error: unknown): string {
  const type = isRecord(error) ? error['type'] : undefined;
  return typeof type === 'string' && /^[a-z][a-z0-9_]{0,99}$/.test(type) ? type : 'unknown_error';
}

const FIELD_PATH = '[A-Za-z0-9_.]{1,200}';
const PARSE_FIELD = new RegExp(`failed to parse field \\[(${FIELD_PATH})\\]`);
const DYNAMIC_FIELD = new RegExp(`dynamic introduction of \\[(${FIELD_PATH})\\] within \\[(${FIELD_PATH})\\]`);

/**
 * The field path a mapping error is about, taken from the engine's reason (which may also quote
 * the value: only the bracketed path, restricted to identifier characters, is kept).
 */
export function mappingErrorField(error: unknown): string | undefined {
  const reason = isRecord(error) ? error['reason'] : undefined;
  if (typeof reason !== 'string') return undefined;
  const dynamic = DYNAMIC_FIELD.exec(reason);
  if (dynamic) return dynamic[2] === '_doc' ? dynamic[1] : `${dynamic[2]}.${dynamic[1]}`;
  return PARSE_FIELD.exec(reason)?.[1];
}

/** The outcome of one bulk item (`items[i].index` of the response). */
export function interpretBulkItem(id: string, item: BulkResponseItem | undefined): BulkItemOutcome {
  const status = typeof item?.status === 'number' ? item.status : 0;
  if (!item?.error && (status === 200 || status === 201)) return { id, outcome: 'written' };
  const type = safeErrorType(item?.error);
  if (status === 409 && type === 'version_conflict_engine_exception') return { id, outcome: 'stale' };
  const retryable = status === 429 || status >= 500 || RETRYABLE_ITEM_ERRORS.has(type);
  const field = status === 400 ? mappingErrorField(item?.error) : undefined;
  const reason = `${status || 'no status'} ${type}${field ? ` at ${field}` : ''}`;
  return { id, outcome: 'failed', retryable, reason };
}

/**
 * Outcomes of a `_bulk` response for the operations that were sent, in order. Throws TypeError
 * when the response does not have one item per operation (the adapter turns it into VIG_INTERNAL).
 */
export function interpretBulkResponse(sent: readonly BulkOperation[], body: unknown): BulkItemOutcome[] {
  const items = isRecord(body) ? body['items'] : undefined;
  if (!Array.isArray(items) || items.length !== sent.length) {
    throw new TypeError(`bulk response has ${Array.isArray(items) ? items.length : 'no'} items for ${sent.length} operations`);
  }
  return sent.map((operation, i) => {
    const entry: unknown = items[i];
    const item = isRecord(entry) && isRecord(entry['index']) ? (entry['index'] as BulkResponseItem) : undefined;
    return interpretBulkItem(operation.id, item);
  });
}
