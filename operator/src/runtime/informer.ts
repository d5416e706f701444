import { ItemExponentialBackoff, jitter } from './backoff.js';
import { type Clock, systemClock } from './clock.js';

export interface KubeObjectLike {
  metadata: { name: string; namespace?: string; resourceVersion?: string };
}

export type WatchEvent<T> =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: T }
  | { type: 'BOOKMARK'; resourceVersion: string }
  /** An in-stream error; code 410 means the resourceVersion is too old (Gone). */
  | { type: 'ERROR'; code?: number; message?: string };

/** The apiserver as an informer needs it (adapters: client-node, or a folder of manifests in local mode). */
export interface ListWatch<T extends KubeObjectLike> {
  list(): Promise<{ items: T[]; resourceVersion: string }>;
  /**
   * Watches from `resourceVersion`. `onDone` is called once when the stream ends: without an error when it simply
   * closed (server timeout), with one otherwise; an error with `code: 410` means a relist is needed.
   */
  watch(resourceVersion: string, onEvent: (event: WatchEvent<T>) => void, onDone: (error?: unknown) => void): Promise<{ stop(): void }>;
}

export interface InformerHandlers<T> {
  /** Called for every object added, changed or removed (level-triggered: the key is what matters). */
  onChange(key: string, object: T | undefined): void;
}

export interface InformerOptions {
  clock?: Clock;
  /** First delay after a failed list or watch; doubles up to `maxBackoffMs`. @default 500 ms */
  baseBackoffMs?: number;
  /** @default 30 s */
  maxBackoffMs?: number;
  onError?: (error: unknown, phase: 'list' | 'watch') => void;
  onRelist?: (reason: 'start' | 'gone' | 'error') => void;
}

export function objectKey(object: KubeObjectLike): string {
  return object.metadata.namespace ? `${object.metadata.namespace}/${object.metadata.name}` : object.metadata.name;
}

function statusCode(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { code?: unknown; statusCode?: unknown };
  const code = typeof e.code === 'number' ? e.code : typeof e.statusCode === 'number' ? e.statusCode : undefined;
  return code;
}

/**
 * A list+watch cache (client-go's reflector and store in one): lists, then watches from the list's
 * resourceVersion, keeps the last resourceVersion seen (bookmarks included) and resumes the watch from it when the
 * stream closes. A 410 Gone, in the stream or as the watch's answer, means that version was compacted away: it
 * relists and reports every difference between the old cache and the new list. Failures are retried with
 * exponential backoff; `hasSynced()` is true once the first list is in the cache.
 */
export class Informer<T extends KubeObjectLike> {
  readonly #cache = new Map<string, T>();
  readonly #clock: Clock;
  readonly #backoff: ItemExponentialBackoff;
  #resourceVersion = '';
  #synced = false;
  #stopped = true;
  #stopWatch: (() => void) | undefined;
  #cancelTimer: (() => void) | undefined;
  #generation = 0;
  #syncedWaiters: Array<() => void> = [];

  constructor(
    private readonly listWatch: ListWatch<T>,
    private readonly handlers: InformerHandlers<T>,
    private readonly options: InformerOptions = {},
  ) {
    this.#clock = options.clock ?? systemClock;
    this.#backoff = new ItemExponentialBackoff({ baseMs: options.baseBackoffMs ?? 500, maxMs: options.maxBackoffMs ?? 30_000 });
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    void this.#relist('start');
  }

  stop(): void {
    this.#stopped = true;
    this.#generation++;
    this.#cancelTimer?.();
    this.#stopWatch?.();
    this.#stopWatch = undefined;
  }

  hasSynced(): boolean {
    return this.#synced;
  }

