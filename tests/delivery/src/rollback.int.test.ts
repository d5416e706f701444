import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, mustRun, run } from './harness.js';

const ROLLBACK = join(REPO_ROOT, 'scripts/rollback');

describe('delivery: scripts/rollback', function () {
  this.timeout(60_000);

  it('git: reverts the named commits, newest first, leaving the values file as before them', function () {
    const repo = mkdtempSync(join(tmpdir(), 'vigilo-rollback-'));
    try {
      const git = (...args: string[]) => mustRun('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', ...args], { cwd: repo });
      const values = join(repo, 'vigilo.yaml');
      git('init', '-q', '-b', 'main');
      writeFileSync(values, 'global:\n  image:\n    tag: aaa\n');
      git('add', '.');
      git('commit', '-q', '-m', 'release aaa');
      writeFileSync(values, 'global:\n  image:\n    tag: bbb\n');
      git('commit', '-q', '-am', 'release bbb');
      const bbb = git('rev-parse', 'HEAD').trim();
      writeFileSync(values, 'global:\n  image:\n    tag: ccc\n');
      git('commit', '-q', '-am', 'release ccc');
      const ccc = git('rev-parse', 'HEAD').trim();

      const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.org', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.org' };
      const result = run('bash', [ROLLBACK, 'git', '--no-push', bbb, ccc], { cwd: repo, env });
      assert.equal(result.status, 0, result.stderr);
      assert.equal(readFileSync(values, 'utf8'), 'global:\n  image:\n    tag: aaa\n');
      const subjects = git('log', '--format=%s', '-5').trim().split('\n');
      assert.deepEqual(subjects, ['Revert "release bbb"', 'Revert "release ccc"', 'release ccc', 'release bbb', 'release aaa']);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });

  it('argocd: turns automated sync off on the root and the child before rolling the child back', function () {
    const result = run('bash', [ROLLBACK, 'argocd', '--dry-run', 'staging', 'services', '7']);
    assert.equal(result.status, 0, result.stderr);
    const commands = result.stderr.split('\n').filter((l) => l.startsWith('+ ')).map((l) => l.slice(2));
    assert.deepEqual(commands, [
      'argocd app set vigilo-staging --sync-policy none',
      'argocd app set vigilo-staging-services --sync-policy none',
      'argocd app rollback vigilo-staging-services 7',
      'argocd app wait vigilo-staging-services --health --timeout 600',
    ]);
  });

  it('refuses an unknown environment or component, and refuses to automate production', function () {
    assert.notEqual(run('bash', [ROLLBACK, 'argocd', '--dry-run', 'prod', 'services']).status, 0);
    assert.notEqual(run('bash', [ROLLBACK, 'argocd', '--dry-run', 'dev', 'everything']).status, 0);
    const production = run('bash', [ROLLBACK, 'resume', '--dry-run', 'production']);
    assert.notEqual(production.status, 0);
    assert.match(production.stderr, /promoted by hand/);
  });
});
