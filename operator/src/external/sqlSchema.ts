import { APP_ROLE, TENANT_SCHEMA_VERSION, dropTenantSchema, migratePlatform, migrateTenant, type Pool, withTransaction } from '@vigilo/postgres';
import type { Tenant } from '../api/v1alpha1/tenant.js';
import type { ExternalClient, Outcome } from './ports.js';
import { tenantExternalNames } from './names.js';

interface SqlState {
  schemaExists: boolean;
  roleExists: boolean;
  roleGranted: boolean;
  ledgerVersion: number;
  usedBytes: number;
}

const MIB = 1024 * 1024;

/**
 * The tenant's PostgreSQL schema, role, row-level security and migrations (`migrateTenant` of @vigilo/postgres),
 * plus its storage quota, measured on every reconcile.
 */
export class PostgresSqlSchemaClient implements ExternalClient {
  readonly name = 'Sql';
  readonly condition = 'SqlReady' as const;

  constructor(private readonly deps: { pool: Pool }) {}

  async ensure(tenant: Tenant): Promise<Outcome> {
    const names = tenantExternalNames(tenant.metadata.name);
    let state = await this.#observe(names.schema, names.role, names.tenant);
    let action: Outcome['action'] = 'none';
    let actionDetail: string | undefined;
    const complete = state.schemaExists && state.roleExists && state.roleGranted && state.ledgerVersion === TENANT_SCHEMA_VERSION;
    if (!complete) {
      action = state.schemaExists || state.roleExists ? 'updated' : 'created';
      await migratePlatform(this.deps.pool);
      if (!state.schemaExists && state.ledgerVersion > 0) {
        // The schema was dropped by hand: its ledger rows describe tables that are gone, so migrations start over.
        await withTransaction(this.deps.pool, async (client) => {
          await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`vigilo:migrate:tenant:${names.tenant}`]);
          await client.query(
            'DELETE FROM vigilo.schema_migrations WHERE scope = $1 AND NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $2)',
            [`tenant:${names.tenant}`, names.schema],
          );
        });
      }
      const version = await migrateTenant(this.deps.pool, names.tenant);
      actionDetail = `${action === 'created' ? 'created' : 'repaired'} schema ${names.schema} and role ${names.role} at migration ${version}`;
      state = await this.#observe(names.schema, names.role, names.tenant);
    }
    const usedMiB = Math.ceil(state.usedBytes / MIB);
    const overQuota = usedMiB > tenant.spec.sql.quotaMiB;
    return {
      action,
      ...(actionDetail ? { actionDetail } : {}),
      ready: !overQuota,
      ...(overQuota ? { reason: 'QuotaExceeded', message: `the schema uses ${usedMiB} MiB of its ${tenant.spec.sql.quotaMiB} MiB quota` } : {}),
      status: { sql: { schema: names.schema, role: names.role, schemaVersion: state.ledgerVersion, usedMiB } },
    };
  }

  async exists(tenant: Tenant): Promise<boolean> {
    const names = tenantExternalNames(tenant.metadata.name);
    const state = await this.#observe(names.schema, names.role, names.tenant);
    return state.schemaExists || state.roleExists;
  }

  async delete(tenant: Tenant): Promise<void> {
    await dropTenantSchema(this.deps.pool, tenant.metadata.name);
  }

  async #observe(schema: string, role: string, tenant: string): Promise<SqlState> {
    const { rows } = await this.deps.pool.query<{
      schema_exists: boolean;
      role_exists: boolean;
      role_granted: boolean;
      ledger: boolean;
      used_bytes: string;
    }>(
      `SELECT
         EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS schema_exists,
         EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $2) AS role_exists,
         EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles a ON a.oid = m.member
                 WHERE r.rolname = $2 AND a.rolname = $3) AS role_granted,
         to_regclass('vigilo.schema_migrations') IS NOT NULL AS ledger,
         COALESCE((SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                   WHERE n.nspname = $1 AND c.relkind IN ('r', 'm', 'p')), 0)::text AS used_bytes`,
      [schema, role, APP_ROLE],
    );
    const row = rows[0]!;
    let ledgerVersion = 0;
    if (row.ledger) {
      const ledger = await this.deps.pool.query<{ version: number | null }>('SELECT max(version) AS version FROM vigilo.schema_migrations WHERE scope = $1', [`tenant:${tenant}`]);
      ledgerVersion = ledger.rows[0]?.version ?? 0;
    }
    return { schemaExists: row.schema_exists, roleExists: row.role_exists, roleGranted: row.role_granted, ledgerVersion, usedBytes: Number(row.used_bytes) };
  }
}
