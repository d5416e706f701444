import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * The admin URL of the private test cluster started by
 * scripts/infra/postgres.sh. Integration tests fail (never skip) without it.
 */
export function testClusterUrl(): string {
  const url = process.env['VIGILO_TEST_DATABASE_URL'];
  if (!url) {
    throw new Error('VIGILO_TEST_DATABASE_URL is not set: run the tests through scripts/test (it starts PostgreSQL)');
  }
  return url;
}

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  readonly pool: pg.Pool;
  drop(): Promise<void>;
}

/** A fresh, empty database on the test cluster, dropped by `drop()`. */
export async function createTestDatabase(prefix = 'vigilo_test'): Promise<TestDatabase> {
  const admin = new pg.Client({ connectionString: testClusterUrl() });
  await admin.connect();
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(testClusterUrl());
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 8 });
  pool.on('error', () => undefined);
  return {
    name,
    url: url.toString(),
    pool,
    async drop() {
      await pool.end();
      const client = new pg.Client({ connectionString: testClusterUrl() });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** Tenant roles are cluster-wide, so each test uses tenants of its own. */
export function uniqueTenant(prefix = 't'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}
