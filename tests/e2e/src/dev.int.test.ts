import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT, freePort, minimalReport, until } from '@vigilo/testkit';

interface DevSystem {
  readonly output: () => string;
  readonly key: string;
  readonly ports: { proxy: number; ingest: number; search: number; indexer: number; relay: number; operator: number };
  /** Ctrl-C (SIGINT to the process group, as a terminal sends it); resolves with the exit code or 'timeout'. */
  stop(): Promise<number | null | 'timeout'>;
}

/** Runs the README's first command, `scripts/dev`, as a new user would, on free ports and a fresh state folder. */
async function startDev(extraEnv: Record<string, string>): Promise<DevSystem> {
  const [proxy, ingest, search, indexer, relay, operator] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort(), freePort()]);
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    HOME: process.env['HOME'] ?? '',
    VIGILO_PROXY_PORT: String(proxy),
    VIGILO_INGEST_PORT: String(ingest),
    VIGILO_SEARCH_PORT: String(search),
    VIGILO_INDEXER_PORT: String(indexer),
    VIGILO_RELAY_PORT: String(relay),
    VIGILO_OPERATOR_PORT: String(operator),
    VIGILO_DEV_LOCAL_DIR: mkdtempSync(path.join(tmpdir(), 'vigilo-dev-')),
    ...extraEnv,
  };
  const child = spawn('bash', [path.join(REPO_ROOT, 'scripts/dev')], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode === null) process.kill(-child.pid!, 'SIGINT');
    return Promise.race([exited, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 60_000))]);
  };
  try {
    await until(async () => output, (text) => text.includes('Vigilo is running locally.') || child.exitCode !== null, 'scripts/dev is up', 480_000);
    assert.ok(output.includes('Vigilo is running locally.'), output.slice(-3000));
    const key = /vgk_[A-Za-z0-9_-]+/.exec(output)?.[0];
    assert.ok(key, 'an API key is printed');
    return { output: () => output, key, ports: { proxy, ingest, search, indexer, relay, operator }, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

type Page = { meta: { degraded: boolean; results?: { total: number } }; results: Array<{ count: number }> };

/**
 * The README's first command: `scripts/dev` on the embedded PostgreSQL with no cloud account. It must come up
 * with both example tenants reconciled by the operator from examples/tenants/, the FAERS fixtures loaded, and
 * answer through the proxy with the API key it prints; Ctrl-C (SIGINT) stops it all.
 */
describe('scripts/dev (the local one-command system)', function () {
  this.timeout(600_000);

  it('with a search engine (the default): the whole write path runs locally, a new report becomes searchable, Ctrl-C stops it all', async function () {
    const dev = await startDev({});
    const proxyUrl = `http://127.0.0.1:${dev.ports.proxy}`;
    const auth = { authorization: `Bearer ${dev.key}` };
    try {
      assert.match(dev.output(), /search {7}from elasticsearch/, 'an engine was started');
      const engineUrl = /from elasticsearch at (http:\/\/[0-9.:]+)/.exec(dev.output())![1]!;
      const total = async () => ((await (await fetch(`${proxyUrl}/v1/tenants/acme/drug/event.json?limit=1`, { headers: auth })).json()) as Page).meta;
      const before = await total();
      assert.equal(before.degraded, false, 'the answers come from the engine');
      assert.equal(before.results?.total, 100, 'the FAERS quarter is indexed');
      for (const port of [dev.ports.indexer, dev.ports.relay, dev.ports.operator, dev.ports.ingest, dev.ports.search]) {
        assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200, `the component on ${port} is healthy`);
      }
      const posted = await fetch(`${proxyUrl}/v1/tenants/acme/reports`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(minimalReport({ safetyreportid: 'DEV-NEW-1' })),
      });
      assert.equal(posted.status, 201);
      // ingest → outbox → relay → the local PostgreSQL queue → indexer → engine, all in this one command.
      await until(total, (meta) => meta.results?.total === 101 && !meta.degraded, 'the new report is searchable', 60_000);
      const code = await dev.stop();
      assert.notEqual(code, 'timeout', 'Ctrl-C stops everything within a minute');
      await assert.rejects(fetch(`${proxyUrl}/healthz`), 'nothing is left listening');
      await assert.rejects(fetch(engineUrl), 'the engine it started is stopped too');
    } finally {
      await dev.stop();
    }
  });

  it('without an engine: answers come from SQL, marked degraded; tenants stay apart; Ctrl-C stops it all', async function () {
    const dev = await startDev({ VIGILO_DEV_ENGINE: 'none' });
    const proxyUrl = `http://127.0.0.1:${dev.ports.proxy}`;
    try {
      const get = (url: string) => fetch(url, { headers: { authorization: `Bearer ${dev.key}` } });
      const counted = await get(`${proxyUrl}/v1/tenants/acme/drug/event.json?count=patient.reaction.reactionmeddrapt.exact&limit=1000`);
      assert.equal(counted.status, 200);
      const body = (await counted.json()) as Page;
      assert.equal(body.meta.degraded, true, 'without an engine the answers come from SQL, marked degraded');
      assert.ok(body.results.length > 100, 'the FAERS fixture is loaded into acme');
      assert.equal((await get(`${proxyUrl}/v1/tenants/globex/drug/event.json`)).status, 403, "acme's key cannot read globex");
      const globex = await fetch(`http://127.0.0.1:${dev.ports.search}/v1/tenants/globex/drug/event.json?limit=1`, { headers: { 'x-vigilo-tenant': 'globex', 'x-vigilo-scopes': 'read' } });
      assert.equal(((await globex.json()) as Page).meta.results?.total, 100, 'globex holds the AERS fixture');
      assert.equal((await fetch(`${proxyUrl}/app/`)).status, 200, 'the analyst page is served');
      const code = await dev.stop();
      assert.notEqual(code, 'timeout', 'Ctrl-C stops everything within a minute');
      await assert.rejects(fetch(`${proxyUrl}/healthz`), 'nothing is left listening');
    } finally {
      await dev.stop();
    }
  });
});
