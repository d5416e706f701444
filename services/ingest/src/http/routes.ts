import { once } from 'node:events';
import { type StoredReport, type TenantId, deidentify, parseTenantId } from '@vigilo/domain';
import { ConflictError, InputError, NotFoundError, UnavailableError, isVigiloError, ERROR_CODES } from '@vigilo/errors';
import { type Express, type Request, type Response, authorize, currentTraceparent, express, requireContentType } from '@vigilo/platform';
import { type Candidate, IngestService, type LineResult, candidateOfLine, prepare } from '../core/ingest.js';
import type { LinePreparer } from '../core/linePreparer.js';
import { splitNdjson } from './ndjson.js';
import { buildOpenApiDocument } from './openapi.js';

export interface RouteOptions {
  maxReportBytes: number;
  maxBulkLines: number;
  bulkBatchSize: number;
  /** Parses and validates bulk lines (inline or on worker threads). */
  preparer: LinePreparer;
}

/**
 * Batches of one bulk request in flight at once: while one batch is stored, the next is validated on a
 * worker thread and the lines after it are read. Batches are stored one after the other, in input order.
 */
const BULK_BATCHES_IN_FLIGHT = 2;

/** One bulk line waiting in a batch: its text to validate, or its result when it was refused before that. */
type PendingLine = { readonly line: number; readonly text: string } | { readonly line: number; readonly result: LineResult };

const REPORT_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

function tenantOf(req: Request): TenantId {
  return parseTenantId(req.params['tenant']);
}

function reportIdOf(req: Request): string {
  const id = req.params['id'];
  if (typeof id !== 'string' || !REPORT_ID.test(id)) {
    throw new InputError('safetyreportid must be 1-100 characters of letters, digits and . _ : -', { fields: { parameter: 'id' } });
  }
  return id;
}

function versionOf(req: Request): number {
  const raw = req.params['version'];
  if (typeof raw !== 'string' || !/^[1-9][0-9]{0,5}$/.test(raw)) {
    throw new InputError('version must be a positive integer', { fields: { parameter: 'version' } });
  }
  return Number(raw);
}

type View = 'full' | 'deidentified';

function viewOf(req: Request): View {
  const view = req.query['view'] ?? 'full';
  if (view !== 'full' && view !== 'deidentified') {
    throw new InputError('view must be full or deidentified', { fields: { parameter: 'view' } });
  }
  return view;
}

/** The public shape of a stored result line (no internal-only fields). */
function acceptedBody(result: Extract<LineResult, { outcome: 'created' | 'unchanged' }>) {
  return {
    safetyreportid: result.safetyreportid,
    safetyreportversion: result.safetyreportversion,
    contentHash: result.contentHash,
    nullified: result.nullified,
    receivedAt: result.receivedAt,
  };
}

/** A stored version as the API returns it; without `pii:read` only the de-identified view. */
function storedBody(stored: StoredReport, view: View) {
  return {
    safetyreportid: stored.safetyreportid,
    safetyreportversion: stored.version,
    currentVersion: stored.currentVersion,
    nullified: stored.nullified,
    contentHash: stored.contentHash,
    receivedAt: stored.receivedAt.toISOString(),
    view,
    report: view === 'full' ? stored.content : deidentify(stored.content),
  };
}

/** Writes NDJSON lines with backpressure; headers go out with the first line. */
class NdjsonWriter {
  constructor(private readonly res: Response) {}
  get started(): boolean {
    return this.res.headersSent;
  }
  async write(value: unknown): Promise<void> {
    await this.writeText(JSON.stringify(value) + '\n');
  }
  /** Writes ready-made NDJSON text (one write per batch, not per line). */
  async writeText(text: string): Promise<void> {
    if (!this.res.headersSent) {
      this.res.status(200).type('application/x-ndjson');
    }
    if (!this.res.write(text)) await once(this.res, 'drain');
  }
}

