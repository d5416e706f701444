import { type ApiKeyRecord, createApiKey, listApiKeys, revokeApiKey } from '@vigilo/postgres';
import { withPool } from './database.js';

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
