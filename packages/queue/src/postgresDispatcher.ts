import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { withTransaction, type Pool, type PoolClient } from '@vigilo/postgres';
import { afterFailedDispatch } from './backoff.js';
import { dispatchHeaders } from './headers.js';
import { assertQueueName } from './names.js';
import { TASK_NOTIFY_CHANNEL } from './postgresMigrations.js';
import { DEFAULT_TASK_RETENTION_MS } from './postgresTaskQueue.js';

/** The subset of a pino logger the dispatcher uses. */
export interface DispatcherLogger {
  debug(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const SILENT: DispatcherLogger = { debug: () => undefined, warn: () => undefined, error: () => undefined };

export interface PostgresTaskDispatcherOptions {
  /** A pool on the queue's database. With `listen`, the dispatcher holds one of its connections. */
  readonly pool: Pool;
  /** The indexer's task endpoint: every task is a POST to this URL. */
  readonly targetUrl: string;
  /**
   * The local mode's shared secret, sent as `Authorization: Bearer <secret>`.
   * @default none (no Authorization header)
   */
  readonly sharedSecret?: string;
  /** The queues this dispatcher serves. @default every queue */
  readonly queues?: readonly string[];
  /** How long the target may take to answer before the attempt counts as failed. @default 600000 (10 min, like Cloud Tasks) */
  readonly dispatchDeadlineMs?: number;
  /**
   * How long a claimed task stays leased to this dispatcher. A dispatcher that
   * dies mid-dispatch leaves its tasks leased; once the lease expires another
   * dispatcher counts the attempt as failed and retries it after the backoff
   * (or marks it exhausted if it was the last). Must exceed `dispatchDeadlineMs`.
   * @default dispatchDeadlineMs + 30000
   */
  readonly leaseTimeoutMs?: number;
  /** Dispatches in flight in this process, all queues together. @default 100 */
  readonly maxInFlight?: number;
  /** Tasks claimed per queue per round. @default 50 */
  readonly batchSize?: number;
  /**
   * Wake on `NOTIFY vigilo_tasks` from `enqueue` (falls back to polling when LISTEN fails). It holds one
   * connection of the pool. On the embedded engine (PGlite) use `false` and a one-connection pool (ADR 0010).
   * @default true
   */
  readonly listen?: boolean;
  /** Longest sleep between two looks at the tables (the safety net behind LISTEN, or the only trigger without it). @default 1000 */
  readonly pollIntervalMs?: number;
  /** Done and exhausted tasks older than this are deleted (their names become free). @default 3600000 (1 h) */
  readonly retentionMs?: number;
  /** How often the purge runs. @default 60000 */
  readonly purgeIntervalMs?: number;
  /** Recorded in `leased_by`. @default `<hostname>/<pid>/<random>` */
  readonly dispatcherId?: string;
  /** @default silent */
  readonly logger?: DispatcherLogger;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

/** A queue's settings as read when its tasks were leased. */
export interface LeasedQueue {
  readonly name: string;
  readonly maxAttempts: number;
  readonly minBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly maxDispatchesPerSecond: number;
  readonly maxConcurrentDispatches: number;
}

/** A task claimed for one dispatch. */
export interface LeasedTask {
  readonly id: number;
  readonly name: string;
  readonly payload: unknown;
  readonly headers: Readonly<Record<string, string>>;
  /** Dispatches including this one (so the retry count is `dispatchCount - 1`). */
  readonly dispatchCount: number;
  /** Earlier dispatches that ended with an answer or a failed connection. */
  readonly responseCount: number;
  /** This dispatch's schedule time, microseconds since the epoch. */
  readonly etaMicros: number;
  /** Proof of the lease: completion only applies while it still matches. */
  readonly leaseToken: string;
}

export interface LeaseResult {
  /** The queue, unless it was missing, paused or being claimed by another dispatcher at that moment. */
  readonly queue: LeasedQueue | undefined;
  readonly tasks: readonly LeasedTask[];
  /** Expired leases turned back into pending (or exhausted) tasks. */
  readonly recovered: number;
  /** When nothing could be claimed because of a limit or a lock: how soon to look again. */
  readonly retryInMs: number | undefined;
}

/** A queue row locked by another dispatcher's claim is looked at again this soon. */
const CONTENDED_RETRY_MS = 20;
/** A queue at its concurrency limit is looked at again this soon (others' completions do not wake us). */
const CONCURRENCY_RETRY_MS = 50;
/** The shortest sleep of the loop when nothing was claimed, so it never spins. */
const MIN_WAIT_MS = 10;

/** Token bucket size of a queue: one second of its rate, between 1 and 100 (100 at Cloud Tasks' default 500/s). */
export function burstSize(maxDispatchesPerSecond: number): number {
  return Math.max(1, Math.min(100, Math.ceil(maxDispatchesPerSecond)));
}

interface QueueLockRow {
  name: string;
  max_attempts: number;
  min_backoff_ms: number;
  max_backoff_ms: number;
  max_dispatches_per_second: number;
  max_concurrent_dispatches: number;
  rate_tokens: number;
  elapsed_ms: number;
}

interface LeasedRow {
  id: number | string;
  name: string;
  payload: unknown;
  headers: Record<string, string>;
  dispatch_count: number;
  response_count: number;
  lease_token: string;
  eta_us: number | string;
}

/**
 * Claims up to `limit` due tasks of one queue for one dispatch each, in one
 * transaction: locks the queue row (`FOR NO KEY UPDATE SKIP LOCKED`: dispatchers
 * never wait on each other, and enqueues, whose foreign-key check takes
 * `FOR KEY SHARE`, are not blocked), turns expired leases back into pending tasks
 * (counting the lost dispatch as a failed attempt), applies the queue's
 * concurrency limit (leased tasks of all dispatchers) and its rate limit (a
 * token bucket in the queue row), and leases the oldest due tasks with
 * `FOR UPDATE SKIP LOCKED`.
 *
 * The dispatcher calls it; it is exported for tools and for the tests that
 * simulate a dispatcher dying mid-lease (lease, then never complete).
 */
export async function leaseDueTasks(
  pool: Pool,
  queueName: string,
  options: { readonly limit: number; readonly leaseMs: number; readonly owner: string },
): Promise<LeaseResult> {
  assertQueueName(queueName);
  return withTransaction(pool, async (client) => {
    const { rows: locked } = await client.query<QueueLockRow>(
      `SELECT name, max_attempts, min_backoff_ms, max_backoff_ms, max_dispatches_per_second, max_concurrent_dispatches,
              rate_tokens, GREATEST(0, extract(epoch FROM now() - rate_refilled_at) * 1000)::float8 AS elapsed_ms
       FROM vigilo.task_queues WHERE name = $1 AND NOT paused FOR NO KEY UPDATE SKIP LOCKED`,
      [queueName],
    );
    const row = locked[0];
    if (!row) return { queue: undefined, tasks: [], recovered: 0, retryInMs: CONTENDED_RETRY_MS };
    const queue: LeasedQueue = {
      name: row.name,
      maxAttempts: row.max_attempts,
      minBackoffMs: row.min_backoff_ms,
      maxBackoffMs: row.max_backoff_ms,
      maxDispatchesPerSecond: row.max_dispatches_per_second,
      maxConcurrentDispatches: row.max_concurrent_dispatches,
    };
    const recovered = await recoverExpiredLeases(client, queue);
    const { rows: inFlight } = await client.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM vigilo.tasks WHERE queue = $1 AND state = 'leased'",
      [queueName],
    );
    const burst = burstSize(queue.maxDispatchesPerSecond);
    let tokens = Math.min(burst, row.rate_tokens + (row.elapsed_ms * queue.maxDispatchesPerSecond) / 1000);
    const concurrencyLeft = queue.maxConcurrentDispatches - (inFlight[0]?.n ?? 0);
    const wanted = Math.max(0, Math.min(options.limit, concurrencyLeft, Math.floor(tokens)));
    let tasks: LeasedTask[] = [];
    if (wanted > 0) {
      const { rows } = await client.query<LeasedRow>(
        `WITH due AS (
           SELECT id FROM vigilo.tasks
           WHERE queue = $1 AND state = 'pending' AND next_attempt_at <= now()
           ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED
         )
         UPDATE vigilo.tasks t SET state = 'leased', dispatch_count = t.dispatch_count + 1, lease_token = gen_random_uuid(),
           lease_expires_at = now() + $3::float8 * interval '1 millisecond', leased_by = $4, updated_at = now()
         FROM due WHERE t.id = due.id
         RETURNING t.id, t.name, t.payload, t.headers, t.dispatch_count, t.response_count, t.lease_token,
           (extract(epoch FROM t.next_attempt_at) * 1000000)::bigint AS eta_us`,
        [queueName, wanted, options.leaseMs, options.owner],
      );
      tasks = rows
        .map((r) => ({
          id: Number(r.id),
          name: r.name,
          payload: r.payload,
          headers: r.headers,
          dispatchCount: r.dispatch_count,
          responseCount: r.response_count,
          etaMicros: Number(r.eta_us),
          leaseToken: r.lease_token,
        }))
        .sort((a, b) => a.etaMicros - b.etaMicros || a.id - b.id);
      tokens -= tasks.length;
    }
    // Only a claim changes the bucket; without one, the next claim refills from the same instant.
    if (tasks.length > 0) {
      await client.query('UPDATE vigilo.task_queues SET rate_tokens = $2, rate_refilled_at = now() WHERE name = $1', [queueName, tokens]);
    }
    let retryInMs: number | undefined;
    if (tasks.length === 0) {
      if (concurrencyLeft <= 0) retryInMs = CONCURRENCY_RETRY_MS;
      else if (tokens < 1) retryInMs = Math.ceil(((1 - tokens) * 1000) / queue.maxDispatchesPerSecond);
    }
    return { queue, tasks, recovered, retryInMs };
  });
}

/** Expired leases of a (locked) queue: the lost dispatch counts as a failed attempt. */
async function recoverExpiredLeases(client: PoolClient, queue: LeasedQueue): Promise<number> {
  const { rows } = await client.query<{ id: number | string; dispatch_count: number }>(
    `SELECT id, dispatch_count FROM vigilo.tasks
     WHERE queue = $1 AND state = 'leased' AND lease_expires_at <= now()
     ORDER BY lease_expires_at LIMIT 1000 FOR UPDATE SKIP LOCKED`,
    [queue.name],
  );
  if (rows.length === 0) return 0;
  const next = rows.map((r) => afterFailedDispatch(r.dispatch_count, queue));
  await client.query(
    `UPDATE vigilo.tasks t SET
       state = CASE WHEN r.exhausted THEN 'exhausted' ELSE 'pending' END,
       next_attempt_at = CASE WHEN r.exhausted THEN t.next_attempt_at ELSE now() + r.backoff_ms * interval '1 millisecond' END,
       finished_at = CASE WHEN r.exhausted THEN now() END,
       last_status = NULL,
       last_error = 'lease expired: dispatcher ' || coalesce(t.leased_by, '?') || ' did not finish the dispatch',
       lease_token = NULL, lease_expires_at = NULL, leased_by = NULL, updated_at = now()
     FROM unnest($1::bigint[], $2::boolean[], $3::float8[]) AS r(id, exhausted, backoff_ms)
     WHERE t.id = r.id`,
    [rows.map((r) => r.id), next.map((n) => n.exhausted), next.map((n) => (n.exhausted ? 0 : n.backoffMs))],
  );
  return rows.length;
}

/** The outcome of one dispatch, recorded while the lease still holds. */
export type DispatchResult =
  | { readonly ok: true; readonly status: number }
  | { readonly ok: false; readonly status: number | undefined; readonly error: string };

/**
 * Records a dispatch's outcome: 2xx → `done`; otherwise the task is retried
 * after the backoff, or `exhausted` when it had `maxAttempts` dispatches.
 * Returns false when the lease was lost meanwhile (expired and taken over, or
 * the queue was deleted): then nothing changes.
 */
export async function completeDispatch(pool: Pool | PoolClient, queue: LeasedQueue, task: LeasedTask, result: DispatchResult): Promise<boolean> {
  if (result.ok) {
    const { rowCount } = await pool.query(
      `UPDATE vigilo.tasks SET state = 'done', response_count = response_count + 1, last_status = $3, last_error = NULL,
         finished_at = now(), lease_token = NULL, lease_expires_at = NULL, leased_by = NULL, updated_at = now()
       WHERE id = $1 AND lease_token = $2`,
      [task.id, task.leaseToken, result.status],
    );
    return rowCount === 1;
  }
  const next = afterFailedDispatch(task.dispatchCount, queue);
  const { rowCount } = await pool.query(
    `UPDATE vigilo.tasks SET
       state = CASE WHEN $3::boolean THEN 'exhausted' ELSE 'pending' END,
       response_count = response_count + 1, last_status = $4, last_error = $5,
       next_attempt_at = CASE WHEN $3::boolean THEN next_attempt_at ELSE now() + $6::float8 * interval '1 millisecond' END,
       finished_at = CASE WHEN $3::boolean THEN now() END,
       lease_token = NULL, lease_expires_at = NULL, leased_by = NULL, updated_at = now()
     WHERE id = $1 AND lease_token = $2`,
    [task.id, task.leaseToken, next.exhausted, result.status ?? null, result.error.slice(0, 500), next.exhausted ? 0 : next.backoffMs],
  );
  return rowCount === 1;
}

/**
 * Deletes done and exhausted tasks that finished more than `retentionMs` ago
 * (of the given queues, or all), in batches; returns how many.
 */
export async function purgeFinishedTasks(pool: Pool, options: { readonly retentionMs: number; readonly queues?: readonly string[] }): Promise<number> {
  let total = 0;
  for (;;) {
    const { rowCount } = await pool.query(
      `DELETE FROM vigilo.tasks WHERE id IN (
         SELECT id FROM vigilo.tasks
         WHERE state IN ('done', 'exhausted') AND finished_at < now() - $1::float8 * interval '1 millisecond'
           AND ($2::text[] IS NULL OR queue = ANY($2::text[]))
         ORDER BY finished_at LIMIT 1000 FOR UPDATE SKIP LOCKED)`,
      [options.retentionMs, options.queues ?? null],
    );
    total += rowCount ?? 0;
    if ((rowCount ?? 0) < 1000) return total;
  }
}

/** A one-slot wake-up signal: `signal()` ends the current (or the next) `wait()`. */
class Wakeup {
  private pending = false;
  private release: (() => void) | undefined;

  signal(): void {
    if (this.release) this.release();
    else this.pending = true;
  }

  async wait(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.release?.(), ms);
      this.release = () => {
        clearTimeout(timer);
        this.release = undefined;
        resolve();
      };
    });
  }
}

