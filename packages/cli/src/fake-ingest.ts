/**
 * A tiny stand-in for the ingest service's bulk endpoint, for tests of the
 * CLI's HTTP side. It implements the response contract (one NDJSON result per
 * input line, then a summary; problem+json for whole-request errors) and the
 * version semantics (same version and content: unchanged; same version, other
 * content: 409), validating each report with the real validateReport. It is
 * not the ingest service: the end-to-end test against PostgreSQL is.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { validateReport, type AdverseEventReport } from '@vigilo/domain';

export interface FakeIngestRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly lines: number;
}

/** What to do with one request, before the normal processing; `undefined` processes it normally. */
export type FakeIngestBehaviour = (request: FakeIngestRequest, index: number) =>
  | { kind: 'status'; status: number; headers?: Record<string, string>; problem?: Record<string, unknown> }
  | { kind: 'reset' }
  | { kind: 'raw'; status: number; body: string }
  /** Answers the lines `reject(index)` picks with this status and code (as the service does when the database fails mid-request); the others normally. */
  | { kind: 'rejectLines'; status: number; code: string; reject: (index: number) => boolean }
  | undefined;

export interface FakeIngest {
  readonly url: string;
  readonly requests: FakeIngestRequest[];
  /** Stored reports by tenant, then `id@version`. */
  readonly stored: Map<string, Map<string, AdverseEventReport>>;
  behaviour: FakeIngestBehaviour;
  close(): Promise<void>;
}

const BULK_PATH = /^\/v1\/tenants\/([a-z][a-z0-9-]{2,39})\/reports\/bulk$/;

export async function startFakeIngest(behaviour: FakeIngestBehaviour = () => undefined): Promise<FakeIngest> {
  const requests: FakeIngestRequest[] = [];
  const stored = new Map<string, Map<string, AdverseEventReport>>();
  const fake: FakeIngest = {
    url: '',
    requests,
    stored,
    behaviour,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };

  const problem = (res: ServerResponse, status: number, code: string, detail: string) => {
    res.writeHead(status, { 'content-type': 'application/problem+json' });
    res.end(JSON.stringify({ type: `https://vigilo.dev/problems/${code}`, title: code, status, detail, code }));
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const lines = body.split('\n').filter((line) => line !== '');
      const request: FakeIngestRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, lines: lines.length };
      requests.push(request);
      const override = fake.behaviour(request, requests.length - 1);
      if (override?.kind === 'reset') {
        req.socket.destroy();
        return;
      }
      if (override?.kind === 'raw') {
        res.writeHead(override.status, { 'content-type': 'application/x-ndjson' });
        res.end(override.body);
        return;
      }
      if (override?.kind === 'status') {
        res.writeHead(override.status, { 'content-type': 'application/problem+json', ...(override.headers ?? {}) });
        res.end(JSON.stringify(override.problem ?? { status: override.status, code: 'VIG_UNAVAILABLE', title: 'Service unavailable', detail: 'busy' }));
        return;
      }
      const match = BULK_PATH.exec(request.url);
      if (req.method !== 'POST' || !match) return problem(res, 404, 'VIG_ROUTE_NOT_FOUND', 'no such route');
      if (!String(req.headers['content-type']).startsWith('application/x-ndjson')) {
        return problem(res, 415, 'VIG_REQUEST_UNSUPPORTED_MEDIA_TYPE', 'send application/x-ndjson');
      }
      const tenant = match[1]!;
      const reports = stored.get(tenant) ?? new Map<string, AdverseEventReport>();
      stored.set(tenant, reports);
      const out: string[] = [];
      const summary = { lines: lines.length, created: 0, unchanged: 0, rejected: 0 };
      lines.forEach((line, index) => {
        if (override?.kind === 'rejectLines' && override.reject(index)) {
          summary.rejected += 1;
          out.push(JSON.stringify({ line: index + 1, status: override.status, outcome: 'rejected', code: override.code, detail: 'nothing on this line was stored' }));
          return;
        }
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch {
          summary.rejected += 1;
          out.push(JSON.stringify({ line: index + 1, status: 400, outcome: 'rejected', code: 'VIG_REQUEST_MALFORMED_JSON' }));
          return;
        }
        const validation = validateReport(value);
        if (!validation.ok) {
          summary.rejected += 1;
          out.push(JSON.stringify({ line: index + 1, status: 422, outcome: 'rejected', code: validation.violations[0]!.code }));
          return;
        }
        const report = validation.report;
        const ids = { safetyreportid: report.safetyreportid, safetyreportversion: report.safetyreportversion };
        const key = `${report.safetyreportid}@${report.safetyreportversion}`;
        const previous = reports.get(key);
        if (previous === undefined) {
          reports.set(key, report);
          summary.created += 1;
          out.push(JSON.stringify({ line: index + 1, status: 201, ...ids, outcome: 'created' }));
        } else if (JSON.stringify(previous) === JSON.stringify(report)) {
          summary.unchanged += 1;
          out.push(JSON.stringify({ line: index + 1, status: 200, ...ids, outcome: 'unchanged' }));
        } else {
          summary.rejected += 1;
          out.push(JSON.stringify({ line: index + 1, status: 409, ...ids, outcome: 'rejected', code: 'VIG_INGEST_VERSION_CONFLICT' }));
        }
      });
      out.push(JSON.stringify({ summary }));
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.end(`${out.join('\n')}\n`);
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  (fake as { url: string }).url = `http://127.0.0.1:${port}`;
  return fake;
}
