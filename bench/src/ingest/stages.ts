#!/usr/bin/env node
/**
 * Where the ingest time goes, stage by stage, on the benchmark's own data.
 *
 * CPU stages (in this process, one core): JSON.parse of a line, validateReport
 * (ajv + business rules), canonicalJson, SHA-256, the staging row and the
 * result line, each run over the same reports, plus what-if variants. SQL
 * stages (needs VIGILO_TEST_DATABASE_URL): PostgresReportStore.putReports per
 * batch; the same transaction replayed step by step (temp table, filling the
 * staging table, the set-based upsert, commit) for the current staging design
 * and earlier or alternative ones, with an EXPLAIN ANALYZE of one batch; raw
 * COPY of the same rows (pglz, lz4, per batch, into text).
 *
 *   node bench/lib/ingest/stages.js --file bench/.data/reports-...ndjson [--reports 20000] [--batch 1000] [--no-sql]
 *
 * The replayed SQL mirrors packages/postgres/src/reportStore.ts; keep them in step.
 */
import { createReadStream } from 'node:fs';
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { from as copyFrom } from 'pg-copy-streams';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { type AdverseEventReport, adverseEventReportSchema, canonicalJson, isRealPartialDate, contentHash, isNullification, parseTenantId, tenantRoleName, tenantSchemaName, validateReport } from '@vigilo/domain';
import { PostgresReportStore, createPool, dropTenantSchema, ident, provisionTenant, qualified, type Pool, type PoolClient } from '@vigilo/postgres';
import { createTestDatabase } from '@vigilo/testkit';
import { schemaKeys } from './patches/keylist.js';

const { values: args } = parseArgs({
  options: {
    file: { type: 'string' },
    reports: { type: 'string', default: '20000' },
    batch: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '3' },
    'no-sql': { type: 'boolean', default: false },
  },
});
if (!args.file) {
  process.stderr.write('usage: stages.js --file REPORTS.ndjson [--reports 20000] [--batch 1000] [--rounds 3] [--no-sql]\n');
  process.exit(2);
}
const M = Number(args.reports);
const BATCH = Number(args.batch);
const ROUNDS = Number(args.rounds);

const out = (line: string) => process.stdout.write(line + '\n');
const now = () => process.hrtime.bigint();
const secs = (from: bigint) => Number(now() - from) / 1e9;
const perReport = (s: number, n: number) => `${((s / n) * 1e6).toFixed(1).padStart(7)} µs/report  ${Math.round(n / s).toString().padStart(8)} reports/s`;

async function readLines(file: string, n: number): Promise<string[]> {
  const lines: string[] = [];
  const rl = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of rl) {
    if (line) lines.push(line);
    if (lines.length >= n) break;
  }
  rl.close();
  return lines;
}

/** Best of `ROUNDS` timings of `fn` over all items (the first round warms the JIT). */
function bench<T>(name: string, items: readonly T[], fn: (item: T, i: number) => unknown): number {
  let best = Infinity;
  let sink = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const t = now();
    for (let i = 0; i < items.length; i++) if (fn(items[i]!, i)) sink++;
    best = Math.min(best, secs(t));
  }
  out(`  ${name.padEnd(52)} ${perReport(best, items.length)}${sink < 0 ? '' : ''}`);
  return best;
}

const csvField = (value: string): string => `"${value.replace(/"/g, '""')}"`;

