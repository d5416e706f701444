import { type StoredReport, type TenantId, toSearchDocument } from '@vigilo/domain';
import { isVigiloError } from '@vigilo/errors';
import { inSpan } from '@vigilo/platform';
import type { BulkItemOutcome, SearchIndex } from '@vigilo/search-engine';
import type { DeadLetterInput } from '@vigilo/postgres';
import { KeyedMicroBatcher, type MicroBatcherOptions } from './microBatcher.js';

/** One delivery of an indexing task, as the queue pushed it. */
export interface IndexDelivery {
  readonly tenant: TenantId;
  readonly safetyreportid: string;
  readonly version: number;
  readonly taskName: string;
  readonly queue: string;
  /** Dispatches before this one (X-CloudTasks-TaskRetryCount). */
  readonly retryCount: number;
  /** W3C traceparent of the delivery's request, linked from the span of the bulk that serves it. */
  readonly traceparent?: string;
}

/**
 * What to answer the queue. `ack` → 2xx (done: indexed, already newer, or
 * parked as a dead letter); otherwise a non-2xx so the queue retries.
 */
export type DeliveryVerdict =
  | { readonly ack: true; readonly outcome: 'indexed' | 'stale' | 'parked' }
  | { readonly ack: false; readonly reason: string };

export interface CurrentStateReader {
  getCurrentMany(tenant: TenantId, safetyreportids: readonly string[]): Promise<Map<string, StoredReport>>;
}

export interface DeadLetterSink {
  park(tenant: TenantId, letter: DeadLetterInput): Promise<void>;
}

export interface IndexingMetrics {
  delivered(outcome: 'indexed' | 'stale' | 'parked' | 'retry'): void;
  bulk(seconds: number, documents: number): void;
  freshness(seconds: number): void;
}

export interface IndexingDeps {
  reports: CurrentStateReader;
  engine: SearchIndex;
  deadLetters: DeadLetterSink;
  /** The queue's maxAttempts: a delivery with retryCount + 1 >= maxAttempts is the last one. */
  maxAttempts: number;
  batching?: MicroBatcherOptions;
  metrics?: Partial<IndexingMetrics>;
  now?: () => number;
}

type ItemResult = { kind: 'done'; outcome: 'indexed' | 'stale' } | { kind: 'failed'; retryable: boolean; code: string; detail: string };

/**
 * The indexer's use case (invariants 2, 3, 5): whatever a task says, load the
 * report's CURRENT state from SQL, de-identify it, write it with its version
 * as an external version; acknowledge only after the engine did; on the last
 * attempt, park the task as a dead letter and acknowledge.
 */
export class IndexingService {
  private readonly batcher: KeyedMicroBatcher<TenantId, IndexDelivery, ItemResult>;

  constructor(private readonly deps: IndexingDeps) {
    this.batcher = new KeyedMicroBatcher((tenant, items) => this.indexBatch(tenant, items), deps.batching);
  }

  async handle(delivery: IndexDelivery): Promise<DeliveryVerdict> {
    let result: ItemResult;
    try {
      result = await this.batcher.add(delivery.tenant, delivery);
    } catch (error) {
      result = {
        kind: 'failed',
        retryable: !isVigiloError(error) || error.retryable,
        code: isVigiloError(error) ? error.code : 'VIG_INTERNAL',
        detail: isVigiloError(error) ? error.message : 'indexing failed',
      };
    }
    if (result.kind === 'done') {
      this.deps.metrics?.delivered?.(result.outcome);
      return { ack: true, outcome: result.outcome };
    }
    const lastAttempt = delivery.retryCount + 1 >= this.deps.maxAttempts;
    if (result.retryable && !lastAttempt) {
      this.deps.metrics?.delivered?.('retry');
      return { ack: false, reason: result.code };
    }
    await this.deps.deadLetters.park(delivery.tenant, {
      taskName: delivery.taskName,
      queue: delivery.queue,
      safetyreportid: delivery.safetyreportid,
      version: delivery.version,
      attempts: delivery.retryCount + 1,
      errorCode: result.code,
      errorDetail: result.detail,
    });
    this.deps.metrics?.delivered?.('parked');
    return { ack: true, outcome: 'parked' };
  }

  /** Flushes pending batches (graceful shutdown). */
  drain(): Promise<void> {
    return this.batcher.drain();
  }

  private async indexBatch(tenant: TenantId, deliveries: IndexDelivery[]): Promise<ItemResult[]> {
    const ids = [...new Set(deliveries.map((d) => d.safetyreportid))];
    const current = await this.deps.reports.getCurrentMany(tenant, ids);
    const operations = [...current.values()].map((stored) => ({
      id: stored.safetyreportid,
      version: stored.version,
      document: toSearchDocument({ tenant, content: stored.content, version: stored.version, nullified: stored.nullified, committedAt: stored.receivedAt }),
    }));
    const started = (this.deps.now ?? Date.now)();
    const outcomes = operations.length
      ? await inSpan('vigilo.index.bulk', { attributes: { 'vigilo.tenant': tenant, 'vigilo.documents': operations.length }, links: deliveries.map((d) => d.traceparent) }, () =>
          this.deps.engine.bulk(tenant, operations),
        )
      : [];
    const finished = (this.deps.now ?? Date.now)();
    this.deps.metrics?.bulk?.((finished - started) / 1000, operations.length);
    const byId = new Map<string, BulkItemOutcome>(outcomes.map((o) => [o.id, o]));
    for (const op of operations) {
      if (byId.get(op.id)?.outcome === 'written') this.deps.metrics?.freshness?.((finished - Date.parse(op.document.vigilo.committedAt)) / 1000);
    }
    return deliveries.map((delivery): ItemResult => {
      const outcome = byId.get(delivery.safetyreportid);
      if (!current.has(delivery.safetyreportid) || !outcome) {
        // The task names a report SQL does not hold (a deleted tenant, a forged task): nothing can ever index it.
        return { kind: 'failed', retryable: false, code: 'VIG_REPORT_NOT_FOUND', detail: 'the report is not in SQL' };
      }
      if (outcome.outcome === 'written') return { kind: 'done', outcome: 'indexed' };
      if (outcome.outcome === 'stale') return { kind: 'done', outcome: 'stale' };
      return { kind: 'failed', retryable: outcome.retryable, code: outcome.retryable ? 'VIG_UNAVAILABLE' : 'VIG_INTERNAL', detail: outcome.reason };
    });
  }
}