  /** Resolves once the first list is in the cache. */
  waitForSync(): Promise<void> {
    if (this.#synced) return Promise.resolve();
    return new Promise((resolve) => this.#syncedWaiters.push(resolve));
  }

  get(key: string): T | undefined {
    return this.#cache.get(key);
  }

  list(): T[] {
    return [...this.#cache.values()];
  }

  keys(): string[] {
    return [...this.#cache.keys()];
  }

  get resourceVersion(): string {
    return this.#resourceVersion;
  }

  async #relist(reason: 'start' | 'gone' | 'error'): Promise<void> {
    const generation = ++this.#generation;
    this.#stopWatch?.();
    this.#stopWatch = undefined;
    this.options.onRelist?.(reason);
    let listed: { items: T[]; resourceVersion: string };
    try {
      listed = await this.listWatch.list();
    } catch (error) {
      if (generation !== this.#generation) return;
      this.options.onError?.(error, 'list');
      this.#retry(() => void this.#relist('error'));
      return;
    }
    if (generation !== this.#generation) return;
    const fresh = new Map(listed.items.map((item) => [objectKey(item), item]));
    for (const [key, old] of this.#cache) {
      if (!fresh.has(key)) {
        this.#cache.delete(key);
        this.handlers.onChange(key, undefined);
        void old;
      }
    }
    for (const [key, item] of fresh) {
      const old = this.#cache.get(key);
      this.#cache.set(key, item);
      if (old?.metadata.resourceVersion !== item.metadata.resourceVersion) this.handlers.onChange(key, item);
    }
    this.#resourceVersion = listed.resourceVersion;
    if (!this.#synced) {
      this.#synced = true;
      for (const resolve of this.#syncedWaiters.splice(0)) resolve();
    }
    this.#backoff.forget('list');
    await this.#watch(generation);
  }

  async #watch(generation: number): Promise<void> {
    if (this.#stopped || generation !== this.#generation) return;
    let ended = false;
    const startedAt = this.#clock.now();
    const onDone = (error?: unknown): void => {
      if (ended || generation !== this.#generation || this.#stopped) return;
      ended = true;
      this.#stopWatch = undefined;
      if (statusCode(error) === 410) {
        void this.#relist('gone');
      } else if (error) {
        this.options.onError?.(error, 'watch');
        this.#retry(() => void this.#watch(generation));
      } else if (this.#clock.now() - startedAt < 1000) {
        // A stream that closes at once, again and again, must not become a busy loop.
        this.#retry(() => void this.#watch(generation));
      } else {
        void this.#watch(generation);
      }
    };
    const onEvent = (event: WatchEvent<T>): void => {
      if (ended || generation !== this.#generation) return;
      switch (event.type) {
        case 'BOOKMARK':
          this.#resourceVersion = event.resourceVersion;
          return;
        case 'ERROR':
          ended = true;
          handle?.stop();
          this.#stopWatch = undefined;
          if (event.code === 410) void this.#relist('gone');
          else {
            this.options.onError?.(Object.assign(new Error(event.message ?? 'watch error'), { code: event.code }), 'watch');
            this.#retry(() => void this.#relist('error'));
          }
          return;
        default: {
          this.#backoff.forget('watch');
          const key = objectKey(event.object);
          if (event.object.metadata.resourceVersion) this.#resourceVersion = event.object.metadata.resourceVersion;
          if (event.type === 'DELETED') {
            this.#cache.delete(key);
            this.handlers.onChange(key, undefined);
          } else {
            this.#cache.set(key, event.object);
            this.handlers.onChange(key, event.object);
          }
        }
      }
    };
    let handle: { stop(): void } | undefined;
    try {
      handle = await this.listWatch.watch(this.#resourceVersion, onEvent, onDone);
    } catch (error) {
      onDone(error ?? new Error('watch failed'));
      return;
    }
    if (ended || generation !== this.#generation || this.#stopped) handle.stop();
    else this.#stopWatch = () => handle?.stop();
  }

  #retry(fn: () => void): void {
    if (this.#stopped) return;
    const delay = jitter(this.#backoff.next('watch'), 0.2);
    this.#cancelTimer = this.#clock.schedule(delay, () => {
      this.#cancelTimer = undefined;
      if (!this.#stopped) fn();
    });
  }
}
