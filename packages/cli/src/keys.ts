import { InputError } from '@vigilo/errors';
import { type ApiKeyRecord, createApiKey, createPool, listApiKeys, revokeApiKey } from '@vigilo/postgres';

async function withPool<T>(databaseUrl: string | undefined, fn: (pool: ReturnType<typeof createPool>) => Promise<T>): Promise<T> {
  if (!databaseUrl) throw new InputError('Give --database-url or set VIGILO_DATABASE_URL', { code: 'VIG_REQUEST_INVALID_PARAMETER' });
  const pool = createPool({ connectionString: databaseUrl, max: 1, applicationName: 'vigilo-cli' });
  try {
    return await fn(pool);
  } finally {
    await pool.end();
  }
}

/** `vigilo keys create`: the full key is in the result once; only its hash is stored. */
export function createKey(options: { databaseUrl: string | undefined; tenant: string; scopes: string[]; description?: string }) {
  return withPool(options.databaseUrl, (pool) =>
    createApiKey(pool, { tenant: options.tenant, scopes: options.scopes, ...(options.description !== undefined ? { description: options.description } : {}) }),
  );
}

export function listKeys(options: { databaseUrl: string | undefined; tenant?: string }): Promise<ApiKeyRecord[]> {
  return withPool(options.databaseUrl, (pool) => listApiKeys(pool, options.tenant));
}

export function revokeKey(options: { databaseUrl: string | undefined; prefix: string }): Promise<boolean> {
  return withPool(options.databaseUrl, (pool) => revokeApiKey(pool, options.prefix));
}
