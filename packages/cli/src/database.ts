import { InputError } from '@vigilo/errors';
import { createPool } from '@vigilo/postgres';

/** Runs `fn` with a one-connection pool on the platform database, closed afterwards; a missing URL is a usage error. */
export async function withPool<T>(databaseUrl: string | undefined, fn: (pool: ReturnType<typeof createPool>) => Promise<T>): Promise<T> {
  if (!databaseUrl) throw new InputError('Give --database-url or set VIGILO_DATABASE_URL', { code: 'VIG_REQUEST_INVALID_PARAMETER' });
  const pool = createPool({ connectionString: databaseUrl, max: 1, applicationName: 'vigilo-cli' });
  try {
    return await fn(pool);
  } finally {
    await pool.end();
  }
}
