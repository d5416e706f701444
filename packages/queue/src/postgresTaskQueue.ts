import { NotFoundError, UnavailableError, VigiloError, isVigiloError, type ErrorFields } from '@vigilo/errors';
import { isRetryableDatabaseError, withTransaction, type Pool } from '@vigilo/postgres';
import { validateExtraHeaders } from './headers.js';
import { assertIndexTaskPayload, assertQueueName, assertTaskName, resolveQueueSpec } from './names.js';
import { TASK_NOTIFY_CHANNEL } from './postgresMigrations.js';
import type { EnqueueOutcome, EnqueueRequest, EnsureQueueOutcome, QueueSpec, TaskQueue } from './ports.js';

/** How long a finished task keeps its name reserved by default: Cloud Tasks' "about an hour". */
export const DEFAULT_TASK_RETENTION_MS = 3_600_000;

export type TaskState = 'pending' | 'leased' | 'done' | 'exhausted';

export interface PostgresTaskQueueOptions {
  /** A pool on the database that `migrateTaskQueue` prepared; it stays the caller's (not closed by `close()`). */
  readonly pool: Pool;
  /**
   * How long a done or exhausted task keeps its name reserved: an `enqueue`
   * of the same name answers `duplicate` until then, and may reuse the name
   * afterwards (even before the dispatcher's purge removed the row). Use the
   * dispatchers' `retentionMs`. @default 3600000 (1 h, like Cloud Tasks)
   */
  readonly retentionMs?: number;
}

/** Translates a pg error at the adapter boundary (connection loss → UnavailableError, missing queue → NotFoundError). */
export function fromDatabaseError(error: unknown, action: string, fields: ErrorFields): VigiloError {
  if (isVigiloError(error)) return error;
  const sqlState = (error as { code?: unknown } | null)?.code;
  const all = { ...fields, sqlState: typeof sqlState === 'string' ? sqlState : undefined };
  if (isRetryableDatabaseError(error)) return new UnavailableError(`The task database is unavailable (${action})`, { cause: error, fields: all });
  if (sqlState === '23503') return new NotFoundError(`No such queue (${action})`, { cause: error, fields: all });
  return new VigiloError('VIG_INTERNAL', `The task database failed (${action})`, { cause: error, fields: all });
}

interface QueueRow {
  max_attempts: number;
  min_backoff_ms: number;
  max_backoff_ms: number;
  max_dispatches_per_second: number;
  max_concurrent_dispatches: number;
}

/**
 * The TaskQueue port on PostgreSQL, for the local mode: queues are rows of
 * `vigilo.task_queues`, tasks rows of `vigilo.tasks` (see
 * `migrateTaskQueue`), and `PostgresTaskDispatcher` pushes them to the target
 * with Cloud Tasks' headers, retries and backoff.
 */
export class PostgresTaskQueue implements TaskQueue {
  private readonly pool: Pool;
  private readonly retentionMs: number;

  constructor(options: PostgresTaskQueueOptions) {
    const retentionMs = options.retentionMs ?? DEFAULT_TASK_RETENTION_MS;
    if (!Number.isSafeInteger(retentionMs) || retentionMs < 0) throw new TypeError('retentionMs must be a non-negative integer');
    this.pool = options.pool;
    this.retentionMs = retentionMs;
  }

  async ensureQueue(input: QueueSpec): Promise<EnsureQueueOutcome> {
    const spec = resolveQueueSpec(input);
    const values = [spec.name, spec.maxAttempts, spec.minBackoffMs, spec.maxBackoffMs, spec.maxDispatchesPerSecond, spec.maxConcurrentDispatches];
    try {
      return await withTransaction(this.pool, async (client) => {
        const created = await client.query(
          `INSERT INTO vigilo.task_queues (name, max_attempts, min_backoff_ms, max_backoff_ms, max_dispatches_per_second, max_concurrent_dispatches)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (name) DO NOTHING`,
          values,
        );
        if (created.rowCount === 1) return 'created';
        const { rows } = await client.query<QueueRow>('SELECT * FROM vigilo.task_queues WHERE name = $1 FOR NO KEY UPDATE', [spec.name]);
        const row = rows[0];
        if (!row) throw new UnavailableError('The queue was deleted concurrently', { fields: { queue: spec.name } });
        const same =
          row.max_attempts === spec.maxAttempts &&
          row.min_backoff_ms === spec.minBackoffMs &&
          row.max_backoff_ms === spec.maxBackoffMs &&
          Math.abs(row.max_dispatches_per_second - spec.maxDispatchesPerSecond) < 1e-9 &&
          row.max_concurrent_dispatches === spec.maxConcurrentDispatches;
        if (same) return 'unchanged';
        await client.query(
          `UPDATE vigilo.task_queues SET max_attempts = $2, min_backoff_ms = $3, max_backoff_ms = $4,
             max_dispatches_per_second = $5, max_concurrent_dispatches = $6, updated_at = now()
           WHERE name = $1`,
          values,
        );
        return 'updated';
      });
    } catch (error) {
      throw fromDatabaseError(error, 'ensureQueue', { queue: spec.name });
    }
  }

