import type { TenantRecord, TenantStatus } from '@vigilo/domain';
import { listTenants as listRegistry, provisionTenant } from '@vigilo/postgres';
import { withPool } from './database.js';

export interface TenantCreateOptions {
  readonly id: string;
  readonly databaseUrl: string;
  readonly displayName?: string;
  readonly status?: TenantStatus;
}

/**
 * Creates (or brings up to date) a tenant in SQL without the operator (clusters apply a Tenant manifest instead):
 * platform schema, registry row, tenant schema, role and row-level security. Idempotent: running it again
 * converges to the same state.
 */
export function createTenant(options: TenantCreateOptions): Promise<TenantRecord> {
  return withPool(options.databaseUrl, (pool) =>
    provisionTenant(pool, {
      id: options.id,
      ...(options.displayName !== undefined ? { displayName: options.displayName } : {}),
      ...(options.status !== undefined ? { status: options.status } : {}),
    }),
  );
}

/** The tenant registry the services read, in id order; optionally only one status. */
export async function listTenants(options: { databaseUrl: string | undefined; status?: TenantStatus }): Promise<TenantRecord[]> {
  const records = await withPool(options.databaseUrl, (pool) => listRegistry(pool));
  return options.status === undefined ? records : records.filter((r) => r.status === options.status);
}
