import { basename } from 'node:path';
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { isTenantId, type TenantStatus } from '@vigilo/domain';
import { InputError, isVigiloError } from '@vigilo/errors';
import { FaersStatsCollector, inspectFaersQuarter, readFaersQuarter, type FaersJoinStrategy } from '@vigilo/faers';
import { importFaersQuarter } from './faers-import.js';
import type { BulkIngestClientOptions } from './ingest-client.js';
import { createPhaseProgress, createProgress, type ProgressStream } from './progress.js';
import { BENCHMARKS, type BenchmarkName, runBenchmark } from './bench.js';
import { formatTable } from './table.js';
import { createTenant, listTenants } from './tenants.js';
import { listDeadLetters, reindex, replay, syncCheck } from './sync.js';
import { createKey, listKeys, revokeKey } from './keys.js';
import { formatImportSummary } from './summary.js';

/** Exit codes of the `vigilo` command. */
export const EXIT = {
  /** Everything was read and every line was stored (created or unchanged). */
  ok: 0,
  /** A request failed for good (after retries), or the file could not be read. */
  failed: 1,
  /** The import completed but the ingest service rejected some lines (see the summary). */
  rejected: 2,
  /** `sync check`: SQL and the engine differ. */
  differences: 3,
  /** Wrong arguments, or a setting missing (e.g. no database URL). */
  usage: 64,
  /** A database or search engine could not be reached, or answered that it is unavailable; retry later. */
  unavailable: 69,
  /** Stopped by a signal; the batch in flight was finished. */
  interrupted: 130,
} as const;

export const DEFAULT_INGEST_URL = 'http://127.0.0.1:8081';
export const DEFAULT_BATCH_SIZE = 1000;
const MAX_BATCH_SIZE = 10000;

/** Everything the CLI touches outside itself, so tests can run it in-process. */
export interface CliIo {
  readonly stdout: { write(chunk: string): boolean };
  readonly stderr: ProgressStream;
  /** Environment: VIGILO_TOKEN and VIGILO_INGEST_URL are read from here. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborted on SIGINT / SIGTERM by main.ts. */
  readonly signal?: AbortSignal;
  readonly now?: () => number;
  /** Interval of progress lines when stderr is not a terminal. @default 10000 */
  readonly progressIntervalMs?: number;
  /** Ingest client settings (fetch, sleep, timeouts), for tests. */
  readonly client?: Omit<BulkIngestClientOptions, 'baseUrl' | 'token'>;
}

function parseBatchSize(value: string): number {
  if (!/^[0-9]+$/.test(value)) throw new InvalidArgumentError('must be a whole number');
  const n = Number(value);
  if (n < 1 || n > MAX_BATCH_SIZE) throw new InvalidArgumentError(`must be between 1 and ${MAX_BATCH_SIZE}`);
  return n;
}

function parseTenant(value: string): string {
  if (!isTenantId(value)) {
    throw new InvalidArgumentError('tenant ids are 3-40 characters: lower-case letters, digits and single hyphens, starting with a letter');
  }
  return value;
}

function parseScopes(value: string): string {
  const scopes = value.split(/[\s,]+/).filter(Boolean);
  if (scopes.length === 0 || !scopes.every((scope) => /^[a-z]+(:[a-z]+)?$/.test(scope))) {
    throw new InvalidArgumentError('a space- or comma-separated list of scopes such as write or read,pii:read');
  }
  return scopes.join(' ');
}

function parseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('must be an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError('must be an http or https URL');
  if (url.username || url.password) throw new InvalidArgumentError('must not carry credentials: use --token');
  return value;
}

const joinOption = () =>
  new Option('--join <strategy>', 'merge: stream the tables side by side (bounded memory, tables sorted by key); memory: load them first (any order)')
    .choices(['merge', 'memory'])
    .default('merge');

