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

  it('one root module uses every module; each environment is only its state location and its values', function () {
    const estate = join(REPO_ROOT, 'terraform/estate');
    const main = readFileSync(join(estate, 'main.tf'), 'utf8');
    assert.match(main, /backend "gcs" \{\}/);
    for (const module of MODULES) assert.match(main, new RegExp(`source\\s+= "\\.\\./modules/${module}"`), `the estate uses ${module}`);
    assert.deepEqual(readdirSync(join(REPO_ROOT, 'terraform/modules')).sort(), [...MODULES].sort());
    const variablesText = readFileSync(join(estate, 'variables.tf'), 'utf8');
    assert.ok((variablesText.match(/validation \{/g) ?? []).length >= 4, 'the estate validates its variables');
    // Each variable block runs to the next one; those without a default must come from each environment's values
    // (the Elastic Cloud API key from TF_VAR_elastic_cloud_api_key, never from a file).
    const blocks = variablesText.split(/^variable "/m).slice(1);
    const declared = new Map(blocks.map((block) => [block.slice(0, block.indexOf('"')), /^\s+default\s+=/m.test(block)]));
    const required = [...declared].filter(([name, hasDefault]) => !hasDefault && name !== 'elastic_cloud_api_key').map(([name]) => name);
    assert.deepEqual(readdirSync(join(REPO_ROOT, 'terraform/environments')).sort(), [...ENVIRONMENTS].sort());
    for (const env of ENVIRONMENTS) {
      const dir = join(REPO_ROOT, 'terraform/environments', env);
      assert.deepEqual(readdirSync(dir).sort(), ['backend.tfbackend', 'terraform.tfvars'], `${env} holds no code`);
      assert.match(readFileSync(join(dir, 'backend.tfbackend'), 'utf8'), new RegExp(`^prefix = "vigilo/${env}"$`, 'm'));
      const values = new Set([...readFileSync(join(dir, 'terraform.tfvars'), 'utf8').matchAll(/^([a-z_]+)\s+=/gm)].map((m) => m[1]!));
      for (const name of values) assert.ok(declared.has(name), `${env} sets ${name}, which the estate does not declare`);
      for (const name of required) assert.ok(values.has(name), `${env} leaves ${name} unset`);
      assert.match(readFileSync(join(dir, 'terraform.tfvars'), 'utf8'), new RegExp(`^environment\\s+= "${env}"$`, 'm'));
    }
  });

  it('Cloud SQL is PostgreSQL 15 with private IP only, IAM authentication and high availability in production', function () {
    const sql = readFileSync(join(REPO_ROOT, 'terraform/modules/cloudsql/main.tf'), 'utf8');
    assert.match(sql, /database_version\s+= "POSTGRES_15"/);
    assert.match(sql, /ipv4_enabled\s+= false/);
    assert.match(sql, /name\s+= "cloudsql.iam_authentication"\s+value = "on"/);
    assert.match(readFileSync(join(REPO_ROOT, 'terraform/estate/main.tf'), 'utf8'), /high_availability\s+= var\.cloudsql_high_availability/);
    const production = readFileSync(join(REPO_ROOT, 'terraform/environments/production/terraform.tfvars'), 'utf8');
    assert.match(production, /^cloudsql_high_availability\s+= true$/m);
    assert.match(production, /^deletion_protection\s+= true$/m);
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