/** A random order (Fisher-Yates), so one busy queue does not always go first. */
function shuffled<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  const causeCode = (cause as { code?: unknown } | undefined)?.code;
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'dispatch deadline exceeded';
  return typeof causeCode === 'string' ? `${error.message}: ${causeCode}` : error.message;
}

type State = 'idle' | 'running' | 'stopping' | 'stopped';

/**
 * Pushes the PostgreSQL queue's tasks to the target like Cloud Tasks does: a
 * POST with the JSON payload and the `X-CloudTasks-*` headers, retry with
 * exponential backoff on anything but 2xx, at most `maxAttempts` dispatches,
 * per-queue rate and concurrency limits shared by every dispatcher process.
 * Several dispatchers may run against one database; each task is leased to
 * one of them at a time (`FOR UPDATE SKIP LOCKED`).
 */
export class PostgresTaskDispatcher {
  private readonly pool: Pool;
  private readonly targetUrl: string;
  private readonly sharedSecret: string | undefined;
  private readonly queues: readonly string[] | undefined;
  private readonly dispatchDeadlineMs: number;
  private readonly leaseTimeoutMs: number;
  private readonly maxInFlight: number;
  private readonly batchSize: number;
  private readonly useListen: boolean;
  private readonly pollIntervalMs: number;
  private readonly retentionMs: number;
  private readonly purgeIntervalMs: number;
  private readonly logger: DispatcherLogger;
  private readonly fetch: typeof fetch;
  /** Recorded in `leased_by`. */
  readonly dispatcherId: string;

