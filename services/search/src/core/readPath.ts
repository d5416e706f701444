import { isVigiloError } from '@vigilo/errors';
import CircuitBreaker from 'opossum';

/** Why an answer came from SQL instead of the engine. */
export type DegradedReason = 'engine-not-configured' | 'circuit-open' | 'engine-timeout' | 'engine-unavailable';

export type Answer<T> = { readonly value: T; readonly degraded: false } | { readonly value: T; readonly degraded: true; readonly reason: DegradedReason };

export interface BreakerOptions {
  /** Engine calls slower than this fail (and count against the engine). */
  readonly timeoutMs: number;
  /** Share of failed calls in the window, in per cent, that opens the circuit. */
  readonly errorThresholdPercentage: number;
  /** Calls needed in the window before the circuit may open. */
  readonly volumeThreshold: number;
  readonly rollingWindowMs: number;
  /** Open time before a half-open probe. */
  readonly resetTimeoutMs: number;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface ReadPathEvents {
  onFallback?(reason: DegradedReason, operation: string): void;
  onStateChange?(state: BreakerState): void;
}

/** An engine failure worth falling back for: the engine is down, overloaded or too slow. Anything else is a bug or a client error. */
function isAvailabilityFailure(error: unknown): boolean {
  if (isVigiloError(error)) return error.code === 'VIG_UNAVAILABLE';
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ETIMEDOUT' || code === 'ECONNREFUSED' || code === 'ECONNRESET';
}

/**
 * Reads from the engine behind a circuit breaker (opossum), and from SQL when the circuit is open or the
 * engine call fails for availability reasons. Errors that are not about availability (an invalid query the
 * engine refuses, a bug) are not counted against the engine and are not hidden by the fallback.
 */
export class EngineFirstReadPath {
  private readonly breaker: CircuitBreaker<[() => Promise<unknown>], unknown> | undefined;

  constructor(
    engineConfigured: boolean,
    options: BreakerOptions,
    private readonly events: ReadPathEvents = {},
  ) {
    if (!engineConfigured) return;
    this.breaker = new CircuitBreaker(async (call: () => Promise<unknown>) => call(), {
      timeout: options.timeoutMs,
      errorThresholdPercentage: options.errorThresholdPercentage,
      volumeThreshold: options.volumeThreshold,
      rollingCountTimeout: options.rollingWindowMs,
      resetTimeout: options.resetTimeoutMs,
      errorFilter: (error: unknown) => !isAvailabilityFailure(error),
    });
    this.breaker.on('open', () => events.onStateChange?.('open'));
    this.breaker.on('halfOpen', () => events.onStateChange?.('half-open'));
    this.breaker.on('close', () => events.onStateChange?.('closed'));
  }

  get state(): BreakerState {
    if (!this.breaker) return 'open';
    return this.breaker.opened ? 'open' : this.breaker.halfOpen ? 'half-open' : 'closed';
  }

  async read<T>(operation: string, fromEngine: () => Promise<T>, fromSql: () => Promise<T>): Promise<Answer<T>> {
    if (!this.breaker) return this.degraded('engine-not-configured', operation, fromSql);
    try {
      return { value: (await this.breaker.fire(fromEngine)) as T, degraded: false };
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 'EOPENBREAKER') return this.degraded('circuit-open', operation, fromSql);
      if (code === 'ETIMEDOUT') return this.degraded('engine-timeout', operation, fromSql);
      if (isAvailabilityFailure(error)) return this.degraded('engine-unavailable', operation, fromSql);
      throw error;
    }
  }

  private async degraded<T>(reason: DegradedReason, operation: string, fromSql: () => Promise<T>): Promise<Answer<T>> {
    this.events.onFallback?.(reason, operation);
    return { value: await fromSql(), degraded: true, reason };
  }

  shutdown(): void {
    this.breaker?.shutdown();
  }
}
