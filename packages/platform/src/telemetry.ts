import { NodeSDK } from '@opentelemetry/sdk-node';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { context, propagation, trace } from '@opentelemetry/api';

/**
 * Starts OpenTelemetry tracing when an OTLP endpoint is configured through
 * the standard variables (OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) and OTEL_SDK_DISABLED is not true.
 * SQL statements are recorded without their parameters (they may hold
 * personal data). Returns a function that flushes and stops the SDK.
 */
export function startTelemetry(serviceName: string, env: NodeJS.ProcessEnv = process.env): () => Promise<void> {
  const endpoint = env['OTEL_EXPORTER_OTLP_ENDPOINT'] ?? env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'];
  if (!endpoint || env['OTEL_SDK_DISABLED'] === 'true') return async () => undefined;
  process.env['OTEL_SERVICE_NAME'] ??= serviceName;
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
