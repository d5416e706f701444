#!/usr/bin/env node
/**
 * Ingest benchmark: loads N synthetic FAERS-shaped reports through the bulk
 * API of a real ingest process, then, in the same run and from the same
 * NDJSON file, COPYs the same rows (safetyreportid, version, content jsonb)
 * into a plain unindexed table of the same database. Prints both rates and
 * their ratio as one JSON line and one human-readable line.
 *
 *   node bench/lib/ingest/run.js [--reports 200000] [--streams 4] [--services 1] [--copy-streams 1] [--copy-compression default|pglz|lz4]
 *        [--warmup 2000] [--repeat 1] [--seed 42] [--batch-size N] [--pool-max N]
 *        [--data-dir bench/.data] [--keep-data] [--results FILE] [--cpu-profile DIR] [--service-env K=V ...]
 *        [--patch canonical|canonical-keylist,textcopy,lz4]   (what-if patches of the service, see patches/register.ts)
 *
 * --streams: concurrent bulk requests, each a contiguous range of lines;
 * --services: ingest processes, the streams spread over them round-robin.
 *
 * Needs VIGILO_TEST_DATABASE_URL (bench/ingest/run.sh starts PostgreSQL and sets it).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, createReadStream, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import http from 'node:http';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { parseTenantId, tenantSchemaName, type TenantId } from '@vigilo/domain';
import { createPool, dropTenantSchema, provisionTenant, qualified } from '@vigilo/postgres';
import { createTestDatabase, startServiceProcess, REPO_ROOT, type RunningProcess, type TestDatabase } from '@vigilo/testkit';
import { writeReports } from './generate.js';
import { describeProfile, loadFaersProfile } from './profile.js';
import { CpuMeter, postmasterPid, type CpuUsage } from './proc.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/**
 * Which code was measured: the commit and the uncommitted files under
 * packages/ and services/ (read-only git; --no-optional-locks so git does not
 * even refresh the index). VIGILO_BENCH_CODE labels a tree without .git.
 */
