import assert from 'node:assert/strict';
import { type IncomingMessage, createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { findPersonalData, reportWithEveryPersonalField, until } from '@vigilo/testkit';
import { WritePath } from './writePath.js';

interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  links: Array<{ traceId: string; spanId: string }>;
}

/** OTLP/JSON ids are hex strings; accept base64 too, as some exporters send it. */
const hexId = (id: unknown): string => {
  if (typeof id !== 'string' || id === '') return '';
  return /^[0-9a-f]+$/i.test(id) ? id.toLowerCase() : Buffer.from(id, 'base64').toString('hex');
};

/**
 * The OTLP/HTTP trace endpoint of a collector (`POST /v1/traces`, JSON encoding), keeping every span it
 * receives. The services export to it with their real OpenTelemetry SDK and exporter.
 */
class OtlpTraceReceiver {
  readonly spans: ReceivedSpan[] = [];
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.url === '/v1/traces' && (req.headers['content-type'] ?? '').includes('json')) {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { resourceSpans?: any[] };
          for (const resourceSpans of body.resourceSpans ?? []) {
            const service = (resourceSpans.resource?.attributes ?? []).find((a: any) => a.key === 'service.name')?.value?.stringValue ?? '';
            for (const scope of resourceSpans.scopeSpans ?? []) {
              for (const span of scope.spans ?? []) {
                this.spans.push({
                  service,
                  traceId: hexId(span.traceId),
                  spanId: hexId(span.spanId),
                  parentSpanId: hexId(span.parentSpanId),
                  name: span.name,
                  kind: span.kind,
                  links: (span.links ?? []).map((l: any) => ({ traceId: hexId(l.traceId), spanId: hexId(l.spanId) })),
                });
              }
            }
          }
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

describe('one trace from the ingest request to the engine write (OpenTelemetry across the queue)', function () {
  const receiver = new OtlpTraceReceiver();
  let wp: WritePath;

  before(async () => {
    await receiver.start();
    wp = new WritePath({
      tenantPrefix: 'trace',
      serviceEnv: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_METRICS_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'none',
        OTEL_BSP_SCHEDULE_DELAY: '100',
        OTEL_TRACES_SAMPLER: 'always_on',
      },
    });
    await wp.start();
  });

  after(async () => {
    await wp?.stop();
    await receiver.stop();
  });

  it('joins the ingest request, the indexer delivery (through Cloud Tasks) and the bulk write in one trace, without personal data', async () => {
    const res = await wp.postJson(`/v1/tenants/${wp.tenant}/reports`, reportWithEveryPersonalField('TRACE-1'));
    assert.equal(res.status, 201);
    assert.deepEqual(await wp.converged('the report is indexed'), []);

    const found = await until(
      async () => {
        const ingest = receiver.spans.find((s) => s.service === 'vigilo-ingest' && s.kind === 2 && s.parentSpanId === '');
        const delivery = ingest && receiver.spans.find((s) => s.service === 'vigilo-indexer' && s.kind === 2 && s.traceId === ingest.traceId);
        const bulk = delivery && receiver.spans.find((s) => s.service === 'vigilo-indexer' && s.name === 'vigilo.index.bulk' && s.links.some((l) => l.traceId === ingest.traceId));
        return { ingest, delivery, bulk };
      },
      (f) => f.bulk !== undefined,
      'spans of ingest and indexer in one trace',
      60_000,
    );
    assert.ok(found.ingest && found.delivery && found.bulk);
    assert.equal(found.delivery.traceId, found.ingest.traceId, 'the indexer continues the trace of the ingest request');
    assert.notEqual(found.delivery.parentSpanId, '', 'the delivery span has a parent in the ingest trace');
    const deliverySpans = receiver.spans.filter((s) => s.service === 'vigilo-indexer' && s.traceId === found.ingest!.traceId).map((s) => s.spanId);
    assert.ok(
      found.bulk.links.some((l) => deliverySpans.includes(l.spanId)),
      'the bulk span links a span of the delivery it served (the request handler that waited for it)',
    );
    assert.deepEqual(findPersonalData(JSON.stringify(receiver.spans)), [], 'no personal data in any span');
  });
});
