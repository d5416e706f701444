import assert from 'node:assert/strict';
import pg from 'pg';
import { contentHash, parseTenantId, tenantRoleName, tenantSchemaName } from '@vigilo/domain';
import { createTestDatabase, minimalReport, uniqueTenant, type TestDatabase } from '@vigilo/testkit';
import { migratePlatform, migrateTenant, dropTenantSchema, TENANT_SCHEMA_VERSION } from './migrations.js';
import { provisionTenant, getTenant } from './tenants.js';
import { PostgresReportStore } from './reportStore.js';
import { ident } from './sql.js';

describe('tenant schemas, roles and row-level security (real PostgreSQL)', function () {
  let db: TestDatabase;
  const a = parseTenantId(uniqueTenant('iso-a'));
  const b = parseTenantId(uniqueTenant('iso-b'));

  before(async () => {
    db = await createTestDatabase();
    await provisionTenant(db.pool, { id: a });
    await provisionTenant(db.pool, { id: b });
    const store = new PostgresReportStore({ pool: db.pool });
    await store.putReports(a, [{ report: minimalReport({ safetyreportid: 'A-1' }), contentHash: contentHash(minimalReport({ safetyreportid: 'A-1' })) }]);
    await store.putReports(b, [{ report: minimalReport({ safetyreportid: 'B-1' }), contentHash: contentHash(minimalReport({ safetyreportid: 'B-1' })) }]);
  });
  after(async () => {
    await dropTenantSchema(db.pool, a);
    await dropTenantSchema(db.pool, b);
    await db.drop();
  });

  /** Runs `sql` as the given tenant's role, in a transaction that is rolled back. */
  async function asRole<T extends pg.QueryResultRow>(tenant: string, sql: string): Promise<pg.QueryResult<T>> {
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SET LOCAL ROLE ${ident(tenantRoleName(parseTenantId(tenant)))}`);
      return await client.query<T>(sql);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  }

  it("lets a tenant's role read its own rows", async () => {
    const { rows } = await asRole<{ safetyreportid: string }>(a, `SELECT safetyreportid FROM ${ident(tenantSchemaName(a))}.reports`);
    assert.deepEqual(rows.map((r) => r.safetyreportid), ['A-1']);
  });

  it("denies tenant A's role any access to tenant B's schema", async () => {
    await assert.rejects(asRole(a, `SELECT * FROM ${ident(tenantSchemaName(b))}.reports`), (e: { code?: string }) => e.code === '42501');
    await assert.rejects(asRole(a, `SELECT * FROM ${ident(tenantSchemaName(b))}.report_versions`), (e: { code?: string }) => e.code === '42501');
  });

  it("still shows tenant A's role none of B's rows when someone wrongly grants it B's tables (RLS as defence in depth)", async () => {
    const schemaB = ident(tenantSchemaName(b));
    const roleA = ident(tenantRoleName(a));
    await db.pool.query(`GRANT USAGE ON SCHEMA ${schemaB} TO ${roleA}; GRANT SELECT ON ${schemaB}.reports, ${schemaB}.report_versions TO ${roleA}`);
    try {
      const reports = await asRole(a, `SELECT * FROM ${schemaB}.reports`);
      const versions = await asRole(a, `SELECT * FROM ${schemaB}.report_versions`);
      assert.equal(reports.rowCount, 0);
      assert.equal(versions.rowCount, 0);
      const own = await asRole(b, `SELECT * FROM ${schemaB}.reports`);
      assert.equal(own.rowCount, 1, "B's own role still sees its row");
    } finally {
      await db.pool.query(`REVOKE SELECT ON ${schemaB}.reports, ${schemaB}.report_versions FROM ${roleA}; REVOKE USAGE ON SCHEMA ${schemaB} FROM ${roleA}`);
    }
  });

  it('keeps version history append-only for the tenant role', async () => {
    const t = ident(tenantSchemaName(a));
    await assert.rejects(asRole(a, `UPDATE ${t}.report_versions SET nullified = true`), (e: { code?: string }) => e.code === '42501');
    await assert.rejects(asRole(a, `DELETE FROM ${t}.report_versions`), (e: { code?: string }) => e.code === '42501');
  });

  it('refuses rows labelled with another tenant even through the own schema', async () => {
    const t = ident(tenantSchemaName(a));
    await assert.rejects(
      asRole(a, `INSERT INTO ${t}.reports (tenant_id, safetyreportid, current_version, nullified) VALUES ('${b}', 'X', 1, false)`),
      (e: { code?: string }) => e.code === '23514' || e.code === '42501',
    );
  });

  it('migrates idempotently and concurrently', async () => {
    const results = await Promise.all([migratePlatform(db.pool), migratePlatform(db.pool), migrateTenant(db.pool, a), migrateTenant(db.pool, a), migrateTenant(db.pool, a)]);
    assert.deepEqual(results.slice(2), [TENANT_SCHEMA_VERSION, TENANT_SCHEMA_VERSION, TENANT_SCHEMA_VERSION]);
    const { rows } = await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM vigilo.schema_migrations WHERE scope = $1", [`tenant:${a}`]);
    assert.equal(rows[0]?.n, TENANT_SCHEMA_VERSION);
    assert.equal((await getTenant(db.pool, a))?.schemaVersion, TENANT_SCHEMA_VERSION);
  });

  it('drops a tenant completely: schema, role and ledger', async () => {
    const c = parseTenantId(uniqueTenant('iso-c'));
    await provisionTenant(db.pool, { id: c });
    await dropTenantSchema(db.pool, c);
    const schema = await db.pool.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [tenantSchemaName(c)]);
    const role = await db.pool.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [tenantRoleName(c)]);
    assert.equal(schema.rowCount, 0);
    assert.equal(role.rowCount, 0);
  });
});
