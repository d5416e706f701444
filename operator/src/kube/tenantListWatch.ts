import { CustomObjectsApi, type KubeConfig, Watch } from '@kubernetes/client-node';
import { GROUP, PLURAL, type Tenant, VERSION } from '../api/v1alpha1/tenant.js';
import type { ListWatch, WatchEvent } from '../runtime/informer.js';

/** Tenants from the apiserver: list, then watch with bookmarks from a resourceVersion. */
export class KubeTenantListWatch implements ListWatch<Tenant> {
  readonly #api: CustomObjectsApi;
  readonly #watch: Watch;

  constructor(kubeConfig: KubeConfig) {
    this.#api = kubeConfig.makeApiClient(CustomObjectsApi);
    this.#watch = new Watch(kubeConfig);
  }

  async list(): Promise<{ items: Tenant[]; resourceVersion: string }> {
    const response = (await this.#api.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL })) as {
      items: Tenant[];
      metadata: { resourceVersion: string };
    };
    return { items: response.items, resourceVersion: response.metadata.resourceVersion };
  }

  async watch(resourceVersion: string, onEvent: (event: WatchEvent<Tenant>) => void, onDone: (error?: unknown) => void): Promise<{ stop(): void }> {
    const controller = await this.#watch.watch(
      `/apis/${GROUP}/${VERSION}/${PLURAL}`,
      { resourceVersion, allowWatchBookmarks: true },
      (phase: string, object: unknown) => {
        const o = object as { metadata?: { resourceVersion?: string }; code?: number; message?: string };
        if (phase === 'BOOKMARK') onEvent({ type: 'BOOKMARK', resourceVersion: o.metadata?.resourceVersion ?? resourceVersion });
        else if (phase === 'ERROR') onEvent({ type: 'ERROR', ...(o.code === undefined ? {} : { code: o.code }), ...(o.message === undefined ? {} : { message: o.message }) });
        else if (phase === 'ADDED' || phase === 'MODIFIED' || phase === 'DELETED') onEvent({ type: phase, object: object as Tenant });
      },
      (error: unknown) => {
        // The client ends an idle stream after 30 s without data: a normal end, resumed from the last version.
        const name = (error as { name?: unknown } | null)?.name;
        onDone(error && name !== 'TimeoutError' && name !== 'AbortError' ? error : undefined);
      },
    );
    return { stop: () => controller.abort() };
  }
}