/** Builds the program; `exitCode` receives the command's exit code. */
export function createProgram(io: CliIo, exit: { code: number }): Command {
  const program = new Command('vigilo')
    .description('Vigilo command line: tenants, API keys, FAERS imports, search consistency, dead letters, reindexing, benchmarks')
    .addHelpText(
      'after',
      `
Every command takes --help. Commands that print records take --json for scripts.
Settings come from options or the environment: VIGILO_DATABASE_URL, VIGILO_ENGINE_URL, VIGILO_INGEST_URL, VIGILO_TOKEN.
Exit codes: 0 done, 1 failed, 2 some reports rejected (faers import), 3 SQL and the engine differ (sync check),
64 wrong arguments or a missing setting, 69 a database or engine unreachable (retry later), 130 interrupted.`,
    )
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => void io.stdout.write(s), writeErr: (s) => void io.stderr.write(s) });

  const tenant = program.command('tenant').description('Tenants in the registry (clusters apply Tenant manifests to the operator instead of create)');
  tenant.exitOverride();
  tenant
    .command('create')
    .description('Create a tenant in PostgreSQL, or bring it up to date: registry row, schema, role and row-level security (idempotent)')
    .argument('<id>', 'tenant id: 3-40 lower-case letters, digits and single hyphens, starting with a letter', parseTenant)
    .option('--display-name <name>', 'human-readable name (default: the id)')
    .addOption(new Option('--status <status>', 'registry status').choices(['active', 'suspended']).default('active'))
    .option('--database-url <url>', 'PostgreSQL URL of the platform database (env VIGILO_DATABASE_URL)')
    .option('--json', 'print the tenant record as JSON')
    .exitOverride()
    .action(async (id: string, opts: { displayName?: string; status: TenantStatus; databaseUrl?: string; json?: boolean }) => {
      const databaseUrl = opts.databaseUrl ?? io.env['VIGILO_DATABASE_URL'];
      if (!databaseUrl) throw new InputError('Give --database-url or set VIGILO_DATABASE_URL', { code: 'VIG_REQUEST_INVALID_PARAMETER' });
      const record = await createTenant({
        id,
        databaseUrl,
        status: opts.status,
        ...(opts.displayName !== undefined ? { displayName: opts.displayName } : {}),
      });
      io.stdout.write(
        opts.json
          ? `${JSON.stringify(record, null, 2)}\n`
          : `tenant ${record.id} (${record.displayName}): ${record.status}, schema ${record.schemaName} v${record.schemaVersion}, role ${record.roleName}\n`,
      );
      exit.code = EXIT.ok;
    });

  tenant
    .command('list')
    .description('List the tenants of the registry: id, status, schema version, display name')
    .addOption(new Option('--status <status>', 'only tenants with this status').choices(['active', 'suspended']))
    .option('--database-url <url>', 'PostgreSQL URL of the platform database (env VIGILO_DATABASE_URL)')
    .option('--json', 'print the records as JSON')
    .exitOverride()
    .action(async (opts: { status?: TenantStatus; databaseUrl?: string; json?: boolean }) => {
      const records = await listTenants({ databaseUrl: opts.databaseUrl ?? io.env['VIGILO_DATABASE_URL'], ...(opts.status ? { status: opts.status } : {}) });
      io.stdout.write(
        opts.json
          ? `${JSON.stringify(records, null, 2)}\n`
          : formatTable(['TENANT', 'STATUS', 'SCHEMA', 'NAME'], records.map((r) => [r.id, r.status, `${r.schemaName} v${r.schemaVersion}`, r.displayName])),
      );
      exit.code = EXIT.ok;
    });

  const keys = program.command('keys').description('API keys of the proxy (stored hashed; the secret is shown once)');
  keys.exitOverride();
  keys
    .command('create')
    .description('Create an API key bound to one tenant with the given scopes; prints the key once')
    .requiredOption('--tenant <id>', 'tenant the key is bound to', parseTenant)
    .requiredOption('--scopes <list>', 'comma- or space-separated: read, write, pii:read, admin', parseScopes)
    .option('--description <text>', 'what the key is for (no personal data)')
    .option('--database-url <url>', 'PostgreSQL URL of the platform database (env VIGILO_DATABASE_URL)')
    .option('--json', 'print the key and its record as JSON')
    .exitOverride()
    .action(async (opts: { tenant: string; scopes: string; description?: string; databaseUrl?: string; json?: boolean }) => {
      const { key, record } = await createKey({
        databaseUrl: opts.databaseUrl ?? io.env['VIGILO_DATABASE_URL'],
        tenant: opts.tenant,
        scopes: opts.scopes.split(' '),
        ...(opts.description !== undefined ? { description: opts.description } : {}),
      });
      io.stdout.write(opts.json ? `${JSON.stringify({ key, ...record }, null, 2)}\n` : `${key}\n`);
      io.stderr.write(`key ${record.prefix} for tenant ${record.tenant} (${record.scopes.join(' ')}): store it now, it is not shown again\n`);
      exit.code = EXIT.ok;
    });
  keys
    .command('list')
    .description('List API keys (prefixes, tenants, scopes, creation and revocation times; never secrets)')
    .option('--tenant <id>', 'only this tenant', parseTenant)
    .option('--database-url <url>', 'PostgreSQL URL (env VIGILO_DATABASE_URL)')
    .option('--json', 'print the records as JSON')
    .exitOverride()
    .action(async (opts: { tenant?: string; databaseUrl?: string; json?: boolean }) => {
      const records = await listKeys({ databaseUrl: opts.databaseUrl ?? io.env['VIGILO_DATABASE_URL'], ...(opts.tenant !== undefined ? { tenant: opts.tenant } : {}) });
      io.stdout.write(
        opts.json
          ? `${JSON.stringify(records, null, 2)}\n`
          : formatTable(
              ['PREFIX', 'TENANT', 'SCOPES', 'CREATED', 'REVOKED', 'DESCRIPTION'],
              records.map((r) => [r.prefix, r.tenant, r.scopes.join(','), r.createdAt.toISOString().slice(0, 19), r.revokedAt?.toISOString().slice(0, 19) ?? '-', r.description]),
            ),
      );
      exit.code = EXIT.ok;
    });
  keys
    .command('revoke')
    .description('Revoke an API key by its prefix (the proxy refuses it within its key cache TTL)')
    .argument('<prefix>', 'the 12-character prefix shown by keys list')
    .option('--database-url <url>', 'PostgreSQL URL (env VIGILO_DATABASE_URL)')
    .option('--json', 'print the outcome as JSON')
    .exitOverride()
    .action(async (prefix: string, opts: { databaseUrl?: string; json?: boolean }) => {
      const found = await revokeKey({ databaseUrl: opts.databaseUrl ?? io.env['VIGILO_DATABASE_URL'], prefix });
      if (!found) throw new InputError(`No API key with prefix ${prefix}`, { code: 'VIG_NOT_FOUND' });
      io.stdout.write(opts.json ? `${JSON.stringify({ prefix, revoked: true })}\n` : `key ${prefix} revoked\n`);
      exit.code = EXIT.ok;
    });

  const engineOption = () => new Option('--engine <engine>', 'search engine kind').choices(['elasticsearch', 'opensearch']).default('elasticsearch');
  const sync = program.command('sync').description('SQL and the search engine: anti-entropy and dead letters');
  sync.exitOverride();
  sync
    .command('check')
    .description('Compare (id, version, nullified) of every current report in SQL with the engine; exit 3 when they differ')
    .requiredOption('--tenant <id>', 'tenant', parseTenant)
    .option('--database-url <url>', 'PostgreSQL URL (env VIGILO_DATABASE_URL)')
    .option('--engine-url <url>', 'search engine URL (env VIGILO_ENGINE_URL)')
    .addOption(engineOption())
    .option('--repair', 're-queue every missing or stale report through the outbox (repair task names)')
    .option('--json', 'print the differences as JSON')
    .exitOverride()
    .action(async (opts: { tenant: string; databaseUrl?: string; engineUrl?: string; engine: 'elasticsearch' | 'opensearch'; repair?: boolean; json?: boolean }) => {
      const result = await syncCheck({
        tenant: opts.tenant,
        databaseUrl: opts.databaseUrl ?? io.env['VIGILO_DATABASE_URL'],
        engineUrl: opts.engineUrl ?? io.env['VIGILO_ENGINE_URL'],
        engine: opts.engine,
        repair: opts.repair ?? false,
      });
      if (opts.json) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else {
        for (const d of result.differences) io.stdout.write(`${d.kind}\t${d.id}\tsql=${d.sql ? `${d.sql.version}${d.sql.nullified ? '(nullified)' : ''}` : '-'}\tengine=${d.engine ? `${d.engine.version}${d.engine.nullified ? '(nullified)' : ''}` : '-'}\n`);
        io.stdout.write(`${result.differences.length} differences${opts.repair ? `, ${result.requeued} re-queued` : ''}\n`);
      }
      exit.code = result.differences.length === 0 || opts.repair ? EXIT.ok : EXIT.differences;
    });
  program
    .command('reindex')
    .description("Move a tenant to a new index filled from SQL, with no downtime and no lost update: when its mapping is older than this release's, or always with --force")
    .requiredOption('--tenant <id>', 'tenant', parseTenant)
    .option('--database-url <url>', 'PostgreSQL URL (env VIGILO_DATABASE_URL)')
    .option('--engine-url <url>', 'search engine URL (env VIGILO_ENGINE_URL)')
    .addOption(engineOption())
    .option('--force', 'roll out even when the mapping is current')
    .option('--shards <n>', 'primary shards of the new index', (v: string) => {
      if (!/^[1-9][0-9]{0,2}$/.test(v)) throw new InputError('--shards must be an integer from 1 to 999', { code: 'VIG_REQUEST_INVALID_PARAMETER' });
      return Number(v);
    })
    .option('--json', 'print the result as JSON')
    .option('--no-progress', 'no progress bar or progress lines')
    .exitOverride()
    .action(async (opts: { tenant: string; databaseUrl?: string; engineUrl?: string; engine: 'elasticsearch' | 'opensearch'; force?: boolean; shards?: number; json?: boolean; progress: boolean }) => {
      const reindexProgress = createPhaseProgress({ stream: io.stderr, label: `reindex ${opts.tenant}`, ...(io.now ? { now: io.now } : {}), ...(io.progressIntervalMs !== undefined ? { intervalMs: io.progressIntervalMs } : {}) });
      const result = await reindex({
        tenant: opts.tenant,
        databaseUrl: opts.databaseUrl ?? io.env['VIGILO_DATABASE_URL'],
        engineUrl: opts.engineUrl ?? io.env['VIGILO_ENGINE_URL'],
        engine: opts.engine,
        force: opts.force ?? false,
        shards: opts.shards,
        onProgress: opts.json || opts.progress === false ? undefined : (phase, done) => reindexProgress.update(phase, done),
      });
      reindexProgress.stop();
      if (opts.json) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else io.stdout.write(result.rollout ? `rolled out ${result.rollout.from} -> ${result.rollout.to}: ${result.written} written, ${result.stale} already newer\n` : 'the index is current; nothing to roll out (use --force)\n');
      exit.code = EXIT.ok;
    });
  const dead = program.command('dead-letters').description('Tasks parked after their last attempt');
  dead.exitOverride();
  dead
    .command('list')
    .description('List parked tasks not yet replayed (ids and error codes; no report content)')
    .requiredOption('--tenant <id>', 'tenant', parseTenant)
    .option('--database-url <url>', 'PostgreSQL URL (env VIGILO_DATABASE_URL)')
    .option('--json', 'print the records as JSON')
    .exitOverride()
    .action(async (opts: { tenant: string; databaseUrl?: string; json?: boolean }) => {
      const letters = await listDeadLetters({ tenant: opts.tenant, databaseUrl: opts.databaseUrl ?? io.env['VIGILO_DATABASE_URL'] });
      io.stdout.write(
        opts.json
          ? `${JSON.stringify(letters, null, 2)}\n`
          : formatTable(
              ['ID', 'REPORT', 'VERSION', 'ATTEMPTS', 'ERROR', 'PARKED'],
              letters.map((l) => [String(l.id), l.safetyreportid, String(l.version), String(l.attempts), l.errorCode, l.parkedAt.toISOString().slice(0, 19)]),
            ) + `${letters.length} dead letters\n`,
      );
      exit.code = EXIT.ok;
    });
  dead
    .command('replay')
    .description('Replay every parked task through the outbox (the same path as a first delivery)')
    .requiredOption('--tenant <id>', 'tenant', parseTenant)
    .option('--database-url <url>', 'PostgreSQL URL (env VIGILO_DATABASE_URL)')
    .option('--json', 'print the outcome as JSON')
    .exitOverride()
    .action(async (opts: { tenant: string; databaseUrl?: string; json?: boolean }) => {
      const n = await replay({ tenant: opts.tenant, databaseUrl: opts.databaseUrl ?? io.env['VIGILO_DATABASE_URL'] });
      io.stdout.write(opts.json ? `${JSON.stringify({ tenant: opts.tenant, replayed: n })}\n` : `${n} dead letters replayed\n`);
      exit.code = EXIT.ok;
    });

  const faers = program.command('faers').description('FDA FAERS / legacy AERS quarterly ASCII extracts');
  faers.exitOverride();

  faers
    .command('import')
    .description('Read a FAERS or AERS quarterly ASCII zip and send its reports to the ingest service in NDJSON batches')
    .argument('<zip>', 'quarterly ASCII zip, e.g. faers_ascii_2017q2.zip')
    .requiredOption('--tenant <id>', 'tenant to import into', parseTenant)
    .option('--ingest-url <url>', `base URL of the ingest service (env VIGILO_INGEST_URL) (default: "${DEFAULT_INGEST_URL}")`, parseUrl)
    .option('--batch-size <n>', 'reports per bulk request', parseBatchSize, DEFAULT_BATCH_SIZE)
    .option('--token <bearer>', 'bearer token for the ingest service (env VIGILO_TOKEN, preferred: arguments are visible to other users)')
    .option('--scopes <scopes>', 'call the ingest service directly (local mode, no proxy): send the identity headers the proxy would set, X-Vigilo-Tenant and X-Vigilo-Scopes with these scopes (e.g. write)', parseScopes)
    .addOption(joinOption())
    .option('--json', 'print the summary as JSON')
    .option('--no-progress', 'no progress bar or progress lines')
    .addHelpText(
      'after',
      `
Exit codes: 0 all stored, 1 failed (request or file), 2 some reports rejected, 64 usage, 130 interrupted.
Re-running an import is safe: versions already stored with the same content come back as unchanged.`,
    )
    .exitOverride()
    .action(async (zip: string, opts: { tenant: string; ingestUrl?: string; batchSize: number; token?: string; scopes?: string; join: FaersJoinStrategy; json?: boolean; progress: boolean }) => {
      const ingestUrl = opts.ingestUrl ?? (io.env['VIGILO_INGEST_URL'] ? parseUrl(io.env['VIGILO_INGEST_URL']) : DEFAULT_INGEST_URL);
      const token = opts.token ?? io.env['VIGILO_TOKEN'];
      const progress = createProgress({
        stream: io.stderr,
        label: 'faers import',
        enabled: opts.progress,
        ...(io.now ? { now: io.now } : {}),
        ...(io.progressIntervalMs !== undefined ? { intervalMs: io.progressIntervalMs } : {}),
      });
      const summary = await importFaersQuarter(
        {
          zipPath: zip,
          tenant: opts.tenant,
          ingestUrl,
          batchSize: opts.batchSize,
          join: opts.join,
          ...(opts.scopes ? { scopes: opts.scopes } : {}),
          ...(token ? { token } : {}),
          ...(io.signal ? { signal: io.signal } : {}),
        },
        { progress, ...(io.client ? { client: io.client } : {}) },
      );
      io.stdout.write(opts.json ? `${JSON.stringify(summary, null, 2)}\n` : formatImportSummary(summary));
      exit.code =
        summary.status === 'failed'
          ? EXIT.failed
          : summary.status === 'interrupted'
            ? EXIT.interrupted
            : summary.rejected > 0
              ? EXIT.rejected
              : EXIT.ok;
    });

  faers
    .command('stats')
    .description('Print, as JSON, what the importer reads from a quarter: cases, versions, drugs per role, reactions, seriousness, skipped and dropped by reason')
    .argument('<zip>', 'quarterly ASCII zip')
    .addOption(joinOption())
    .option('--no-progress', 'no progress bar or progress lines')
    .exitOverride()
    .action(async (zip: string, opts: { join: FaersJoinStrategy; progress: boolean }) => {
      const progress = createProgress({
        stream: io.stderr,
        label: 'faers stats',
        enabled: opts.progress,
        sending: false,
        ...(io.now ? { now: io.now } : {}),
        ...(io.progressIntervalMs !== undefined ? { intervalMs: io.progressIntervalMs } : {}),
      });
      const info = await inspectFaersQuarter(zip);
      const reader = readFaersQuarter(zip, { info, join: opts.join, ...(io.signal ? { signal: io.signal } : {}) });
      const collector = new FaersStatsCollector();
      let read = 0;
      let skipped = 0;
      progress.start(info.demoRows);
      try {
        for await (const record of reader) {
          collector.add(record);
          read += 1;
          if (record.kind === 'skipped') skipped += 1;
          if ((read & 0xff) === 0) progress.update({ read, sent: 0, rejected: 0, skipped });
        }
        progress.update({ read, sent: 0, rejected: 0, skipped });
      } finally {
        progress.stop();
      }
      const output = {
        zip: basename(zip),
        format: info.format,
        quarter: info.quarter ?? null,
        join: opts.join,
        keyOrder: reader.diagnostics.keyOrder ?? null,
        ...collector.result(),
        tables: reader.diagnostics.tables,
      };
      io.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
      exit.code = EXIT.ok;
    });

  program
    .command('bench')
    .description('Run a benchmark of bench/ (from a checkout): it starts what it needs and prints its figures against a baseline measured in the same run')
    .addArgument(new Argument('<name>', 'which benchmark').choices(Object.keys(BENCHMARKS)))
    .argument('[args...]', 'options of the benchmark script (after --), e.g. -- --repeat 3')
    .addHelpText('after', `\nBenchmarks:\n${Object.entries(BENCHMARKS).map(([name, what]) => `  ${name.padEnd(9)} ${what}`).join('\n')}\nFigures and commands: docs/benchmarks.md. The exit code is the script's.`)
    .exitOverride()
    .action(async (name: BenchmarkName, args: string[]) => {
      exit.code = await runBenchmark(name, args, io.signal);
    });

  return program;
}

