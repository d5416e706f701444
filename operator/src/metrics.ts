import { Counter, Gauge, Histogram, type Registry } from '@vigilo/platform';
import type { ControllerObserver } from './runtime/controller.js';

/** Controller metrics under controller-runtime's names, so existing dashboards and alerts work unchanged. */
export function controllerMetrics(registry: Registry, controller: string, maxConcurrentReconciles: number): ControllerObserver & { leader: Gauge<'controller'> } {
  const total = new Counter({ name: 'controller_runtime_reconcile_total', help: 'Total number of reconciliations per controller.', labelNames: ['controller', 'result'] as const, registers: [registry] });
  const errors = new Counter({ name: 'controller_runtime_reconcile_errors_total', help: 'Total number of reconciliation errors per controller.', labelNames: ['controller'] as const, registers: [registry] });
  const time = new Histogram({
    name: 'controller_runtime_reconcile_time_seconds',
    help: 'Length of time per reconciliation per controller.',
    labelNames: ['controller'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const active = new Gauge({ name: 'controller_runtime_active_workers', help: 'Number of currently used workers per controller.', labelNames: ['controller'] as const, registers: [registry] });
  const max = new Gauge({ name: 'controller_runtime_max_concurrent_reconciles', help: 'Maximum number of concurrent reconciles per controller.', labelNames: ['controller'] as const, registers: [registry] });
  const depth = new Gauge({ name: 'workqueue_depth', help: 'Current depth of workqueue.', labelNames: ['name', 'controller'] as const, registers: [registry] });
  const adds = new Counter({ name: 'workqueue_adds_total', help: 'Total number of adds handled by workqueue.', labelNames: ['name', 'controller'] as const, registers: [registry] });
  const retries = new Counter({ name: 'workqueue_retries_total', help: 'Total number of retries handled by workqueue.', labelNames: ['name', 'controller'] as const, registers: [registry] });
  const leader = new Gauge({ name: 'leader_election_master_status', help: 'Whether this process is the leader (1) or a standby (0).', labelNames: ['controller'] as const, registers: [registry] });
  max.set({ controller }, maxConcurrentReconciles);
  depth.set({ name: controller, controller }, 0);
  return {
    leader,
    reconciled(outcome, seconds) {
      total.inc({ controller, result: outcome });
      if (outcome === 'error') errors.inc({ controller });
      time.observe({ controller }, seconds);
    },
    depth: (d) => depth.set({ name: controller, controller }, d),
    added: () => adds.inc({ name: controller, controller }),
    retried: () => retries.inc({ name: controller, controller }),
    activeWorkers: (n) => active.set({ controller }, n),
  };
}