export function mountIngestRoutes(app: Express, service: IngestService, options: RouteOptions): void {
  const router = express.Router();
  const jsonBody = express.json({
    limit: options.maxReportBytes,
    strict: false,
    type: () => true,
    verify: (req, _res, buf) => {
      (req as Request & { bodyBytes?: number }).bodyBytes = buf.length;
    },
  });

  router.get('/openapi.json', (_req, res) => {
    res.json(buildOpenApiDocument());
  });

  router.post('/v1/tenants/:tenant/reports', requireContentType('application/json'), jsonBody, async (req, res) => {
    const tenant = tenantOf(req);
    authorize(req, tenant, 'write');
    await service.requireTenant(tenant, true);
    if (!(req as Request & { bodyBytes?: number }).bodyBytes) {
      throw new InputError('The request body is empty', { code: 'VIG_REQUEST_MALFORMED_JSON' });
    }
    const traceparent = currentTraceparent();
    const [result] = await service.ingest(tenant, [prepare(req.body)], traceparent ? { traceparent } : {});
    if (!result) throw new Error('ingest returned no result');
    if (result.outcome === 'rejected') {
      if (result.code === 'VIG_INGEST_VERSION_CONFLICT') {
        throw new ConflictError(result.detail, { fields: { safetyreportid: result.safetyreportid, safetyreportversion: result.safetyreportversion } });
      }
      throw new InputError(result.detail, { code: result.code, violations: result.errors ?? [] });
    }
    res
      .status(result.outcome === 'created' ? 201 : 200)
      .setHeader('Location', `/v1/tenants/${tenant}/reports/${encodeURIComponent(result.safetyreportid)}/versions/${result.safetyreportversion}`)
      .setHeader('Vigilo-Outcome', result.outcome)
      .json(acceptedBody(result));
  });

  router.post('/v1/tenants/:tenant/reports/bulk', requireContentType('application/x-ndjson', 'application/jsonl', 'application/json-seq'), async (req, res) => {
    const tenant = tenantOf(req);
    authorize(req, tenant, 'write');
    await service.requireTenant(tenant, true);
    const out = new NdjsonWriter(res);
    const summary = { lines: 0, created: 0, unchanged: 0, rejected: 0 };
    let batch: PendingLine[] = [];
    const inFlight: Promise<void>[] = [];

    const lineBody = (line: number, result: LineResult) =>
      result.outcome === 'rejected'
        ? {
            line,
            status: result.status,
            outcome: result.outcome,
            code: result.code,
            detail: result.detail,
            ...(result.safetyreportid !== undefined ? { safetyreportid: result.safetyreportid } : {}),
            ...(result.safetyreportversion !== undefined ? { safetyreportversion: result.safetyreportversion } : {}),
            ...(result.errors ? { errors: result.errors } : {}),
          }
        : { line, status: result.outcome === 'created' ? 201 : 200, outcome: result.outcome, ...acceptedBody(result) };
    // Lines refused before validation travel in the batch as ready-made
    // results, so answers stay in input order without cutting batches short.
    const rejectLine = (line: number, code: 'VIG_INGEST_BULK_TOO_MANY_LINES' | 'VIG_INGEST_BULK_LINE_TOO_LARGE', status: number, detail: string) =>
      batch.push({ line, result: { outcome: 'rejected', code, status, detail } });

    const store = async (lines: readonly PendingLine[], prepared: Promise<Candidate[]>) => {
      const candidates = await prepared;
      let results: LineResult[];
      try {
        const traceparent = currentTraceparent();
        results = await service.ingest(tenant, candidates, traceparent ? { traceparent } : {});
      } catch (error) {
        const unavailable = isVigiloError(error) && error.code === 'VIG_UNAVAILABLE';
        // Before the first line went out, the whole request can still fail cleanly.
        if (!out.started || !unavailable) throw error;
        results = lines.map(() => ({
          outcome: 'rejected' as const,
          code: 'VIG_UNAVAILABLE' as const,
          status: ERROR_CODES.VIG_UNAVAILABLE.status,
          detail: 'The database is unavailable; nothing on this line was stored, retry it',
        }));
        service.recordRejected(tenant, lines.length);
      }
      let text = '';
      for (let i = 0; i < lines.length; i++) {
        const result = results[i]!;
        summary[result.outcome]++;
        text += JSON.stringify(lineBody(lines[i]!.line, result)) + '\n';
      }
      await out.writeText(text);
    };

    const flush = async () => {
      if (batch.length === 0) return;
      const lines = batch;
      batch = [];
      const texts: string[] = [];
      for (const l of lines) if ('text' in l) texts.push(l.text);
      // Validation starts now, on a worker thread, while the previous batch may still be storing.
      const prepared = options.preparer.prepare(texts).then((preparedLines) => {
        let next = 0;
        return lines.map((l): Candidate => ('text' in l ? candidateOfLine(preparedLines[next++]!, l.text) : { ok: false, result: l.result }));
      });
      prepared.catch(() => undefined); // observed by `store` below; avoids an unhandled rejection meanwhile
      const previous = inFlight.at(-1) ?? Promise.resolve();
      const stored = previous.then(() => store(lines, prepared));
      stored.catch(() => undefined); // awaited below (or by the finally); a failure must not go unhandled meanwhile
      inFlight.push(stored);
      while (inFlight.length >= BULK_BATCHES_IN_FLIGHT) await inFlight.shift();
    };

    try {
      for await (const item of splitNdjson(req, options.maxReportBytes)) {
        summary.lines++;
        if (summary.lines > options.maxBulkLines) {
          rejectLine(item.line, 'VIG_INGEST_BULK_TOO_MANY_LINES', 413, `At most ${options.maxBulkLines} lines are accepted per request; send the rest in another request`);
        } else if ('tooLarge' in item) {
          rejectLine(item.line, 'VIG_INGEST_BULK_LINE_TOO_LARGE', 413, `A line may hold at most ${options.maxReportBytes} bytes`);
        } else {
          batch.push({ line: item.line, text: item.text });
        }
        if (batch.length >= options.bulkBatchSize) await flush();
      }
      await flush();
      while (inFlight.length > 0) await inFlight.shift();
    } finally {
      // A failed batch fails every batch chained after it; wait for them so nothing runs after the response.
      await Promise.allSettled(inFlight);
    }
    await out.write({ summary });
    res.end();
  });

  router.get('/v1/tenants/:tenant/reports/:id', async (req, res) => {
    const tenant = tenantOf(req);
    const view = viewOf(req);
    authorize(req, tenant, view === 'full' ? 'pii:read' : 'read');
    await service.requireTenant(tenant, false);
    const stored = await service.store.getCurrent(tenant, reportIdOf(req));
    if (!stored) throw new NotFoundError('No such report', { code: 'VIG_REPORT_NOT_FOUND' });
    res.json(storedBody(stored, view));
  });

  router.get('/v1/tenants/:tenant/reports/:id/versions', async (req, res) => {
    const tenant = tenantOf(req);
    authorize(req, tenant, 'read');
    await service.requireTenant(tenant, false);
    const id = reportIdOf(req);
    const versions = await service.store.listVersions(tenant, id);
    if (versions.length === 0) throw new NotFoundError('No such report', { code: 'VIG_REPORT_NOT_FOUND' });
    res.json({
      safetyreportid: id,
      currentVersion: versions[versions.length - 1]!.version,
      versions: versions.map((v) => ({ version: v.version, contentHash: v.contentHash, nullified: v.nullified, receivedAt: v.receivedAt.toISOString() })),
    });
  });

  router.get('/v1/tenants/:tenant/reports/:id/versions/:version', async (req, res) => {
    const tenant = tenantOf(req);
    const view = viewOf(req);
    authorize(req, tenant, view === 'full' ? 'pii:read' : 'read');
    await service.requireTenant(tenant, false);
    const stored = await service.store.getVersion(tenant, reportIdOf(req), versionOf(req));
    if (!stored) throw new NotFoundError('No such report version', { code: 'VIG_REPORT_VERSION_NOT_FOUND' });
    res.json(storedBody(stored, view));
  });

  app.use(router);
}

export { UnavailableError };
