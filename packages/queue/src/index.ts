export {
  type IndexTaskPayload,
  type QueueSpec,
  type EnqueueRequest,
  type EnqueueOutcome,
  type EnsureQueueOutcome,
  type TaskQueue,
  TASK_HEADERS,
  DEFAULT_MAX_DISPATCHES_PER_SECOND,
  DEFAULT_MAX_CONCURRENT_DISPATCHES,
} from './ports.js';
export {
  indexTaskName,
  indexQueueName,
  indexQueueNames,
  indexQueueShard,
  MAX_INDEX_QUEUE_SHARDS,
  assertIndexTaskPayload,
  assertTaskName,
  assertQueueName,
  resolveQueueSpec,
  TASK_NAME_PATTERN,
  QUEUE_NAME_PATTERN,
  type TaskNameOrigin,
  type ResolvedQueueSpec,
} from './names.js';
export { retryBackoffMs, afterFailedDispatch, isLastAttempt, DEFAULT_MAX_DOUBLINGS, type BackoffPolicy } from './backoff.js';
export {
  readTaskHeaders,
  taskRequestHeaders,
  validateExtraHeaders,
  dispatchHeaders,
  formatTaskEta,
  TASK_CONTENT_TYPE,
  POSTGRES_DISPATCHER_USER_AGENT,
  MAX_EXTRA_HEADERS,
  MAX_EXTRA_HEADER_BYTES,
  type TaskDispatchInfo,
  type DispatchHeaderInput,
} from './headers.js';
export { createOidcVerifier, GOOGLE_OIDC_ISSUER, type OidcVerifier, type OidcVerifierOptions, type VerifiedOidcToken } from './oidc.js';
export { verifySharedSecret } from './sharedSecret.js';
export {
  CloudTasksTaskQueue,
  fromCloudTasksError,
  queueDrift,
  type CloudTasksTaskQueueOptions,
  type CloudTasksOidcOptions,
  type CloudTasksClientOptions,
  type CloudTasksApi,
} from './cloudTasks.js';
export { migrateTaskQueue, TASK_QUEUE_SCHEMA_VERSION, TASK_QUEUE_MIGRATION_SCOPE, TASK_NOTIFY_CHANNEL } from './postgresMigrations.js';
export { PostgresTaskQueue, DEFAULT_TASK_RETENTION_MS, fromDatabaseError, type PostgresTaskQueueOptions, type TaskState } from './postgresTaskQueue.js';
export {
  PostgresTaskDispatcher,
  leaseDueTasks,
  completeDispatch,
  purgeFinishedTasks,
  burstSize,
  type PostgresTaskDispatcherOptions,
  type DispatcherLogger,
  type LeasedQueue,
  type LeasedTask,
  type LeaseResult,
  type DispatchResult,
} from './postgresDispatcher.js';
/** Test support: the contract suite every TaskQueue adapter passes, and its recording HTTP target. */
export {
  describeTaskQueueContract,
  RecordingTarget,
  waitFor,
  uniqueQueueName,
  type TaskQueueContractSubject,
  type TaskQueueContractFactory,
  type ReceivedDispatch,
  type TaskResponsePlan,
} from './contract.js';
