#!/usr/bin/env node
/**
 * Proxy benchmark (issue 6): the same openFDA requests at --connections concurrent clients with autocannon,
 * straight to the search service (with the identity headers the proxy would set) and through the proxy (API key,
 * shared PostgreSQL rate limiter, audit), in the same run, alternating rounds. Prints p50/p99 of both, the p99
 * the proxy adds and the throughput ratio (targets: p99 added <= 2 ms, throughput >= 90 % of direct).
 *
 *   bash bench/proxy/run.sh [--reports 2000] [--connections 4] [--seconds 10] [--rounds 4]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { parseTenantId, toSearchDocument } from '@vigilo/domain';
import { createApiKey, migratePlatform, registerTenant } from '@vigilo/postgres';
import { createElasticsearchSearchIndex } from '@vigilo/search-engine';
import { cpuByLabel, pidsMatching, pinToCpus, processTable } from '../ingest/proc.js';
import { createTestDatabase, minimalReport, requireEnv, startServiceProcess, uniqueTenant, type RunningProcess } from '@vigilo/testkit';

const { values: args } = parseArgs({
  options: {
    reports: { type: 'string', default: '2000' },
    connections: { type: 'string', default: '4' },
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '4' },
    'cpu-profile': { type: 'string' },
    pin: { type: 'boolean', default: false },
    results: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  process.stdout.write('bash bench/proxy/run.sh [--reports 2000] [--connections 4] [--seconds 10] [--rounds 4] [--pin] [--cpu-profile DIR]\n');
  process.exit(0);
}

interface Result {
  requests: number;
  non2xx: number;
  errors: number;
  throughput: number;
  p50: number;
  p99: number;
}

async function load(url: string, paths: readonly string[], headers: Record<string, string>, seconds: number, connections: number): Promise<Result> {
  let next = 0;
  const r = await autocannon({
    url,
    connections,
    duration: seconds,
    headers,
    requests: [{ method: 'GET', setupRequest: (request) => ({ ...request, path: paths[next++ % paths.length]! }) }],
  });
  return { requests: r.requests.total, non2xx: r.non2xx, errors: r.errors, throughput: r.requests.average, p50: r.latency.p50, p99: r.latency.p99 };
}

/** `--cpu-profile DIR`: the proxy processes write V8 CPU profiles there (bench/lib/ingest/cpuprofile.js reads them). */
const PROFILE_ENV: Record<string, string> = args['cpu-profile']
  ? (mkdirSync(path.resolve(args['cpu-profile']), { recursive: true }), { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${path.resolve(args['cpu-profile'])}` })
  : {};

/**
 * `--pin`: the upstream (the search service, Elasticsearch) on CPU 0; the proxy, PostgreSQL (its rate limits and
 * audit) and this load generator on CPU 1. As in production, where the proxy runs in pods of its own, it then
 * does not take CPU from the service it fronts: the figures show what it adds, not what it competes for.
 */
const pin = pinToCpus;
const pgrep = pidsMatching;

const drugs = ['ASPIRIN', 'WARFARIN', 'METFORMIN', 'LISINOPRIL', 'ATORVASTATIN'];
const db = await createTestDatabase('vigilo_bench_proxy');
const processes: RunningProcess[] = [];
const stubs: ChildProcess[] = [];
const engine = createElasticsearchSearchIndex({ node: requireEnv('VIGILO_TEST_ES_URL'), replicas: 0 });
const tenant = uniqueTenant('bpx');
try {
  await migratePlatform(db.pool);
  await registerTenant(db.pool, { id: tenant });
  const id = parseTenantId(tenant);
  await engine.ensureTenant(id, { replicas: 0 });
  const n = Number(args.reports);
  for (let start = 0; start < n; start += 1000) {
    const ops = Array.from({ length: Math.min(1000, n - start) }, (_, i) => {
      const safetyreportid = `B-${start + i}`;
      const report = minimalReport({ safetyreportid });
      const drug = drugs[(start + i) % drugs.length]!;
      const content = { ...report, patient: { ...report.patient, drug: [{ ...report.patient!.drug![0]!, medicinalproduct: drug }] } };
      return { id: safetyreportid, version: 1, document: toSearchDocument({ tenant, content, version: 1, nullified: false, committedAt: new Date() }) };
    });
    await engine.bulk(id, ops);
  }
  await engine.refresh(id);
  const { key } = await createApiKey(db.pool, { tenant, scopes: ['read'] });
  const search = await startServiceProcess('search', {
    VIGILO_DATABASE_URL: db.url,
    VIGILO_ENGINE_URL: requireEnv('VIGILO_TEST_ES_URL'),
    VIGILO_SEARCH_PORT: '0',
    VIGILO_SEARCH_HOST: '127.0.0.1',
  });
  processes.push(search);
  const proxy = await startServiceProcess('proxy', {
    VIGILO_DATABASE_URL: db.url,
    VIGILO_PROXY_SEARCH_URL: search.url,
    VIGILO_PROXY_PORT: '0',
    VIGILO_PROXY_HOST: '127.0.0.1',
    VIGILO_PROXY_RATE_TENANT_REQUESTS: '1000000',
    VIGILO_PROXY_RATE_KEY_REQUESTS: '1000000',
    ...PROFILE_ENV,
  });
  processes.push(proxy);
  if (args.pin) {
    pin(0, [search.child.pid!, ...pgrep('dev.vigilo.es.Main')]);
    pin(1, [proxy.child.pid!, process.pid, ...pgrep('postgres')]);
    process.stdout.write('pinned: search service and Elasticsearch on CPU 0; proxy, PostgreSQL and the load generator on CPU 1\n');
  }
  // startServiceProcess keeps every output line; the access and audit lines of a long run would fill memory.
  for (const p of [search, proxy]) p.child.stdout?.on('data', () => p.output.splice(0, Math.max(0, p.output.length - 50)));
  const connections = Number(args.connections);
  const seconds = Number(args.seconds);
  const direct = { 'x-vigilo-tenant': tenant, 'x-vigilo-scopes': 'read' };
  const viaProxy = { authorization: `Bearer ${key}` };

  /** Same requests direct and through the proxy, alternating which goes first; figures are medians of per-round pairs. */
  async function compare(label: string, directUrl: string, proxyUrl: string, paths: readonly string[]) {
    for (const path of paths) {
      const a = await fetch(`${directUrl}${path}`, { headers: direct });
      const b = await fetch(`${proxyUrl}${path}`, { headers: viaProxy });
      const [ta, tb] = [await a.text(), await b.text()];
      if (a.status !== 200 || b.status !== 200 || ta !== tb) throw new Error(`${path}: direct ${a.status} ${ta.slice(0, 300)} / proxy ${b.status} ${tb.slice(0, 300)}`);
    }
    await load(directUrl, paths, direct, 5, connections);
    await load(proxyUrl, paths, viaProxy, 5, connections);
    const rounds: Array<{ direct: Result; proxy: Result }> = [];
    const cpuSeconds: { direct: Record<string, number>; proxy: Record<string, number> } = { direct: {}, proxy: {} };
    for (let round = 0; round < Number(args.rounds); round++) {
      let d: Result;
      let p: Result;
      const timed = async (url: string, headers: Record<string, string>, side: 'direct' | 'proxy') => {
        const before = processTable();
        const result = await load(url, paths, headers, seconds, connections);
        for (const [label, cpu] of Object.entries(cpuByLabel(before, processTable()))) cpuSeconds[side][label] = Math.round(((cpuSeconds[side][label] ?? 0) + cpu) * 100) / 100;
        return result;
      };
      if (round % 2 === 0) {
        d = await timed(directUrl, direct, 'direct');
        p = await timed(proxyUrl, viaProxy, 'proxy');
      } else {
        p = await timed(proxyUrl, viaProxy, 'proxy');
        d = await timed(directUrl, direct, 'direct');
      }
      rounds.push({ direct: d, proxy: p });
      if (p.errors > 0 || d.errors > 0) throw new Error(`${label}: errors direct ${d.errors}, proxy ${p.errors} (proxy exit code ${proxy.child.exitCode}); last proxy lines:\n${proxy.output.slice(-10).join('\n')}`);
      process.stdout.write(`${label} round ${round + 1}: direct p50 ${d.p50} ms p99 ${d.p99} ms ${d.throughput.toFixed(0)} req/s | proxy p50 ${p.p50} ms p99 ${p.p99} ms ${p.throughput.toFixed(0)} req/s | non-2xx ${d.non2xx}/${p.non2xx}\n`);
    }
    const median = (xs: number[]) => {
      const sorted = [...xs].sort((a, b) => a - b);
      const mid = Math.floor(sorted.length / 2);
      return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
    };
    const result = {
      direct: { p50: median(rounds.map((r) => r.direct.p50)), p99: median(rounds.map((r) => r.direct.p99)), throughput: median(rounds.map((r) => r.direct.throughput)) },
      proxy: { p50: median(rounds.map((r) => r.proxy.p50)), p99: median(rounds.map((r) => r.proxy.p99)), throughput: median(rounds.map((r) => r.proxy.throughput)) },
      p99AddedMs: median(rounds.map((r) => r.proxy.p99 - r.direct.p99)),
      p50AddedMs: median(rounds.map((r) => r.proxy.p50 - r.direct.p50)),
      throughputRatio: median(rounds.map((r) => r.proxy.throughput / r.direct.throughput)),
      non2xx: rounds.reduce((sum, r) => sum + r.direct.non2xx + r.proxy.non2xx, 0),
      cpuSeconds,
    };
    const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
    process.stdout.write(`${label}: p50 added ${result.p50AddedMs} ms, p99 added ${result.p99AddedMs} ms (target <= 2 ms: ${met(result.p99AddedMs <= 2)}); throughput ${(result.throughputRatio * 100).toFixed(1)} % of direct (target >= 90 %: ${met(result.throughputRatio >= 0.9)})\n`);
    process.stdout.write(`${label}: CPU seconds over all rounds, direct ${JSON.stringify(cpuSeconds.direct)}; through the proxy ${JSON.stringify(cpuSeconds.proxy)}\n`);
    return result;
  }

  const searchPaths = drugs.flatMap((d) => [
    `/v1/tenants/${tenant}/drug/event.json?search=patient.drug.medicinalproduct.exact:%22${d}%22&limit=10`,
    `/v1/tenants/${tenant}/drug/event.json?search=patient.drug.medicinalproduct.exact:%22${d}%22&count=patient.reaction.reactionmeddrapt.exact&limit=10`,
  ]);
  const viaSearch = await compare('search service', search.url, proxy.url, searchPaths);

  // The proxy's own cost, without the search service's variance: a second proxy in front of a process that answers
  // every request at once with a fixed body of a typical answer's size.
  const body = JSON.stringify({ meta: { results: { skip: 0, limit: 10, total: 400 } }, results: Array.from({ length: 10 }, (_, i) => ({ safetyreportid: `B-${i}`, padding: 'x'.repeat(150) })) });
  const stub = spawn(process.execPath, ['-e', `const b=${JSON.stringify(body)};require('node:http').createServer((q,s)=>{q.resume();q.on('end',()=>{s.writeHead(200,{'content-type':'application/json','content-length':Buffer.byteLength(b)});s.end(b)})}).listen(0,'127.0.0.1',function(){console.log(this.address().port)})`], { stdio: ['ignore', 'pipe', 'inherit'] });
  stubs.push(stub);
  const stubPort = await new Promise<number>((resolve) => stub.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))));
  const stubUrl = `http://127.0.0.1:${stubPort}`;
  const proxyToStub = await startServiceProcess('proxy', {
    VIGILO_DATABASE_URL: db.url,
    VIGILO_PROXY_SEARCH_URL: stubUrl,
    VIGILO_PROXY_PORT: '0',
    VIGILO_PROXY_HOST: '127.0.0.1',
    VIGILO_PROXY_RATE_TENANT_REQUESTS: '1000000',
    VIGILO_PROXY_RATE_KEY_REQUESTS: '1000000',
    ...PROFILE_ENV,
  });
  processes.push(proxyToStub);
  if (args.pin) {
    pin(0, [stub.pid!]);
    pin(1, [proxyToStub.child.pid!]);
  }
  proxyToStub.child.stdout?.on('data', () => proxyToStub.output.splice(0, Math.max(0, proxyToStub.output.length - 50)));
  const viaStub = await compare('fixed upstream', stubUrl, proxyToStub.url, [`/v1/tenants/${tenant}/drug/event.json?limit=10`]);

  const line = JSON.stringify({ bench: 'proxy', at: new Date().toISOString(), reports: Number(args.reports), connections, seconds, rounds: Number(args.rounds), pinned: args.pin, search: viaSearch, fixedUpstream: viaStub });
  process.stdout.write(`${line}\n`);
  if (args.results) appendFileSync(args.results, `${line}\n`);
} finally {
  for (const stub of stubs) stub.kill();
  for (const p of processes) await p.stop();
  await engine.dropTenant(parseTenantId(tenant)).catch(() => undefined);
  await engine.close();
  await db.drop();
}
