import { type TenantDirectory, type TenantId, type TenantRecord, type TenantStatus, parseTenantId, tenantRoleName, tenantSchemaName } from '@vigilo/domain';
import type { Pool } from './pool.js';
import { migratePlatform, migrateTenant } from './migrations.js';

interface TenantRow {
  id: string;
  display_name: string;
  status: TenantStatus;
  schema_name: string;
  role_name: string;
  schema_version: number;
  settings: Record<string, unknown>;
}

function toRecord(row: TenantRow): TenantRecord {
  return {
    id: row.id as TenantId,
    displayName: row.display_name,
    status: row.status,
    schemaName: row.schema_name,
    roleName: row.role_name,
    schemaVersion: row.schema_version,
    settings: row.settings,
  };
}

export interface RegisterTenantInput {
  id: string;
  displayName?: string;
  status?: TenantStatus;
  settings?: Record<string, unknown>;
}

/** Inserts or updates a registry row (level-triggered: the row ends up as asked). */
export async function registerTenant(pool: Pool, input: RegisterTenantInput): Promise<TenantRecord> {
  const id = parseTenantId(input.id);
  const { rows } = await pool.query<TenantRow>(
    `INSERT INTO vigilo.tenants (id, display_name, status, schema_name, role_name, settings)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (id) DO UPDATE SET
       display_name = EXCLUDED.display_name, status = EXCLUDED.status, settings = EXCLUDED.settings, updated_at = now()
     WHERE (vigilo.tenants.display_name, vigilo.tenants.status, vigilo.tenants.settings)
       IS DISTINCT FROM (EXCLUDED.display_name, EXCLUDED.status, EXCLUDED.settings)
     RETURNING *`,
    [id, input.displayName ?? id, input.status ?? 'active', tenantSchemaName(id), tenantRoleName(id), JSON.stringify(input.settings ?? {})],
  );
  if (rows[0]) return toRecord(rows[0]);
  const existing = await getTenant(pool, id);
  return existing!;
}

export async function getTenant(pool: Pool, tenant: TenantId): Promise<TenantRecord | undefined> {
  const { rows } = await pool.query<TenantRow>('SELECT * FROM vigilo.tenants WHERE id = $1', [tenant]);
  return rows[0] ? toRecord(rows[0]) : undefined;
}

export async function listTenants(pool: Pool): Promise<TenantRecord[]> {
  const { rows } = await pool.query<TenantRow>('SELECT * FROM vigilo.tenants ORDER BY id');
  return rows.map(toRecord);
}

/**
 * Everything a tenant needs in SQL, in one idempotent call: platform schema,
 * registry row, tenant schema, role and row-level security.
 */
export async function provisionTenant(pool: Pool, input: RegisterTenantInput): Promise<TenantRecord> {
  await migratePlatform(pool);
  await registerTenant(pool, input);
  await migrateTenant(pool, input.id);
  return (await getTenant(pool, parseTenantId(input.id)))!;
}

/**
 * The registry as services see it: a small cache in front of the table,
 * invalidated after `ttlMs` (LISTEN/NOTIFY-driven invalidation comes with
 * the operator).
 */
export class PostgresTenantDirectory implements TenantDirectory {
  private readonly cache = new Map<string, { record: TenantRecord | undefined; expires: number }>();

  constructor(private readonly deps: { pool: Pool; ttlMs?: number; now?: () => number }) {}

  async get(tenant: TenantId): Promise<TenantRecord | undefined> {
    const now = (this.deps.now ?? Date.now)();
    const hit = this.cache.get(tenant);
    if (hit && hit.expires > now) return hit.record;
    const record = await getTenant(this.deps.pool, tenant);
    this.cache.set(tenant, { record, expires: now + (this.deps.ttlMs ?? 5_000) });
    return record;
  }

  invalidate(tenant?: TenantId): void {
    if (tenant) this.cache.delete(tenant);
    else this.cache.clear();
  }
}
