#!/usr/bin/env node
/**
 * Search benchmark (issue 5): N synthetic reports in SQL and in the engine; a mixed openFDA workload (terms,
 * phrases, ranges, counts, date series, same-drug conditions, signals) at --connections concurrent clients
 * with autocannon, against a search service answering from the engine and against one answering from SQL
 * (its fallback path), in the same run. Prints p50/p99 latency and throughput of both and their ratios
 * (targets: engine p99 <= 50 ms, engine >= 20x faster than the SQL fallback). On the engine path it also measures
 * the same clients paced to --paced-rate requests a second in all (open loop; by default half the rate they reached
 * without pauses, so the machine runs at about half its capacity), and the CPU each kind of request
 * costs per process, which bounds the throughput of the machine and so the latency of clients that never pause.
 *
 *   bash bench/search/run.sh [--reports 1000000] [--connections 50] [--seconds 30] [--paced-rate half|N]
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { Pool } from 'undici';
import { contentHash, parseTenantId, toSearchDocument } from '@vigilo/domain';
import { PostgresReportStore, provisionTenant } from '@vigilo/postgres';
import { createElasticsearchSearchIndex } from '@vigilo/search-engine';
import { createTestDatabase, requireEnv, startServiceProcess, uniqueTenant, type RunningProcess } from '@vigilo/testkit';
import { ReportGenerator } from '../ingest/generator.js';
import { Rng } from '../ingest/prng.js';
import { loadFaersProfile } from '../ingest/profile.js';
import { cpuByLabel, processTable } from '../ingest/proc.js';

const { values: args } = parseArgs({
  options: {
    reports: { type: 'string', default: process.env['VIGILO_BENCH_REPORTS'] ?? '1000000' },
    connections: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '30' },
    'sql-requests': { type: 'string', default: '150' },
    'kind-seconds': { type: 'string', default: '6' },
    'warmup-seconds': { type: 'string', default: '60' },
    'paced-rate': { type: 'string', default: 'half' },
    seed: { type: 'string', default: '42' },
    results: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  process.stdout.write('bash bench/search/run.sh [--reports 1000000] [--connections 50] [--seconds 30] [--sql-requests 150] [--kind-seconds 6] [--warmup-seconds 60] [--paced-rate half|N] [--seed 42]\n');
  process.exit(0);
}
if (args['paced-rate'] !== 'half' && !(Number(args['paced-rate']) > 0)) {
  process.stderr.write(`--paced-rate must be "half" or a positive number of requests a second, not ${JSON.stringify(args['paced-rate'])}\n`);
  process.exit(2);
}
const N = Number(args.reports);
const CHUNK = 5000;
/** Issue 5's latency target for the engine path. */
const P99_TARGET_MS = 50;

interface PathResult {
  requests: number;
  errors: number;
  non2xx: number;
  throughput: number;
  p50: number;
  p99: number;
}

/**
 * `until.seconds`: run for that long (requests still in flight at the end are not counted: fine when they are
 * fast). `until.requests`: run until that many requests completed, so the slowest ones count too (the SQL path).
 */
