import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Express } from 'express';
import type { Logger } from './logger.js';

export interface RunningServer {
  readonly server: Server;
  readonly port: number;
  /** Stops accepting, waits for in-flight requests (up to the grace period), then runs the cleanups. */
  shutdown(reason?: string): Promise<void>;
}

export interface StartServerOptions {
  app: Express;
  logger: Logger;
  port: number;
  host?: string;
  /** How long in-flight requests may take to finish on shutdown. @default 25000 */
  shutdownGraceMs?: number;
  /** Called with `false` when draining starts, so /readyz answers 503. */
  setAccepting?: (accepting: boolean) => void;
  /** Run after the HTTP server closed, in order (close pools, flush telemetry). */
  cleanups?: ReadonlyArray<() => Promise<void> | void>;
  /** Request/headers timeouts protect against slow clients. */
  requestTimeoutMs?: number;
  headersTimeoutMs?: number;
  keepAliveTimeoutMs?: number;
}

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { app, logger } = options;
  const server = app.listen(options.port, options.host ?? '0.0.0.0');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  server.requestTimeout = options.requestTimeoutMs ?? 300_000;
  server.headersTimeout = options.headersTimeoutMs ?? 20_000;
  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? 65_000;
  const port = (server.address() as AddressInfo).port;
  logger.info({ port }, 'listening');

  let shuttingDown: Promise<void> | undefined;
  const shutdown = (reason = 'shutdown'): Promise<void> => {
    shuttingDown ??= (async () => {
      logger.info({ reason }, 'draining');
      options.setAccepting?.(false);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive connections become idle once their last response is sent; close them as they do.
      server.closeIdleConnections();
      const reaper = setInterval(() => server.closeIdleConnections(), 100);
      reaper.unref();
      void closed.then(() => clearInterval(reaper));
      const grace = options.shutdownGraceMs ?? 25_000;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), grace);
        timer.unref();
      });
      const outcome = await Promise.race([closed.then(() => 'closed' as const), timedOut]);
      if (timer) clearTimeout(timer);
      if (outcome === 'timeout') {
        logger.warn({ graceMs: grace }, 'in-flight requests did not finish in time; closing connections');
        server.closeAllConnections();
        await closed;
      }
      for (const cleanup of options.cleanups ?? []) {
        try {
          await cleanup();
        } catch (error) {
          logger.error({ err: error }, 'cleanup failed');
        }
      }
      logger.info('stopped');
    })();
    return shuttingDown;
  };
  return { server, port, shutdown };
}

/** Wires SIGTERM/SIGINT to a graceful shutdown, then exits. */
export function shutdownOnSignals(running: Pick<RunningServer, 'shutdown'>, logger: Logger): void {
  const onSignal = (signal: NodeJS.Signals) => {
    running
      .shutdown(signal)
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
