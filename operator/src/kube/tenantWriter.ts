import { CustomObjectsApi, type KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { API_VERSION, FIELD_MANAGER, GROUP, KIND, PLURAL, type Tenant, type TenantStatus, VERSION } from '../api/v1alpha1/tenant.js';
import { ConflictError, type TenantWriter } from '../controllers/tenant/ports.js';
import { withFinalizer, withoutFinalizer } from '../controllers/tenant/finalizer.js';
import { httpStatus } from './errors.js';

/**
 * Tenant writes on the apiserver. Finalizers: a JSON merge patch carrying the resourceVersion it was computed
 * from, so a concurrent change answers 409 (ConflictError). Status: server-side apply of the whole status on the
 * status subresource, with the operator's field manager.
 */
export class KubeTenantWriter implements TenantWriter {
  readonly #api: CustomObjectsApi;

  constructor(kubeConfig: KubeConfig) {
    this.#api = kubeConfig.makeApiClient(CustomObjectsApi);
  }

  async addFinalizer(tenant: Tenant): Promise<Tenant> {
    return (await this.#patchFinalizers(tenant, withFinalizer(tenant.metadata.finalizers))) ?? tenant;
  }

  async removeFinalizer(tenant: Tenant): Promise<void> {
    await this.#patchFinalizers(tenant, withoutFinalizer(tenant.metadata.finalizers));
  }

  async applyStatus(tenant: Tenant, status: TenantStatus): Promise<void> {
    try {
      await this.#api.patchClusterCustomObjectStatus(
        {
          group: GROUP,
          version: VERSION,
          plural: PLURAL,
          name: tenant.metadata.name,
          body: { apiVersion: API_VERSION, kind: KIND, metadata: { name: tenant.metadata.name }, status },
          fieldManager: FIELD_MANAGER,
          force: true,
        },
        setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
      );
    } catch (error) {
      const code = httpStatus(error);
      if (code === 409) throw new ConflictError();
      if (code === 404) return;
      throw error;
    }
  }

  async #patchFinalizers(tenant: Tenant, finalizers: string[]): Promise<Tenant | undefined> {
    try {
      return (await this.#api.patchClusterCustomObject(
        {
          group: GROUP,
          version: VERSION,
          plural: PLURAL,
          name: tenant.metadata.name,
          body: { metadata: { finalizers, resourceVersion: tenant.metadata.resourceVersion } },
          fieldManager: FIELD_MANAGER,
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      )) as Tenant;
    } catch (error) {
      const code = httpStatus(error);
      if (code === 409) throw new ConflictError();
      if (code === 404) return undefined;
      throw error;
    }
  }
}