async function load(url: string, paths: readonly string[], headers: Record<string, string>, until: { seconds: number } | { requests: number }, connections: number): Promise<PathResult> {
  let next = 0;
  const result = await autocannon({
    url,
    // autocannon refuses more connections than requests.
    connections: 'requests' in until ? Math.min(connections, until.requests) : connections,
    ...('seconds' in until ? { duration: until.seconds } : { amount: until.requests }),
    timeout: 600,
    headers,
    requests: [{ method: 'GET', setupRequest: (request) => ({ ...request, path: paths[next++ % paths.length]! }) }],
  });
  return {
    requests: result.requests.total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    throughput: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
}

/** Milliseconds of CPU per request, to two decimals (0 when the process used none measurably). */
const ms = (seconds: number | undefined, requests: number) => round2(((seconds ?? 0) * 1000) / requests);
const round2 = (x: number) => Math.round(x * 100) / 100;

/** CPU ms per request of the processes on the request path: Elasticsearch, the search service and the load client. */
function pathCpuMs(cpuSeconds: Record<string, number>, requests: number): { engine: number; search: number; client: number } {
  return { engine: ms(cpuSeconds['java'], requests), search: ms(cpuSeconds['search'], requests), client: ms(cpuSeconds['bench client'], requests) };
}
const totalMs = (c: { engine: number; search: number; client: number }) => c.engine + c.search + c.client;

/**
 * An open-loop load: `rate` requests a second in all, each sent at its scheduled time over `connections` keep-alive
 * connections, whatever the answers before it. Latency counts from the scheduled time, so a request that waited for
 * a free connection counts its wait (autocannon's own rate limit sends each second's requests in a burst).
 */
async function pacedLoad(url: string, paths: readonly string[], headers: Record<string, string>, rate: number, seconds: number, connections: number): Promise<PathResult> {
  const pool = new Pool(url, { connections, pipelining: 1 });
  const latencies: number[] = [];
  let errors = 0;
  let non2xx = 0;
  const inFlight: Promise<void>[] = [];
  const begin = performance.now();
  const total = Math.round(rate * seconds);
  for (let i = 0; i < total; i++) {
    const due = begin + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inFlight.push(
      pool
        .request({ path: paths[i % paths.length]!, method: 'GET', headers })
        .then(async (res) => {
          await res.body.dump();
          if (res.statusCode < 200 || res.statusCode > 299) non2xx++;
          latencies.push(performance.now() - due);
        })
        .catch(() => {
          errors++;
        }),
    );
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - begin) / 1000;
  await pool.close();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN);
  return { requests: latencies.length, errors, non2xx, throughput: latencies.length / elapsed, p50: at(0.5), p99: at(0.99) };
}

