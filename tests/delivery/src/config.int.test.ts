import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { REPO_ROOT, helmTemplate, type K8sObject, run } from './harness.js';

/** Which chart and values key carry each deployable documented in docs/config/. */
const DEPLOYABLES: Record<string, { chart: string; key: string }> = {
  ingest: { chart: 'charts/vigilo', key: 'ingest' },
  indexer: { chart: 'charts/vigilo', key: 'indexer' },
  relay: { chart: 'charts/vigilo', key: 'relay' },
  search: { chart: 'charts/vigilo', key: 'search' },
  proxy: { chart: 'charts/vigilo', key: 'proxy' },
  operator: { chart: 'charts/vigilo-operator', key: 'operator' },
};

/** The variables of a docs/config table, read here independently of scripts/gen-chart-values.mjs. */
function documentedVariables(file: string): Array<{ name: string; type: string }> {
  return readFileSync(join(REPO_ROOT, 'docs/config', file), 'utf8')
    .split('\n')
    .map((line) => /^\| `(VIGILO_[A-Z0-9_]+)` \| ([a-z]+) \|/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ name: m[1]!, type: m[2]! }));
}

/** A distinct value of the documented type for the i-th variable. */
function sampleValue(type: string, i: number): string {
  if (type === 'integer' || type === 'number') return String(1000 + i);
  if (type === 'boolean') return i % 2 === 0 ? 'true' : 'false';
  return `value-${i}`;
}

function containerEnv(objects: readonly K8sObject[], component: string): Map<string, any> {
  const workload = objects.find(
    (o) => ['Deployment', 'Rollout'].includes(o.kind) && o.metadata.labels?.['app.kubernetes.io/component'] === component,
  );
  assert.ok(workload, `no workload rendered for ${component}`);
  return new Map((workload.spec.template.spec.containers[0].env as any[]).map((e) => [e.name, e]));
}

describe('delivery: every documented service variable is settable through the charts', function () {
  this.timeout(120_000);
  const docs = readdirSync(join(REPO_ROOT, 'docs/config')).filter((f) => f.endsWith('.md'));
  const dir = mkdtempSync(join(tmpdir(), 'vigilo-delivery-env-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('every docs/config table belongs to a deployable the charts know', function () {
    const unknown = docs.map((f) => f.replace(/\.md$/, '')).filter((name) => !(name in DEPLOYABLES));
    assert.deepEqual(unknown, [], 'add the deployable to a chart (and to DEPLOYABLES here)');
  });

  it('the generated env blocks and values schemas are up to date with docs/config (node scripts/gen-chart-values.mjs)', function () {
    const result = run(process.execPath, ['scripts/gen-chart-values.mjs', '--check']);
    assert.equal(result.status, 0, result.stderr);
  });

  for (const file of docs) {
    const name = file.replace(/\.md$/, '');
    const target = DEPLOYABLES[name];
    if (!target) continue;

    it(`each variable of docs/config/${file} reaches the ${name} container, as a value and from a Secret`, function () {
      const variables = documentedVariables(file);
      assert.ok(variables.length > 0, `no variables parsed from ${file}`);
      const portVariable = `VIGILO_${name.toUpperCase()}_PORT`;
      const settable = variables.filter((v) => v.name !== portVariable).map((v) => v.name);
      const plain = Object.fromEntries(
        variables.filter((v) => v.name !== portVariable).map((v, i) => [v.name, sampleValue(v.type, i)]),
      );
      // Every value through env; the secretEnv defaults removed so that env wins for all of them.
      const valuesFile = join(dir, `${name}-env.yaml`);
      writeFileSync(
        valuesFile,
        stringify({ [target.key]: { env: plain, secretEnv: Object.fromEntries(settable.map((v) => [v, null])), port: 12345 } }),
      );
      const env = containerEnv(helmTemplate(target.chart, 'vigilo', ['-f', valuesFile]), name);
      for (const [variable, value] of Object.entries(plain)) {
        assert.equal(env.get(variable)?.value, value, `${variable} is not settable through ${target.chart} ${target.key}.env`);
      }
      if (variables.some((v) => v.name === portVariable)) assert.equal(env.get(portVariable)?.value, '12345', `${portVariable} comes from ${target.key}.port`);

      const secretFile = join(dir, `${name}-secret.yaml`);
      writeFileSync(
        secretFile,
        stringify({ [target.key]: { secretEnv: Object.fromEntries(settable.map((v) => [v, { name: 'from-secret', key: v.toLowerCase() }])) } }),
      );
      const fromSecret = containerEnv(helmTemplate(target.chart, 'vigilo', ['-f', secretFile]), name);
      for (const variable of settable) {
        assert.deepEqual(fromSecret.get(variable)?.valueFrom?.secretKeyRef, { name: 'from-secret', key: variable.toLowerCase() }, variable);
      }
    });

    it(`a variable ${name} does not document is refused by the ${target.chart} values schema`, function () {
      const valuesFile = join(dir, `${name}-unknown.yaml`);
      writeFileSync(valuesFile, stringify({ [target.key]: { env: { VIGILO_NOT_A_SETTING: 'x' } } }));
      assert.throws(() => helmTemplate(target.chart, 'vigilo', ['-f', valuesFile]), /VIGILO_NOT_A_SETTING|additional propert/i);
    });
  }
});
