/**
 * Operator benchmark: N Tenants applied at once to a real kube-apiserver → seconds until every one is Ready and
 * the CPU the operator process used meanwhile; then the steady state: the operator restarted with a short resync
 * and poll interval, CPU per no-op reconcile, and what that costs for 1,000 Tenants at the default intervals.
 *
 *   bash bench/operator/run.sh [--tenants 100] [--steady-seconds 60] [--workers 4] [--results FILE]
 *
 * Needs the variables scripts/infra/* print: VIGILO_TEST_DATABASE_URL, VIGILO_TEST_ES_URL,
 * VIGILO_TEST_CLOUD_TASKS_HOST/_PORT, VIGILO_TEST_KUBECONFIG, VIGILO_KUBECTL (run.sh starts them).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { REPO_ROOT, createTestDatabase, startServiceProcess, type RunningProcess } from '@vigilo/testkit';

const run = promisify(execFile);
const TICKS_PER_SECOND = 100;

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run through bench/operator/run.sh`);
  return value;
}

/** utime + stime of one process in seconds (Linux /proc). */
function cpuSeconds(pid: number): number {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await run(env('VIGILO_KUBECTL'), ['--kubeconfig', env('VIGILO_TEST_KUBECONFIG'), ...args], { maxBuffer: 256 * 1024 * 1024 });
  return stdout;
}

interface TenantView {
  metadata: { name: string; generation: number };
  status?: { observedGeneration?: number; conditions?: Array<{ type: string; status: string }> };
}

async function tenants(label: string): Promise<TenantView[]> {
  return (JSON.parse(await kubectl('get', 'tenants.vigilo.dev', '-l', `vigilo.dev/bench=${label}`, '-o', 'json')) as { items: TenantView[] }).items;
}

const ready = (t: TenantView) => t.status?.observedGeneration === t.metadata.generation && t.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';