  private state: State = 'idle';
  private readonly wake = new Wakeup();
  private readonly inFlight = new Set<Promise<void>>();
  private loop: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private listener: PoolClient | undefined;
  private listenRetry: NodeJS.Timeout | undefined;
  private purgeTimer: NodeJS.Timeout | undefined;
  private purging: Promise<void> | undefined;

  constructor(options: PostgresTaskDispatcherOptions) {
    const url = new URL(options.targetUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError('The task target must be an http(s) URL');
    for (const q of options.queues ?? []) assertQueueName(q);
    const positive = (value: number, name: string): number => {
      if (!Number.isSafeInteger(value) || value <= 0) throw new TypeError(`${name} must be a positive integer`);
      return value;
    };
    this.pool = options.pool;
    this.targetUrl = url.toString();
    this.sharedSecret = options.sharedSecret;
    this.queues = options.queues ? [...options.queues] : undefined;
    this.dispatchDeadlineMs = positive(options.dispatchDeadlineMs ?? 600_000, 'dispatchDeadlineMs');
    this.leaseTimeoutMs = positive(options.leaseTimeoutMs ?? this.dispatchDeadlineMs + 30_000, 'leaseTimeoutMs');
    if (this.leaseTimeoutMs <= this.dispatchDeadlineMs) throw new TypeError('leaseTimeoutMs must exceed dispatchDeadlineMs');
    this.maxInFlight = positive(options.maxInFlight ?? 100, 'maxInFlight');
    this.batchSize = positive(options.batchSize ?? 50, 'batchSize');
    this.useListen = options.listen ?? true;
    if (this.useListen && (options.pool.options?.max ?? 10) < 2) {
      throw new TypeError('listen holds one connection of the pool: give the dispatcher a pool of at least 2 connections, or listen: false');
    }
    this.pollIntervalMs = positive(options.pollIntervalMs ?? 1_000, 'pollIntervalMs');
    this.retentionMs = options.retentionMs ?? DEFAULT_TASK_RETENTION_MS;
    if (!Number.isSafeInteger(this.retentionMs) || this.retentionMs < 0) throw new TypeError('retentionMs must be a non-negative integer');
    this.purgeIntervalMs = positive(options.purgeIntervalMs ?? 60_000, 'purgeIntervalMs');
    this.logger = options.logger ?? SILENT;
    this.fetch = options.fetch ?? globalThis.fetch;
    this.dispatcherId = options.dispatcherId ?? `${hostname()}/${process.pid}/${randomBytes(4).toString('hex')}`;
  }

  /** Dispatches currently awaiting the target's answer. */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** Starts listening (when enabled) and dispatching. Resolves once the LISTEN is in place (or has failed over to polling). */
  async start(): Promise<void> {
    if (this.state !== 'idle') throw new Error(`The dispatcher cannot start when ${this.state}`);
    this.state = 'running';
    if (this.useListen) await this.listen();
    this.purgeTimer = setInterval(() => void this.purgeNow().catch(() => undefined), this.purgeIntervalMs);
    this.loop = this.run();
  }

  /**
   * Stops claiming tasks, lets every dispatch in flight finish and record its
   * outcome (each is bounded by `dispatchDeadlineMs`), then releases the
   * LISTEN connection. Idempotent.
   */
  async stop(): Promise<void> {
    if (this.state === 'idle') {
      this.state = 'stopped';
      return;
    }
    this.stopping ??= (async () => {
      this.state = 'stopping';
      clearInterval(this.purgeTimer);
      clearTimeout(this.listenRetry);
      this.wake.signal();
      await this.loop;
      await Promise.allSettled([...this.inFlight]);
      await this.purging;
      const listener = this.listener;
      this.listener = undefined;
      if (listener) {
        try {
          await listener.query(`UNLISTEN ${TASK_NOTIFY_CHANNEL}`);
          listener.release();
        } catch {
          listener.release(true);
        }
      }
      this.state = 'stopped';
    })();
    return this.stopping;
  }

  /** Deletes finished tasks older than the retention now (the timer does it every `purgeIntervalMs`). */
  async purgeNow(): Promise<number> {
    if (this.purging) {
      await this.purging;
      return 0;
    }
    let purged = 0;
    this.purging = (async () => {
      try {
        purged = await purgeFinishedTasks(this.pool, { retentionMs: this.retentionMs, ...(this.queues ? { queues: this.queues } : {}) });
        if (purged > 0) this.logger.debug({ purged }, 'purged finished tasks');
      } catch (err) {
        this.logger.warn({ err }, 'purging finished tasks failed');
      } finally {
        this.purging = undefined;
      }
    })();
    await this.purging;
    return purged;
  }

  private async listen(): Promise<void> {
    let client: PoolClient | undefined;
    try {
      client = await this.pool.connect();
      const c = client;
      c.on('notification', () => this.wake.signal());
      c.on('error', (err) => this.onListenerLost(c, err));
      await c.query(`LISTEN ${TASK_NOTIFY_CHANNEL}`);
      this.listener = c;
      this.wake.signal(); // tasks may have arrived before LISTEN
    } catch (err) {
      client?.release(true);
      this.logger.warn({ err }, 'LISTEN failed; polling only until it works');
      this.scheduleListen();
    }
  }

  private onListenerLost(client: PoolClient, err: Error): void {
    if (this.listener !== client) return;
    this.listener = undefined;
    client.release(true);
    this.logger.warn({ err }, 'the LISTEN connection was lost; polling until it is back');
    this.scheduleListen();
  }

  private scheduleListen(): void {
    if (this.state !== 'running') return;
    this.listenRetry = setTimeout(() => void this.listen(), Math.max(this.pollIntervalMs, 1_000));
  }

  private get running(): boolean {
    return this.state === 'running';
  }

  private async run(): Promise<void> {
    while (this.running) {
      let waitMs: number;
      try {
        waitMs = await this.round();
      } catch (err) {
        this.logger.warn({ err }, 'task dispatch round failed');
        waitMs = this.pollIntervalMs;
      }
      if (waitMs > 0 && this.running) await this.wake.wait(waitMs);
    }
  }

  /** Claims what it can and starts dispatching; returns how long to sleep (0: look again at once). */
  private async round(): Promise<number> {
    const free = this.maxInFlight - this.inFlight.size;
    if (free <= 0) return this.pollIntervalMs; // a completion wakes the loop
    const { rows } = await this.pool.query<{ name: string }>(
      `SELECT q.name FROM vigilo.task_queues q
       WHERE NOT q.paused AND ($1::text[] IS NULL OR q.name = ANY($1::text[]))
         AND (EXISTS (SELECT 1 FROM vigilo.tasks t WHERE t.queue = q.name AND t.state = 'pending' AND t.next_attempt_at <= now())
           OR EXISTS (SELECT 1 FROM vigilo.tasks t WHERE t.queue = q.name AND t.state = 'leased' AND t.lease_expires_at <= now()))`,
      [this.queues ?? null],
    );
    const names = shuffled(rows.map((r) => r.name));
    let slots = free;
    let claimed = 0;
    let retryInMs = Number.POSITIVE_INFINITY;
    for (const name of names) {
      if (!this.running || slots <= 0) break;
      const result = await leaseDueTasks(this.pool, name, { limit: Math.min(slots, this.batchSize), leaseMs: this.leaseTimeoutMs, owner: this.dispatcherId });
      if (result.recovered > 0) this.logger.warn({ queue: name, tasks: result.recovered }, 'recovered tasks whose lease expired');
      for (const task of result.tasks) this.startDispatch(result.queue!, task);
      slots -= result.tasks.length;
      claimed += result.tasks.length;
      if (result.retryInMs !== undefined) retryInMs = Math.min(retryInMs, result.retryInMs);
    }
    if (claimed > 0) return 0;
    const nextDue = await this.msUntilNextDue();
    return Math.max(MIN_WAIT_MS, Math.min(this.pollIntervalMs, retryInMs, nextDue));
  }

  private async msUntilNextDue(): Promise<number> {
    const { rows } = await this.pool.query<{ ms: number | null }>(
      `SELECT GREATEST(0, extract(epoch FROM min(at) - now()) * 1000)::float8 AS ms FROM (
         SELECT (SELECT t.next_attempt_at FROM vigilo.tasks t WHERE t.queue = q.name AND t.state = 'pending'
                 ORDER BY t.next_attempt_at LIMIT 1) AS at
         FROM vigilo.task_queues q WHERE NOT q.paused AND ($1::text[] IS NULL OR q.name = ANY($1::text[]))
         UNION ALL
         SELECT min(t.lease_expires_at) FROM vigilo.tasks t JOIN vigilo.task_queues q ON q.name = t.queue
         WHERE t.state = 'leased' AND NOT q.paused AND ($1::text[] IS NULL OR t.queue = ANY($1::text[]))
       ) due`,
      [this.queues ?? null],
    );
    const ms = rows[0]?.ms;
    return ms === null || ms === undefined ? Number.POSITIVE_INFINITY : Math.ceil(ms);
  }

  private startDispatch(queue: LeasedQueue, task: LeasedTask): void {
    const dispatch: Promise<void> = this.dispatch(queue, task)
      .catch((err: unknown) => this.logger.error({ err, queue: queue.name, task: task.name }, 'task dispatch failed unexpectedly'))
      .finally(() => {
        this.inFlight.delete(dispatch);
        this.wake.signal();
      });
    this.inFlight.add(dispatch);
  }

  private async dispatch(queue: LeasedQueue, task: LeasedTask): Promise<void> {
    const headers = dispatchHeaders({
      queueName: queue.name,
      taskName: task.name,
      retryCount: task.dispatchCount - 1,
      executionCount: task.responseCount,
      etaMicros: task.etaMicros,
      extra: task.headers,
      ...(this.sharedSecret !== undefined ? { bearerToken: this.sharedSecret } : {}),
    });
    let result: DispatchResult;
    try {
      const response = await this.fetch(this.targetUrl, {
        method: 'POST',
        headers,
        body: JSON.stringify(task.payload),
        redirect: 'manual',
        signal: AbortSignal.timeout(this.dispatchDeadlineMs),
      });
      // Read the answer to the end, so the connection can be reused; its content is not kept.
      await response.arrayBuffer().catch(() => undefined);
      result = response.status >= 200 && response.status < 300 ? { ok: true, status: response.status } : { ok: false, status: response.status, error: `HTTP ${response.status}` };
    } catch (error) {
      result = { ok: false, status: undefined, error: describeError(error) };
    }
    if (!result.ok) this.logger.debug({ queue: queue.name, task: task.name, retryCount: task.dispatchCount - 1, error: result.error }, 'task dispatch failed');
    for (let attempt = 1; ; attempt++) {
      try {
        const applied = await completeDispatch(this.pool, queue, task, result);
        if (!applied) this.logger.warn({ queue: queue.name, task: task.name }, 'the lease was lost before the dispatch finished; its outcome is dropped');
        return;
      } catch (err) {
        // If this keeps failing, the lease expires and another round retries the task.
        if (attempt >= 3) throw err;
        await new Promise((r) => setTimeout(r, 100 * attempt));
      }
    }
  }
}
