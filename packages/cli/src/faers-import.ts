import { basename } from 'node:path';
import { isVigiloError } from '@vigilo/errors';
import {
  FaersStatsCollector,
  inspectFaersQuarter,
  readFaersQuarter,
  type FaersDropReason,
  type FaersFormat,
  type FaersJoinStrategy,
  type FaersReadDiagnostics,
  type FaersSkipReason,
} from '@vigilo/faers';
import { BulkIngestClient, type BulkIngestClientOptions, type BulkLineResult } from './ingest-client.js';
import type { Progress } from './progress.js';

export interface FaersImportOptions {
  readonly zipPath: string;
  readonly tenant: string;
  readonly ingestUrl: string;
  readonly batchSize: number;
  readonly token?: string;
  /**
   * Talk to the ingest service directly (local mode, no proxy): send the
   * identity headers the proxy would set, X-Vigilo-Tenant (the tenant) and
   * X-Vigilo-Scopes (these scopes, e.g. `write`). See docs/adr/0004.
   */
  readonly scopes?: string;
  readonly join?: FaersJoinStrategy;
  /** Stops reading; the batch in flight is finished, then the import ends as interrupted. */
  readonly signal?: AbortSignal;
}

export interface FaersImportDeps {
  readonly progress: Progress;
  /** Options handed to the ingest client (fetch, sleep, timeouts) besides URL and token. */
  readonly client?: Omit<BulkIngestClientOptions, 'baseUrl' | 'token'>;
}

/** A rejected line, identified by ids only (no report content). */
export interface RejectedSample {
  readonly safetyreportid: string | undefined;
  readonly safetyreportversion: number | undefined;
  readonly status: number;
  readonly code: string;
}

export interface FaersImportSummary {
  readonly zip: string;
  readonly tenant: string;
  readonly format: FaersFormat;
  readonly quarter: string | undefined;
  /** DEMO rows read: one record each. */
  readonly records: number;
  /** Distinct case ids read. */
  readonly casesRead: number;
  /** Reports (versions) sent to the ingest service and answered. */
  readonly versionsSent: number;
  readonly created: number;
  readonly unchanged: number;
  readonly rejected: number;
  readonly rejectedByCode: Readonly<Record<string, number>>;
  /** The first rejected lines, for a look at the service's logs. */
  readonly rejectedSamples: readonly RejectedSample[];
  readonly skippedByReason: Readonly<Partial<Record<FaersSkipReason, number>>>;
  readonly droppedByReason: Readonly<Partial<Record<FaersDropReason, number>>>;
  /** Batches sent (each one request, plus retries). */
  readonly batches: number;
  /** HTTP requests made, retries included. */
  readonly requests: number;
  readonly retries: number;
  /** Rows of side tables with no DEMO row, and lines that could not be parsed, per table. */
  readonly orphanRows: number;
  readonly malformedLines: number;
  /** `completed`, `failed` (a request or the file failed), `interrupted` (signal). */
  readonly status: 'completed' | 'failed' | 'interrupted';
  readonly failure?: { readonly code: string; readonly message: string; readonly status?: number };
}

const MAX_SAMPLES = 10;

/**
 * Streams a quarter into the ingest service: reads records, sends reports in
 * batches of `batchSize` NDJSON lines (one request per batch, the next batch
 * read while the previous one is in flight), aggregates the per-line results.
 * Stops at the first request that fails for good; never throws for a failed
 * request or an unreadable file (the summary says `failed`).
 */
