import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { testHelm, testHelm4 } from '@vigilo/testkit';
import { join } from 'node:path';
import {
  REPO_ROOT,
  createNamespace,
  dryRunServer,
  ensureNamespace,
  helmTemplate,
  installCrds,
  type K8sObject,
  parseObjects,
  readYaml,
  run,
  schemaErrors,
} from './harness.js';

const ENVIRONMENTS = ['dev', 'staging', 'production'] as const;
const WAVES = ['crds', 'operator', 'services', 'tenants'];

function platform(env: string): K8sObject[] {
  return helmTemplate('argocd/platform', 'argocd', ['-f', `argocd/environments/${env}/platform.yaml`]);
}

describe('delivery: Argo CD', function () {
  this.timeout(300_000);
  let namespace: string;

  before(function () {
    installCrds();
    namespace = createNamespace('delivery-argocd');
    ensureNamespace('argocd');
  });

  it('the AppProject and the ApplicationSet match the Argo CD CRD schemas and pass a server-side dry run', function () {
    const objects = [readYaml('argocd/project.yaml'), readYaml('argocd/applicationset.yaml')] as K8sObject[];
    for (const object of objects) assert.equal(schemaErrors(object), undefined, `${object.kind}: ${schemaErrors(object)}`);
    assert.deepEqual(dryRunServer(objects, namespace), []);
  });

  it('the ApplicationSet generates dev, staging and production; only dev and staging sync automatically with prune and self-heal', function () {
    const appSet = readYaml('argocd/applicationset.yaml');
    const elements = appSet.spec.generators[0].list.elements as Array<{ env: string; automated: boolean }>;
    assert.deepEqual(elements.map((e) => [e.env, e.automated]), [['dev', true], ['staging', true], ['production', false]]);
    assert.match(appSet.spec.templatePatch, /\{\{- if \.automated \}\}\s*automated:\s*prune: true\s*selfHeal: true/);
    assert.deepEqual(appSet.spec.ignoreApplicationDifferences, [{ jsonPointers: ['/spec/syncPolicy'] }]);
  });

  for (const env of ENVIRONMENTS) {
    it(`${env}: argocd/platform passes helm lint --strict with helm 3 and helm 4`, function () {
      for (const helm of [testHelm(), testHelm4()]) {
        const result = run(helm, ['lint', '--strict', 'argocd/platform', '-f', `argocd/environments/${env}/platform.yaml`]);
        assert.equal(result.status, 0, `${helm} lint:\n${result.stdout}\n${result.stderr}`);
      }
    });

    it(`${env}: the child Applications come in sync waves CRDs, operator, services, Tenants and pass schema and dry run`, function () {
      const apps = platform(env);
      assert.deepEqual(apps.map((a) => a.metadata.labels!['app.kubernetes.io/component']), WAVES);
      const waves = apps.map((a) => Number(a.metadata.annotations!['argocd.argoproj.io/sync-wave']));
      assert.deepEqual(waves, [...waves].sort((a, b) => a - b));
      assert.equal(new Set(waves).size, WAVES.length, 'one wave each');
      for (const app of apps) assert.equal(schemaErrors(app), undefined, `${app.metadata.name}: ${schemaErrors(app)}`);
      assert.deepEqual(dryRunServer(apps, namespace), []);
      const automated = apps.map((a) => a.spec.syncPolicy.automated);
      if (env === 'production') {
        assert.deepEqual(automated, [undefined, undefined, undefined, undefined], 'production is promoted by hand');
      } else {
        assert.deepEqual(automated.map((a) => a.selfHeal), [true, true, true, true]);
        assert.deepEqual(automated.map((a) => a.prune), [false, true, true, false], 'CRDs and Tenants are never pruned');
      }
      const operator = apps.find((a) => a.metadata.labels!['app.kubernetes.io/component'] === 'operator')!;
      assert.equal(operator.spec.source.helm.skipCrds, true, 'the CRD belongs to the crds wave');
    });

    it(`${env}: each chart rendered with the environment's profile and values passes the server-side dry run`, function () {
      const ns = createNamespace(`delivery-${env}`);
      for (const app of platform(env).filter((a) => a.spec.source.helm)) {
        const chart: string = app.spec.source.path;
        const valueFiles = (app.spec.source.helm.valueFiles as string[]).map((f) => join(chart, f));
        const objects = helmTemplate(chart, ns, valueFiles.flatMap((f) => ['-f', f]));
        assert.deepEqual(dryRunServer(objects, ns), [], `${app.metadata.name}`);
      }
    });

    it(`${env}: the Tenants of the environment pass the server-side dry run against crds/`, function () {
      const dir = join(REPO_ROOT, 'argocd/environments', env, 'tenants');
      const tenants = readdirSync(dir)
        .filter((f) => f.endsWith('.yaml'))
        .flatMap((f) => parseObjects(readFileSync(join(dir, f), 'utf8')));
      assert.ok(tenants.length > 0);
      for (const tenant of tenants) assert.equal(tenant.kind, 'Tenant');
      assert.deepEqual(dryRunServer(tenants, namespace), []);
    });
  }
});
