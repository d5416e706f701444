import { CloudTasksClient, type protos } from '@google-cloud/tasks';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { InputError, NotFoundError, UnavailableError, VigiloError, type ErrorFields } from '@vigilo/errors';
import { taskRequestHeaders } from './headers.js';
import { assertIndexTaskPayload, assertQueueName, assertTaskName, resolveQueueSpec, type ResolvedQueueSpec } from './names.js';
import type { EnqueueOutcome, EnqueueRequest, EnsureQueueOutcome, QueueSpec, TaskQueue } from './ports.js';

type IQueue = protos.google.cloud.tasks.v2.IQueue;
type ITask = protos.google.cloud.tasks.v2.ITask;
type IDuration = protos.google.protobuf.IDuration;

/** Options of the gRPC client, e.g. `{ servicePath, port, sslCreds: grpc.credentials.createInsecure() }` for the emulator. */
export type CloudTasksClientOptions = NonNullable<ConstructorParameters<typeof CloudTasksClient>[0]>;

/** The calls the adapter makes; `CloudTasksClient` satisfies it (a fake may, in unit tests of callers). */
export interface CloudTasksApi {
  getQueue(request: protos.google.cloud.tasks.v2.IGetQueueRequest, options?: { timeout?: number }): Promise<[IQueue, ...unknown[]]>;
  createQueue(request: protos.google.cloud.tasks.v2.ICreateQueueRequest, options?: { timeout?: number }): Promise<[IQueue, ...unknown[]]>;
  updateQueue(request: protos.google.cloud.tasks.v2.IUpdateQueueRequest, options?: { timeout?: number }): Promise<[IQueue, ...unknown[]]>;
  deleteQueue(request: protos.google.cloud.tasks.v2.IDeleteQueueRequest, options?: { timeout?: number }): Promise<unknown>;
  createTask(request: protos.google.cloud.tasks.v2.ICreateTaskRequest, options?: { timeout?: number }): Promise<[ITask, ...unknown[]]>;
  close(): Promise<void>;
}

export interface CloudTasksOidcOptions {
  /** The service account whose identity signs the token (the indexer checks this email). */
  readonly serviceAccountEmail: string;
  /** The token's `aud`; set it explicitly (the emulator uses the task URL when it is missing). */
  readonly audience: string;
}

export interface CloudTasksTaskQueueOptions {
  /** Google Cloud project id, e.g. `vigilo-prod`. */
  readonly project: string;
  /** Cloud Tasks location, e.g. `europe-west1`. */
  readonly location: string;
  /** The indexer's task endpoint: every task is a POST to this URL. */
  readonly targetUrl: string;
  /** Attach a Google-signed OIDC token to each dispatch. @default none (no Authorization header) */
  readonly oidc?: CloudTasksOidcOptions;
  /**
   * How long Cloud Tasks waits for the target's answer before it counts the
   * attempt as failed (15 s to 30 min). @default Cloud Tasks' own (600000: 10 min)
   */
  readonly dispatchDeadlineMs?: number;
  /** Timeout of one gRPC call made by the adapter. @default 10000 */
  readonly callTimeoutMs?: number;
  /** Options for the `CloudTasksClient` the adapter creates. @default {} (Application Default Credentials) */
  readonly clientOptions?: CloudTasksClientOptions;
  /** A client to use instead of creating one (it is closed by `close()`). @default a new `CloudTasksClient(clientOptions)` */
  readonly client?: CloudTasksApi;
}

/** gRPC codes after which the same call may succeed later. */
const RETRYABLE_CODES = new Set<number>([GrpcStatus.UNAVAILABLE, GrpcStatus.DEADLINE_EXCEEDED, GrpcStatus.RESOURCE_EXHAUSTED, GrpcStatus.ABORTED]);

export function grpcCodeOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * Translates a Cloud Tasks error at the adapter boundary: UNAVAILABLE,
 * DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED and ABORTED become `UnavailableError`
 * (retryable), NOT_FOUND `NotFoundError`, INVALID_ARGUMENT `InputError`,
 * anything else `VIG_INTERNAL`. The original error is kept as `cause`.
 */
