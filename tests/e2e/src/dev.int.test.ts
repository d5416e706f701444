import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT, freePort, until } from '@vigilo/testkit';

/**
 * The README's first command, as a new user runs it: `scripts/dev` on the embedded PostgreSQL, no engine, no
 * cloud. It must come up with both example tenants reconciled by the operator from examples/tenants/, the FAERS
 * fixtures loaded, and answer through the proxy with the API key it prints; Ctrl-C (SIGINT) stops it all.
 */
describe('scripts/dev (the local one-command system)', function () {
  it('comes up with the operator, proxy, ingest and search, answers through the proxy, and stops on Ctrl-C', async function () {
    this.timeout(600_000);
    const [proxyPort, ingestPort, searchPort, operatorPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const stateDir = mkdtempSync(path.join(tmpdir(), 'vigilo-dev-'));
    const env: Record<string, string> = {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '',
      VIGILO_PROXY_PORT: String(proxyPort),
      VIGILO_INGEST_PORT: String(ingestPort),
      VIGILO_SEARCH_PORT: String(searchPort),
      VIGILO_OPERATOR_PORT: String(operatorPort),
      VIGILO_DEV_LOCAL_DIR: stateDir,
    };
    const child = spawn('bash', [path.join(REPO_ROOT, 'scripts/dev')], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await until(async () => output, (text) => text.includes('Vigilo is running locally.') || child.exitCode !== null, 'scripts/dev is up', 480_000);
      assert.ok(output.includes('Vigilo is running locally.'), output.slice(-3000));
      const key = /vgk_[A-Za-z0-9_-]+/.exec(output)?.[0];
      assert.ok(key, 'an API key is printed');
      const get = (url: string) => fetch(url, { headers: { authorization: `Bearer ${key}` } });
      const counted = await get(`http://127.0.0.1:${proxyPort}/v1/tenants/acme/drug/event.json?count=patient.reaction.reactionmeddrapt.exact&limit=1000`);
      assert.equal(counted.status, 200);
      const body = (await counted.json()) as { meta: { degraded: boolean }; results: Array<{ count: number }> };
      assert.equal(body.meta.degraded, true, 'without an engine the answers come from SQL, marked degraded');
      assert.ok(body.results.length > 100, 'the FAERS fixture is loaded into acme');
      assert.equal((await get(`http://127.0.0.1:${proxyPort}/v1/tenants/globex/drug/event.json`)).status, 403, "acme's key cannot read globex");
      const globex = await fetch(`http://127.0.0.1:${searchPort}/v1/tenants/globex/drug/event.json?limit=1`, { headers: { 'x-vigilo-tenant': 'globex', 'x-vigilo-scopes': 'read' } });
      assert.equal(((await globex.json()) as { meta: { results: { total: number } } }).meta.results.total, 100, 'globex holds the AERS fixture');
    } finally {
      if (child.exitCode === null) process.kill(-child.pid!, 'SIGINT');
    }
    const code = await Promise.race([exited, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 60_000))]);
    assert.notEqual(code, 'timeout', 'Ctrl-C stops everything within a minute');
    await assert.rejects(fetch(`http://127.0.0.1:${proxyPort}/healthz`), 'nothing is left listening');
  });
});
