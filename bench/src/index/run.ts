#!/usr/bin/env node
/**
 * Indexer benchmark (issue 4), two measurements in one run:
 *
 * 1. Throughput: N synthetic reports stored in SQL; their documents written by this process straight to the
 *    engine with `_bulk` (the baseline: batches of --batch, --raw-concurrency in flight), then the same reports
 *    indexed by a real indexer process that receives one task delivery per report over HTTP, as Cloud Tasks
 *    pushes them (--deliveries in flight), loads the current versions from SQL, de-identifies and micro-batches.
 *    Prints documents per second of both and their ratio (target: indexer >= 70 % of raw _bulk).
 * 2. Freshness: ingest + relay + Cloud Tasks emulator + indexer as separate processes; --rate reports/s are
 *    ingested for --seconds; the indexer's freshness histogram (SQL commit -> engine acknowledged) gives p50/p99
 *    (target p99 <= 2 s).
 *
 *   bash bench/index/run.sh [--reports 50000] [--rate 1000] [--seconds 60] [--shards 4] [--skip-freshness]
 */
import { parseArgs } from 'node:util';
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { credentials } from '@grpc/grpc-js';
import { Pool } from 'undici';
import { type AdverseEventReport, contentHash, parseTenantId, toSearchDocument } from '@vigilo/domain';
import { PostgresReportStore, provisionTenant } from '@vigilo/postgres';
import { CloudTasksTaskQueue } from '@vigilo/queue';
import { indexQueueName } from '@vigilo/relay';
import { type BulkOperation, createElasticsearchSearchIndex } from '@vigilo/search-engine';
import { createTestDatabase, requireEnv, startServiceProcess, uniqueTenant, until, type RunningProcess } from '@vigilo/testkit';
import { ReportGenerator } from '../ingest/generator.js';
import { loadFaersProfile } from '../ingest/profile.js';
import { cpuByLabel, pidsMatching, pinToCpus, processTable } from '../ingest/proc.js';

const { values: args } = parseArgs({
  options: {
    reports: { type: 'string', default: process.env['VIGILO_BENCH_REPORTS'] ?? '50000' },
    batch: { type: 'string', default: '500' },
    'raw-concurrency': { type: 'string', default: '2' },
    deliveries: { type: 'string', default: '500' },
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '60' },
    seed: { type: 'string', default: '42' },
    'skip-freshness': { type: 'boolean', default: false },
    'cpu-profile': { type: 'string' },
    pin: { type: 'boolean', default: false },
    'indexer-env': { type: 'string', multiple: true, default: [] },
    'relay-env': { type: 'string', multiple: true, default: [] },
    // One Cloud Tasks queue dispatches at most 500 tasks/s (Google's limit; the emulator manages about 400), so a
    // tenant ingesting 1,000 reports/s needs several: 4 keeps each at 250/s (ADR 11, queue shards).
    shards: { type: 'string', default: '4' },
    results: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  process.stdout.write('bash bench/index/run.sh [--reports N] [--batch 500] [--raw-concurrency 2] [--deliveries 500] [--rate 1000] [--seconds 60] [--skip-freshness] [--seed 42] [--cpu-profile DIR] [--pin] [--indexer-env KEY=VALUE ...] [--relay-env KEY=VALUE ...] [--shards 4]\n');
  process.exit(0);
}
const N = Number(args.reports);
const BATCH = Number(args.batch);
const SHARED_SECRET = 'bench-shared-secret-0123456789abcdef-xyz';
/** `--cpu-profile DIR`: the indexer processes write V8 CPU profiles there (summarise with bench/lib/ingest/cpuprofile.js). */
const PROFILE_ENV: Record<string, string> = {
  ...(args['cpu-profile']
    ? (mkdirSync(path.resolve(args['cpu-profile']), { recursive: true }), { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${path.resolve(args['cpu-profile'])}` })
    : {}),
  // `--indexer-env KEY=VALUE`: settings of both indexer processes (docs/config/indexer.md).
  ...keyValues(args['indexer-env'], '--indexer-env'),
};
/** `--relay-env KEY=VALUE`: settings of the relay of the freshness run (docs/config/relay.md). */
const RELAY_ENV = keyValues(args['relay-env'], '--relay-env');

function keyValues(pairs: readonly string[], option: string): Record<string, string> {
  return Object.fromEntries(
    pairs.map((kv) => {
      const eq = kv.indexOf('=');
      if (eq <= 0) throw new Error(`${option} wants KEY=VALUE, got ${kv}`);
      return [kv.slice(0, eq), kv.slice(eq + 1)];
    }),
  );
}

/**
 * `--pin` (throughput phase): Elasticsearch on CPU 0; PostgreSQL, the indexer and this process on CPU 1. As in
 * production, where the engine has nodes of its own, the indexer then does not take CPU from the engine it feeds,
 * and both sides of the comparison give the engine the same one CPU.
 */
const pin = pinToCpus;
const pgrep = pidsMatching;

async function inPool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

/** Quantile of a Prometheus histogram (cumulative buckets), interpolated linearly inside the bucket. */
function histogramQuantile(metrics: string, name: string, q: number): number | undefined {
  const buckets: Array<[number, number]> = [];
  for (const line of metrics.split('\n')) {
    const match = new RegExp(`^${name}_bucket\\{[^}]*le="([^"]+)"[^}]*\\} ([0-9.e+]+)$`).exec(line);
    if (match) buckets.push([match[1] === '+Inf' ? Infinity : Number(match[1]), Number(match[2])]);
  }
  buckets.sort((a, b) => a[0] - b[0]);
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total === 0) return undefined;
  const rank = q * total;
  let previous: [number, number] = [0, 0];
  for (const bucket of buckets) {
    if (bucket[1] >= rank) {
      if (bucket[0] === Infinity) return previous[0];
      const share = bucket[1] === previous[1] ? 0 : (rank - previous[1]) / (bucket[1] - previous[1]);
      return previous[0] + share * (bucket[0] - previous[0]);
    }
    previous = bucket;
  }
  return undefined;
}

