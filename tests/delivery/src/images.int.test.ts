import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, readYaml, run } from './harness.js';

/** Every deployable: the four services (plus the relay, a deployable of its own) and the operator. */
const DEPLOYABLES = ['services/ingest', 'services/indexer', 'services/relay', 'services/search', 'services/proxy', 'operator'];

function hadolint(): string {
  const bin = process.env['VIGILO_HADOLINT'];
  if (!bin) throw new Error('VIGILO_HADOLINT is not set: run the tests through scripts/test (scripts/infra/lint-tools.sh fetches it)');
  return bin;
}

/** The instructions of a Dockerfile, continuation lines joined, comments dropped. */
function instructions(dockerfile: string): string[] {
  return dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

describe('delivery: container images', function () {
  this.timeout(60_000);

  for (const dir of DEPLOYABLES) {
    const file = join(dir, 'Dockerfile');

    it(`${file} passes hadolint with no finding`, function () {
      const result = run(hadolint(), ['--no-color', '--failure-threshold', 'info', file]);
      assert.equal(result.status, 0, result.stdout + result.stderr);
      assert.equal(result.stdout.trim(), '');
    });

    it(`${file} builds in stages, installs production dependencies only and runs lib/main.js as a non-root user`, function () {
      const lines = instructions(readFileSync(join(REPO_ROOT, file), 'utf8'));
      const stages = lines.filter((l) => l.startsWith('FROM '));
      assert.ok(stages.length >= 2, 'multi-stage');
      assert.ok(lines.includes('ARG NODE_IMAGE=node:24-alpine'), 'Node 24 on a small base');
      const finalStage = lines.slice(lines.lastIndexOf(stages.at(-1)!));
      assert.ok(!finalStage.some((l) => l.startsWith('RUN ')), 'nothing runs in the final stage (nothing to write at run time)');
      const user = finalStage.find((l) => l.startsWith('USER '));
      assert.match(user ?? '', /^USER [1-9][0-9]*:[1-9][0-9]*$/, 'a numeric non-root user (runAsNonRoot can verify it)');
      assert.ok(lines.some((l) => l.includes(`npm ci --omit=dev --workspace ${dir}`)), 'production dependencies of this workspace only');
      assert.equal(finalStage.find((l) => l.startsWith('WORKDIR ')), `WORKDIR /app/${dir}`);
      assert.equal(finalStage.at(-1), 'ENTRYPOINT ["node", "lib/main.js"]');
    });
  }

  it('the proxy image carries the analyst page and points the proxy at it', function () {
    const lines = instructions(readFileSync(join(REPO_ROOT, 'services/proxy/Dockerfile'), 'utf8'));
    const build = lines.find((l) => l.includes('vite build'));
    assert.match(build ?? '', /--outDir \/out\/web\b/, 'the page is built into the staged output');
    assert.ok(lines.some((l) => /^ENV .*VIGILO_PROXY_WEB_ROOT=\/app\/web\b/.test(l)), 'VIGILO_PROXY_WEB_ROOT names the page in the image');
  });

  it('.dockerignore keeps node_modules, compiled output and the git history out of the build context', function () {
    const patterns = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const p of ['**/node_modules', '**/lib', '.git']) assert.ok(patterns.includes(p), p);
  });

  it('cloudbuild.yaml builds every image from its Dockerfile, tags it with $COMMIT_SHA and pushes it', function () {
    const build = readYaml('cloudbuild.yaml');
    const images = new Set<string>(build.images);
    for (const dir of DEPLOYABLES) {
      const name = dir.split('/').at(-1)!;
      const image = `\${_REGISTRY}/${name}:\${COMMIT_SHA}`;
      const step = (build.steps as any[]).find((s) => s.id === `build-${name}`);
      assert.ok(step, `no build-${name} step`);
      assert.deepEqual(step.args.slice(step.args.indexOf('-f'), step.args.indexOf('-f') + 2), ['-f', `${dir}/Dockerfile`]);
      assert.ok(step.args.includes(image), `${name} is tagged ${image}`);
      assert.equal(step.args.at(-1), '.', 'the repository is the build context');
      assert.ok(images.has(image), `${image} is pushed`);
      assert.ok(existsSync(join(REPO_ROOT, dir, 'Dockerfile')));
    }
  });
});