/** Runs the CLI on `argv` (as process.argv: node, script, args...) and returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const exit = { code: EXIT.ok as number };
  const program = createProgram(io, exit);
  try {
    await program.parseAsync([...argv]);
    return exit.code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are not errors.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT.ok;
      return EXIT.usage;
    }
    if (isVigiloError(error)) {
      io.stderr.write(`error: ${error.message} (${error.code})\n`);
      return exitCodeOf(error);
    }
    io.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return exitCodeOf(error);
  }
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', '57P03', '53300']);

/** The exit code of a failed command: a missing setting is a usage error, an unreachable system says "retry". */
export function exitCodeOf(error: unknown): number {
  if (isVigiloError(error)) {
    if (error.code === 'VIG_REQUEST_INVALID_PARAMETER') return EXIT.usage;
    if (error.code === 'VIG_UNAVAILABLE' || error.retryable) return EXIT.unavailable;
    return EXIT.failed;
  }
  const seen = new Set<unknown>();
  for (let e: unknown = error; e && typeof e === 'object' && !seen.has(e); e = (e as { cause?: unknown }).cause) {
    seen.add(e);
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && UNREACHABLE.has(code)) return EXIT.unavailable;
    for (const inner of (e as { errors?: unknown[] }).errors ?? []) {
      const innerCode = (inner as { code?: unknown })?.code;
      if (typeof innerCode === 'string' && UNREACHABLE.has(innerCode)) return EXIT.unavailable;
    }
    if ((e as { name?: unknown }).name === 'ConnectionError') return EXIT.unavailable;
  }
  return EXIT.failed;
}
