import type { AddressInfo } from 'node:net';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgresOptions {
  /** Directory of the database files; `memory://` keeps everything in memory. @default 'memory://' */
  dataDir?: string;
  /** Loopback port; 0 picks a free one. @default 0 */
  port?: number;
  /** Connections served at once (statements are still executed one at a time). @default 8 */
  maxConnections?: number;
}

export interface EmbeddedPostgres {
  /** A connection string for ordinary `pg` clients. */
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * Capabilities of the embedded engine that callers must respect: it has no
 * `COPY ... FROM STDIN` over the wire (the protocol breaks), so adapters use
 * their array-insert path (`VIGILO_DATABASE_USE_COPY=false`).
 */
export const EMBEDDED_CAPABILITIES = Object.freeze({ copyFromStdin: false });

/** Starts PGlite and serves it on 127.0.0.1 over the PostgreSQL protocol. */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgres> {
  const db = await PGlite.create(options.dataDir ?? 'memory://');
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: options.port ?? 0, maxConnections: options.maxConnections ?? 8 });
  const listening = new Promise<number>((resolve) => {
    server.addEventListener('listening', (event) => {
      const detail = (event as CustomEvent<{ port?: number } | AddressInfo>).detail;
      resolve(Number((detail as { port?: number }).port));
    });
  });
  await server.start();
  let port = await listening;
  if (!port) {
    // Some versions report the requested port (0); ask the socket itself.
    const internal = (server as unknown as { server?: { address(): AddressInfo } }).server;
    port = internal?.address().port ?? 0;
  }
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    port,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
