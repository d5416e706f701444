/**
 * The task queue between the outbox relay and the indexer. Two adapters with
 * the same semantics: CloudTasksTaskQueue (Google Cloud Tasks; the emulator in
 * tests) and PostgresTaskQueue (the local mode: a table, a dispatcher using
 * SELECT ... FOR UPDATE SKIP LOCKED). Both push each task as an HTTP POST to
 * the queue's target, retry non-2xx answers with exponential backoff up to
 * `maxAttempts` dispatches, and send the Cloud Tasks headers, so the indexer
 * cannot tell them apart.
 *
 * See docs/adr/0010-task-queue.md.
 */

/** Payload of an indexing task: ids only, never a document (invariant 2). */
export interface IndexTaskPayload {
  readonly tenant: string;
  readonly safetyreportid: string;
  readonly version: number;
  /** Why it was enqueued: the outbox (normal path), anti-entropy repair or a dead-letter replay. */
  readonly origin: 'outbox' | 'repair' | 'replay';
}

/** Cloud Tasks' default and maximum dispatch rate of one queue. */
export const DEFAULT_MAX_DISPATCHES_PER_SECOND = 500;
/** The concurrency both adapters give a queue whose spec does not say. */
export const DEFAULT_MAX_CONCURRENT_DISPATCHES = 500;

export interface QueueSpec {
  /** Short queue id (letters, digits, hyphens; at most 100 characters), e.g. `vigilo-index-acme`. */
  readonly name: string;
  /**
   * Dispatches in all, the first included (an integer ≥ 1). There is no
   * "unlimited": the indexer parks a task on its last attempt, so it must be
   * able to tell which attempt is the last (`retryCount + 1 >= maxAttempts`).
   */
  readonly maxAttempts: number;
  /** Backoff after the first failed dispatch; it doubles after each further failure. */
  readonly minBackoffMs: number;
  /** Upper bound of the backoff (≥ `minBackoffMs`). */
  readonly maxBackoffMs: number;
  /** @default 500 (Cloud Tasks' per-queue maximum) */
  readonly maxDispatchesPerSecond?: number;
  /** @default 100 */
  readonly maxConcurrentDispatches?: number;
}

export interface EnqueueRequest {
  /** Deterministic task id (letters, digits, hyphens, underscores; at most 500 characters); see `indexTaskName`. */
  readonly name: string;
  readonly payload: IndexTaskPayload;
  /**
   * Extra HTTP headers for the dispatch, e.g. W3C `traceparent`. Headers the
   * queue owns (`Content-Type`, `Authorization`, `Host`, `User-Agent`,
   * `X-CloudTasks-*`, ...) are rejected with an InputError.
   */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * `duplicate`: a task with this name exists or existed recently (Cloud Tasks'
 * ALREADY_EXISTS: about 1 hour after it ended in production, the whole run in
 * the emulator; the retention window in PostgreSQL). Nothing was enqueued and
 * the earlier task was not changed; the caller treats it as success.
 */
export type EnqueueOutcome = 'enqueued' | 'duplicate';

/**
 * `created`: the queue did not exist. `unchanged`: it exists with the spec's
 * settings. `updated`: its settings were converged to the spec. `drifted`: its
 * settings differ and the backend cannot update them (the emulator has no
 * UpdateQueue).
 */
export type EnsureQueueOutcome = 'created' | 'unchanged' | 'updated' | 'drifted';

/** Headers every dispatch carries (names as Node presents them: lower case). */
export const TASK_HEADERS = {
  queueName: 'x-cloudtasks-queuename',
  taskName: 'x-cloudtasks-taskname',
  /** Dispatches of this task before this one: `0` on the first attempt. */
  retryCount: 'x-cloudtasks-taskretrycount',
  /** Earlier dispatches that got a response; do not rely on it (production does not count 503s). */
  executionCount: 'x-cloudtasks-taskexecutioncount',
  /** This attempt's schedule time in epoch seconds with 6 decimals. */
  eta: 'x-cloudtasks-tasketa',
} as const;

/**
 * Errors are typed (`@vigilo/errors`): `InputError` for an invalid queue
 * name, task name, spec or header (nothing was sent to the backend);
 * `NotFoundError` (`VIG_NOT_FOUND`) when enqueueing to a queue that does not
 * exist or was deleted; `UnavailableError` (retryable) when the backend is
 * unreachable or overloaded; `VigiloError` `VIG_INTERNAL` otherwise.
 */
export interface TaskQueue {
  /**
   * Creates the queue or converges its retry and rate settings. `drifted`:
   * the settings differ and the backend cannot update them (the emulator has no
   * UpdateQueue); the caller records it in its status.
   */
  ensureQueue(spec: QueueSpec): Promise<EnsureQueueOutcome>;
  /** Whether the queue exists (operator observe). */
  queueExists(name: string): Promise<boolean>;
  /**
   * Deletes the queue and its tasks; idempotent. Cloud Tasks then reserves the
   * name (7 days in production, the emulator's whole run).
   */
  deleteQueue(name: string): Promise<void>;
  enqueue(queue: string, request: EnqueueRequest): Promise<EnqueueOutcome>;
  close(): Promise<void>;
}