function cpuStages(lines: string[]): void {
  const bytes = lines.reduce((a, l) => a + Buffer.byteLength(l) + 1, 0);
  out(`CPU stages over ${lines.length} reports (${(bytes / lines.length).toFixed(0)} bytes each on average), best of ${ROUNDS}, one core:`);
  const parsed = lines.map((l) => JSON.parse(l) as AdverseEventReport);
  const canon = parsed.map((r) => canonicalJson(r));
  const hashes = parsed.map((r) => contentHash(r));
  let total = 0;
  total += bench('JSON.parse(line)', lines, (l) => JSON.parse(l));
  total += bench('validateReport (ajv allErrors + business rules)', parsed, (r) => validateReport(r).ok);
  bench('  canonicalJson', parsed, (r) => canonicalJson(r));
  bench('  sha256(canonical text)', canon, (c) => createHash('sha256').update(c).digest('hex'));
  total += bench('contentHash (canonicalJson + sha256)', parsed, (r) => contentHash(r));
  bench('  alternative: sha256(JSON.stringify) (no sorting)', parsed, (r) => createHash('sha256').update(JSON.stringify(r)).digest('hex'));
  total += bench('staging row: JSON.stringify + CSV quoting', parsed, (r, i) =>
    `${i + 1},${csvField(r.safetyreportid)},${r.safetyreportversion},${csvField(JSON.stringify(r))},${hashes[i]},${isNullification(r)}\n`,
  );
  total += bench('result line: JSON.stringify', parsed, (r, i) =>
    JSON.stringify({ line: i + 1, status: 201, outcome: 'created', safetyreportid: r.safetyreportid, safetyreportversion: 1, contentHash: hashes[i], nullified: false, receivedAt: new Date().toISOString() }) + '\n',
  );
  out(`  ${'sum of the stages above (lower bound of ingest CPU)'.padEnd(52)} ${perReport(total, lines.length)}`);
  bench('for reference: COPY text row (what raw COPY needs)', lines, (l) => `${l.length}\t1\t${l.replace(/\\/g, '\\\\')}\n`);

  out('\nwhat-ifs (same inputs, same outputs):');
  const mismatches = parsed.filter((r, i) => canonicalFast(r) !== canon[i]).length;
  bench(`canonicalJson, loop version (${mismatches} of ${parsed.length} differ)`, parsed, (r) => canonicalFast(r));
  const keyListMismatches = parsed.filter((r, i) => JSON.stringify(r, SORTED_SCHEMA_KEYS) !== canon[i]).length;
  bench(`canonicalJson as JSON.stringify(report, sorted schema keys) (${keyListMismatches} differ)`, parsed, (r) => JSON.stringify(r, SORTED_SCHEMA_KEYS));
  const sortedMismatches = parsed.filter((r, i) => canonicalSorted(r) !== canon[i]).length;
  bench(`canonicalJson via JSON.stringify + sorting replacer (${sortedMismatches} differ)`, parsed, (r) => canonicalSorted(r));
  bench('validation: fail-fast ajv (allErrors: false)', parsed, (r) => failFast(r));
  bench('staging row in COPY text format (no CSV quote doubling)', parsed, (r, i) => {
    const json = JSON.stringify(r);
    return `${i + 1}\t${r.safetyreportid}\t${r.safetyreportversion}\t${json.includes('\\') ? json.replace(/\\/g, '\\\\') : json}\t${hashes[i]}\t${isNullification(r)}\n`;
  });
}

/** canonicalJson without Object.entries/filter/map/join per object; must give the same text. */
function canonicalFast(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let s = '[';
    for (let i = 0; i < value.length; i++) s += (i ? ',' : '') + canonicalFast(value[i]);
    return s + ']';
  }
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object).sort();
  let s = '{';
  let first = true;
  for (const k of keys) {
    const v = object[k];
    if (v === undefined) continue;
    s += (first ? '' : ',') + JSON.stringify(k) + ':' + canonicalFast(v);
    first = false;
  }
  return s + '}';
}

const SORTED_SCHEMA_KEYS = schemaKeys(adverseEventReportSchema);

/** Canonical JSON by native JSON.stringify, with a replacer that rebuilds each object with sorted keys. */
function canonicalSorted(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const object = v as Record<string, unknown>;
    const keys = Object.keys(object).sort();
    const sorted: Record<string, unknown> = {};
    for (const k of keys) sorted[k] = object[k];
    return sorted;
  });
}

/** The report schema compiled as validate.ts does, but stopping at the first error. */
const failFast = (() => {
  const ajv = new Ajv2020({ allErrors: false, strict: true, allowUnionTypes: false });
  ajv.addKeyword({ keyword: 'x-vigilo-pii', schemaType: 'boolean' });
  ajv.addFormat('e2b-date', { type: 'string', validate: (v: string) => !/^[0-9]{4}([0-9]{2}([0-9]{2})?)?$/.test(v) || isRealPartialDate(v) });
  return ajv.compile(adverseEventReportSchema);
})();

function copyRows(lines: readonly string[]): string {
  let s = '';
  for (const l of lines) {
    const r = JSON.parse(l) as AdverseEventReport;
    s += `${r.safetyreportid}\t${r.safetyreportversion}\t${l.replace(/\\/g, '\\\\')}\n`;
  }
  return s;
}

