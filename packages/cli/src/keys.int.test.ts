import assert from 'node:assert/strict';
import { migratePlatform, registerTenant, verifyApiKey } from '@vigilo/postgres';
import { createTestDatabase, uniqueTenant, type TestDatabase } from '@vigilo/testkit';
import { EXIT, runCli } from './cli.js';

class Sink {
  text = '';
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

describe('proxy API keys: vigilo keys create, list, revoke (real PostgreSQL)', function () {
  this.timeout(60000);
  let db: TestDatabase;
  const tenant = uniqueTenant('key');

  before(async () => {
    db = await createTestDatabase();
    await migratePlatform(db.pool);
    await registerTenant(db.pool, { id: tenant });
  });
  after(async () => {
    await db.drop();
  });

  const run = async (...args: string[]) => {
    const stdout = new Sink();
    const stderr = new Sink();
    const code = await runCli(['node', 'vigilo', ...args], { stdout, stderr, env: { VIGILO_DATABASE_URL: db.url } });
    return { code, stdout: stdout.text, stderr: stderr.text };
  };

  it('creates a key shown once, stores only its hash, lists it without the secret, and revokes it', async () => {
    const created = await run('keys', 'create', '--tenant', tenant, '--scopes', 'read,pii:read');
    assert.equal(created.code, EXIT.ok, created.stderr);
    const key = created.stdout.trim();
    assert.match(key, /^vgk_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    const prefix = key.slice(4, 16);
    const secret = key.slice(17);
    const stored = await verifyApiKey(db.pool, key);
    assert.deepEqual([stored?.tenant, stored?.scopes], [tenant, ['read', 'pii:read']]);
    const { rows } = await db.pool.query('SELECT row_to_json(k)::text AS row FROM vigilo.api_keys k WHERE prefix = $1', [prefix]);
    assert.equal(rows.length, 1);
    assert.ok(!rows[0].row.includes(secret), 'the secret is stored');

    const listed = await run('keys', 'list', '--tenant', tenant, '--json');
    assert.equal(listed.code, EXIT.ok, listed.stderr);
    const records = JSON.parse(listed.stdout) as Array<{ prefix: string; revokedAt?: string }>;
    assert.deepEqual(records.map((r) => r.prefix), [prefix]);
    assert.ok(!listed.stdout.includes(secret));
    const table = await run('keys', 'list', '--tenant', tenant);
    assert.match(table.stdout, new RegExp(`^PREFIX +TENANT +SCOPES +CREATED +REVOKED +DESCRIPTION\\n${prefix} +${tenant} +read,pii:read +\\S+ +- *\\n$`));
    assert.ok(!table.stdout.includes(secret));

    const revoked = await run('keys', 'revoke', prefix);
    assert.equal(revoked.code, EXIT.ok, revoked.stderr);
    assert.equal(await verifyApiKey(db.pool, key), undefined);
    assert.ok((JSON.parse((await run('keys', 'list', '--json')).stdout) as Array<{ prefix: string; revokedAt?: string }>).find((r) => r.prefix === prefix)?.revokedAt);
  });

  it('refuses unknown scopes and unknown tenants', async () => {
    assert.notEqual((await run('keys', 'create', '--tenant', tenant, '--scopes', 'superuser')).code, EXIT.ok);
    assert.notEqual((await run('keys', 'create', '--tenant', uniqueTenant('nobody'), '--scopes', 'read')).code, EXIT.ok);
    assert.notEqual((await run('keys', 'revoke', 'aaaaaaaaaaaa')).code, EXIT.ok);
  });
});