/** Waits until the engine has run no merge for 3 s in a row (at most 15 min); returns the seconds waited. */
async function mergesSettled(engineUrl: string): Promise<number> {
  const started = performance.now();
  let quiet = 0;
  while (quiet < 3 && performance.now() - started < 900_000) {
    const stats = (await (await fetch(`${engineUrl}/_nodes/stats/indices/merge`)).json()) as { nodes: Record<string, { indices: { merges: { current: number } } }> };
    quiet = Object.values(stats.nodes).every((node) => node.indices.merges.current === 0) ? quiet + 1 : 0;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return Math.round((performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  const engineUrl = requireEnv('VIGILO_TEST_ES_URL');
  const db = await createTestDatabase();
  const engine = createElasticsearchSearchIndex({ node: engineUrl, replicas: 0, requestTimeoutMs: 300_000 });
  const processes: RunningProcess[] = [];
  const result: Record<string, unknown> = { bench: 'search', at: new Date().toISOString(), reports: N, connections: Number(args.connections) };
  try {
    const tenant = parseTenantId(uniqueTenant('bsr'));
    await provisionTenant(db.pool, { id: tenant });
    await engine.ensureTenant(tenant, { replicas: 0 });
    const profile = await loadFaersProfile();
    const generator = new ReportGenerator(profile, { seed: Number(args.seed) });
    const store = new PostgresReportStore({ pool: db.pool });
    const committedAt = new Date();
    const loadStarted = performance.now();
    for (let done = 0; done < N; done += CHUNK) {
      const reports = Array.from({ length: Math.min(CHUNK, N - done) }, () => generator.next());
      await store.putReports(tenant, reports.map((report) => ({ report, contentHash: contentHash(report) })));
      for (let i = 0; i < reports.length; i += 1000) {
        const outcomes = await engine.bulk(
          tenant,
          reports.slice(i, i + 1000).map((content) => ({
            id: content.safetyreportid,
            version: content.safetyreportversion,
            document: toSearchDocument({ tenant, content, version: content.safetyreportversion, nullified: false, committedAt }),
          })),
        );
        if (outcomes.some((o) => o.outcome !== 'written')) throw new Error('loading the engine failed');
      }
      if ((done / CHUNK) % 20 === 0) process.stderr.write(`loaded ${done + reports.length} of ${N}\n`);
    }
    await engine.refresh(tenant);
    await db.pool.query(`VACUUM ANALYZE tenant_${tenant.replace(/-/g, '_')}.report_versions`);
    await db.pool.query(`VACUUM ANALYZE tenant_${tenant.replace(/-/g, '_')}.reports`);
    result['loadSeconds'] = Math.round((performance.now() - loadStarted) / 1000);
    // Loading leaves the engine merging segments for minutes; measured during that, every request would pay for it.
    result['mergeSettleSeconds'] = await mergesSettled(engineUrl);

    // The workload: values sampled from the same distributions as the data.
    const rng = new Rng(Number(args.seed) + 7);
    const quote = (s: string) => encodeURIComponent(`"${s.replace(/"/g, '')}"`);
    const base = `/v1/tenants/${tenant}`;
    const paths: string[] = [];
    for (let i = 0; i < 200; i++) {
      const drug = profile.drugNames.sample(rng);
      const term = profile.reactionTerms.sample(rng);
      const word = drug.split(/[^A-Za-z0-9]+/).find((w) => w.length >= 4) ?? drug;
      const year = rng.int(2004, 2016);
      const kinds = [
        `${base}/drug/event.json?search=patient.drug.medicinalproduct:${encodeURIComponent(word)}&limit=10`,
        `${base}/drug/event.json?search=patient.reaction.reactionmeddrapt:${quote(term)}&limit=10`,
        `${base}/drug/event.json?search=receivedate:[${year}0101+TO+${year}1231]+AND+serious:1&limit=10&sort=receivedate:desc`,
        `${base}/drug/event.json?search=patient.drug.medicinalproduct.exact:${quote(drug)}&count=patient.reaction.reactionmeddrapt.exact&limit=20`,
        `${base}/drug/event.json?search=patient.reaction.reactionmeddrapt.exact:${quote(term.toLowerCase())}&count=receivedate`,
        `${base}/drug/event.json?search=patient.drug:(medicinalproduct.exact:${quote(drug)}+AND+drugcharacterization:1)&limit=5`,
        `${base}/signals?drug=${encodeURIComponent(drug)}&suspect=true&limit=10`,
      ];
      paths.push(kinds[i % kinds.length]!);
    }
    const headers = { 'x-vigilo-tenant': tenant, 'x-vigilo-scopes': 'read' };
    const common = { VIGILO_DATABASE_URL: db.url, VIGILO_SEARCH_PORT: '0', VIGILO_SEARCH_HOST: '127.0.0.1', VIGILO_LOG_LEVEL: 'warn' };
    const fromEngine = await startServiceProcess('search', { ...common, VIGILO_LOG_LEVEL: 'info', VIGILO_ENGINE_URL: engineUrl, VIGILO_ENGINE_REQUEST_TIMEOUT: '30s' });
    processes.push(fromEngine);
    const fromSql = await startServiceProcess('search', { ...common, VIGILO_LOG_LEVEL: 'info', VIGILO_SEARCH_FALLBACK_TIMEOUT: '60s', VIGILO_DATABASE_POOL_MAX: '10' });
    processes.push(fromSql);
    // Warm-up: every path once on the engine path (the timed runs below repeat each many times anyway), two of each
    // kind on the SQL path.
    for (const p of paths) await fetch(`${fromEngine.url}${p}`, { headers }).then((r) => r.arrayBuffer());
    for (const p of paths.slice(0, 14)) await fetch(`${fromSql.url}${p}`, { headers }).then((r) => r.arrayBuffer());

    // Each kind of request alone, one at a time: where the time goes on each path (median of 3).
    const kinds = ['terms', 'phrase', 'range+sort', 'count terms', 'count date series', 'same drug element', 'signals'];
    const perKind: Record<string, { engineMs: number; sqlMs: number }> = {};
    for (let k = 0; k < kinds.length; k++) {
      const timings: Record<'engine' | 'sql', number[]> = { engine: [], sql: [] };
      for (let i = 0; i < 3; i++) {
        const p = paths[k + kinds.length * i]!;
        for (const [name, service] of [['engine', fromEngine], ['sql', fromSql]] as const) {
          const t0 = performance.now();
          await fetch(`${service.url}${p}`, { headers }).then((r) => r.arrayBuffer());
          timings[name].push(performance.now() - t0);
        }
      }
      const median = (xs: number[]) => xs.sort((a, b) => a - b)[1]!;
      perKind[kinds[k]!] = { engineMs: Math.round(median(timings.engine)), sqlMs: Math.round(median(timings.sql)) };
    }
    result['perKindMedianMs'] = perKind;
    process.stdout.write(`one request at a time (median of 3, ms): ${JSON.stringify(perKind)}\n`);

    // A search node answers for days: its JIT-compiled code, the engine's filter cache (which keeps a filter only
    // once it has been used several times) and its request cache are warm. Measured from a cold start, the first
    // minute ran at about half the steady throughput.
    const warmup = await load(fromEngine.url, paths, headers, { seconds: Number(args['warmup-seconds']) }, Number(args.connections));
    result['warmup'] = { seconds: Number(args['warmup-seconds']), throughput: warmup.throughput, p99: warmup.p99 };
    process.stdout.write(`engine warm-up, ${args['warmup-seconds']} s at ${args.connections} clients (not counted): ${warmup.throughput.toFixed(1)} req/s, p99 ${warmup.p99} ms\n`);

    const seconds = Number(args.seconds);
    const loadCpuBefore = processTable();
    const engineResult = await load(fromEngine.url, paths, headers, { seconds }, Number(args.connections));
    const loadCpu = cpuByLabel(loadCpuBefore, processTable());
    result['engineCpuSeconds'] = loadCpu;
    // The same number of clients sending --paced-rate requests per second in all, instead of each sending its next
    // as soon as the last is answered: the latency of a load the machine has CPU to spare for.
    // A fixed rate is above one machine's capacity and far below another's: by default, half of what this one reached.
    const pacedRate = args['paced-rate'] === 'half' ? Math.max(1, Math.round(engineResult.throughput / 2)) : Number(args['paced-rate']);
    const paced = await pacedLoad(fromEngine.url, paths, headers, pacedRate, seconds, Number(args.connections));
    result['enginePaced'] = { rate: pacedRate, ...paced };
    // The CPU each kind of request costs on the engine path, warm, per process (10 clients, one kind at a time): the
    // workload's cost per request, and from it the most requests per second this machine's CPUs can answer. With
    // --connections clients always waiting on an answer, the mean latency cannot be lower than clients / that rate.
    const cpuPerRequest: Record<string, ReturnType<typeof pathCpuMs>> = {};
    for (let k = 0; k < kinds.length; k++) {
      const ofKind = paths.filter((_, i) => i % kinds.length === k);
      const before = processTable();
      const run = await load(fromEngine.url, ofKind, headers, { seconds: Number(args['kind-seconds']) }, 10);
      cpuPerRequest[kinds[k]!] = pathCpuMs(cpuByLabel(before, processTable()), Math.max(run.requests, 1));
    }
    const cores = availableParallelism();
    const mixMs = Object.values(cpuPerRequest).reduce((sum, c) => sum + totalMs(c), 0) / kinds.length;
    const capacity = (cores * 1000) / mixMs;
    Object.assign(result, { cpuMsPerRequest: cpuPerRequest, mixCpuMsPerRequest: round2(mixMs), cpus: cores, capacityPerSecond: Math.round(capacity), meanLatencyFloorMs: Math.round((Number(args.connections) / capacity) * 1000) });
    // Closed-loop clients keep the machine saturated whatever its size, so their mean latency is clients / capacity
    // (Little's law) and the p99 is that times the tail's shape. Keeping the shape and the cost per request measured
    // under this load, the p99 target needs `p99 / mean x clients / target` requests a second of capacity.
    const loadCpuMs = totalMs(pathCpuMs(loadCpu, Math.max(engineResult.requests, 1)));
    const p99OverMean = engineResult.p99 / ((Number(args.connections) / engineResult.throughput) * 1000);
    const neededPerSecond = (p99OverMean * Number(args.connections)) / (P99_TARGET_MS / 1000);
    // The cost under this load includes what 2 oversubscribed CPUs lose to contention; the cost per kind at 10
    // clients is closer to what a machine with CPUs to spare pays. Both are given.
    const cpusAt = (cpuMs: number) => Math.round(((neededPerSecond * cpuMs) / 1000) * 10) / 10;
    const cpusForP99Target = { atMixCost: cpusAt(mixMs), atLoadCost: cpusAt(loadCpuMs) };
    Object.assign(result, { loadCpuMsPerRequest: round2(loadCpuMs), p99OverMean: round2(p99OverMean), cpusForP99Target });
    process.stdout.write(`CPU ms per request on the engine path (engine, search service, load client): ${JSON.stringify(cpuPerRequest)}\n`);
    process.stdout.write(
      `  the mix costs ${round2(mixMs)} CPU ms per request: at most ${Math.round(capacity)} req/s on ${cores} CPUs, so ${args.connections} clients wait at least ${result['meanLatencyFloorMs']} ms on average\n` +
        `  under the ${args.connections}-client load: ${round2(loadCpuMs)} CPU ms per request, p99 ${round2(p99OverMean)}x the mean; a p99 of ${P99_TARGET_MS} ms needs ${Math.round(neededPerSecond)} req/s: ${cpusForP99Target.atMixCost} CPUs at the mix's cost, ${cpusForP99Target.atLoadCost} at the cost under this load\n`,
    );

    const sqlResult = await load(fromSql.url, paths, headers, { requests: Number(args['sql-requests']) }, Number(args.connections));
    Object.assign(result, {
      engine: engineResult,
      sql: sqlResult,
      p99SpeedUp: Number((sqlResult.p99 / engineResult.p99).toFixed(1)),
      throughputRatio: Number((engineResult.throughput / Math.max(sqlResult.throughput, 1e-9)).toFixed(1)),
    });
    process.stdout.write(
      `engine: ${engineResult.throughput.toFixed(1)} req/s, p50 ${engineResult.p50} ms, p99 ${engineResult.p99} ms (${engineResult.non2xx} non-2xx, ${engineResult.errors} errors)\n` +
        `  CPU seconds during it: ${JSON.stringify(result['engineCpuSeconds'])}\n` +
        `engine, the same clients paced to ${pacedRate} req/s in all: ${paced.throughput.toFixed(1)} req/s, p50 ${paced.p50} ms, p99 ${paced.p99} ms (${paced.non2xx} non-2xx, ${paced.errors} errors)\n` +
        `SQL fallback: ${sqlResult.throughput.toFixed(1)} req/s, p50 ${sqlResult.p50} ms, p99 ${sqlResult.p99} ms (${sqlResult.non2xx} non-2xx, ${sqlResult.errors} errors)\n` +
        `engine p99 ${result['p99SpeedUp']}x lower, throughput ${result['throughputRatio']}x higher (targets: p99 <= ${P99_TARGET_MS} ms, >= 20x)\n`,
    );
    process.stdout.write(`${JSON.stringify(result)}\n`);
    if (args.results) {
      mkdirSync(path.dirname(args.results), { recursive: true });
      appendFileSync(args.results, `${JSON.stringify(result)}\n`);
    }
  } finally {
    for (const p of processes.reverse()) await p.stop();
    await engine.close();
    await db.drop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
