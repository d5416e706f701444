import type { TenantRecord, TenantStatus } from '@vigilo/domain';
import { createPool, provisionTenant } from '@vigilo/postgres';

export interface TenantCreateOptions {
  readonly id: string;
  readonly databaseUrl: string;
  readonly displayName?: string;
  readonly status?: TenantStatus;
}

/**
 * Creates (or brings up to date) a tenant in SQL until the operator does it:
 * platform schema, registry row, tenant schema, role and row-level security.
 * Idempotent: running it again converges to the same state.
 */
export async function createTenant(options: TenantCreateOptions): Promise<TenantRecord> {
  const pool = createPool({ connectionString: options.databaseUrl, max: 1, applicationName: 'vigilo-cli' });
  try {
    return await provisionTenant(pool, {
      id: options.id,
      ...(options.displayName !== undefined ? { displayName: options.displayName } : {}),
      ...(options.status !== undefined ? { status: options.status } : {}),
    });
  } finally {
    await pool.end();
  }
}
