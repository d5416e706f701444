import { Worker } from 'node:worker_threads';
import { VigiloError } from '@vigilo/errors';
import { type PreparedLine, prepareLine } from './ingest.js';

/**
 * Parses, validates and hashes batches of bulk lines. The CPU-heavy part of ingest; two adapters:
 * inline on the calling thread, or on a pool of worker threads so that one process uses more than one
 * core (the event loop keeps streaming lines and talking to PostgreSQL meanwhile).
 */
export interface LinePreparer {
  prepare(texts: readonly string[]): Promise<PreparedLine[]>;
  close(): Promise<void>;
}

export class InlineLinePreparer implements LinePreparer {
  async prepare(texts: readonly string[]): Promise<PreparedLine[]> {
    return texts.map(prepareLine);
  }
  async close(): Promise<void> {}
}

type Job = { readonly resolve: (lines: PreparedLine[]) => void; readonly reject: (error: Error) => void };
type Slot = { worker: Worker; readonly jobs: Map<number, Job> };

export interface WorkerLinePreparerOptions {
  /** Worker threads. */
  readonly threads: number;
  /** Told when a worker dies unexpectedly (it is replaced; its batches fail). */
  readonly onWorkerError?: (error: Error) => void;
}

/** Each batch goes to the worker with the fewest batches in hand; results come back in input order. */
export class WorkerLinePreparer implements LinePreparer {
  private readonly slots: Slot[] = [];
  private nextJob = 0;
  private closed = false;

  constructor(private readonly options: WorkerLinePreparerOptions) {
    if (!Number.isInteger(options.threads) || options.threads < 1) throw new RangeError('threads must be a positive integer');
    for (let i = 0; i < options.threads; i++) {
      const slot: Slot = { worker: undefined as unknown as Worker, jobs: new Map() };
      this.spawn(slot);
      this.slots.push(slot);
    }
  }

  private spawn(slot: Slot): void {
    const worker = new Worker(new URL('./prepareWorker.js', import.meta.url));
    worker.unref();
    worker.on('message', (message: { id: number; lines: PreparedLine[] }) => {
      const job = slot.jobs.get(message.id);
      slot.jobs.delete(message.id);
      job?.resolve(message.lines);
    });
    const fail = (error: Error) => {
      if (slot.worker !== worker) return;
      for (const job of slot.jobs.values()) job.reject(new VigiloError('VIG_INTERNAL', 'A validation worker stopped while preparing a batch', { cause: error }));
      slot.jobs.clear();
      if (this.closed) return;
      this.options.onWorkerError?.(error);
      this.spawn(slot);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`worker exited with code ${code}`)));
    slot.worker = worker;
  }

  prepare(texts: readonly string[]): Promise<PreparedLine[]> {
    if (this.closed) return Promise.reject(new VigiloError('VIG_UNAVAILABLE', 'The service is shutting down'));
    if (texts.length === 0) return Promise.resolve([]);
    let slot = this.slots[0]!;
    for (const candidate of this.slots) if (candidate.jobs.size < slot.jobs.size) slot = candidate;
    const id = this.nextJob++;
    return new Promise<PreparedLine[]>((resolve, reject) => {
      slot.jobs.set(id, { resolve, reject });
      slot.worker.postMessage({ id, texts });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }
}

/** `threads` 0 prepares on the calling thread. */
export function createLinePreparer(threads: number, onWorkerError?: (error: Error) => void): LinePreparer {
  return threads === 0 ? new InlineLinePreparer() : new WorkerLinePreparer({ threads, ...(onWorkerError ? { onWorkerError } : {}) });
}
