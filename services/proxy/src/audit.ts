import { Counter, type Logger, type Registry } from '@vigilo/platform';
import type { Pool } from '@vigilo/postgres';

/** One decision of the proxy. Never bodies or query strings: they may hold personal data. */
export interface AuditRecord {
  readonly at: Date;
  readonly requestId: string;
  readonly principal: string;
  readonly tenant: string | undefined;
  readonly method: string;
  readonly route: string;
  readonly indexExpressions: readonly string[];
  readonly decision: 'allowed' | 'denied';
  readonly reason: string | undefined;
  readonly status: number;
  readonly latencyMs: number;
}

const MAX_EXPRESSIONS = 50;
const MAX_TEXT = 512;
const clip = (s: string) => (s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT)}…` : s);

/**
 * Every decision goes to the log at once, and to `vigilo.proxy_audit` (append-only) in batches, so the
 * database is not on the request's latency path. Rows wait in memory while the database is unreachable (up
 * to `maxPending`); a crash loses at most the last batch's rows, which the log lines still hold.
 */
export class AuditLog {
  private pending: AuditRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private readonly dropped: Counter;
  private readonly failures: Counter;

  constructor(private readonly deps: { pool: Pool; logger: Logger; registry: Registry; flushMs: number; maxPending: number }) {
    this.dropped = new Counter({ name: 'vigilo_proxy_audit_dropped_total', help: 'Audit rows dropped because too many were waiting for the database.', registers: [deps.registry] });
    this.failures = new Counter({ name: 'vigilo_proxy_audit_write_failures_total', help: 'Failed batch writes of audit rows (they are retried).', registers: [deps.registry] });
    this.timer = setInterval(() => void this.flush(), deps.flushMs);
    this.timer.unref();
  }

  record(input: AuditRecord): void {
    const record = { ...input, route: clip(input.route), indexExpressions: input.indexExpressions.slice(0, MAX_EXPRESSIONS).map(clip), reason: input.reason === undefined ? undefined : clip(input.reason) };
    const { at: _at, ...fields } = record;
    this.deps.logger.info({ audit: true, ...fields }, 'audit');
    this.pending.push(record);
    if (this.pending.length > this.deps.maxPending) {
      const excess = this.pending.length - this.deps.maxPending;
      this.pending.splice(0, excess);
      this.dropped.inc(excess);
    }
  }

  /** Writes what is pending; one batch at a time. */
  async flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.pending.length === 0) return;
    const batch = this.pending.splice(0, 5000);
    this.flushing = (async () => {
      try {
        await this.deps.pool.query(
          `INSERT INTO vigilo.proxy_audit (at, request_id, principal, tenant_id, method, route, index_expressions, decision, reason, status, latency_ms)
           SELECT at, request_id, principal, tenant_id, method, route, index_expressions, decision, reason, status, latency_ms
           FROM jsonb_to_recordset($1::jsonb) AS r(at timestamptz, request_id text, principal text, tenant_id text, method text, route text,
             index_expressions text[], decision text, reason text, status integer, latency_ms double precision)`,
          [
            JSON.stringify(
              batch.map((r) => ({
                at: r.at.toISOString(),
                request_id: r.requestId,
                principal: r.principal,
                tenant_id: r.tenant ?? null,
                method: r.method,
                route: r.route,
                index_expressions: r.indexExpressions,
                decision: r.decision,
                reason: r.reason ?? null,
                status: r.status,
                latency_ms: r.latencyMs,
              })),
            ),
          ],
        );
      } catch (error) {
        this.failures.inc();
        this.deps.logger.error({ err: error, rows: batch.length }, 'audit rows could not be written; will retry');
        this.pending.unshift(...batch);
      } finally {
        this.flushing = undefined;
      }
    })();
    return this.flushing;
  }

  /** Stops the timer and writes everything pending (shutdown). */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (let attempt = 0; attempt < 3 && (this.pending.length > 0 || this.flushing); attempt++) {
      await this.flushing;
      await this.flush();
    }
  }
}