async function main(): Promise<void> {
  const engineUrl = requireEnv('VIGILO_TEST_ES_URL');
  const db = await createTestDatabase();
  const engine = createElasticsearchSearchIndex({ node: engineUrl, replicas: 0 });
  const processes: RunningProcess[] = [];
  const result: Record<string, unknown> = { bench: 'index', at: new Date().toISOString(), reports: N, batch: BATCH, pinned: args.pin };
  try {
    // --- Setup (not timed): N reports in SQL for the indexer's tenant.
    const profile = await loadFaersProfile();
    const generator = new ReportGenerator(profile, { seed: Number(args.seed) });
    const reports: AdverseEventReport[] = Array.from({ length: N }, () => generator.next());
    const viaIndexer = parseTenantId(uniqueTenant('bix'));
    const raw = parseTenantId(uniqueTenant('braw'));
    for (const tenant of [viaIndexer, raw]) {
      await provisionTenant(db.pool, { id: tenant });
      await engine.ensureTenant(tenant, { replicas: 0 });
    }
    const store = new PostgresReportStore({ pool: db.pool });
    for (let i = 0; i < N; i += 1000) {
      await store.putReports(viaIndexer, reports.slice(i, i + 1000).map((report) => ({ report, contentHash: contentHash(report) })));
    }
    // The baseline writes exactly what the indexer would: the de-identified documents of the same versions.
    const committedAt = new Date();
    const operations: BulkOperation[] = reports.map((content) => ({
      id: content.safetyreportid,
      version: content.safetyreportversion,
      document: toSearchDocument({ tenant: raw, content, version: content.safetyreportversion, nullified: false, committedAt }),
    }));
    const batches: BulkOperation[][] = [];
    for (let i = 0; i < N; i += BATCH) batches.push(operations.slice(i, i + BATCH));

    if (args.pin) {
      pin(0, pgrep('dev.vigilo.es.Main'));
      pin(1, [process.pid, ...pgrep('postgres')]);
      process.stdout.write('pinned: Elasticsearch on CPU 0; PostgreSQL, the indexer and the bench client on CPU 1\n');
    }
    // --- Raw _bulk.
    let started = performance.now();
    const rawCpuBefore = processTable();
    await inPool(batches, Number(args['raw-concurrency']), async (batch) => {
      const outcomes = await engine.bulk(raw, batch);
      if (outcomes.some((o) => o.outcome !== 'written')) throw new Error(`raw bulk: ${JSON.stringify(outcomes.find((o) => o.outcome !== 'written'))}`);
    });
    const rawSeconds = (performance.now() - started) / 1000;
    const rawCpu = cpuByLabel(rawCpuBefore, processTable());
    // The engine's refreshes and merges of the baseline settle before the indexer's turn is measured.
    await engine.refresh(raw);
    await new Promise((r) => setTimeout(r, 3000));

    // --- Through the indexer: one HTTP delivery per report, as the queue pushes them.
    const indexer = await startServiceProcess('indexer', {
      VIGILO_DATABASE_URL: db.url,
      VIGILO_ENGINE_URL: engineUrl,
      VIGILO_INDEXER_PORT: '0',
      VIGILO_INDEXER_HOST: '127.0.0.1',
      VIGILO_INDEXER_AUTH_MODE: 'shared-secret',
      VIGILO_INDEXER_SHARED_SECRET: SHARED_SECRET,
      VIGILO_LOG_LEVEL: 'info',
      ...PROFILE_ENV,
    });
    processes.push(indexer);
    if (args.pin) pin(1, [indexer.child.pid!]);
    // The deliveries play Cloud Tasks, whose dispatching costs nothing on our machines in production: an undici
    // pool of keep-alive connections is the cheapest Node client, so it takes as little of the shared CPU as it can.
    const deliveries = new Pool(indexer.url, { connections: Number(args.deliveries), pipelining: 1 });
    const deliver = async (report: AdverseEventReport) => {
      for (;;) {
        const res = await deliveries.request({
          path: '/v1/tasks/index',
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${SHARED_SECRET}`, 'x-cloudtasks-taskname': `bench-${report.safetyreportid}` },
          body: JSON.stringify({ tenant: viaIndexer, safetyreportid: report.safetyreportid, version: report.safetyreportversion }),
        });
        await res.body.dump();
        if (res.statusCode === 200) return;
        if (res.statusCode !== 503) throw new Error(`indexer answered ${res.statusCode}`);
      }
    };
    started = performance.now();
    const cpuBefore = processTable();
    await inPool(reports, Number(args.deliveries), deliver);
    const indexerSeconds = (performance.now() - started) / 1000;
    await deliveries.close();
    const throughputCpu = cpuByLabel(cpuBefore, processTable());
    const indexerMetrics = await fetch(`${indexer.url}/metrics`).then((r) => r.text());
    const metric = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, "m").exec(indexerMetrics)?.[1] ?? NaN);
    const bulks = metric('vigilo_index_bulk_documents_count');
    const meanBulk = metric('vigilo_index_bulk_documents_sum') / bulks;
    await engine.refresh(viaIndexer);
    await engine.refresh(raw);
    const [inIndexer, inRaw] = [await engine.count(viaIndexer), await engine.count(raw)];
    if (inIndexer !== N || inRaw !== N) throw new Error(`expected ${N} documents in both indices, got ${inIndexer} and ${inRaw}`);
    Object.assign(result, {
      rawDocsPerSecond: Math.round(N / rawSeconds),
      indexerDocsPerSecond: Math.round(N / indexerSeconds),
      ratio: Number((rawSeconds / indexerSeconds).toFixed(3)),
      rawCpuSeconds: rawCpu,
      indexerBulks: bulks,
      indexerMeanBulkDocuments: Math.round(meanBulk),
      throughputCpuSeconds: throughputCpu,
    });
    process.stdout.write(`throughput: raw _bulk ${result['rawDocsPerSecond']} docs/s, indexer ${result['indexerDocsPerSecond']} docs/s, ratio ${result['ratio']} (target >= 0.70)\n`);
    process.stdout.write(`  CPU seconds during raw _bulk (${batches.length} bulks of ${BATCH}): ${JSON.stringify(rawCpu)}\n  CPU seconds while indexing through the indexer (${bulks} bulks, ${Math.round(meanBulk)} documents on average): ${JSON.stringify(throughputCpu)}\n`);
    await indexer.stop();
    processes.length = 0;
    // The freshness phase runs the whole write path unpinned.
    if (args.pin) pin('0-1023', [...pgrep('dev.vigilo.es.Main'), process.pid, ...pgrep('postgres')]);

    // --- Freshness under a steady ingest rate, through the whole write path.
    if (!args['skip-freshness']) {
      const tenant = parseTenantId(uniqueTenant('bfr'));
      // `--shards N`: the tenant's indexing is spread over N queues, as `spec.queue.shards` makes the operator do.
      const shards = Number(args.shards);
      await provisionTenant(db.pool, { id: tenant, settings: { queue: { shards } } });
      await engine.ensureTenant(tenant, { replicas: 0 });
      const audience = 'https://indexer.vigilo.bench/v1/tasks/index';
      const serviceAccount = 'indexer@vigilo-bench.iam.gserviceaccount.com';
      const pipelineIndexer = await startServiceProcess('indexer', {
        VIGILO_DATABASE_URL: db.url,
        VIGILO_ENGINE_URL: engineUrl,
        VIGILO_INDEXER_PORT: '0',
        VIGILO_INDEXER_HOST: '127.0.0.1',
        VIGILO_INDEXER_AUTH_MODE: 'oidc',
        VIGILO_INDEXER_OIDC_ISSUER: requireEnv('VIGILO_TEST_CLOUD_TASKS_OIDC_ISSUER'),
        VIGILO_INDEXER_OIDC_AUDIENCE: audience,
        VIGILO_INDEXER_OIDC_SERVICE_ACCOUNT: serviceAccount,
        ...PROFILE_ENV,
      });
      processes.push(pipelineIndexer);
      const targetUrl = `${pipelineIndexer.url}/v1/tasks/index`;
      const host = requireEnv('VIGILO_TEST_CLOUD_TASKS_HOST');
      const port = requireEnv('VIGILO_TEST_CLOUD_TASKS_PORT');
      const queue = new CloudTasksTaskQueue({
        project: 'vigilo-bench',
        location: 'local',
        targetUrl,
        oidc: { serviceAccountEmail: serviceAccount, audience },
        clientOptions: { servicePath: host, port: Number(port), sslCreds: credentials.createInsecure() },
      });
      for (let shard = 0; shard < shards; shard++) await queue.ensureQueue({ name: indexQueueName(tenant, shard), maxAttempts: 20, minBackoffMs: 100, maxBackoffMs: 2000 });
      await queue.close();
      processes.push(
        await startServiceProcess('relay', {
          VIGILO_DATABASE_URL: db.url,
          VIGILO_RELAY_PORT: '0',
          VIGILO_RELAY_HOST: '127.0.0.1',
          VIGILO_RELAY_QUEUE_BACKEND: 'cloud-tasks',
          VIGILO_RELAY_TARGET_URL: targetUrl,
          VIGILO_RELAY_CLOUD_TASKS_PROJECT: 'vigilo-bench',
          VIGILO_RELAY_CLOUD_TASKS_LOCATION: 'local',
          VIGILO_RELAY_CLOUD_TASKS_EMULATOR: `${host}:${port}`,
          VIGILO_RELAY_OIDC_SERVICE_ACCOUNT: serviceAccount,
          VIGILO_RELAY_OIDC_AUDIENCE: audience,
          METADATA_SERVER_DETECTION: 'none',
          ...RELAY_ENV,
        }),
      );
      const ingest = await startServiceProcess('ingest', { VIGILO_DATABASE_URL: db.url, VIGILO_INGEST_PORT: '0', VIGILO_INGEST_HOST: '127.0.0.1', VIGILO_LOG_LEVEL: 'info' });
      processes.push(ingest);
      const rate = Number(args.rate);
      const seconds = Number(args.seconds);
      const tick = 100;
      const perTick = Math.round((rate * tick) / 1000);
      const freshGenerator = new ReportGenerator(profile, { seed: Number(args.seed) + 1, idPrefix: 'FRESH-' });
      const begin = performance.now();
      const freshCpuBefore = processTable();
      let sent = 0;
      let lagging = 0;
      const inFlight: Promise<void>[] = [];
      for (let t = 0; t < (seconds * 1000) / tick; t++) {
        const due = begin + t * tick;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        else lagging++;
        const body = Array.from({ length: perTick }, () => JSON.stringify(freshGenerator.next())).join('\n');
        sent += perTick;
        inFlight.push(
          fetch(`${ingest.url}/v1/tenants/${tenant}/reports/bulk`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-ndjson', 'x-vigilo-tenant': tenant, 'x-vigilo-scopes': 'write' },
            body,
          }).then(async (res) => {
            const text = await res.text();
            const summary = res.status === 200 ? (JSON.parse(text.trim().split('\n').at(-1)!) as { summary?: { created: number } }).summary : undefined;
            if (summary?.created !== perTick) throw new Error(`ingest: ${res.status} ${text.slice(-300)}`);
          }),
        );
      }
      await Promise.all(inFlight);
      const offered = sent / ((performance.now() - begin) / 1000);
      await until(
        async () => {
          await engine.refresh(tenant);
          return engine.count(tenant);
        },
        (n) => n >= sent,
        'every ingested report indexed',
        300_000,
      );
      const freshnessCpu = cpuByLabel(freshCpuBefore, processTable());
      const drainedSeconds = (performance.now() - begin) / 1000;
      const metrics = await fetch(`${pipelineIndexer.url}/metrics`).then((r) => r.text());
      const p50 = histogramQuantile(metrics, 'vigilo_index_freshness_seconds', 0.5);
      const p99 = histogramQuantile(metrics, 'vigilo_index_freshness_seconds', 0.99);
      Object.assign(result, { freshness: { rate, seconds, shards, offeredPerSecond: Math.round(offered), lateTicks: lagging, p50Seconds: p50, p99Seconds: p99, drainedSeconds, cpuSeconds: freshnessCpu } });
      process.stdout.write(`freshness at ${Math.round(offered)} reports/s for ${seconds}s over ${shards} queue(s): p50 ${p50?.toFixed(3)} s, p99 ${p99?.toFixed(3)} s (target p99 <= 2 s); all indexed after ${drainedSeconds.toFixed(1)} s\n`);
      process.stdout.write(`  CPU seconds from the first report to the last indexed: ${JSON.stringify(freshnessCpu)}\n`);
    }
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
