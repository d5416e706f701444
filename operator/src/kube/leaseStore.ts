import { CoordinationV1Api, type KubeConfig, V1MicroTime, type V1Lease } from '@kubernetes/client-node';
import { LeaseConflictError, type LeaseRecord, type LeaseStore } from '../runtime/leaderElection.js';
import { httpStatus } from './errors.js';

const toMs = (value: unknown): number => (value ? new Date(value as string | Date).getTime() : 0);

/** A coordination.k8s.io/v1 Lease; updates carry the resourceVersion read, so two candidates never both win. */
export class KubeLeaseStore implements LeaseStore {
  readonly #api: CoordinationV1Api;

  constructor(
    kubeConfig: KubeConfig,
    private readonly lease: { namespace: string; name: string },
  ) {
    this.#api = kubeConfig.makeApiClient(CoordinationV1Api);
  }

  async get(): Promise<{ record: LeaseRecord; version: string } | undefined> {
    let lease: V1Lease;
    try {
      lease = await this.#api.readNamespacedLease(this.lease);
    } catch (error) {
      if (httpStatus(error) === 404) return undefined;
      throw error;
    }
    const spec = lease.spec ?? {};
    return {
      version: lease.metadata?.resourceVersion ?? '',
      record: {
        holderIdentity: spec.holderIdentity ?? '',
        leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
        acquireTime: toMs(spec.acquireTime),
        renewTime: toMs(spec.renewTime),
        leaseTransitions: spec.leaseTransitions ?? 0,
      },
    };
  }

  async create(record: LeaseRecord): Promise<void> {
    try {
      await this.#api.createNamespacedLease({ namespace: this.lease.namespace, body: this.#body(record) });
    } catch (error) {
      if (httpStatus(error) === 409) throw new LeaseConflictError();
      throw error;
    }
  }

  async update(record: LeaseRecord, version: string): Promise<void> {
    try {
      await this.#api.replaceNamespacedLease({ ...this.lease, body: this.#body(record, version) });
    } catch (error) {
      if (httpStatus(error) === 409) throw new LeaseConflictError();
      throw error;
    }
  }

  #body(record: LeaseRecord, resourceVersion?: string): V1Lease {
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: this.lease.name, namespace: this.lease.namespace, ...(resourceVersion ? { resourceVersion } : {}) },
      spec: {
        holderIdentity: record.holderIdentity,
        leaseDurationSeconds: record.leaseDurationSeconds,
        acquireTime: new V1MicroTime(record.acquireTime),
        renewTime: new V1MicroTime(record.renewTime),
        leaseTransitions: record.leaseTransitions,
      },
    };
  }
}