async function copyText(pool: Pool, sql: string, text: string, inTransaction: boolean, setup?: string): Promise<void> {
  const client = await pool.connect();
  try {
    if (setup) await client.query(setup);
    if (inTransaction) await client.query('BEGIN');
    await pipeline(Readable.from([text]), client.query(copyFrom(sql)));
    if (inTransaction) await client.query('COMMIT');
  } finally {
    client.release();
  }
}

/** One way of filling the staging table, and what the upsert then reads from it. */
interface StagingDesign {
  readonly name: string;
  /** Columns of the temporary staging table after `line, safetyreportid, version` (content's type first). */
  readonly ddl: string;
  /** How the INSERT into report_versions reads the content column. */
  readonly content: string;
  /** Builds the payload in JS (timed apart) and returns the function that sends it. */
  readonly build: (b: Batch) => (client: PoolClient) => Promise<unknown>;
}
type Prepared = { report: AdverseEventReport; contentHash: string };
type Batch = { rows: Prepared[]; lines: string[] };
type Steps = { begin: number; build: number; staging: number; upsert: number; commit: number };

const copyInto = async (client: PoolClient, sql: string, text: string) => {
  await pipeline(Readable.from([text]), client.query(copyFrom(sql)));
};
/** COPY text format: JSON has no raw tab, newline or CR, so only backslashes need escaping. */
const textJson = (json: string) => (json.includes('\\') ? json.replace(/\\/g, '\\\\') : json);

const DESIGNS: readonly StagingDesign[] = [
  {
    name: 'current store (6c067ec): text COPY of the received line into text staging (EXTERNAL), ::jsonb in the INSERT',
    ddl: 'content text NOT NULL, content_hash text NOT NULL, nullified boolean NOT NULL) ON COMMIT DROP; ALTER TABLE vigilo_staging ALTER COLUMN content SET STORAGE EXTERNAL',
    content: 'content::jsonb',
    build: (b) => {
      const text = b.rows.map(({ report, contentHash: h }, i) => `${i + 1}\t${report.safetyreportid}\t${report.safetyreportversion}\t${textJson(b.lines[i]!)}\t${h}\t${isNullification(report)}\n`).join('');
      return (client) => copyInto(client, 'COPY vigilo_staging FROM STDIN', text);
    },
  },
  {
    name: 'store at 9797804: CSV COPY of JSON.stringify into jsonb staging',
    ddl: 'content jsonb NOT NULL, content_hash text NOT NULL, nullified boolean NOT NULL) ON COMMIT DROP',
    content: 'content',
    build: (b) => {
      const text = b.rows.map(({ report, contentHash: h }, i) => `${i + 1},${csvField(report.safetyreportid)},${report.safetyreportversion},${csvField(JSON.stringify(report))},${h},${isNullification(report)}\n`).join('');
      return (client) => copyInto(client, 'COPY vigilo_staging FROM STDIN WITH (FORMAT csv)', text);
    },
  },
  {
    name: 'text COPY of the received line into jsonb staging (compressed there, pglz)',
    ddl: 'content jsonb NOT NULL, content_hash text NOT NULL, nullified boolean NOT NULL) ON COMMIT DROP',
    content: 'content',
    build: (b) => {
      const text = b.rows.map(({ report, contentHash: h }, i) => `${i + 1}\t${report.safetyreportid}\t${report.safetyreportversion}\t${textJson(b.lines[i]!)}\t${h}\t${isNullification(report)}\n`).join('');
      return (client) => copyInto(client, 'COPY vigilo_staging FROM STDIN', text);
    },
  },
  {
    name: 'INSERT ... unnest($::text[]) into text staging (the small-batch path)',
    ddl: 'content text NOT NULL, content_hash text NOT NULL, nullified boolean NOT NULL) ON COMMIT DROP; ALTER TABLE vigilo_staging ALTER COLUMN content SET STORAGE EXTERNAL',
    content: 'content::jsonb',
    build: (b) => {
      const params = [
        b.rows.map((_, i) => i + 1),
        b.rows.map((r) => r.report.safetyreportid),
        b.rows.map((r) => r.report.safetyreportversion),
        b.lines,
        b.rows.map((r) => r.contentHash),
        b.rows.map((r) => isNullification(r.report)),
      ];
      return (client) =>
        client.query(
          `INSERT INTO vigilo_staging (line, safetyreportid, version, content, content_hash, nullified)
           SELECT * FROM unnest($1::int[], $2::text[], $3::int[], $4::text[], $5::text[], $6::bool[])`,
          params,
        );
    },
  },
];

