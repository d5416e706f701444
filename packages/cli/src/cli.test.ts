import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import yauzl from 'yauzl';
import { EXIT, runCli, type CliIo } from './cli.js';
import { startFakeIngest, type FakeIngest } from './fake-ingest.js';
import type { FaersImportSummary } from './faers-import.js';

const FIXTURES = fileURLToPath(new URL('../../faers/fixtures/', import.meta.url));
const FAERS_ZIP = join(FIXTURES, 'faers_ascii_2017q2.zip');
const AERS_ZIP = join(FIXTURES, 'aers_ascii_2004q1.zip');
const EXPECTED_SCRIPT = fileURLToPath(new URL('../../testkit/faers_expected.py', import.meta.url));
const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));

interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

class Sink {
  text = '';
  constructor(readonly isTTY = false) {}
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

async function vigilo(args: string[], io: Partial<CliIo> = {}): Promise<Captured> {
  const stdout = new Sink();
  const stderr = new Sink();
  const code = await runCli(['node', 'vigilo', ...args], {
    stdout,
    stderr,
    env: {},
    client: { sleep: async () => {}, random: () => 0 },
    ...io,
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** Every value of the given columns in a table of the zip (to prove none of them is printed). */
async function valuesOf(zipPath: string, table: string, columns: string[]): Promise<string[]> {
  const zip = await yauzl.openPromise(zipPath, { lazyEntries: true, autoClose: false });
  try {
    for await (const entry of zip.eachEntry()) {
      if (!new RegExp(`/${table}\\d\\dQ\\d\\.txt$`, 'i').test(entry.fileName)) continue;
      const chunks: Buffer[] = [];
      for await (const chunk of await zip.openReadStreamPromise(entry)) chunks.push(chunk as Buffer);
      const [header, ...rows] = Buffer.concat(chunks).toString('latin1').split('\n');
      const names = header!.toLowerCase().split('$');
      const indexes = columns.map((c) => names.indexOf(c));
      return rows.flatMap((row) => indexes.map((i) => row.split('$')[i]?.trim() ?? '')).filter((v) => v.length >= 4);
    }
  } finally {
    zip.close();
  }
  return [];
}

describe('vigilo faers import', function () {
  this.timeout(20000);
  let server: FakeIngest;

  beforeEach(async () => {
    server = await startFakeIngest();
  });
  afterEach(async () => {
    await server.close();
  });

  const importArgs = (zip: string, ...extra: string[]) => ['faers', 'import', zip, '--tenant', 'acme', '--ingest-url', server.url, '--json', '--no-progress', ...extra];
  const summaryOf = (run: Captured) => JSON.parse(run.stdout) as FaersImportSummary;

  it('sends every report in batches and stores what the independent script counts', async () => {
    const run = await vigilo(importArgs(FAERS_ZIP, '--batch-size', '30'));
    assert.equal(run.code, EXIT.ok, run.stderr);
    const summary = summaryOf(run);
    assert.equal(summary.status, 'completed');
    assert.equal(summary.records, 100);
    assert.equal(summary.casesRead, 100);
    assert.equal(summary.versionsSent, 100);
    assert.equal(summary.created, 100);
    assert.equal(summary.batches, 4);
    assert.equal(summary.requests, 4);
    assert.deepEqual(server.requests.map((r) => r.lines), [30, 30, 30, 10]);
    assert.equal(server.requests[0]?.headers['x-vigilo-scopes'], undefined);

    // What the fake service stored, against the oracle's numbers for the raw files.
    const { stdout } = await promisify(execFile)('python3', [EXPECTED_SCRIPT, FAERS_ZIP]);
    const expected = JSON.parse(stdout) as { all_versions: { versions: number; reactions: number; drugs: Record<string, number> } };
    const stored = [...server.stored.get('acme')!.values()];
    assert.equal(stored.length, expected.all_versions.versions);
    const drugs = stored.flatMap((r) => r.patient.drug);
    assert.equal(drugs.filter((d) => d.drugcharacterization === '1').length, expected.all_versions.drugs['PS']! + expected.all_versions.drugs['SS']!);
    assert.equal(drugs.filter((d) => d.drugcharacterization === '2').length, expected.all_versions.drugs['C']);
    assert.equal(drugs.filter((d) => d.drugcharacterization === '3').length, expected.all_versions.drugs['I']);
    assert.equal(stored.reduce((sum, r) => sum + r.patient.reaction.length, 0), expected.all_versions.reactions);
  });

  it('is idempotent: a second import of the same quarter leaves everything unchanged', async () => {
    assert.equal((await vigilo(importArgs(AERS_ZIP))).code, EXIT.ok);
    const again = await vigilo(importArgs(AERS_ZIP));
    assert.equal(again.code, EXIT.ok);
    assert.deepEqual([summaryOf(again).created, summaryOf(again).unchanged], [0, 100]);
  });

  it('exits 2 and counts rejections by code when some lines are rejected', async () => {
    // Store a different content under one id and version first: its line in the import is a conflict.
    const stored = new Map([['10979236@4', { safetyreportid: '10979236', safetyreportversion: 4, patient: { drug: [], reaction: [] } }]]);
    server.stored.set('acme', stored);
    const run = await vigilo(importArgs(FAERS_ZIP));
    assert.equal(run.code, EXIT.rejected);
    const summary = summaryOf(run);
    assert.equal(summary.rejected, 1);
    assert.deepEqual(summary.rejectedByCode, { VIG_INGEST_VERSION_CONFLICT: 1 });
    assert.deepEqual(summary.rejectedSamples, [{ safetyreportid: '10979236', safetyreportversion: 4, status: 409, code: 'VIG_INGEST_VERSION_CONFLICT' }]);
    assert.equal(summary.created, 99);
  });

  it('retries a batch on 503 and on a reset connection, then completes', async () => {
    server.behaviour = (_request, index) => (index === 0 ? { kind: 'status', status: 503 } : index === 2 ? { kind: 'reset' } : undefined);
    const run = await vigilo(importArgs(FAERS_ZIP, '--batch-size', '50'));
    assert.equal(run.code, EXIT.ok, run.stdout);
    const summary = summaryOf(run);
    assert.equal(summary.retries, 2);
    assert.equal(summary.requests, 4);
    assert.equal(summary.created, 100);
    assert.equal(server.requests.length, 4);
  });

  it('exits 1 and stops reading when a batch keeps failing', async () => {
    server.behaviour = () => ({ kind: 'status', status: 503 });
    const run = await vigilo(importArgs(FAERS_ZIP, '--batch-size', '10'));
    assert.equal(run.code, EXIT.failed);
    const summary = summaryOf(run);
    assert.equal(summary.status, 'failed');
    assert.equal(summary.failure?.code, 'VIG_UNAVAILABLE');
    assert.equal(summary.versionsSent, 0);
    // The first batch was tried 5 times; reading stopped before a third batch was sent.
    assert.ok(server.requests.length <= 10, `requests: ${server.requests.length}`);
    assert.ok(summary.records < 100);
  });

  it('exits 1 with the service code when the whole request is refused', async () => {
    server.behaviour = () => ({ kind: 'status', status: 404, problem: { status: 404, code: 'VIG_TENANT_NOT_FOUND', title: 'Unknown tenant', detail: 'Unknown tenant acme' } });
    const run = await vigilo(importArgs(FAERS_ZIP));
    assert.equal(run.code, EXIT.failed);
    assert.deepEqual(summaryOf(run).failure, { code: 'VIG_TENANT_NOT_FOUND', message: 'Unknown tenant acme', status: 404 });
    assert.equal(server.requests.length, 1);
  });

  it('exits 1 with the file problem when the zip cannot be read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vigilo-cli-'));
    const path = join(dir, 'broken.zip');
    await writeFile(path, 'not a zip');
    const run = await vigilo(importArgs(path));
    await rm(dir, { recursive: true, force: true });
    assert.equal(run.code, EXIT.failed);
    assert.equal(summaryOf(run).failure?.code, 'VIG_FAERS_FILE_INVALID');
    assert.equal(server.requests.length, 0);
  });

  it('prints a human-readable summary and periodic progress lines when stderr is not a terminal', async () => {
    let clock = 0;
    const run = await vigilo(['faers', 'import', FAERS_ZIP, '--tenant', 'acme', '--ingest-url', server.url, '--batch-size', '25'], {
      now: () => (clock += 1000),
      progressIntervalMs: 1500,
    });
    assert.equal(run.code, EXIT.ok);
    assert.match(run.stdout, /^FAERS import of faers_ascii_2017q2\.zip \(FAERS 2017Q2\) into tenant acme: completed$/m);
    assert.match(run.stdout, /^ {2}created {11}100$/m);
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines[0], 'faers import: 100 rows to read');
    assert.match(lines.at(-1)!, /^faers import: 100\/100 rows \(100%\), sent 100, rejected 0, skipped 0, \d+s$/);
    assert.ok(lines.length >= 3, run.stderr);
  });

  it('never prints personal data: no batch number, dosage text or narrative in its output', async () => {
    const secrets = [
      ...(await valuesOf(FAERS_ZIP, 'DRUG', ['lot_num', 'dose_vbm'])),
      ...(await valuesOf(AERS_ZIP, 'DRUG', ['lot_num', 'dose_vbm'])),
    ].filter((value) => !/^(UNK|UNKNOWN|NOT REPORTED|NOT AVAILABLE)$/i.test(value));
    assert.ok(secrets.length > 50);
    const outputs: string[] = [];
    for (const zip of [FAERS_ZIP, AERS_ZIP]) {
      for (const extra of [['--json'], []]) {
        const run = await vigilo(['faers', 'import', zip, '--tenant', 'acme', '--ingest-url', server.url, ...extra]);
        outputs.push(run.stdout, run.stderr);
      }
      const stats = await vigilo(['faers', 'stats', zip]);
      outputs.push(stats.stdout, stats.stderr);
    }
    const all = outputs.join('\n');
    for (const secret of secrets) assert.ok(!all.includes(secret), `output contains a DRUG value of ${secret.length} characters`);
  });

  it('refuses a bad tenant id, batch size or URL with exit code 64', async () => {
    for (const args of [
      ['faers', 'import', FAERS_ZIP, '--tenant', 'Not_Valid'],
      ['faers', 'import', FAERS_ZIP, '--tenant', 'acme', '--batch-size', '0'],
      ['faers', 'import', FAERS_ZIP, '--tenant', 'acme', '--ingest-url', 'ftp://x'],
      ['faers', 'import', FAERS_ZIP],
      ['faers', 'import', FAERS_ZIP, '--tenant', 'acme', '--scopes', 'DROP TABLE'],
    ]) {
      const run = await vigilo(args);
      assert.equal(run.code, EXIT.usage, args.join(' '));
      assert.match(run.stderr, /error/);
    }
    assert.equal(server.requests.length, 0);
  });

  it('sends the identity headers the proxy would set with --scopes', async () => {
    const run = await vigilo(importArgs(AERS_ZIP, '--scopes', 'write'));
    assert.equal(run.code, EXIT.ok);
    assert.equal(server.requests[0]?.headers['x-vigilo-tenant'], 'acme');
    assert.equal(server.requests[0]?.headers['x-vigilo-scopes'], 'write');
  });

  it('re-sends the lines the service could not store (503 per line) and counts them once', async () => {
    server.behaviour = (_request, index) => (index === 0 ? { kind: 'rejectLines', status: 503, code: 'VIG_UNAVAILABLE', reject: (line) => line >= 60 } : undefined);
    const run = await vigilo(importArgs(FAERS_ZIP));
    assert.equal(run.code, EXIT.ok, run.stdout);
    const summary = summaryOf(run);
    assert.deepEqual([summary.created, summary.rejected, summary.batches, summary.requests, summary.retries], [100, 0, 1, 2, 1]);
    assert.deepEqual(server.requests.map((r) => r.lines), [100, 40]);
  });

  it('stops after the batch in flight when interrupted, and exits 130', async () => {
    const controller = new AbortController();
    server.behaviour = () => {
      controller.abort();
      return undefined;
    };
    const run = await vigilo(importArgs(FAERS_ZIP, '--batch-size', '10'), { signal: controller.signal });
    assert.equal(run.code, EXIT.interrupted);
    const summary = summaryOf(run);
    assert.equal(summary.status, 'interrupted');
    assert.ok(summary.records < 100);
    // Whatever was sent was answered and counted: nothing is left in flight.
    assert.equal(summary.versionsSent, server.requests.reduce((sum, r) => sum + r.lines, 0));
    assert.equal(summary.created, summary.versionsSent);
  });

  it('takes the token and the ingest URL from the environment', async () => {
    const run = await vigilo(['faers', 'import', AERS_ZIP, '--tenant', 'acme', '--no-progress'], {
      env: { VIGILO_TOKEN: 'from-env', VIGILO_INGEST_URL: server.url },
    });
    assert.equal(run.code, EXIT.ok, run.stdout);
    assert.equal(server.requests[0]?.headers['authorization'], 'Bearer from-env');
  });
});

describe('vigilo faers stats', function () {
  this.timeout(20000);

  it('prints what the importer reads as JSON', async () => {
    const run = await vigilo(['faers', 'stats', AERS_ZIP, '--no-progress']);
    assert.equal(run.code, EXIT.ok);
    const stats = JSON.parse(run.stdout) as Record<string, unknown> & { all: { versions: number; drugs: Record<string, number>; reactions: number } };
    assert.equal(stats['format'], 'aers');
    assert.equal(stats['quarter'], '2004Q1');
    assert.equal(stats['records'], 100);
    assert.equal(stats.all.versions, 100);
    assert.deepEqual(stats.all.drugs, { suspect: 153, concomitant: 233, interacting: 0 });
    assert.equal(stats.all.reactions, 416);
    assert.deepEqual(stats['skipped'], {});
    assert.equal(run.stderr, '');
  });

  it('runs as the vigilo executable', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [MAIN, 'faers', 'stats', FAERS_ZIP, '--join', 'memory'], { env: {} });
    const stats = JSON.parse(stdout) as { records: number; join: string };
    assert.equal(stats.records, 100);
    assert.equal(stats.join, 'memory');
  });
});