export function fromCloudTasksError(error: unknown, action: string, fields: ErrorFields): VigiloError {
  const grpcCode = grpcCodeOf(error);
  const all = { ...fields, grpcCode };
  if (grpcCode !== undefined && RETRYABLE_CODES.has(grpcCode)) {
    return new UnavailableError(`Cloud Tasks is unavailable (${action})`, { cause: error, fields: all });
  }
  if (grpcCode === GrpcStatus.NOT_FOUND) return new NotFoundError(`Cloud Tasks found no such queue (${action})`, { cause: error, fields: all });
  if (grpcCode === GrpcStatus.INVALID_ARGUMENT) return new InputError(`Cloud Tasks rejected the request (${action})`, { cause: error, fields: all });
  return new VigiloError('VIG_INTERNAL', `Cloud Tasks failed (${action})`, { cause: error, fields: all });
}

function toDuration(ms: number): IDuration {
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 };
}

function durationMs(duration: IDuration | null | undefined): number | undefined {
  if (!duration) return undefined;
  const seconds = Number(String(duration.seconds ?? 0));
  return Math.round(seconds * 1000 + (duration.nanos ?? 0) / 1_000_000);
}

/** The queue fields the adapter manages, as `updateMask` paths. */
const MANAGED_FIELDS = {
  maxAttempts: 'retry_config.max_attempts',
  minBackoffMs: 'retry_config.min_backoff',
  maxBackoffMs: 'retry_config.max_backoff',
  maxDispatchesPerSecond: 'rate_limits.max_dispatches_per_second',
  maxConcurrentDispatches: 'rate_limits.max_concurrent_dispatches',
} as const;

/** The `updateMask` paths of the managed fields whose value in `queue` differs from `spec`. */
export function queueDrift(queue: IQueue, spec: ResolvedQueueSpec): string[] {
  const retry = queue.retryConfig ?? {};
  const rate = queue.rateLimits ?? {};
  const drift: string[] = [];
  if ((retry.maxAttempts ?? undefined) !== spec.maxAttempts) drift.push(MANAGED_FIELDS.maxAttempts);
  if (durationMs(retry.minBackoff) !== spec.minBackoffMs) drift.push(MANAGED_FIELDS.minBackoffMs);
  if (durationMs(retry.maxBackoff) !== spec.maxBackoffMs) drift.push(MANAGED_FIELDS.maxBackoffMs);
  if (Math.abs((rate.maxDispatchesPerSecond ?? 0) - spec.maxDispatchesPerSecond) > 1e-9) drift.push(MANAGED_FIELDS.maxDispatchesPerSecond);
  if ((rate.maxConcurrentDispatches ?? undefined) !== spec.maxConcurrentDispatches) drift.push(MANAGED_FIELDS.maxConcurrentDispatches);
  return drift;
}

/**
 * The TaskQueue port on Google Cloud Tasks (v2 gRPC API, `@google-cloud/tasks`).
 * Each task is an HTTP task: a POST of the JSON payload to `targetUrl` with
 * `Content-Type: application/json`, the extra headers and, when configured, an
 * OIDC token. Queue names are `projects/<project>/locations/<location>/queues/<name>`.
 */
export class CloudTasksTaskQueue implements TaskQueue {
  private readonly client: CloudTasksApi;
  private readonly parent: string;
  private readonly targetUrl: string;
  private readonly oidc: CloudTasksOidcOptions | undefined;
  private readonly dispatchDeadlineMs: number | undefined;
  private readonly callOptions: { timeout: number };

  constructor(options: CloudTasksTaskQueueOptions) {
    if (!/^[A-Za-z0-9-]+$/.test(options.project) || !/^[A-Za-z0-9-]+$/.test(options.location)) {
      throw new InputError('Cloud Tasks project and location are letters, digits and hyphens');
    }
    const url = new URL(options.targetUrl);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new InputError('The task target must be an http(s) URL');
    if (options.oidc && (!options.oidc.serviceAccountEmail || !options.oidc.audience)) {
      throw new InputError('OIDC needs a service account email and an audience');
    }
    const deadline = options.dispatchDeadlineMs;
    if (deadline !== undefined && !(Number.isSafeInteger(deadline) && deadline >= 15_000 && deadline <= 1_800_000)) {
      throw new InputError('dispatchDeadlineMs must be an integer between 15000 and 1800000');
    }
    this.parent = `projects/${options.project}/locations/${options.location}`;
    this.targetUrl = url.toString();
    this.oidc = options.oidc;
    this.dispatchDeadlineMs = deadline;
    this.callOptions = { timeout: options.callTimeoutMs ?? 10_000 };
    this.client = options.client ?? new CloudTasksClient(options.clientOptions ?? {});
  }

  /** `projects/P/locations/L/queues/<name>`. */
  queuePath(name: string): string {
    assertQueueName(name);
    return `${this.parent}/queues/${name}`;
  }

