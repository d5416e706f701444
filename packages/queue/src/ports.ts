/**
 * The task queue between the outbox relay and the indexer. Two adapters with
 * the same semantics: CloudTasksTaskQueue (Google Cloud Tasks; the emulator in
 * tests) and PostgresTaskQueue (the local mode: a table, a dispatcher using
 * SELECT ... FOR UPDATE SKIP LOCKED). Both push each task as an HTTP POST to
 * the queue's target, retry non-2xx answers with exponential backoff up to
 * `maxAttempts` dispatches, and send the Cloud Tasks headers, so the indexer
 * cannot tell them apart.
 */

/** Payload of an indexing task: ids only, never a document (invariant 2). */
export interface IndexTaskPayload {
  readonly tenant: string;
  readonly safetyreportid: string;
  readonly version: number;
  /** Why it was enqueued: the outbox (normal path), anti-entropy repair or a dead-letter replay. */
  readonly origin: 'outbox' | 'repair' | 'replay';
}

export interface QueueSpec {
  /** Short queue id (letters, digits, hyphens), e.g. `vigilo-index-acme`. */
  readonly name: string;
  /** Dispatches in all, the first included. */
  readonly maxAttempts: number;
  readonly minBackoffMs: number;
  readonly maxBackoffMs: number;
  /** @default 500 (Cloud Tasks' per-queue maximum) */
  readonly maxDispatchesPerSecond?: number;
  /** @default 100 */
  readonly maxConcurrentDispatches?: number;
}

export interface EnqueueRequest {
  /** Deterministic task id (letters, digits, hyphens, underscores; at most 500 characters). */
  readonly name: string;
  readonly payload: IndexTaskPayload;
  /** Extra HTTP headers for the dispatch, e.g. W3C `traceparent`. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** `duplicate`: a task with this name exists or existed recently (ALREADY_EXISTS); treated as success. */
export type EnqueueOutcome = 'enqueued' | 'duplicate';

export type EnsureQueueOutcome = 'created' | 'unchanged' | 'updated' | 'drifted';

/** Headers every dispatch carries (names as Cloud Tasks sends them). */
export const TASK_HEADERS = {
  queueName: 'x-cloudtasks-queuename',
  taskName: 'x-cloudtasks-taskname',
  retryCount: 'x-cloudtasks-taskretrycount',
  executionCount: 'x-cloudtasks-taskexecutioncount',
  eta: 'x-cloudtasks-tasketa',
} as const;

export interface TaskQueue {
  /**
   * Creates the queue or converges its retry and rate settings. `drifted`:
   * the settings differ and the backend cannot update them (the emulator has no
   * UpdateQueue); the caller records it in its status.
   */
  ensureQueue(spec: QueueSpec): Promise<EnsureQueueOutcome>;
  /** Whether the queue exists (operator observe). */
  queueExists(name: string): Promise<boolean>;
  deleteQueue(name: string): Promise<void>;
  enqueue(queue: string, request: EnqueueRequest): Promise<EnqueueOutcome>;
  close(): Promise<void>;
}
