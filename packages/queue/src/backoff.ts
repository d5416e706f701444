/** Cloud Tasks' default `maxDoublings`: the backoff stops doubling after this many doublings. */
export const DEFAULT_MAX_DOUBLINGS = 16;

export interface BackoffPolicy {
  readonly minBackoffMs: number;
  readonly maxBackoffMs: number;
  /** @default 16 (Cloud Tasks' default) */
  readonly maxDoublings?: number;
}

/**
 * The wait before the next dispatch after `dispatchCount` dispatches failed
 * (`dispatchCount` ≥ 1): `min(maxBackoff, minBackoff × 2^min(dispatchCount − 1, maxDoublings))`,
 * the schedule observed in the Cloud Tasks emulator (ADR 0101): 0.1 s, 0.2 s,
 * 0.4 s, … up to `maxBackoff`.
 */
export function retryBackoffMs(dispatchCount: number, policy: BackoffPolicy): number {
  if (!Number.isSafeInteger(dispatchCount) || dispatchCount < 1) {
    throw new RangeError('dispatchCount must be a positive integer');
  }
  const doublings = Math.min(dispatchCount - 1, policy.maxDoublings ?? DEFAULT_MAX_DOUBLINGS);
  return Math.min(policy.maxBackoffMs, policy.minBackoffMs * 2 ** doublings);
}

/**
 * What happens after a failed dispatch: with `dispatchCount` dispatches made
 * and `maxAttempts` allowed, either the task is exhausted (the queue stops;
 * the handler parked it on this last attempt) or it is retried after the
 * backoff.
 */
export function afterFailedDispatch(
  dispatchCount: number,
  policy: BackoffPolicy & { readonly maxAttempts: number },
): { readonly exhausted: true } | { readonly exhausted: false; readonly backoffMs: number } {
  if (dispatchCount >= policy.maxAttempts) return { exhausted: true };
  return { exhausted: false, backoffMs: retryBackoffMs(dispatchCount, policy) };
}

/**
 * Whether a dispatch is the task's last one, from the retry count it carried
 * (`X-CloudTasks-TaskRetryCount`, dispatches before this one) and the queue's
 * `maxAttempts` (from the handler's own configuration: no header tells it).
 * The indexer parks the task in its dead-letter table and answers 2xx when
 * this is true.
 */
export function isLastAttempt(retryCount: number, maxAttempts: number): boolean {
  return retryCount + 1 >= maxAttempts;
}
