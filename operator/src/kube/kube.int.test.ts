import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CoordinationV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { Registry } from '@vigilo/platform';
import { OutageProxy, REPO_ROOT, startServiceProcess, testKubeconfig, testKubectl, uniqueTenant, type RunningProcess } from '@vigilo/testkit';
import { FIELD_MANAGER, GROUP, PAUSE_ANNOTATION, PLURAL, type Tenant, VERSION } from '../api/v1alpha1/tenant.js';
import { TenantOperator } from '../operator.js';
import { Informer, type ListWatch } from '../runtime/informer.js';
import { conditionOf, engineDelete, engineGet, eventually, isReady, realSystems, reconcileCount, required, silentLogger, sqlFacts, type RealSystems } from '../test/harness.js';
import { KubeEventRecorder } from './events.js';
import { httpStatus } from './errors.js';
import { KubeTenantListWatch } from './tenantListWatch.js';
import { KubeTenantWriter } from './tenantWriter.js';

const run = promisify(execFile);

async function installCrd(): Promise<void> {
  const kubectl = testKubectl();
  const kubeconfig = testKubeconfig();
  await run(kubectl, ['--kubeconfig', kubeconfig, 'apply', '--server-side', '--force-conflicts', '-f', `${REPO_ROOT}/crds/tenants.vigilo.dev.yaml`]);
  await run(kubectl, ['--kubeconfig', kubeconfig, 'wait', '--for=condition=Established', 'crd/tenants.vigilo.dev', '--timeout=60s']);
}

function kubeConfig(server?: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(testKubeconfig());
  if (!server) return kc;
  const proxied = new KubeConfig();
  proxied.loadFromOptions({
    clusters: kc.clusters.map((c) => ({ ...c, server })),
    users: kc.users,
    contexts: kc.contexts,
    currentContext: kc.currentContext,
  });
  return proxied;
}

function tenantBody(name: string, spec: Record<string, unknown> = {}, annotations?: Record<string, string>) {
  return { apiVersion: `${GROUP}/${VERSION}`, kind: 'Tenant', metadata: { name, ...(annotations ? { annotations } : {}) }, spec: { search: { replicas: 0 }, ...spec } };
}

/** The message of the metav1.Status an ApiException carries. */
function statusMessage(error: unknown): string {
  const body = (error as { body?: unknown }).body;
  const status = typeof body === 'string' ? (JSON.parse(body) as { message?: string }) : (body as { message?: string } | undefined);
  return status?.message ?? '';
}

/** Test Tenants must not outlive the run with a finalizer nobody will remove. */
async function removeTenants(api: CustomObjectsApi, names: Iterable<string>): Promise<void> {
  for (const name of names) {
    await api
      .patchClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, name, body: { metadata: { finalizers: null } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch))
      .catch(() => undefined);
    await api.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, name }).catch(() => undefined);
  }
}

