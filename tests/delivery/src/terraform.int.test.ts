import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, helmTemplate, run } from './harness.js';

function terraform(): string {
  const bin = process.env['VIGILO_TERRAFORM'];
  if (!bin) throw new Error('VIGILO_TERRAFORM is not set: run the tests through scripts/test (scripts/infra/lint-tools.sh provides it)');
  return bin;
}

const MODULES = ['network', 'gke', 'cloudsql', 'identities', 'artifact-registry', 'secrets', 'cloudbuild', 'search'];
const ENVIRONMENTS = ['dev', 'production'];

describe('delivery: Terraform', function () {
  this.timeout(60_000);

  it('every file is formatted (terraform fmt -check -recursive)', function () {
    const result = run(terraform(), ['fmt', '-check', '-recursive', '-diff', 'terraform'], {
      env: { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null', CHECKPOINT_DISABLE: '1' },
    });
    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
  });

  it('tflint (bundled Terraform ruleset, every rule) finds nothing in the modules and environments', function () {
    const tflint = process.env['VIGILO_TFLINT'];
    if (!tflint) throw new Error('VIGILO_TFLINT is not set: run the tests through scripts/test (scripts/infra/lint-tools.sh provides it)');
    const env = { ...process.env, TFLINT_LOG: '', CHECKPOINT_DISABLE: '1' };
    const config = join(REPO_ROOT, 'terraform/.tflint.hcl');
    const result = run(tflint, ['--recursive', '--config', config, '--format', 'compact', '--chdir', join(REPO_ROOT, 'terraform')], { env });
    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
    // The linter is awake: the same run on a module with an untyped, undocumented, unused variable fails.
    const probe = mkdtempSync(join(tmpdir(), 'vigilo-tflint-'));
    try {
      writeFileSync(join(probe, 'variables.tf'), 'variable "unused" {}\n');
      const flagged = run(tflint, ['--config', config, '--format', 'compact', '--chdir', probe], { env });
      assert.notEqual(flagged.status, 0);
      for (const rule of ['terraform_typed_variables', 'terraform_documented_variables', 'terraform_unused_declarations']) assert.match(flagged.stdout, new RegExp(rule));
    } finally {
      rmSync(probe, { recursive: true, force: true });
    }
  });

  it('each environment uses every module, keeps its state in GCS and declares validated variables', function () {
    for (const env of ENVIRONMENTS) {
      const dir = join(REPO_ROOT, 'terraform/environments', env);
      const main = readFileSync(join(dir, 'main.tf'), 'utf8');
      assert.match(main, /backend "gcs"/, env);
      for (const module of MODULES) assert.ok(main.includes(`source = "../../modules/${module}"`) || new RegExp(`source\\s+= "../../modules/${module}"`).test(main), `${env} uses ${module}`);
      const variables = readFileSync(join(dir, 'variables.tf'), 'utf8');
      assert.ok((variables.match(/validation \{/g) ?? []).length >= 4, `${env} validates its variables`);
    }
    assert.deepEqual(readdirSync(join(REPO_ROOT, 'terraform/modules')).sort(), [...MODULES].sort());
  });

  it('Cloud SQL is PostgreSQL 15 with private IP only, IAM authentication and high availability in production', function () {
    const sql = readFileSync(join(REPO_ROOT, 'terraform/modules/cloudsql/main.tf'), 'utf8');
    assert.match(sql, /database_version\s+= "POSTGRES_15"/);
    assert.match(sql, /ipv4_enabled\s+= false/);
    assert.match(sql, /name\s+= "cloudsql.iam_authentication"\s+value = "on"/);
    const production = readFileSync(join(REPO_ROOT, 'terraform/environments/production/main.tf'), 'utf8');
    assert.match(production, /high_availability\s+= true/);
  });

  it('every deployable has a service account bound through Workload Identity to the ServiceAccount its chart renders', function () {
    const identities = readFileSync(join(REPO_ROOT, 'terraform/modules/identities/main.tf'), 'utf8');
    const bound = new Map(
      [...identities.matchAll(/^\s+([a-z]+)\s+= \{ namespace = var\.([a-z_]+), ksa = "([^"]+)" \}/gm)].map((m) => [m[1]!, { namespace: m[2]!, ksa: m[3]! }]),
    );
    const rendered = new Map<string, string>();
    for (const chart of ['charts/vigilo', 'charts/vigilo-operator']) {
      for (const sa of helmTemplate(chart, 'vigilo').filter((o) => o.kind === 'ServiceAccount')) {
        rendered.set(sa.metadata.labels!['app.kubernetes.io/component']!, sa.metadata.name);
      }
    }
    assert.deepEqual([...bound.keys()].sort(), [...rendered.keys()].sort());
    for (const [component, name] of rendered) assert.equal(bound.get(component)!.ksa, name, component);
    assert.equal(bound.get('operator')!.namespace, 'operator_namespace');
    assert.match(identities, /roles\/iam.workloadIdentityUser/);
    assert.match(identities, /roles\/cloudtasks.queueAdmin/);
  });
});