/** The store's set-based upsert (packages/postgres/src/reportStore.ts), reading content as `content`. */
function upsertSql(t: (table: string) => string, content: string, withTraceparent: boolean): string {
  return `WITH input AS (
      SELECT DISTINCT ON (safetyreportid, version) safetyreportid, version, content, content_hash, nullified
      FROM vigilo_staging ORDER BY safetyreportid, version, line
    ), inserted AS (
      INSERT INTO ${t('report_versions')} (safetyreportid, version, content, content_hash, nullified)
      SELECT safetyreportid, version, ${content}, content_hash, nullified FROM input ORDER BY safetyreportid, version
      ON CONFLICT (safetyreportid, version) DO NOTHING
      RETURNING safetyreportid, version, content_hash, nullified, received_at
    ), newest AS (
      SELECT DISTINCT ON (safetyreportid) safetyreportid, version, nullified, received_at
      FROM inserted ORDER BY safetyreportid, version DESC
    ), advanced AS (
      INSERT INTO ${t('reports')} AS r (safetyreportid, current_version, nullified, first_received_at, updated_at)
      SELECT safetyreportid, version, nullified, received_at, received_at FROM newest ORDER BY safetyreportid
      ON CONFLICT (safetyreportid) DO UPDATE
        SET current_version = EXCLUDED.current_version, nullified = EXCLUDED.nullified, updated_at = EXCLUDED.updated_at
        WHERE r.current_version < EXCLUDED.current_version
      RETURNING safetyreportid, current_version
    ), queued AS (
      INSERT INTO ${t('outbox')} (safetyreportid, version${withTraceparent ? ', traceparent' : ''})
      SELECT safetyreportid, current_version${withTraceparent ? ', NULL::text' : ''} FROM advanced ORDER BY safetyreportid
      RETURNING safetyreportid
    )
    SELECT i.*, (a.safetyreportid IS NOT NULL AND a.current_version = i.version) AS became_current
    FROM inserted i LEFT JOIN advanced a USING (safetyreportid)`;
}

