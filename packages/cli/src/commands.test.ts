import assert from 'node:assert/strict';
import { InputError, VigiloError } from '@vigilo/errors';
import { EXIT, exitCodeOf, runCli } from './cli.js';
import { createPhaseProgress } from './progress.js';
import { formatTable } from './table.js';

class Sink {
  text = '';
  isTTY = false;
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

const run = async (...args: string[]) => {
  const stdout = new Sink();
  const stderr = new Sink();
  const code = await runCli(['node', 'vigilo', ...args], { stdout, stderr, env: {} });
  return { code, stdout: stdout.text, stderr: stderr.text };
};

describe('formatTable', () => {
  it('aligns columns to the widest cell and leaves no trailing spaces', () => {
    assert.equal(
      formatTable(['ID', 'STATUS', 'NAME'], [
        ['acme', 'active', 'ACME Pharma'],
        ['globex-eu', 'suspended', ''],
      ]),
      'ID         STATUS     NAME\nacme       active     ACME Pharma\nglobex-eu  suspended\n',
    );
  });
});

describe('exitCodeOf', () => {
  it('maps a missing setting to 64, an unreachable system to 69, anything else to 1', () => {
    assert.equal(exitCodeOf(new InputError('Give --database-url', { code: 'VIG_REQUEST_INVALID_PARAMETER' })), EXIT.usage);
    assert.equal(exitCodeOf(new VigiloError('VIG_UNAVAILABLE', 'down')), EXIT.unavailable);
    assert.equal(exitCodeOf(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })), EXIT.unavailable);
    assert.equal(exitCodeOf(new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })])), EXIT.unavailable, 'as Node reports a dual-stack connect');
    assert.equal(exitCodeOf(new Error('wrapped', { cause: Object.assign(new Error('dns'), { code: 'ENOTFOUND' }) })), EXIT.unavailable);
    assert.equal(exitCodeOf(new InputError('No API key with prefix x', { code: 'VIG_NOT_FOUND' })), EXIT.failed);
    assert.equal(exitCodeOf(new Error('boom')), EXIT.failed);
  });
});

describe('createPhaseProgress', () => {
  it('writes a line per phase and at most one per interval within a phase when not on a terminal', () => {
    const stream = new Sink();
    let now = 0;
    const progress = createPhaseProgress({ stream, label: 'reindex acme', now: () => now, intervalMs: 1000 });
    progress.update('backfill', 500);
    now = 200;
    progress.update('backfill', 1000);
    now = 1300;
    progress.update('backfill', 1500);
    progress.update('verify', 1);
    progress.stop();
    assert.deepEqual(stream.text.trim().split('\n'), ['reindex acme: backfill 500', 'reindex acme: backfill 1,500', 'reindex acme: verify 1', 'reindex acme: verify 1']);
  });

  it('rewrites one line in place on a terminal', () => {
    const stream = new Sink();
    stream.isTTY = true;
    const progress = createPhaseProgress({ stream, label: 'reindex acme' });
    progress.update('backfill', 10);
    progress.update('swap', 1);
    progress.stop();
    assert.equal(stream.text, '\r\u001b[2Kreindex acme: backfill 10\r\u001b[2Kreindex acme: swap 1\n');
  });
});

describe('vigilo bench and help', () => {
  it('lists the benchmarks in its help and refuses an unknown one with 64', async () => {
    const help = await run('bench', '--help');
    assert.equal(help.code, EXIT.ok);
    for (const name of ['ingest', 'index', 'search', 'proxy', 'operator']) assert.match(help.stdout, new RegExp(`\\n  ${name} +\\S`));
    assert.equal((await run('bench', 'nosuch')).code, EXIT.usage);
  });

  it('documents the exit codes at the top level, and every command answers --help', async () => {
    const top = await run('--help');
    assert.match(top.stdout, /Exit codes: 0 done, 1 failed/);
    for (const command of [['tenant', 'list'], ['tenant', 'create'], ['keys', 'list'], ['sync', 'check'], ['reindex'], ['dead-letters', 'list'], ['dead-letters', 'replay'], ['faers', 'import'], ['faers', 'stats']]) {
      const answer = await run(...command, '--help');
      assert.equal(answer.code, EXIT.ok, command.join(' '));
      assert.match(answer.stdout, /^Usage: vigilo /, command.join(' '));
    }
  });

  it('offers --json on every command that prints records', async () => {
    for (const command of [['tenant', 'list'], ['tenant', 'create'], ['keys', 'list'], ['keys', 'create'], ['keys', 'revoke'], ['sync', 'check'], ['reindex'], ['dead-letters', 'list'], ['dead-letters', 'replay'], ['faers', 'import']]) {
      assert.match((await run(...command, '--help')).stdout, /--json/, command.join(' '));
    }
  });
});
