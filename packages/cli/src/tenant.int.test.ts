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

describe('vigilo tenant create (real PostgreSQL)', function () {
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

  it('refuses to run without a database URL, and never prints the URL it was given', async () => {
    const missing = await run(['tenant', 'create', tenant]);
    assert.equal(missing.code, EXIT.failed);
    assert.match(missing.stderr, /VIGILO_DATABASE_URL/);
    const unreachable = await run(['tenant', 'create', tenant, '--database-url', 'postgres://someone:hunter2@127.0.0.1:1/none']);
    assert.equal(unreachable.code, EXIT.failed);
    assert.ok(!unreachable.stderr.includes('hunter2'));
  });
});
