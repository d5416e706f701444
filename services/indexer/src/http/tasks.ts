import { isTenantId, type TenantId } from '@vigilo/domain';
import { AuthenticationError, InputError, UnavailableError } from '@vigilo/errors';
import { type Express, type Request, currentTraceparent, express } from '@vigilo/platform';
import type { IndexingService } from '../core/indexing.js';

/** Verifies that a delivery comes from our queue; throws AuthenticationError otherwise. */
export type TaskAuthenticator = (req: Request) => Promise<void>;

const REPORT_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

function header(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

function parsePayload(body: unknown): { tenant: TenantId; safetyreportid: string; version: number } {
  const b = body as { tenant?: unknown; safetyreportid?: unknown; version?: unknown } | null;
  if (!b || !isTenantId(b.tenant) || typeof b.safetyreportid !== 'string' || !REPORT_ID.test(b.safetyreportid) || !Number.isInteger(b.version) || (b.version as number) < 1) {
    throw new InputError('The task payload must be {tenant, safetyreportid, version}', { code: 'VIG_REQUEST_INVALID_PARAMETER' });
  }
  return { tenant: b.tenant, safetyreportid: b.safetyreportid, version: b.version as number };
}

/** The queue's HTTP target. 2xx acknowledges the task; anything else makes the queue retry it with backoff. */
export function mountTaskRoutes(app: Express, deps: { service: IndexingService; authenticate: TaskAuthenticator }): void {
  app.post('/v1/tasks/index', express.json({ limit: '16kb', type: () => true }), async (req, res) => {
    await deps.authenticate(req);
    const payload = parsePayload(req.body);
    const retryCount = Number(header(req, 'x-cloudtasks-taskretrycount') ?? '0');
    const traceparent = currentTraceparent();
    const verdict = await deps.service.handle({
      ...payload,
      taskName: header(req, 'x-cloudtasks-taskname') ?? 'unnamed',
      queue: header(req, 'x-cloudtasks-queuename') ?? 'unknown',
      retryCount: Number.isInteger(retryCount) && retryCount >= 0 ? retryCount : 0,
      ...(traceparent ? { traceparent } : {}),
    });
    if (!verdict.ack) throw new UnavailableError('Indexing failed for now; the queue will retry', { fields: { reason: verdict.reason } });
    res.status(200).json({ outcome: verdict.outcome });
  });
}

export { AuthenticationError };
