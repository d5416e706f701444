import { register } from 'node:module';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { type Link, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';

/**
 * Starts OpenTelemetry tracing when an OTLP endpoint is configured through
 * the standard variables (OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) and OTEL_SDK_DISABLED is not true.
 * SQL statements are recorded without their parameters (they may hold
 * personal data). Returns a function that flushes and stops the SDK.
 * Call it from a service's entry module before importing anything else of the service (see any service's main.ts).
 */
export function startTelemetry(serviceName: string, env: NodeJS.ProcessEnv = process.env): () => Promise<void> {
  const endpoint = env['OTEL_EXPORTER_OTLP_ENDPOINT'] ?? env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'];
  if (!endpoint || env['OTEL_SDK_DISABLED'] === 'true') return async () => undefined;
  process.env['OTEL_SERVICE_NAME'] ??= serviceName;
  // ES modules are instrumented through loader hooks, which only see modules loaded after this call: a
  // service's entry point starts telemetry first and imports the rest of the service afterwards.
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
  const sdk = new NodeSDK({
    serviceName,
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => /^\/(healthz|readyz|metrics)/.test(req.url ?? '') }),
      new ExpressInstrumentation(),
      new PgInstrumentation({ enhancedDatabaseReporting: false }),
    ],
  });
  sdk.start();
  return () => sdk.shutdown();
}

/** The current trace id, for problem documents and log lines. */
export function currentTraceId(): string | undefined {
  const span = trace.getActiveSpan();
  const id = span?.spanContext().traceId;
  return id && !/^0+$/.test(id) ? id : undefined;
}

/** The W3C `traceparent` of the active context, to carry a trace across the queue (undefined when tracing is off). */
export function currentTraceparent(): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier['traceparent'];
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * Runs `fn` in a new span. `links` are W3C traceparents of the operations this one serves (a micro-batch
 * serves several deliveries, each in a trace of its own). Attributes must never hold personal data.
 * A no-op span when tracing is off.
 */
export async function inSpan<T>(
  name: string,
  options: { readonly attributes?: Record<string, string | number | boolean>; readonly links?: readonly (string | undefined)[] },
  fn: () => Promise<T>,
): Promise<T> {
  const links: Link[] = [];
  for (const traceparent of options.links ?? []) {
    const match = traceparent ? TRACEPARENT.exec(traceparent) : null;
    if (match) links.push({ context: { traceId: match[1]!, spanId: match[2]!, traceFlags: Number.parseInt(match[3]!, 16), isRemote: true } });
  }
  return trace.getTracer('vigilo').startActiveSpan(name, { attributes: options.attributes ?? {}, links }, async (span) => {
    try {
      return await fn();
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as { code?: string }).code ?? 'error' });
      throw error;
    } finally {
      span.end();
    }
  });
}
