import assert from 'node:assert/strict';
import { testHelm, testHelm4 } from '@vigilo/testkit';
import {
  CHARTS,
  PROFILES,
  createNamespace,
  dryRunServer,
  hasVendoredSchema,
  helmTemplate,
  installCrds,
  type K8sObject,
  podSpecs,
  profileArgs,
  readYaml,
  run,
  schemaErrors,
} from './harness.js';

const STANDARD_LABELS = [
  'app.kubernetes.io/name',
  'app.kubernetes.io/instance',
  'app.kubernetes.io/version',
  'app.kubernetes.io/component',
  'app.kubernetes.io/part-of',
  'app.kubernetes.io/managed-by',
];

describe('delivery: Helm charts', function () {
  this.timeout(300_000);
  const rendered = new Map<string, K8sObject[]>();
  let namespace: string;

  before(function () {
    installCrds();
    namespace = createNamespace('delivery-charts');
    for (const chart of CHARTS) {
      for (const profile of PROFILES) rendered.set(`${chart}:${profile}`, helmTemplate(chart, namespace, profileArgs(chart, profile)));
    }
  });

  for (const chart of CHARTS) {
    for (const profile of PROFILES) {
      const key = `${chart}:${profile}`;

      it(`${chart} (${profile}) passes helm lint --strict with helm 3 and helm 4`, function () {
        for (const helm of [testHelm(), testHelm4()]) {
          const result = run(helm, ['lint', '--strict', chart, ...profileArgs(chart, profile)]);
          assert.equal(result.status, 0, `${helm} lint:\n${result.stdout}\n${result.stderr}`);
          assert.match(result.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
        }
      });

      it(`${chart} (${profile}) renders the same objects with helm 4 as with helm 3`, function () {
        const helm4 = helmTemplate(chart, namespace, profileArgs(chart, profile), testHelm4());
        assert.deepEqual(helm4, rendered.get(key));
      });

      it(`${chart} (${profile}): every rendered object passes kubectl apply --dry-run=server on the real apiserver`, function () {
        const objects = rendered.get(key)!;
        assert.ok(objects.length > 5, `only ${objects.length} objects rendered`);
        const failures = dryRunServer(objects, namespace);
        assert.deepEqual(failures, []);
      });

      it(`${chart} (${profile}): Rollouts, AnalysisTemplates and ServiceMonitors match their upstream CRD schemas`, function () {
        const objects = rendered.get(key)!.filter(hasVendoredSchema);
        const errors = objects.map((o) => [`${o.kind}/${o.metadata.name}`, schemaErrors(o)]).filter(([, e]) => e !== undefined);
        assert.deepEqual(errors, []);
      });

      it(`${chart} (${profile}): every object carries the standard app.kubernetes.io labels`, function () {
        for (const object of rendered.get(key)!.filter((o) => o.kind !== 'CustomResourceDefinition')) {
          for (const label of STANDARD_LABELS) {
            assert.ok(object.metadata.labels?.[label], `${object.kind}/${object.metadata.name} lacks ${label}`);
          }
          assert.equal(object.metadata.labels!['app.kubernetes.io/part-of'], 'vigilo');
        }
      });

      it(`${chart} (${profile}): pods run as non-root with a read-only root filesystem, no capabilities and RuntimeDefault seccomp`, function () {
        const pods = podSpecs(rendered.get(key)!);
        assert.ok(pods.length > 0);
        for (const { owner, pod } of pods) {
          const where = `${owner.kind}/${owner.metadata.name}`;
          assert.equal(pod.securityContext.runAsNonRoot, true, where);
          assert.ok(pod.securityContext.runAsUser > 0, where);
          assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault', where);
          assert.equal(pod.hostNetwork ?? false, false, where);
          for (const container of pod.containers) {
            const sc = container.securityContext;
            assert.equal(sc.readOnlyRootFilesystem, true, where);
            assert.equal(sc.allowPrivilegeEscalation, false, where);
            assert.equal(sc.privileged ?? false, false, where);
            assert.deepEqual(sc.capabilities.drop, ['ALL'], where);
            assert.equal(sc.capabilities.add, undefined, where);
          }
        }
      });

      it(`${chart} (${profile}): containers have probes on /healthz and /readyz, resource requests and a memory limit`, function () {
        for (const { owner, pod } of podSpecs(rendered.get(key)!)) {
          for (const container of pod.containers) {
            const where = `${owner.kind}/${owner.metadata.name}`;
            assert.equal(container.livenessProbe.httpGet.path, '/healthz', where);
            assert.equal(container.readinessProbe.httpGet.path, '/readyz', where);
            assert.ok(container.resources.requests.cpu, where);
            assert.ok(container.resources.requests.memory, where);
            assert.ok(container.resources.limits.memory, where);
            const port = container.ports.find((p: any) => p.name === 'http');
            assert.ok(port, `${where} has no http port`);
          }
        }
      });

      it(`${chart} (${profile}): ServiceAccounts are annotated for Workload Identity when a project is set`, function () {
        const objects = helmTemplate(chart, namespace, [...profileArgs(chart, profile), '--set', 'global.workloadIdentity.projectId=acme-prod']);
        const accounts = objects.filter((o) => o.kind === 'ServiceAccount');
        assert.ok(accounts.length > 0);
        for (const sa of accounts) {
          const component = sa.metadata.labels!['app.kubernetes.io/component'];
          assert.equal(sa.metadata.annotations?.['iam.gke.io/gcp-service-account'], `vigilo-${component}@acme-prod.iam.gserviceaccount.com`);
        }
        const without = rendered.get(key)!.filter((o) => o.kind === 'ServiceAccount');
        for (const sa of without) assert.equal(sa.metadata.annotations?.['iam.gke.io/gcp-service-account'], undefined);
      });
    }
  }

  it('the server-side dry run and the schemas reject a broken Deployment and a broken Rollout (the checks are live)', function () {
    const objects = structuredClone(rendered.get('charts/vigilo:default')!);
    const deployment = objects.find((o) => o.kind === 'Deployment')!;
    deployment.spec.template.spec.containers[0].ports[0].containerPort = 70000;
    const rollout = objects.find((o) => o.kind === 'Rollout')!;
    rollout.spec.strategy.canary.steps = [{ setWeight: 'ten' }];
    const failures = dryRunServer([deployment, rollout], namespace);
    assert.equal(failures.length, 2, failures.join('\n'));
    assert.match(failures[0]!, /^Deployment\/[\s\S]*containerPort/);
    assert.match(failures[1]!, /^Rollout\/[\s\S]*setWeight/);
    assert.match(schemaErrors(rollout) ?? '', /setWeight/);
  });

  it('the default profile of charts/vigilo has an HPA and a PDB for every scaled service, and canaries for search and proxy', function () {
    const objects = rendered.get('charts/vigilo:default')!;
    const names = (kind: string) => objects.filter((o) => o.kind === kind).map((o) => o.metadata.labels!['app.kubernetes.io/component']).sort();
    assert.deepEqual(names('HorizontalPodAutoscaler'), ['indexer', 'ingest', 'proxy', 'search']);
    assert.deepEqual(names('PodDisruptionBudget'), ['indexer', 'ingest', 'proxy', 'relay', 'search']);
    assert.deepEqual(names('Rollout'), ['proxy', 'search']);
    assert.deepEqual(names('Deployment'), ['indexer', 'ingest', 'relay']);
    for (const hpa of objects.filter((o) => o.kind === 'HorizontalPodAutoscaler')) {
      const target = objects.find((o) => o.kind === hpa.spec.scaleTargetRef.kind && o.metadata.name === hpa.spec.scaleTargetRef.name);
      assert.ok(target, `HPA ${hpa.metadata.name} targets a missing ${hpa.spec.scaleTargetRef.kind}`);
      assert.equal(target.spec.replicas, undefined, 'an autoscaled workload must not set replicas');
    }
  });

  it('the canary of search and proxy pauses between stepped weights and is gated by error rate and p99 from Prometheus', function () {
    const objects = rendered.get('charts/vigilo:default')!;
    for (const component of ['search', 'proxy']) {
      const rollout = objects.find((o) => o.kind === 'Rollout' && o.metadata.labels!['app.kubernetes.io/component'] === component)!;
      const steps = rollout.spec.strategy.canary.steps as any[];
      const weights = steps.filter((s) => 'setWeight' in s).map((s) => s.setWeight);
      assert.ok(weights.length >= 2, 'stepped weights');
      assert.deepEqual([...weights].sort((a, b) => a - b), weights, 'weights increase');
      assert.ok(steps.some((s) => 'pause' in s), 'pauses');
      const analysis = rollout.spec.strategy.canary.analysis;
      const template = objects.find((o) => o.kind === 'AnalysisTemplate' && o.metadata.name === analysis.templates[0].templateName);
      assert.ok(template, 'the AnalysisTemplate it names is rendered');
      const metrics = Object.fromEntries(template.spec.metrics.map((m: any) => [m.name, m]));
      assert.match(metrics['error-rate'].provider.prometheus.query, /http_requests_total\{.*,status=~"5\.\."\}/);
      assert.match(metrics['latency-p99'].provider.prometheus.query, /histogram_quantile\(0\.99, .*http_request_duration_seconds_bucket/);
      for (const metric of template.spec.metrics) {
        assert.match(metric.provider.prometheus.query, /rollouts_pod_template_hash="\{\{args\.canary-hash\}\}"/, 'measures the canary pods only');
        assert.ok(metric.successCondition);
      }
      assert.deepEqual(analysis.args[0], { name: 'canary-hash', valueFrom: { podTemplateHashValue: 'Latest' } });
    }
  });

  it('NetworkPolicies: only the proxy admits any source; the indexer only the queue push path; ingest and search only the proxy', function () {
    const objects = rendered.get('charts/vigilo:default')!;
    const policies = new Map(objects.filter((o) => o.kind === 'NetworkPolicy').map((p) => [p.metadata.labels!['app.kubernetes.io/component'], p]));
    assert.deepEqual([...policies.keys()].sort(), ['indexer', 'ingest', 'proxy', 'relay', 'search']);
    const metricsPeer = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } };
    const apiPeers = (component: string) =>
      (policies.get(component)!.spec.ingress as any[]).flatMap((rule) => rule.from).filter((peer: any) => JSON.stringify(peer) !== JSON.stringify(metricsPeer));
    for (const [component, policy] of policies) {
      assert.deepEqual(policy.spec.policyTypes, ['Ingress'], component);
      assert.deepEqual(policy.spec.podSelector.matchLabels, { 'app.kubernetes.io/name': component, 'app.kubernetes.io/instance': 'vigilo' });
    }
    assert.deepEqual(apiPeers('proxy'), [{ ipBlock: { cidr: '0.0.0.0/0' } }]);
    assert.deepEqual(apiPeers('indexer'), [{ ipBlock: { cidr: '35.191.0.0/16' } }, { ipBlock: { cidr: '130.211.0.0/22' } }]);
    const fromProxy = [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'proxy', 'app.kubernetes.io/instance': 'vigilo' } } }];
    assert.deepEqual(apiPeers('ingest'), fromProxy);
    assert.deepEqual(apiPeers('search'), fromProxy);
    assert.deepEqual(apiPeers('relay'), []);
    for (const component of ['indexer', 'ingest', 'relay', 'search']) {
      const everyone = apiPeers(component).some((peer: any) => peer.ipBlock?.cidr === '0.0.0.0/0' || (peer.namespaceSelector && Object.keys(peer.namespaceSelector).length === 0));
      assert.equal(everyone, false, `${component} must not be reachable from everywhere`);
    }
  });

  it('the proxy reaches ingest and search through their Services unless its env names other upstreams', function () {
    const objects = rendered.get('charts/vigilo:default')!;
    const proxyEnv = (list: K8sObject[]) =>
      new Map<string, string>(
        (list.find((o) => o.kind === 'Rollout' && o.metadata.name.endsWith('-proxy'))!.spec.template.spec.containers[0].env as any[]).map((e) => [e.name, e.value]),
      );
    const service = (component: string) => objects.find((o) => o.kind === 'Service' && o.metadata.labels!['app.kubernetes.io/component'] === component)!;
    const env = proxyEnv(objects);
    for (const upstream of ['ingest', 'search']) {
      const svc = service(upstream);
      assert.equal(env.get(`VIGILO_PROXY_${upstream.toUpperCase()}_URL`), `http://${svc.metadata.name}.${namespace}.svc:${svc.spec.ports[0].port}`);
    }
    const overridden = proxyEnv(helmTemplate('charts/vigilo', namespace, ['--set', 'proxy.env.VIGILO_PROXY_SEARCH_URL=https://search.example', '--set', 'ingest.enabled=false']));
    assert.equal(overridden.get('VIGILO_PROXY_SEARCH_URL'), 'https://search.example');
    assert.equal(overridden.has('VIGILO_PROXY_INGEST_URL'), false, 'no URL for a disabled upstream');
  });

  it('only the proxy and the indexer task path are published by an Ingress (production profile)', function () {
    const ingresses = rendered.get('charts/vigilo:production')!.filter((o) => o.kind === 'Ingress');
    const published = ingresses.map((i) => [i.metadata.labels!['app.kubernetes.io/component'], i.spec.rules[0].http.paths.map((p: any) => p.path)]);
    assert.deepEqual(published.sort(), [['indexer', ['/v1/tasks']], ['proxy', ['/']]]);
  });

  it('the operator chart carries the repository CRD unchanged and RBAC limited to Tenants, its Lease and Events', function () {
    const objects = rendered.get('charts/vigilo-operator:default')!;
    const crd = objects.find((o) => o.kind === 'CustomResourceDefinition');
    assert.ok(crd);
    assert.deepEqual(crd, readYaml('crds/tenants.vigilo.dev.yaml'));
    const clusterRole = objects.find((o) => o.kind === 'ClusterRole')!;
    const groups = new Set(clusterRole['rules'].flatMap((r: any) => r.apiGroups));
    assert.deepEqual([...groups], ['vigilo.dev']);
    const role = objects.find((o) => o.kind === 'Role')!;
    assert.deepEqual(role['rules'].map((r: any) => r.resources[0]).sort(), ['events', 'leases']);
    for (const rule of [...clusterRole['rules'], ...role['rules']]) assert.ok(!rule.verbs.includes('*') && !rule.resources.includes('*'));
  });
});