describe('operator against a real kube-apiserver, PostgreSQL, Elasticsearch and the Cloud Tasks emulator', function () {
  this.timeout(180_000);
  let systems: RealSystems;
  let api: CustomObjectsApi;
  let core: CoreV1Api;
  let proxy: OutageProxy;
  let registry: Registry;
  let operator: TenantOperator;
  const created = new Set<string>();

  const get = async (name: string): Promise<Tenant | undefined> => {
    try {
      return (await api.getClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, name })) as Tenant;
    } catch (error) {
      if (httpStatus(error) === 404) return undefined;
      throw error;
    }
  };
  const create = async (name: string, spec: Record<string, unknown> = {}, annotations?: Record<string, string>) => {
    created.add(name);
    return (await api.createClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, body: tenantBody(name, spec, annotations) })) as Tenant;
  };
  const patch = (name: string, body: unknown) =>
    api.patchClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, name, body }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  const ready = (name: string) => eventually(`${name} Ready`, async () => {
    const t = await get(name);
    return isReady(t) ? t : undefined;
  });
  const eventsOf = async (name: string) =>
    (await core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.name=${name}` })).items.map((e) => ({ reason: e.reason, instance: e.reportingInstance }));
  const reconcileOnce = async (name: string) => {
    const before = await reconcileCount(registry);
    operator.controller.enqueue(name);
    await eventually('a reconcile', async () => (await reconcileCount(registry)) > before);
  };

  before(async () => {
    await installCrd();
    const direct = kubeConfig();
    api = direct.makeApiClient(CustomObjectsApi);
    core = direct.makeApiClient(CoreV1Api);
    systems = await realSystems({ queue: 'cloud-tasks' });
    const server = new URL(direct.getCurrentCluster()!.server);
    proxy = new OutageProxy(server);
    await proxy.start();
    const viaProxy = kubeConfig(`https://127.0.0.1:${new URL(proxy.url).port}`);
    registry = new Registry();
    operator = new TenantOperator({
      listWatch: new KubeTenantListWatch(viaProxy),
      writer: new KubeTenantWriter(viaProxy),
      events: new KubeEventRecorder(viaProxy, { identity: 'in-process', logger: silentLogger }),
      clients: systems.clients,
      logger: silentLogger,
      registry,
      pool: systems.db.pool,
      workers: 4,
      pollIntervalMs: 3_600_000,
      resyncPeriodMs: 0,
      retry: { baseDelayMs: 200, maxDelayMs: 2_000 },
    });
    await operator.start();
  });

  after(async () => {
    await operator?.stop();
    await proxy?.stop();
    if (api) await removeTenants(api, created);
    await systems?.close();
  });

  it('a Tenant becomes Ready: every condition True at its generation, status applied by the operator, Events recorded', async () => {
    const name = uniqueTenant('kt');
    await create(name, { queue: { maxAttempts: 4 } });
    const tenant = await ready(name);
    assert.equal(tenant.status?.observedGeneration, tenant.metadata.generation);
    assert.ok(tenant.metadata.finalizers?.includes('vigilo.dev/tenant-cleanup'));
    const managed = (tenant.metadata as { managedFields?: Array<{ manager: string; operation: string; subresource?: string }> }).managedFields ?? [];
    assert.ok(managed.some((m) => m.manager === FIELD_MANAGER && m.operation === 'Apply' && m.subresource === 'status'), 'status written by server-side apply on the status subresource');
    const sql = await sqlFacts(systems.db, name);
    assert.equal(sql.schema && sql.role && sql.rls, true);
    assert.equal(sql.registry?.settings['queue']?.['maxAttempts'], 4);
    assert.equal((await engineGet(systems.esUrl, `/_index_template/vigilo-reports-${name}`)).status, 200);
    assert.equal(await systems.queue.queueExists(`vigilo-index-${name}`), true);
    const reasons = await eventually('four Events', async () => {
      const e = (await eventsOf(name)).map((x) => x.reason!).sort();
      return e.length >= 4 ? e : undefined;
    });
    assert.deepEqual(reasons, ['CreatedQueue', 'CreatedRegistry', 'CreatedSearch', 'CreatedSql']);
    const { stdout } = await run(testKubectl(), ['--kubeconfig', testKubeconfig(), 'get', 'vt', name, '-o', 'wide']);
    const [header, row] = stdout.trim().split('\n').map((line) => line.trim().split(/\s+/));
    assert.deepEqual(header, ['NAME', 'READY', 'REASON', 'SCHEMA', 'QUEUE', 'POLICY', 'AGE']);
    assert.deepEqual(row!.slice(0, 6), [name, 'True', 'Available', `tenant_${name.replace(/-/g, '_')}`, `vigilo-index-${name}`, 'Retain']);
  });

  it('reconciling again changes nothing: the Tenant keeps its resourceVersion and no Event is added', async () => {
    const name = uniqueTenant('kt');
    await create(name);
    await ready(name);
    await reconcileOnce(name);
    const rv = (await get(name))!.metadata.resourceVersion;
    const events = (await eventsOf(name)).length;
    await reconcileOnce(name);
    await reconcileOnce(name);
    assert.equal((await get(name))!.metadata.resourceVersion, rv);
    assert.equal((await eventsOf(name)).length, events);
  });

  it('converges a spec change and heals a dropped index template', async () => {
    const name = uniqueTenant('kt');
    await create(name);
    await ready(name);
    await patch(name, { spec: { search: { replicas: 1 }, rateLimits: { requestsPerSecond: 7, burst: 9 } } });
    const tenant = await eventually('generation 2 Ready', async () => {
      const t = await get(name);
      return t?.metadata.generation === 2 && isReady(t) ? t : undefined;
    });
    const index = tenant.status!.search!.writeIndex!;
    assert.equal((await engineGet(systems.esUrl, `/${index}/_settings?flat_settings=true`)).body[index].settings['index.number_of_replicas'], '1');
    assert.deepEqual((await sqlFacts(systems.db, name)).registry?.settings['rateLimits'], { requestsPerSecond: 7, burst: 9 });
    assert.equal(await engineDelete(systems.esUrl, `/_index_template/vigilo-reports-${name}`), 200);
    await reconcileOnce(name);
    assert.equal((await engineGet(systems.esUrl, `/_index_template/vigilo-reports-${name}`)).status, 200);
  });

  it('rejects invalid Tenants at apply time with the CRD messages', async () => {
    const invalid: Array<[string, Record<string, unknown>, RegExp]> = [
      ['Bad_Name', {}, /metadata.name is the tenant id/],
      [uniqueTenant('kt'), { search: { shards: 0 } }, /spec.search.shards/],
      [uniqueTenant('kt'), { queue: { minBackoffMs: 5000, maxBackoffMs: 10 } }, /queue.maxBackoffMs must be greater than or equal to queue.minBackoffMs/],
      [uniqueTenant('kt'), { rateLimits: { requestsPerSecond: 10, burst: 1 } }, /rateLimits.burst must be greater than or equal/],
      [uniqueTenant('kt'), { deletionPolicy: 'Orphan' }, /Unsupported value: "Orphan"/],
    ];
    for (const [name, spec, message] of invalid) {
      await assert.rejects(create(name, spec), (error: unknown) => {
        assert.equal(httpStatus(error), 422, name);
        assert.match(statusMessage(error), message);
        return true;
      });
    }
    const name = uniqueTenant('kt');
    await create(name, { search: { shards: 2, replicas: 0 } });
    await assert.rejects(patch(name, { spec: { search: { shards: 3 } } }), (error: unknown) => {
      assert.equal(httpStatus(error), 422);
      assert.match(statusMessage(error), /search.shards is immutable/);
      return true;
    });
    const sharded = uniqueTenant('kt');
    await create(sharded, { queue: { shards: 3 } });
    await assert.rejects(patch(sharded, { spec: { queue: { shards: 2 } } }), (error: unknown) => {
      assert.equal(httpStatus(error), 422);
      assert.match(statusMessage(error), /queue.shards can only grow/);
      return true;
    });
    await patch(sharded, { spec: { queue: { shards: 4 } } });
    await assert.rejects(create(uniqueTenant('kt'), { queue: { shards: 33 } }), (error: unknown) => httpStatus(error) === 422 && /spec.queue.shards/.test(statusMessage(error)));
  });

  it('pauses with the annotation (nothing repaired) and resumes without it', async () => {
    const name = uniqueTenant('kt');
    await create(name);
    await ready(name);
    await patch(name, { metadata: { annotations: { [PAUSE_ANNOTATION]: 'true' } } });
    await eventually('ReconcilePaused', async () => conditionOf(await get(name), 'Synced') === 'False/ReconcilePaused');
    assert.equal(await engineDelete(systems.esUrl, `/_index_template/vigilo-reports-${name}`), 200);
    await reconcileOnce(name);
    assert.equal((await engineGet(systems.esUrl, `/_index_template/vigilo-reports-${name}`)).status, 404);
    await patch(name, { metadata: { annotations: { [PAUSE_ANNOTATION]: null } } });
    await ready(name);
    assert.equal((await engineGet(systems.esUrl, `/_index_template/vigilo-reports-${name}`)).status, 200);
  });

  it('survives the apiserver dropping off the network: the watch resumes and Tenants created meanwhile are reconciled', async () => {
    proxy.cut();
    const name = uniqueTenant('kt');
    await create(name);
    await new Promise((r) => setTimeout(r, 3_000));
    assert.equal(isReady(await get(name)), false, 'nothing can be reconciled while the apiserver is unreachable');
    proxy.restore();
    await ready(name);
  });

  it('survives a real restart of kube-apiserver: the watch comes back, a Tenant created after it and a spec change made after it converge', async () => {
    const before = uniqueTenant('kt');
    await create(before);
    await ready(before);
    // Stop the apiserver process and start it again on the same port (etcd keeps every object): what a control
    // plane upgrade or a crash looks like to the operator.
    await run('bash', [`${REPO_ROOT}/scripts/infra/kube/kube.sh`, 'restart-apiserver'], { env: process.env, timeout: 120_000 });
    const after = uniqueTenant('kt');
    await create(after);
    await ready(after);
    await patch(before, { spec: { rateLimits: { requestsPerSecond: 11, burst: 22 } } });
    await eventually(`${before} generation 2 Ready`, async () => {
      const t = await get(before);
      return t?.metadata.generation === 2 && t.status?.observedGeneration === 2 && isReady(t) ? t : undefined;
    });
    assert.deepEqual((await sqlFacts(systems.db, before)).registry?.settings['rateLimits'], { requestsPerSecond: 11, burst: 22 });
  });

  it('relists on a real 410 Gone (a watch from a resourceVersion the apiserver no longer has) and keeps watching', async () => {
    const real = new KubeTenantListWatch(kubeConfig());
    let first = true;
    const staleFirstWatch: ListWatch<Tenant> = {
      list: () => real.list(),
      watch: (resourceVersion, onEvent, onDone) => {
        const from = first ? '1' : resourceVersion;
        first = false;
        return real.watch(from, onEvent, onDone);
      },
    };
    const relists: string[] = [];
    const informer = new Informer(staleFirstWatch, { onChange: () => undefined }, { onRelist: (reason) => relists.push(reason), baseBackoffMs: 100 });
    informer.start();
    try {
      await eventually('a relist after 410 Gone', () => relists.includes('gone'));
      const name = uniqueTenant('kt');
      await create(name);
      await eventually('the informer to see a Tenant created after the relist', () => informer.get(name) !== undefined);
    } finally {
      informer.stop();
    }
  });

  it('Retain keeps the data and suspends the registry row; Delete removes everything before the Tenant goes', async () => {
    const kept = uniqueTenant('kt');
    const removed = uniqueTenant('kt');
    await create(kept);
    await create(removed, { deletionPolicy: 'Delete' });
    await ready(kept);
    await ready(removed);
    await api.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, name: kept });
    await api.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, name: removed });
    await eventually('both Tenants gone', async () => (await get(kept)) === undefined && (await get(removed)) === undefined);
    const keptSql = await sqlFacts(systems.db, kept);
    assert.equal(keptSql.schema && keptSql.role, true);
    assert.equal(keptSql.registry?.status, 'suspended');
    assert.equal((await engineGet(systems.esUrl, `/_index_template/vigilo-reports-${kept}`)).status, 200);
    assert.equal(await systems.queue.queueExists(`vigilo-index-${kept}`), true);
    const removedSql = await sqlFacts(systems.db, removed);
    assert.equal(removedSql.schema || removedSql.role, false);
    assert.equal(removedSql.registry, undefined);
    assert.equal((await engineGet(systems.esUrl, `/_index_template/vigilo-reports-${removed}`)).status, 404);
    assert.equal(await systems.queue.queueExists(`vigilo-index-${removed}`), false);
  });
});