function codeUnderTest(): { commit: string | null; uncommitted: string[] | null; label: string | null } {
  const git = (...a: string[]) => execFileSync('git', ['--no-optional-locks', ...a], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  let commit: string | null = null;
  let uncommitted: string[] | null = null;
  try {
    commit = git('rev-parse', '--short', 'HEAD').trim();
    uncommitted = git('status', '--porcelain', '--', 'packages', 'services').split('\n').filter(Boolean).map((l) => l.slice(3));
  } catch {
    /* not a git checkout */
  }
  return { commit, uncommitted, label: process.env['VIGILO_BENCH_CODE'] ?? null };
}

const { values: args } = parseArgs({
  options: {
    reports: { type: 'string', default: process.env['VIGILO_BENCH_REPORTS'] ?? '200000' },
    streams: { type: 'string', default: process.env['VIGILO_BENCH_STREAMS'] ?? '4' },
    services: { type: 'string', default: process.env['VIGILO_BENCH_SERVICES'] ?? '1' },
    'copy-streams': { type: 'string', default: process.env['VIGILO_BENCH_COPY_STREAMS'] ?? '1' },
    'copy-compression': { type: 'string', default: process.env['VIGILO_BENCH_COPY_COMPRESSION'] ?? 'default' },
    warmup: { type: 'string', default: process.env['VIGILO_BENCH_WARMUP'] ?? '2000' },
    repeat: { type: 'string', default: process.env['VIGILO_BENCH_REPEAT'] ?? '1' },
    seed: { type: 'string', default: process.env['VIGILO_BENCH_SEED'] ?? '42' },
    'batch-size': { type: 'string' },
    'pool-max': { type: 'string' },
    'data-dir': { type: 'string', default: path.join(REPO_ROOT, 'bench', '.data') },
    'keep-data': { type: 'boolean', default: false },
    results: { type: 'string' },
    'cpu-profile': { type: 'string' },
    patch: { type: 'string' },
    'service-env': { type: 'string', multiple: true, default: [] },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});

if (args.help) {
  const source = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n');
  process.stdout.write(source.slice(2, source.findIndex((l) => l.trim() === '*/')).map((l) => l.replace(/^ \* ?/, '')).join('\n') + '\n');
  process.exit(0);
}

const int = (name: string, value: string | undefined, min: number): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min} (got ${value})`);
  return n;
};
const N = int('reports', args.reports, 1);
const STREAMS = int('streams', args.streams, 1);
const SERVICES = int('services', args.services, 1);
const COPY_STREAMS = int('copy-streams', args['copy-streams'], 1);
const WARMUP = Math.min(int('warmup', args.warmup, 0), N);
const REPEAT = int('repeat', args.repeat, 1);
const SEED = int('seed', args.seed, 0);
const DATA_DIR = path.resolve(args['data-dir']);
const COPY_COMPRESSION = args['copy-compression'];
if (!['default', 'pglz', 'lz4'].includes(COPY_COMPRESSION)) throw new Error(`--copy-compression must be default, pglz or lz4 (got ${COPY_COMPRESSION})`);

const log = (message: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const seconds = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e9;

/** Byte offset of the start of every line, plus the file size at the end. */
async function indexLines(file: string): Promise<number[]> {
  const starts = [0];
  let offset = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    let at = chunk.indexOf(0x0a);
    while (at !== -1) {
      starts.push(offset + at + 1);
      at = chunk.indexOf(0x0a, at + 1);
    }
    offset += chunk.length;
  }
  if (starts[starts.length - 1] !== offset) starts.push(offset);
  return starts;
}

interface Range {
  readonly fromLine: number;
  readonly toLine: number;
  readonly start: number;
  readonly end: number;
}

/** Splits lines [from, to) into `parts` contiguous ranges of (nearly) equal line counts. */
function split(starts: number[], from: number, to: number, parts: number): Range[] {
  const ranges: Range[] = [];
  const per = Math.ceil((to - from) / parts);
  for (let a = from; a < to; a += per) {
    const b = Math.min(to, a + per);
    ranges.push({ fromLine: a, toLine: b, start: starts[a]!, end: starts[b]! });
  }
  return ranges;
}

interface BulkSummary {
  lines: number;
  created: number;
  unchanged: number;
  rejected: number;
}

/** POSTs one byte range of the NDJSON file to the bulk endpoint; resolves when the whole answer is in. */
function postBulk(service: RunningProcess, tenant: TenantId, file: string, range: Range): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port: service.port,
      method: 'POST',
      path: `/v1/tenants/${tenant}/reports/bulk`,
      agent: false,
      headers: {
        'content-type': 'application/x-ndjson',
        'content-length': String(range.end - range.start),
        'x-vigilo-tenant': tenant,
        'x-vigilo-scopes': 'write',
      },
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    pipeline(createReadStream(file, { start: range.start, end: range.end - 1, highWaterMark: 1 << 18 }), req).catch(reject);
  });
}

function checkBulkAnswer(range: Range, answer: { status: number; body: Buffer }): BulkSummary {
  const text = answer.body.toString('utf8');
  const expected = range.toLine - range.fromLine;
  if (answer.status !== 200) throw new Error(`bulk request answered ${answer.status}: ${text.slice(0, 2000)}`);
  const lastLine = text.trimEnd().slice(text.trimEnd().lastIndexOf('\n') + 1);
  const summary = (JSON.parse(lastLine) as { summary?: BulkSummary }).summary;
  if (!summary) throw new Error(`bulk answer has no summary line: ${lastLine.slice(0, 500)}`);
  if (summary.lines !== expected || summary.created !== expected) {
    const rejected = text.split('\n').filter((l) => l.includes('"outcome":"rejected"')).slice(0, 3);
    throw new Error(`bulk lines ${range.fromLine + 1}-${range.toLine}: expected ${expected} created, got ${JSON.stringify(summary)}; first rejections: ${rejected.join('\n')}`);
  }
  return summary;
}

/** Posts the ranges concurrently, range i to service i mod services.length. */
async function ingestPhase(
  services: readonly RunningProcess[],
  tenant: TenantId,
  file: string,
  ranges: Range[],
  meter: CpuMeter,
): Promise<{ seconds: number; summaries: BulkSummary[]; cpu: CpuUsage }> {
  const before = meter.snapshot();
  const started = process.hrtime.bigint();
  const answers = await Promise.all(ranges.map((r, i) => postBulk(services[i % services.length]!, tenant, file, r)));
  const elapsed = seconds(started);
  const cpu = CpuMeter.diff(before, meter.snapshot());
  return { seconds: elapsed, summaries: ranges.map((r, i) => checkBulkAnswer(r, answers[i]!)), cpu };
}

const PREFIX = /^\{"safetyreportid":"([^"\\]+)","safetyreportversion":([0-9]+),/;

/** NDJSON text → COPY text rows (id, version, content): backslashes doubled; JSON has no raw tabs or newlines. */
async function* toCopyRows(chunks: AsyncIterable<string>): AsyncGenerator<string> {
  let carry = '';
  for await (const chunk of chunks) {
    const text = carry + chunk;
    const last = text.lastIndexOf('\n');
    if (last === -1) {
      carry = text;
      continue;
    }
    carry = text.slice(last + 1);
    let out = '';
    let from = 0;
    while (from <= last) {
      const nl = text.indexOf('\n', from);
      const line = text.slice(from, nl);
      from = nl + 1;
      if (line.length === 0) continue;
      let id: string;
      let version: string;
      const m = PREFIX.exec(line);
      if (m) {
        id = m[1]!;
        version = m[2]!;
      } else {
        const parsed = JSON.parse(line) as { safetyreportid: string; safetyreportversion: number };
        id = parsed.safetyreportid;
        version = String(parsed.safetyreportversion);
      }
      out += `${id}\t${version}\t${line.includes('\\') ? line.replace(/\\/g, '\\\\') : line}\n`;
    }
    yield out;
  }
  if (carry.trim().length > 0) throw new Error('the NDJSON range does not end with a newline');
}

async function copyPhase(url: string, table: string, file: string, ranges: Range[], meter: CpuMeter): Promise<{ seconds: number; rows: number; cpu: CpuUsage }> {
  const clients = await Promise.all(
    ranges.map(async () => {
      const client = new pg.Client({ connectionString: url, application_name: 'vigilo-bench-copy' });
      await client.connect();
      return client;
    }),
  );
  try {
    const before = meter.snapshot();
    const started = process.hrtime.bigint();
    const rows = await Promise.all(
      ranges.map(async (r, i) => {
        const copy = clients[i]!.query(copyFrom(`COPY ${table} (safetyreportid, version, content) FROM STDIN`));
        const source = createReadStream(file, { start: r.start, end: r.end - 1, encoding: 'utf8', highWaterMark: 1 << 18 }) as AsyncIterable<string>;
        await pipeline(Readable.from(toCopyRows(source)), copy);
        return copy.rowCount;
      }),
    );
    const elapsed = seconds(started);
    // Before the connections close, so their backends' CPU is still counted.
    const cpu = CpuMeter.diff(before, meter.snapshot());
    return { seconds: elapsed, rows: rows.reduce((a, b) => a + b, 0), cpu };
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
}

interface PhaseResult {
  seconds: number;
  reportsPerSecond: number;
  mbPerSecond: number;
  cpu: CpuUsage;
  /** CPU (ingest process + PostgreSQL + this client) per report, in microseconds: the cost, whatever else runs on the host. */
  cpuMicrosPerReport: number | null;
}

const phase = (reports: number, bytes: number, secs: number, cpu: CpuUsage): PhaseResult => ({
  seconds: round(secs, 3),
  reportsPerSecond: Math.round(reports / secs),
  mbPerSecond: round(bytes / 1e6 / secs),
  cpu,
  cpuMicrosPerReport:
    cpu.postgresCpuSeconds === null ? null : Math.round((((cpu.ingestCpuSeconds ?? 0) + cpu.postgresCpuSeconds + cpu.clientCpuSeconds) / reports) * 1e6),
});

/** The generated file, reused from an earlier --keep-data run when its inputs are the same. */
async function generated(profileDescription: unknown, loadProfile: () => ReturnType<typeof loadFaersProfile>) {
  mkdirSync(DATA_DIR, { recursive: true });
  const generatorHash = createHash('sha256')
    .update(['generator.js', 'profile.js', 'prng.js'].map((f) => readFileSync(path.join(HERE, f), 'utf8')).join('\0'))
    .digest('hex')
    .slice(0, 12);
  const file = path.join(DATA_DIR, `reports-${N}-seed${SEED}-${generatorHash}.ndjson`);
  const meta = `${file}.json`;
  if (existsSync(file) && existsSync(meta)) {
    const m = JSON.parse(readFileSync(meta, 'utf8')) as { bytes: number; seconds: number };
    if (statSync(file).size === m.bytes) {
      log(`reusing ${path.relative(REPO_ROOT, file)} (${round(m.bytes / 1e6, 1)} MB)`);
      return { file, bytes: m.bytes, generationSeconds: m.seconds, reused: true };
    }
  }
  log(`generating ${N} reports (seed ${SEED}) into ${path.relative(REPO_ROOT, file)}; profile ${JSON.stringify(profileDescription)}`);
  const out = await writeReports(file, await loadProfile(), { count: N, seed: SEED });
  writeFileSync(meta, JSON.stringify({ reports: N, seed: SEED, bytes: out.bytes, seconds: out.seconds }));
  log(`generated and validated ${N} reports, ${round(out.bytes / 1e6, 1)} MB, in ${round(out.seconds, 1)} s (not timed)`);
  return { file, bytes: out.bytes, generationSeconds: out.seconds, reused: false };
}

async function main(): Promise<void> {
  const profile = await loadFaersProfile();
  const profileDescription = describeProfile(profile);
  const data = await generated(profileDescription, async () => profile);
  const starts = await indexLines(data.file);
  if (starts.length - 1 !== N) throw new Error(`${data.file} has ${starts.length - 1} lines, expected ${N}`);

  const runTag = createHash('sha256').update(`${process.pid}-${Date.now()}`).digest('hex').slice(0, 6);
  const warmTenant = parseTenantId(`bench-${runTag}-warm`);
  const tenants = Array.from({ length: REPEAT }, (_, i) => parseTenantId(`bench-${runTag}-r${i + 1}`));
  let db: TestDatabase | undefined;
  const services: RunningProcess[] = [];
  const provisioned: TenantId[] = [];
  try {
    db = await createTestDatabase('vigilo_bench');
    log(`database ${db.name}`);
    const admin = createPool({ connectionString: db.url, max: 2, statementTimeoutMs: 600_000, applicationName: 'vigilo-bench' });
    try {
      for (const t of [warmTenant, ...tenants]) {
        await provisionTenant(admin, { id: t });
        provisioned.push(t);
      }
      const info = await admin.query<{ data_directory: string; server_version: string }>(
        `SELECT current_setting('data_directory') AS data_directory, current_setting('server_version') AS server_version`,
      );
      const { data_directory: dataDirectory, server_version: serverVersion } = info.rows[0]!;

      const serviceEnv: Record<string, string> = {
        VIGILO_DATABASE_URL: db.url,
        VIGILO_INGEST_PORT: '0',
        VIGILO_INGEST_HOST: '127.0.0.1',
        // info, not warn: startServiceProcess waits for the `listening` line, which is logged at info.
        // At info the service logs one line per request, i.e. a handful per run.
        VIGILO_LOG_LEVEL: 'info',
      };
      if (args['batch-size']) serviceEnv['VIGILO_INGEST_BULK_BATCH_SIZE'] = args['batch-size'];
      if (args['pool-max']) serviceEnv['VIGILO_DATABASE_POOL_MAX'] = args['pool-max'];
      const nodeOptions: string[] = [];
      if (args['cpu-profile']) {
        mkdirSync(path.resolve(args['cpu-profile']), { recursive: true });
        nodeOptions.push('--cpu-prof', `--cpu-prof-dir=${path.resolve(args['cpu-profile'])}`);
      }
      if (args.patch) {
        nodeOptions.push(`--import=${path.join(HERE, 'patches', 'register.js')}`);
        serviceEnv['VIGILO_BENCH_PATCHES'] = args.patch;
      }
      if (nodeOptions.length) serviceEnv['NODE_OPTIONS'] = nodeOptions.join(' ');
      for (const kv of args['service-env']) {
        const eq = kv.indexOf('=');
        if (eq <= 0) throw new Error(`--service-env wants KEY=VALUE, got ${kv}`);
        const key = kv.slice(0, eq);
        // NODE_OPTIONS adds to what --cpu-profile and --patch put there.
        serviceEnv[key] = key === 'NODE_OPTIONS' && serviceEnv[key] ? `${serviceEnv[key]} ${kv.slice(eq + 1)}` : kv.slice(eq + 1);
      }
      for (let i = 0; i < SERVICES; i++) {
        const service = await startServiceProcess('ingest', serviceEnv);
        services.push(service);
        log(`ingest service pid ${service.child.pid} on port ${service.port}`);
        if (args.patch && !service.output.some((l) => l.includes('bench patches applied'))) throw new Error(`--patch given but the service did not load the patches:\n${service.output.join('\n')}`);
      }
      const postmaster = postmasterPid(dataDirectory);
      const meter = new CpuMeter({
        database: db.name,
        ingest: services.map((s) => s.child.pid).filter((pid): pid is number => pid !== undefined),
        ...(postmaster ? { postmaster } : {}),
      });

      const createCopyTable = async (name: string) => {
        await admin.query(`DROP TABLE IF EXISTS ${name}`);
        const compression = COPY_COMPRESSION === 'default' ? '' : ` COMPRESSION ${COPY_COMPRESSION}`;
        await admin.query(`CREATE TABLE ${name} (safetyreportid text NOT NULL, version integer NOT NULL, content jsonb${compression} NOT NULL)`);
      };

      if (WARMUP > 0) {
        const t0 = process.hrtime.bigint();
        await ingestPhase(services, warmTenant, data.file, split(starts, 0, WARMUP, SERVICES), meter);
        await createCopyTable('bench_copy_warmup');
        await copyPhase(db.url, 'bench_copy_warmup', data.file, split(starts, 0, WARMUP, 1), meter);
        log(`warmed up both paths with ${WARMUP} reports in ${round(seconds(t0), 1)} s`);
      }

      const ingestRanges = split(starts, 0, N, STREAMS);
      const copyRanges = split(starts, 0, N, COPY_STREAMS);
      const runs: { ingest: PhaseResult; copy: PhaseResult; ratio: number }[] = [];
      for (let r = 0; r < REPEAT; r++) {
        const tenant = tenants[r]!;
        const copyTable = `bench_copy_r${r + 1}`;
        await createCopyTable(copyTable);

        await admin.query('CHECKPOINT');
        const ing = await ingestPhase(services, tenant, data.file, ingestRanges, meter);
        const ingest = phase(N, data.bytes, ing.seconds, ing.cpu);
        log(`run ${r + 1}/${REPEAT} ingest: ${N} reports in ${ingest.seconds} s = ${ingest.reportsPerSecond} reports/s, ${ingest.mbPerSecond} MB/s (${STREAMS} streams); cpu ${JSON.stringify(ingest.cpu)}`);

        await admin.query('CHECKPOINT');
        const cp = await copyPhase(db.url, copyTable, data.file, copyRanges, meter);
        const copy = phase(N, data.bytes, cp.seconds, cp.cpu);
        if (cp.rows !== N) throw new Error(`COPY loaded ${cp.rows} rows, expected ${N}`);
        log(`run ${r + 1}/${REPEAT} COPY:   ${N} rows in ${copy.seconds} s = ${copy.reportsPerSecond} rows/s, ${copy.mbPerSecond} MB/s (${COPY_STREAMS} streams); cpu ${JSON.stringify(copy.cpu)}`);
        runs.push({ ingest, copy, ratio: round(ingest.reportsPerSecond / copy.reportsPerSecond, 3) });
      }

      // What was stored: every report, its current pointer and its outbox row; the COPY table has every row.
      const t = (table: string) => qualified(tenantSchemaName(tenants[0]!), table);
      const counts = await admin.query<{ versions: number; reports: number; outbox: number; copied: number; ingest_bytes: number; copy_bytes: number }>(
        `SELECT (SELECT count(*) FROM ${t('report_versions')})::int AS versions,
                (SELECT count(*) FROM ${t('reports')})::int AS reports,
                (SELECT count(*) FROM ${t('outbox')})::int AS outbox,
                (SELECT count(*) FROM bench_copy_r1)::int AS copied,
                (pg_total_relation_size('${t('report_versions')}') + pg_total_relation_size('${t('reports')}') + pg_total_relation_size('${t('outbox')}'))::bigint AS ingest_bytes,
                pg_total_relation_size('bench_copy_r1')::bigint AS copy_bytes`,
      );
      const c = counts.rows[0]!;
      // How the stored content was TOAST-compressed (pglz by default; lz4 with --patch lz4).
      const compression = await admin.query<{ method: string | null; n: number }>(
        `SELECT pg_column_compression(content) AS method, count(*)::int AS n FROM ${t('report_versions')} GROUP BY 1 ORDER BY 2 DESC`,
      );
      const storedCompression = Object.fromEntries(compression.rows.map((r) => [r.method ?? 'none', r.n]));
      if (c.versions !== N || c.reports !== N || c.outbox !== N || c.copied !== N) throw new Error(`stored counts are off: ${JSON.stringify(c)}`);

      const ingestRate = median(runs.map((x) => x.ingest.reportsPerSecond));
      const copyRate = median(runs.map((x) => x.copy.reportsPerSecond));
      const ratio = round(ingestRate / copyRate, 3);
      const result = {
        bench: 'ingest',
        date: new Date().toISOString(),
        reports: N,
        ndjsonBytes: data.bytes,
        meanReportBytes: Math.round(data.bytes / N),
        seed: SEED,
        streams: STREAMS,
        services: SERVICES,
        copyStreams: COPY_STREAMS,
        copyCompression: COPY_COMPRESSION,
        batchSize: Number(args['batch-size'] ?? 1000),
        poolMax: Number(args['pool-max'] ?? 10),
        warmup: WARMUP,
        repeat: REPEAT,
        serviceEnv: Object.fromEntries(Object.entries(serviceEnv).filter(([k]) => k !== 'VIGILO_DATABASE_URL')),
        code: codeUnderTest(),
        patches: args.patch ?? null,
        ingest: {
          reportsPerSecond: ingestRate,
          mbPerSecond: round((ingestRate * data.bytes) / N / 1e6),
          cpuMicrosPerReport: median(runs.map((x) => x.ingest.cpuMicrosPerReport ?? NaN)),
        },
        copy: {
          reportsPerSecond: copyRate,
          mbPerSecond: round((copyRate * data.bytes) / N / 1e6),
          cpuMicrosPerReport: median(runs.map((x) => x.copy.cpuMicrosPerReport ?? NaN)),
        },
        otherCpuSeconds: round(runs.reduce((a, x) => a + (x.ingest.cpu.otherCpuSeconds ?? 0) + (x.copy.cpu.otherCpuSeconds ?? 0), 0), 1),
        stealCpuSeconds: round(runs.reduce((a, x) => a + (x.ingest.cpu.stealCpuSeconds ?? 0) + (x.copy.cpu.stealCpuSeconds ?? 0), 0), 1),
        ratio,
        /** The median of the per-repetition ratios (each from adjacent phases, so under similar host load). */
        ratioMedianOfRuns: round(median(runs.map((x) => x.ratio)), 3),
        target: 0.5,
        meetsTarget: ratio >= 0.5,
        runs,
        stored: { compression: storedCompression, reportVersions: c.versions, reports: c.reports, outbox: c.outbox, copyRows: c.copied, ingestTablesBytes: c.ingest_bytes, copyTableBytes: c.copy_bytes },
        generation: { seconds: round(data.generationSeconds, 1), reused: data.reused, profile: profileDescription },
        machine: {
          nproc: cpus().length,
          cpu: cpus()[0]?.model ?? 'unknown',
          memoryGiB: round(totalmem() / 2 ** 30, 1),
          postgres: serverVersion,
          node: process.version,
        },
      };
      process.stdout.write(JSON.stringify(result) + '\n');
      if (args.results) appendFileSync(path.resolve(args.results), JSON.stringify(result) + '\n');
      process.stdout.write(
        `ingest ${ingestRate} reports/s (${result.ingest.mbPerSecond} MB/s, ${STREAMS} streams${SERVICES > 1 ? ` over ${SERVICES} processes` : ''}, ${result.ingest.cpuMicrosPerReport} µs CPU/report) | ` +
          `raw COPY ${copyRate} rows/s (${result.copy.mbPerSecond} MB/s, ${COPY_STREAMS} stream${COPY_STREAMS > 1 ? 's' : ''}, ${result.copy.cpuMicrosPerReport} µs CPU/row) | ` +
          `ratio ${ratio} (target >= 0.5: ${ratio >= 0.5 ? 'met' : 'NOT met'}) | ${N} reports, ${round(data.bytes / 1e6, 1)} MB, median of ${REPEAT}` +
          `${args.patch ? ` | patches ${args.patch}` : ''} | other load ${result.otherCpuSeconds} CPU-s, steal ${result.stealCpuSeconds} CPU-s\n`,
      );
    } finally {
      await admin.end();
    }
  } finally {
    for (const service of services) {
      const code = await service.stop();
      if (code !== 0) log(`ingest exited with ${code}; its last lines:\n${service.output.slice(-20).join('\n')}`);
    }
    if (db) {
      for (const tnt of provisioned) await dropTenantSchema(db.pool, tnt).catch((e: unknown) => log(`could not drop tenant ${tnt}: ${String(e)}`));
      await db.drop();
    }
    if (!args['keep-data']) {
      rmSync(data.file, { force: true });
      rmSync(`${data.file}.json`, { force: true });
    }
  }
}

main().catch((error: unknown) => {
  log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});
