import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { Logger } from '@vigilo/platform';
import { API_VERSION, KIND, applySpecDefaults } from '../api/v1alpha1/tenant.js';
import type { LocalTenantStore } from './localStore.js';

/**
 * Keeps a LocalTenantStore equal to the Tenant manifests in a folder (`*.yaml`, `*.yml`, `*.json`, several
 * documents per file allowed): a new or changed manifest is applied, a removed one deleted (so its
 * deletionPolicy runs). Polls, because file-system events are unreliable across editors and mounts.
 */
export class FolderTenantSource {
  #timer: NodeJS.Timeout | undefined;
  #stopped = true;
  #rejected = new Map<string, string>();

  constructor(private readonly deps: { dir: string; store: LocalTenantStore; logger: Logger; pollIntervalMs?: number }) {}

  async start(): Promise<void> {
    this.#stopped = false;
    await this.scan();
    this.#schedule();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
  }

  /** One pass over the folder. */
  async scan(): Promise<void> {
    const { dir, store, logger } = this.deps;
    const seen = new Set<string>();
    let files: string[];
    try {
      files = (await readdir(dir)).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();
    } catch (error) {
      logger.error({ err: error, dir }, 'cannot read the tenants folder');
      return;
    }
    for (const file of files) {
      let documents: unknown[];
      try {
        const parsed = parseAllDocuments(await readFile(join(dir, file), 'utf8'));
        const broken = parsed.find((d) => d.errors.length > 0);
        if (broken) throw broken.errors[0]!;
        documents = parsed.map((d) => d.toJS() as unknown);
      } catch (error) {
        this.#reject(file, `not valid YAML: ${(error as Error).message.split('\n')[0]}`);
        continue;
      }
      for (const document of documents) {
        const d = document as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown; annotations?: Record<string, string> }; spec?: unknown } | null;
        if (!d || d.apiVersion !== API_VERSION || d.kind !== KIND) continue;
        const name = typeof d.metadata?.name === 'string' ? d.metadata.name : '';
        seen.add(name);
        const problems = store.apply({ name, spec: applySpecDefaults(d.spec), ...(d.metadata?.annotations ? { annotations: { ...d.metadata.annotations } } : {}) });
        if (problems.length > 0) this.#reject(`${file}:${name}`, problems.join('; '));
        else this.#rejected.delete(`${file}:${name}`);
      }
    }
    for (const name of store.names()) if (!seen.has(name)) store.delete(name);
  }

  #reject(key: string, message: string): void {
    if (this.#rejected.get(key) === message) return;
    this.#rejected.set(key, message);
    this.deps.logger.error({ manifest: key, problems: message }, 'Tenant manifest rejected');
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      void this.scan().finally(() => this.#schedule());
    }, this.deps.pollIntervalMs ?? 2000);
    this.#timer.unref();
  }
}