  async queueExists(name: string): Promise<boolean> {
    assertQueueName(name);
    try {
      const { rowCount } = await this.pool.query('SELECT 1 FROM vigilo.task_queues WHERE name = $1', [name]);
      return rowCount === 1;
    } catch (error) {
      throw fromDatabaseError(error, 'queueExists', { queue: name });
    }
  }

  /** Deletes the queue and all its tasks (a dispatch in flight finishes, its result is dropped). */
  async deleteQueue(name: string): Promise<void> {
    assertQueueName(name);
    try {
      await this.pool.query('DELETE FROM vigilo.task_queues WHERE name = $1', [name]);
    } catch (error) {
      throw fromDatabaseError(error, 'deleteQueue', { queue: name });
    }
  }

  async enqueue(queue: string, request: EnqueueRequest): Promise<EnqueueOutcome> {
    assertQueueName(queue);
    assertTaskName(request.name);
    assertIndexTaskPayload(request.payload);
    const headers = validateExtraHeaders(request.headers);
    try {
      // A name stays reserved while its row exists; a finished row older than
      // the retention is reused in place (the purge may not have run yet).
      const { rowCount } = await this.pool.query(
        `WITH inserted AS (
           INSERT INTO vigilo.tasks AS t (queue, name, payload, headers) VALUES ($1, $2, $3, $4)
           ON CONFLICT (queue, name) DO UPDATE SET
             payload = EXCLUDED.payload, headers = EXCLUDED.headers, state = 'pending',
             dispatch_count = 0, response_count = 0, next_attempt_at = now(),
             lease_token = NULL, lease_expires_at = NULL, leased_by = NULL, last_status = NULL, last_error = NULL,
             created_at = now(), updated_at = now(), finished_at = NULL
           WHERE t.state IN ('done', 'exhausted') AND t.finished_at <= now() - $5::float8 * interval '1 millisecond'
           RETURNING t.queue
         )
         SELECT pg_notify('${TASK_NOTIFY_CHANNEL}', queue) FROM inserted`,
        [queue, request.name, JSON.stringify(request.payload), JSON.stringify(headers), this.retentionMs],
      );
      return rowCount === 1 ? 'enqueued' : 'duplicate';
    } catch (error) {
      throw fromDatabaseError(error, 'enqueue', { queue, task: request.name });
    }
  }

  /**
   * Pauses or resumes dispatching of a queue (tasks can still be enqueued).
   * Local-mode only: the port has no pause because the emulator's is broken.
   *
   * @throws NotFoundError when the queue does not exist.
   */
  async setPaused(name: string, paused: boolean): Promise<void> {
    assertQueueName(name);
    let rowCount: number | null;
    try {
      ({ rowCount } = await this.pool.query(
        `WITH changed AS (UPDATE vigilo.task_queues SET paused = $2, updated_at = now() WHERE name = $1 RETURNING name)
         SELECT pg_notify('${TASK_NOTIFY_CHANNEL}', name) FROM changed`,
        [name, paused],
      ));
    } catch (error) {
      throw fromDatabaseError(error, 'setPaused', { queue: name });
    }
    if (rowCount !== 1) throw new NotFoundError('No such queue', { fields: { queue: name } });
  }

  /** Tasks of a queue by state (for metrics and tests); states without tasks are 0. */
  async taskCounts(name: string): Promise<Record<TaskState, number>> {
    assertQueueName(name);
    const counts: Record<TaskState, number> = { pending: 0, leased: 0, done: 0, exhausted: 0 };
    try {
      const { rows } = await this.pool.query<{ state: TaskState; n: number }>(
        'SELECT state, count(*)::int AS n FROM vigilo.tasks WHERE queue = $1 GROUP BY state',
        [name],
      );
      for (const row of rows) counts[row.state] = row.n;
      return counts;
    } catch (error) {
      throw fromDatabaseError(error, 'taskCounts', { queue: name });
    }
  }

  /** Does nothing: the pool belongs to the caller. */
  async close(): Promise<void> {}
}