  async ensureQueue(input: QueueSpec): Promise<EnsureQueueOutcome> {
    const spec = resolveQueueSpec(input);
    const name = this.queuePath(spec.name);
    const desired: IQueue = {
      name,
      retryConfig: { maxAttempts: spec.maxAttempts, minBackoff: toDuration(spec.minBackoffMs), maxBackoff: toDuration(spec.maxBackoffMs) },
      rateLimits: { maxDispatchesPerSecond: spec.maxDispatchesPerSecond, maxConcurrentDispatches: spec.maxConcurrentDispatches },
    };
    const fields = { queue: spec.name };
    let current = await this.getQueue(name, fields);
    if (!current) {
      try {
        await this.client.createQueue({ parent: this.parent, queue: desired }, this.callOptions);
        return 'created';
      } catch (error) {
        const code = grpcCodeOf(error);
        if (code === GrpcStatus.FAILED_PRECONDITION) {
          // Production reserves a deleted queue's name for 7 days, the emulator for its whole run.
          throw new VigiloError('VIG_QUEUE_NAME_RESERVED', 'The queue name was used by a recently deleted queue and cannot be created yet', {
            cause: error,
            fields: { ...fields, grpcCode: code, reason: 'QUEUE_NAME_RESERVED' },
          });
        }
        if (code !== GrpcStatus.ALREADY_EXISTS) throw fromCloudTasksError(error, 'createQueue', fields);
        current = await this.getQueue(name, fields); // created concurrently by someone else
        if (!current) throw new UnavailableError('The queue was created and deleted concurrently', { fields });
      }
    }
    const drift = queueDrift(current, spec);
    if (drift.length === 0) return 'unchanged';
    try {
      await this.client.updateQueue({ queue: desired, updateMask: { paths: drift } }, this.callOptions);
      return 'updated';
    } catch (error) {
      if (grpcCodeOf(error) === GrpcStatus.UNIMPLEMENTED) return 'drifted';
      throw fromCloudTasksError(error, 'updateQueue', fields);
    }
  }

  async queueExists(name: string): Promise<boolean> {
    return (await this.getQueue(this.queuePath(name), { queue: name })) !== undefined;
  }

  async deleteQueue(name: string): Promise<void> {
    const path = this.queuePath(name);
    try {
      await this.client.deleteQueue({ name: path }, this.callOptions);
    } catch (error) {
      if (grpcCodeOf(error) === GrpcStatus.NOT_FOUND) return;
      throw fromCloudTasksError(error, 'deleteQueue', { queue: name });
    }
  }

  async enqueue(queue: string, request: EnqueueRequest): Promise<EnqueueOutcome> {
    const parent = this.queuePath(queue);
    assertTaskName(request.name);
    assertIndexTaskPayload(request.payload);
    const headers = taskRequestHeaders(request.headers);
    const task: ITask = {
      name: `${parent}/tasks/${request.name}`,
      httpRequest: {
        httpMethod: 'POST',
        url: this.targetUrl,
        headers,
        body: Buffer.from(JSON.stringify(request.payload), 'utf8'),
        ...(this.oidc ? { oidcToken: { serviceAccountEmail: this.oidc.serviceAccountEmail, audience: this.oidc.audience } } : {}),
      },
      ...(this.dispatchDeadlineMs !== undefined ? { dispatchDeadline: toDuration(this.dispatchDeadlineMs) } : {}),
    };
    try {
      await this.client.createTask({ parent, task }, this.callOptions);
      return 'enqueued';
    } catch (error) {
      const code = grpcCodeOf(error);
      if (code === GrpcStatus.ALREADY_EXISTS) return 'duplicate';
      const fields = { queue, task: request.name };
      if (code === GrpcStatus.FAILED_PRECONDITION) {
        // "The queue no longer exists, though a queue with this name existed recently" (or it is disabled).
        throw new NotFoundError('The queue no longer exists or is disabled', { cause: error, fields: { ...fields, grpcCode: code } });
      }
      throw fromCloudTasksError(error, 'createTask', fields);
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private async getQueue(name: string, fields: ErrorFields): Promise<IQueue | undefined> {
    try {
      const [queue] = await this.client.getQueue({ name }, this.callOptions);
      return queue;
    } catch (error) {
      if (grpcCodeOf(error) === GrpcStatus.NOT_FOUND) return undefined;
      throw fromCloudTasksError(error, 'getQueue', fields);
    }
  }
}
