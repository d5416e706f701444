import assert from 'node:assert/strict';
import { parseTenantId } from '@vigilo/domain';
import { dropTenantSchema, getTenant } from '@vigilo/postgres';
import { createTestDatabase, uniqueTenant, type TestDatabase } from '@vigilo/testkit';
import { EXIT, runCli } from './cli.js';

class Sink {
  text = '';
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

describe('vigilo tenant create and list (real PostgreSQL)', function () {
  this.timeout(60000);
  let db: TestDatabase;
  const tenant = uniqueTenant('cli');

  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    await dropTenantSchema(db.pool, parseTenantId(tenant));
    await db.drop();
  });

  const run = async (args: string[], env: Record<string, string> = {}) => {
    const stdout = new Sink();
    const stderr = new Sink();
    const code = await runCli(['node', 'vigilo', ...args], { stdout, stderr, env });
    return { code, stdout: stdout.text, stderr: stderr.text };
  };

  it('provisions the tenant, and converges when run again', async () => {
    const first = await run(['tenant', 'create', tenant, '--display-name', 'CLI test', '--database-url', db.url, '--json']);
    assert.equal(first.code, EXIT.ok, first.stderr);
    const record = JSON.parse(first.stdout) as { id: string; displayName: string; status: string };
    assert.deepEqual([record.id, record.displayName, record.status], [tenant, 'CLI test', 'active']);

    const again = await run(['tenant', 'create', tenant, '--display-name', 'CLI test', '--status', 'suspended'], { VIGILO_DATABASE_URL: db.url });
    assert.equal(again.code, EXIT.ok, again.stderr);
    assert.match(again.stdout, new RegExp(`^tenant ${tenant} \\(CLI test\\): suspended, schema tenant_`));
    assert.equal((await getTenant(db.pool, parseTenantId(tenant)))?.status, 'suspended');
  });

  it('lists the registry as a table and as JSON, and filters by status', async () => {
    const other = uniqueTenant('cli');
    try {
      assert.equal((await run(['tenant', 'create', other, '--display-name', 'Other', '--database-url', db.url])).code, EXIT.ok);
      const table = await run(['tenant', 'list', '--database-url', db.url]);
      assert.equal(table.code, EXIT.ok, table.stderr);
      const lines = table.stdout.trim().split('\n');
      assert.match(lines[0]!, /^TENANT +STATUS +SCHEMA +NAME$/);
      assert.ok(lines.some((l) => new RegExp(`^${other} +active +tenant_\\S+ v\\d+ +Other$`).test(l)), table.stdout);
      const json = await run(['tenant', 'list', '--status', 'suspended', '--json'], { VIGILO_DATABASE_URL: db.url });
      const records = JSON.parse(json.stdout) as Array<{ id: string; status: string }>;
      assert.deepEqual(records.map((r) => [r.id, r.status]), [[tenant, 'suspended']], 'only the suspended tenant of the first test');
    } finally {
      await dropTenantSchema(db.pool, parseTenantId(other));
    }
  });

  it('exits 64 without a database URL and 69 when the database is unreachable, never printing the URL it was given', async () => {
    const missing = await run(['tenant', 'create', tenant]);
    assert.equal(missing.code, EXIT.usage);
    assert.match(missing.stderr, /VIGILO_DATABASE_URL/);
    const unreachable = await run(['tenant', 'list', '--database-url', 'postgres://someone:hunter2@127.0.0.1:1/none']);
    assert.equal(unreachable.code, EXIT.unavailable);
    assert.ok(!unreachable.stderr.includes('hunter2'));
  });
});