export async function importFaersQuarter(options: FaersImportOptions, deps: FaersImportDeps): Promise<FaersImportSummary> {
  const { progress } = deps;
  let retries = 0;
  const client = new BulkIngestClient({
    ...deps.client,
    baseUrl: options.ingestUrl,
    ...(options.token ? { token: options.token } : {}),
    ...(options.scopes ? { headers: { 'x-vigilo-tenant': options.tenant, 'x-vigilo-scopes': options.scopes } } : {}),
    onRetry: (event) => {
      retries += 1;
      progress.note(`retrying a batch in ${event.delayMs} ms after attempt ${event.attempt} failed (${event.reason})`);
      deps.client?.onRetry?.(event);
    },
  });

  const stats = new FaersStatsCollector();
  const counts = { sent: 0, created: 0, unchanged: 0, rejected: 0, batches: 0, requests: 0 };
  const rejectedByCode: Record<string, number> = {};
  const rejectedSamples: RejectedSample[] = [];
  let failure: FaersImportSummary['failure'];
  let interrupted = false;
  let format: FaersFormat = 'faers';
  let quarter: string | undefined;
  let diagnostics: FaersReadDiagnostics | undefined;
  let read = 0;
  let skipped = 0;

  const report = () => progress.update({ read, sent: counts.sent, rejected: counts.rejected, skipped });
  const account = (results: readonly BulkLineResult[]) => {
    for (const result of results) {
      counts[result.outcome] += 1;
      if (result.outcome !== 'rejected') continue;
      const code = result.code ?? `HTTP_${result.status}`;
      rejectedByCode[code] = (rejectedByCode[code] ?? 0) + 1;
      if (rejectedSamples.length < MAX_SAMPLES) {
        rejectedSamples.push({
          safetyreportid: result.safetyreportid,
          safetyreportversion: result.safetyreportversion,
          status: result.status,
          code,
        });
      }
    }
  };

  // One batch in flight while the next is read. Its failure is recorded, never left unhandled.
  let inflight: Promise<void> | undefined;
  const send = async (lines: string[]): Promise<void> => {
    if (inflight) await inflight;
    if (failure) return;
    counts.batches += 1;
    inflight = client.postBulk(options.tenant, lines).then(
      (response) => {
        counts.requests += response.attempts;
        counts.sent += lines.length;
        account(response.results);
        report();
      },
      (error: unknown) => {
        const attempts = isVigiloError(error) ? error.fields['attempts'] : undefined;
        counts.requests += typeof attempts === 'number' ? attempts : 1;
        failure = describe(error);
      },
    );
  };

  try {
    const info = await inspectFaersQuarter(options.zipPath);
    format = info.format;
    quarter = info.quarter;
    progress.start(info.demoRows);
    const reader = readFaersQuarter(options.zipPath, { info, ...(options.join ? { join: options.join } : {}) });
    diagnostics = reader.diagnostics;
    let batch: string[] = [];
    for await (const record of reader) {
      diagnostics = reader.diagnostics;
      read += 1;
      stats.add(record);
      if (record.kind === 'report') {
        batch.push(JSON.stringify(record.report));
        if (batch.length >= options.batchSize) {
          await send(batch);
          batch = [];
        }
      } else {
        skipped += 1;
      }
      if ((read & 0xff) === 0) report();
      if (failure) break;
      if (options.signal?.aborted) {
        interrupted = true;
        break;
      }
    }
    diagnostics = reader.diagnostics;
    if (batch.length > 0 && !failure && !interrupted) await send(batch);
  } catch (error) {
    failure = describe(error);
  } finally {
    if (inflight) await inflight;
    report();
    progress.stop();
  }

  const result = stats.result();
  const tables = diagnostics ? Object.values(diagnostics.tables) : [];
  return {
    zip: basename(options.zipPath),
    tenant: options.tenant,
    format,
    quarter,
    records: result.records,
    casesRead: result.casesRead,
    versionsSent: counts.sent,
    created: counts.created,
    unchanged: counts.unchanged,
    rejected: counts.rejected,
    rejectedByCode,
    rejectedSamples,
    skippedByReason: result.skipped,
    droppedByReason: result.dropped,
    batches: counts.batches,
    requests: counts.requests,
    retries,
    orphanRows: tables.reduce((sum, t) => sum + t.orphanRows, 0),
    malformedLines: tables.reduce((sum, t) => sum + t.malformedLines, 0),
    status: failure ? 'failed' : interrupted ? 'interrupted' : 'completed',
    ...(failure ? { failure } : {}),
  };
}

/** Code, status and message of an error; messages of Vigilo errors carry no personal data. */
function describe(error: unknown): NonNullable<FaersImportSummary['failure']> {
  if (isVigiloError(error)) {
    // Only an HTTP status the service actually sent; not the registry's status of the code.
    const status = error.fields['status'];
    return { code: error.code, message: error.message, ...(typeof status === 'number' ? { status } : {}) };
  }
  return { code: 'VIG_INTERNAL', message: error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error' };
}
