import pg from 'pg';
import { UnavailableError } from '@vigilo/errors';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

// bigint counts come back as strings by default; ours fit in a JS number.
pg.types.setTypeParser(20, (value: string) => Number(value));

export interface CreatePoolOptions {
  connectionString: string;
  /** @default 10 */
  max?: number;
  /** Server-side limit for one statement. @default 30000 */
  statementTimeoutMs?: number;
  /** @default 10000 */
  connectionTimeoutMs?: number;
  applicationName?: string;
}

export function createPool(options: CreatePoolOptions): Pool {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 10_000,
    idleTimeoutMillis: 30_000,
    statement_timeout: options.statementTimeoutMs ?? 30_000,
    application_name: options.applicationName ?? 'vigilo',
  });
  // An idle client losing its connection must not crash the process.
  pool.on('error', () => undefined);
  return pool;
}

const RETRYABLE_SQLSTATES = new Set(['40001', '40P01', '55P03', '57P01', '57P03', '53300', '08000', '08003', '08006']);

export function isRetryableDatabaseError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && RETRYABLE_SQLSTATES.has(code)) return true;
  const message = error instanceof Error ? error.message : '';
  return /ECONNREFUSED|ECONNRESET|Connection terminated|timeout exceeded when trying to connect/i.test(message);
}

/**
 * Runs `fn` in a transaction; retries on serialization failures and
 * deadlocks (the transaction is re-run from the start). Connection failures
 * become UnavailableError (503, retryable) at this boundary.
 */
export async function withTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    let client: PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw new UnavailableError('The database is unavailable', { cause: error });
    }
    let broken = false;
    // A connection that dies while checked out (a database restart) emits
    // 'error' on the client; without a listener that would end the process.
    const onError = () => {
      broken = true;
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true;
      }
      const code = (error as { code?: unknown })?.code;
      if ((code === '40001' || code === '40P01') && attempt < attempts) {
        await new Promise((r) => setTimeout(r, 10 * 2 ** attempt + Math.random() * 20));
        continue;
      }
      if (isRetryableDatabaseError(error)) throw new UnavailableError('The database is unavailable', { cause: error });
      throw error;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }
}