async function sqlStages(lines: string[]): Promise<void> {
  const reports = lines.map((l) => JSON.parse(l) as AdverseEventReport);
  const prepared: Prepared[] = reports.map((report) => ({ report, contentHash: contentHash(report) }));
  const batches: Batch[] = [];
  for (let i = 0; i < prepared.length; i += BATCH) batches.push({ rows: prepared.slice(i, i + BATCH), lines: lines.slice(i, i + BATCH) });
  const db = await createTestDatabase('vigilo_bench_stages');
  const pool = createPool({ connectionString: db.url, max: 4, statementTimeoutMs: 600_000 });
  const tag = createHash('sha1').update(db.name).digest('hex').slice(0, 6);
  const tenants = ['store', ...DESIGNS.map((_, i) => `design${i + 1}`)].map((t) => parseTenantId(`stages-${t}-${tag}`));
  try {
    for (const t of tenants) await provisionTenant(pool, { id: t });
    const schema0 = tenantSchemaName(tenants[0]!);
    const info = await pool.query<{ traceparent: boolean; compression: string | null }>(
      `SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'outbox' AND column_name = 'traceparent') AS traceparent,
              (SELECT CASE a.attcompression WHEN 'l' THEN 'lz4' WHEN 'p' THEN 'pglz' ELSE NULL END FROM pg_attribute a
                 WHERE a.attrelid = ($1 || '.report_versions')::regclass AND a.attname = 'content') AS compression`,
      [schema0],
    );
    const { traceparent: withTraceparent, compression } = info.rows[0]!;
    out(`\nSQL stages over ${lines.length} reports in batches of ${BATCH}, one connection, fsync off (as the test cluster);`);
    out(`report_versions.content compression: ${compression ?? 'default (pglz)'}`);

    // 1. The real store, batch after batch.
    const store = new PostgresReportStore({ pool });
    let t0 = now();
    for (const b of batches) await store.putReports(tenants[0]!, b.rows.map((r, i) => ({ ...r, json: b.lines[i]! })));
    out(`  ${'PostgresReportStore.putReports (whole transaction)'.padEnd(52)} ${perReport(secs(t0), lines.length)}`);

    // 2. The same transaction replayed step by step, for each staging design.
    let plan = '';
    for (const [di, design] of DESIGNS.entries()) {
      const tenant = tenants[1 + di]!;
      const t = (table: string) => qualified(tenantSchemaName(tenant), table);
      const st: Steps = { begin: 0, build: 0, staging: 0, upsert: 0, commit: 0 };
      for (const [bi, b] of batches.entries()) {
        const client = await pool.connect();
        try {
          let s = now();
          await client.query('BEGIN');
          await client.query(`SET LOCAL ROLE ${ident(tenantRoleName(tenant))}`);
          await client.query(`CREATE TEMP TABLE vigilo_staging (line integer NOT NULL, safetyreportid text NOT NULL, version integer NOT NULL, ${design.ddl}`);
          st.begin += secs(s);
          s = now();
          const send = design.build(b);
          st.build += secs(s);
          s = now();
          await send(client);
          st.staging += secs(s);
          s = now();
          const explain = di === 0 && bi === Math.floor(batches.length / 2);
          const res = await client.query(`${explain ? 'EXPLAIN (ANALYZE, BUFFERS, TIMING) ' : ''}${upsertSql(t, design.content, withTraceparent)}`);
          if (explain) plan = res.rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n');
          else if (res.rowCount !== b.rows.length) throw new Error(`${design.name}: the upsert returned ${res.rowCount} rows for ${b.rows.length}`);
          st.upsert += secs(s);
          s = now();
          await client.query('COMMIT');
          st.commit += secs(s);
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        } finally {
          client.release();
        }
      }
      const total = st.begin + st.build + st.staging + st.upsert + st.commit;
      out(`  replayed transaction, ${design.name}:`);
      out(`  ${'    all steps'.padEnd(52)} ${perReport(total, lines.length)}`);
      out(`  ${'    BEGIN, SET LOCAL ROLE, CREATE TEMP TABLE'.padEnd(52)} ${perReport(st.begin, lines.length)}`);
      out(`  ${'    build the staging payload in JS'.padEnd(52)} ${perReport(st.build, lines.length)}`);
      out(`  ${'    fill staging (server side)'.padEnd(52)} ${perReport(st.staging, lines.length)}`);
      out(`  ${'    set-based upsert (versions, reports, outbox)'.padEnd(52)} ${perReport(st.upsert, lines.length)}`);
      out(`  ${'    COMMIT'.padEnd(52)} ${perReport(st.commit, lines.length)}`);
    }

    // 3. Raw COPY of the same rows into plain unindexed tables.
    const texts: string[] = batches.map((b) => copyRows(b.lines));
    const all = texts.join('');
    const raw = async (label: string, table: string, type: string, setup: string | undefined, perBatch: boolean) => {
      await pool.query(`CREATE TABLE ${table} (safetyreportid text NOT NULL, version integer NOT NULL, content ${type} NOT NULL)`);
      const s = now();
      if (perBatch) for (const text of texts) await copyText(pool, `COPY ${table} (safetyreportid, version, content) FROM STDIN`, text, true, setup);
      else await copyText(pool, `COPY ${table} (safetyreportid, version, content) FROM STDIN`, all, false, setup);
      const elapsed = secs(s);
      const size = await pool.query<{ bytes: number }>(`SELECT pg_total_relation_size('${table}')::bigint AS bytes`);
      out(`  ${label.padEnd(52)} ${perReport(elapsed, lines.length)}  ${(size.rows[0]!.bytes / 1e6).toFixed(1).padStart(6)} MB`);
    };
    await raw('raw COPY, one statement (default pglz)', 'raw_once', 'jsonb', undefined, false);
    await raw(`raw COPY, ${BATCH} rows per transaction (pglz)`, 'raw_batches', 'jsonb', undefined, true);
    await raw('raw COPY, one statement, lz4', 'raw_lz4', 'jsonb', 'SET default_toast_compression = lz4', false);
    await raw('raw COPY into a text column (no jsonb parsing)', 'raw_text', 'text', 'SET default_toast_compression = pglz', false);

    out(`\nEXPLAIN ANALYZE of the upsert (${DESIGNS[0]!.name}), batch ${Math.floor(batches.length / 2) + 1} of ${batches.length}:\n${plan}`);
  } finally {
    for (const t of tenants) await dropTenantSchema(pool, t).catch(() => undefined);
    await pool.end();
    await db.drop();
  }
}

async function main(): Promise<void> {
  const lines = await readLines(args.file!, M);
  cpuStages(lines);
  if (!args['no-sql']) await sqlStages(lines);
}

main().catch((error: unknown) => {
  process.stderr.write(`stages failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