async function reconcileTotal(operator: RunningProcess): Promise<number> {
  const text = await (await fetch(`${operator.url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith('controller_runtime_reconcile_total{')) sum += Number(line.split(' ').at(-1));
  return sum;
}

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: {
      tenants: { type: 'string', default: '100' },
      'steady-seconds': { type: 'string', default: '60' },
      workers: { type: 'string', default: '4' },
      results: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (args.help) {
    process.stdout.write('bash bench/operator/run.sh [--tenants 100] [--steady-seconds 60] [--workers 4]\n');
    return;
  }
  const count = Number(args.tenants);
  const steadySeconds = Number(args['steady-seconds']);
  const label = `b${randomBytes(3).toString('hex')}`;
  const db = await createTestDatabase('vigilo_bench_operator');
  const dir = await mkdtemp(path.join(tmpdir(), 'vigilo-bench-operator-'));
  const operatorEnv = (extra: Record<string, string>) => ({
    VIGILO_OPERATOR_MODE: 'kubernetes',
    VIGILO_OPERATOR_KUBECONFIG: env('VIGILO_TEST_KUBECONFIG'),
    VIGILO_OPERATOR_LEADER_ELECTION: 'false',
    VIGILO_OPERATOR_PORT: '0',
    VIGILO_OPERATOR_HOST: '127.0.0.1',
    VIGILO_OPERATOR_CLOUD_TASKS_EMULATOR: `${env('VIGILO_TEST_CLOUD_TASKS_HOST')}:${env('VIGILO_TEST_CLOUD_TASKS_PORT')}`,
    VIGILO_OPERATOR_CLOUD_TASKS_PROJECT: `vigilo-bench-${label}`,
    VIGILO_DATABASE_URL: db.url,
    VIGILO_ENGINE_URL: env('VIGILO_TEST_ES_URL'),
    METADATA_SERVER_DETECTION: 'none',
    VIGILO_LOG_LEVEL: 'info',
    VIGILO_OPERATOR_WORKERS: String(args.workers),
    ...extra,
  });
  let operator: RunningProcess | undefined;
  try {
    await kubectl('apply', '--server-side', '--force-conflicts', '-f', path.join(REPO_ROOT, 'crds/tenants.vigilo.dev.yaml'));
    await kubectl('wait', '--for=condition=Established', 'crd/tenants.vigilo.dev', '--timeout=60s');
    const manifests = Array.from({ length: count }, (_, i) =>
      [
        'apiVersion: vigilo.dev/v1alpha1',
        'kind: Tenant',
        'metadata:',
        `  name: ${label}-${String(i).padStart(4, '0')}`,
        `  labels: { vigilo.dev/bench: ${label} }`,
        'spec:',
        '  deletionPolicy: Delete',
        '  search: { replicas: 0 }',
      ].join('\n'),
    ).join('\n---\n');
    const file = path.join(dir, 'tenants.yaml');
    await writeFile(file, manifests + '\n');

    // Phase 1: all at once.
    // startServiceProcess runs `services/<name>/lib/main.js`; the operator sits beside services/.
    operator = await startServiceProcess('../operator', operatorEnv({}));
    const cpu0 = cpuSeconds(operator.child.pid!);
    const t0 = performance.now();
    await kubectl('apply', '--server-side', '-f', file);
    for (;;) {
      const all = await tenants(label);
      if (all.length === count && all.every(ready)) break;
      if (performance.now() - t0 > 600_000) throw new Error(`not all Ready after 600 s: ${all.filter(ready).length}/${count}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const allReadySeconds = (performance.now() - t0) / 1000;
    const applyCpu = cpuSeconds(operator.child.pid!) - cpu0;
    await operator.stop('SIGTERM');

    // Phase 2: steady state, every Tenant reconciled every ~10 s.
    operator = await startServiceProcess('../operator', operatorEnv({ VIGILO_OPERATOR_RESYNC_PERIOD: '10s', VIGILO_OPERATOR_POLL_INTERVAL: '10s' }));
    for (;;) {
      if ((await reconcileTotal(operator)) >= count) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const r0 = await reconcileTotal(operator);
    const c0 = cpuSeconds(operator.child.pid!);
    await new Promise((r) => setTimeout(r, steadySeconds * 1000));
    const reconciles = (await reconcileTotal(operator)) - r0;
    const steadyCpu = cpuSeconds(operator.child.pid!) - c0;
    const cpuPerReconcileMs = (steadyCpu / reconciles) * 1000;
    // Defaults: poll interval 5 min after each success, resync 10 min (a resync of a key already waiting is folded in).
    const defaultRatePerTenant = 1 / 300 + 1 / 600;
    const cores1000 = 1000 * defaultRatePerTenant * (steadyCpu / reconciles);

    const result = {
      bench: 'operator',
      at: new Date().toISOString(),
      commit: (await run('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT })).stdout.trim(),
      tenants: count,
      workers: Number(args.workers),
      loadAverage1m: Number(loadavg()[0]!.toFixed(2)),
      allReadySeconds: Number(allReadySeconds.toFixed(1)),
      applyOperatorCpuSeconds: Number(applyCpu.toFixed(2)),
      applyOperatorCores: Number((applyCpu / allReadySeconds).toFixed(3)),
      steadySeconds,
      steadyReconciles: reconciles,
      steadyCpuSeconds: Number(steadyCpu.toFixed(2)),
      cpuPerReconcileMs: Number(cpuPerReconcileMs.toFixed(2)),
      projected1000TenantsCores: Number(cores1000.toFixed(4)),
    };
    console.log(JSON.stringify(result));
    console.log(
      `${count} Tenants Ready ${result.allReadySeconds} s after apply (operator ${result.applyOperatorCores} cores); ` +
        `steady state ${result.cpuPerReconcileMs} ms CPU per reconcile → 1,000 Tenants at default intervals ≈ ${result.projected1000TenantsCores} cores`,
    );
    if (args.results) appendFileSync(path.resolve(args.results), JSON.stringify(result) + '\n');
  } finally {
    // Delete policy: the operator removes schemas, indices and queues before the Tenants go.
    await kubectl('delete', 'tenants.vigilo.dev', '-l', `vigilo.dev/bench=${label}`, '--wait=true', '--timeout=300s').catch((e: Error) => console.error(`cleanup: ${e.message}`));
    await operator?.stop('SIGTERM');
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