describe('operator processes with leader election on a real kube-apiserver', function () {
  this.timeout(180_000);
  let systems: RealSystems;
  let api: CustomObjectsApi;
  let core: CoreV1Api;
  let leases: CoordinationV1Api;
  let namespace: string;
  const processes: RunningProcess[] = [];
  const created = new Set<string>();

  const env = (identity: string): Record<string, string> => ({
    VIGILO_OPERATOR_MODE: 'kubernetes',
    VIGILO_OPERATOR_KUBECONFIG: testKubeconfig(),
    VIGILO_OPERATOR_PORT: '0',
    VIGILO_OPERATOR_HOST: '127.0.0.1',
    VIGILO_OPERATOR_IDENTITY: identity,
    VIGILO_OPERATOR_LEASE_NAMESPACE: namespace,
    VIGILO_OPERATOR_CLOUD_TASKS_EMULATOR: `${required('VIGILO_TEST_CLOUD_TASKS_HOST')}:${required('VIGILO_TEST_CLOUD_TASKS_PORT')}`,
    VIGILO_DATABASE_URL: systems.db.url,
    VIGILO_ENGINE_URL: systems.esUrl,
    METADATA_SERVER_DETECTION: 'none',
    VIGILO_LOG_LEVEL: 'info',
  });
  // startServiceProcess runs `services/<name>/lib/main.js`; the operator sits beside services/.
  const startServiceProcessWith = async (variables: Record<string, string>) => {
    const p = await startServiceProcess('../operator', variables);
    processes.push(p);
    return p;
  };
  const startOperator = (identity: string) => startServiceProcessWith(env(identity));
  const holder = async () => {
    try {
      return (await leases.readNamespacedLease({ namespace, name: 'vigilo-operator' })).spec?.holderIdentity ?? '';
    } catch (error) {
      if (httpStatus(error) === 404) return undefined;
      throw error;
    }
  };
  const reconciledBy = async (name: string) => {
    created.add(name);
    await api.createClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, body: tenantBody(name) });
    await eventually(`${name} Ready`, async () => isReady((await api.getClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, name })) as Tenant));
    const events = (await core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.name=${name}` })).items;
    return new Set(events.map((e) => e.reportingInstance));
  };

  before(async () => {
    await installCrd();
    const kc = kubeConfig();
    api = kc.makeApiClient(CustomObjectsApi);
    core = kc.makeApiClient(CoreV1Api);
    leases = kc.makeApiClient(CoordinationV1Api);
    namespace = `vigilo-le-${randomBytes(4).toString('hex')}`;
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    systems = await realSystems({ queue: 'cloud-tasks' });
  });

  after(async () => {
    for (const p of processes) await p.stop('SIGKILL');
    if (api) await removeTenants(api, created);
    await systems?.close();
  });

  it('one of two processes leads and reconciles; when it is killed the other takes over within 20 s', async () => {
    await startOperator('op-a');
    await eventually('op-a to hold the lease', async () => (await holder()) === 'op-a');
    const b = await startOperator('op-b');
    assert.deepEqual([...(await reconciledBy(uniqueTenant('le')))], ['op-a'], 'only the leader reconciles');
    assert.equal(await holder(), 'op-a');
    await processes[0]!.stop('SIGKILL');
    await eventually('op-b to take the lease', async () => (await holder()) === 'op-b', 20_000);
    assert.deepEqual([...(await reconciledBy(uniqueTenant('le')))], ['op-b']);
    assert.equal(await b.stop('SIGTERM'), 0);
    assert.equal(await holder(), '', 'a leader that stops cleanly releases the lease for an immediate takeover');
  });

  it('runs with nothing more than the RBAC of operator/deploy/rbac.yaml', async () => {
    const kubectl = testKubectl();
    await run(kubectl, ['--kubeconfig', testKubeconfig(), 'apply', '--server-side', '--force-conflicts', '-f', `${REPO_ROOT}/operator/deploy/rbac.yaml`]);
    const sa = 'system:serviceaccount:vigilo-system:vigilo-operator';
    const can = async (...args: string[]) =>
      (await run(kubectl, ['--kubeconfig', testKubeconfig(), 'auth', 'can-i', '--as', sa, ...args]).then(() => 'yes', () => 'no'));
    assert.equal(await can('get', 'secrets', '-A'), 'no');
    assert.equal(await can('create', 'pods', '-n', 'vigilo-system'), 'no');
    assert.equal(await can('delete', 'tenants.vigilo.dev'), 'no');
    assert.equal(await can('update', 'leases.coordination.k8s.io/someone-else', '-n', 'vigilo-system'), 'no');
    const { stdout: token } = await run(kubectl, ['--kubeconfig', testKubeconfig(), 'create', 'token', 'vigilo-operator', '-n', 'vigilo-system']);
    const admin = kubeConfig();
    const scoped = new KubeConfig();
    scoped.loadFromOptions({
      clusters: admin.clusters,
      users: [{ name: 'vigilo-operator', token: token.trim() }],
      contexts: [{ name: 'operator', cluster: admin.getCurrentCluster()!.name, user: 'vigilo-operator' }],
      currentContext: 'operator',
    });
    const file = join(await mkdtemp(join(tmpdir(), 'vigilo-op-kube-')), 'kubeconfig');
    await writeFile(file, scoped.exportConfig(), { mode: 0o600 });
    await startServiceProcessWith({ ...env('op-rbac'), VIGILO_OPERATOR_KUBECONFIG: file, VIGILO_OPERATOR_LEASE_NAMESPACE: 'vigilo-system' });
    await eventually('op-rbac to hold its lease', async () => (await leases.readNamespacedLease({ namespace: 'vigilo-system', name: 'vigilo-operator' })).spec?.holderIdentity === 'op-rbac');
    assert.deepEqual([...(await reconciledBy(uniqueTenant('rb')))], ['op-rbac'], 'reconciled, status applied and Events recorded under the service account');
  });
});
