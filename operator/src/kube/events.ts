import { randomBytes } from 'node:crypto';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '@vigilo/platform';
import { API_VERSION, KIND, type Tenant } from '../api/v1alpha1/tenant.js';
import type { EventRecorder, EventType } from '../controllers/tenant/ports.js';

/**
 * core/v1 Events about Tenants (`kubectl describe tenant` shows them). Tenants are cluster-scoped, and the
 * apiserver accepts events about cluster-scoped objects only in the `default` namespace. Fire-and-forget.
 */
export class KubeEventRecorder implements EventRecorder {
  readonly #api: CoreV1Api;

  constructor(
    kubeConfig: KubeConfig,
    private readonly options: { identity: string; logger: Logger },
  ) {
    this.#api = kubeConfig.makeApiClient(CoreV1Api);
  }

  event(tenant: Tenant, type: EventType, reason: string, message: string): void {
    const now = new Date();
    const namespace = 'default';
    void this.#api
      .createNamespacedEvent({
        namespace,
        body: {
          metadata: { name: `${tenant.metadata.name}.${now.getTime().toString(16)}${randomBytes(3).toString('hex')}`, namespace },
          involvedObject: {
            apiVersion: API_VERSION,
            kind: KIND,
            name: tenant.metadata.name,
            ...(tenant.metadata.uid ? { uid: tenant.metadata.uid } : {}),
            ...(tenant.metadata.resourceVersion ? { resourceVersion: tenant.metadata.resourceVersion } : {}),
          },
          type,
          reason,
          message: message.slice(0, 1024),
          source: { component: 'vigilo-operator' },
          reportingComponent: 'vigilo.dev/operator',
          reportingInstance: this.options.identity,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      })
      .catch((error: unknown) => this.options.logger.warn({ err: error, reason }, 'could not record an event'));
  }
}
