#!/usr/bin/env node
// Tracing starts before the service's own modules load: ES module instrumentation only sees later imports.
import { startTelemetry } from '@vigilo/platform/telemetry';

const stopTelemetry = startTelemetry('vigilo-indexer');
try {
  const { main } = await import('./server.js');
  await main(stopTelemetry);
} catch (error) {
  process.stderr.write(`indexer failed to start: ${(error as Error).message}\n`);
  process.exit(1);
}
