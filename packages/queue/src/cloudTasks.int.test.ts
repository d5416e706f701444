import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { CloudTasksTaskQueue } from './cloudTasks.js';
import { describeTaskQueueContract, RecordingTarget, uniqueQueueName } from './contract.js';
import { createOidcVerifier } from './oidc.js';
import { indexTaskName } from './names.js';

/** The emulator started by scripts/infra/cloud-tasks/cloud-tasks.sh; a missing variable fails the suite, never skips it. */
function emulator(): { host: string; port: number; issuer: string } {
  const host = process.env['VIGILO_TEST_CLOUD_TASKS_HOST'];
  const port = process.env['VIGILO_TEST_CLOUD_TASKS_PORT'];
  const issuer = process.env['VIGILO_TEST_CLOUD_TASKS_OIDC_ISSUER'];
  if (!host || !port || !issuer) {
    throw new Error('VIGILO_TEST_CLOUD_TASKS_HOST, _PORT and _OIDC_ISSUER must be set: run the tests through scripts/test (it starts the Cloud Tasks emulator)');
  }
  // google-auth would otherwise probe for a GCE metadata server and warn.
  process.env['METADATA_SERVER_DETECTION'] ??= 'none';
  return { host, port: Number(port), issuer };
}

const PROJECT = 'vigilo-test';
const LOCATION = 'local';
const SERVICE_ACCOUNT = 'indexer@vigilo-test.iam.gserviceaccount.com';

function cloudTasksQueue(targetUrl: string, port = emulator().port): CloudTasksTaskQueue {
  const { host } = emulator();
  return new CloudTasksTaskQueue({
    project: PROJECT,
    location: LOCATION,
    targetUrl,
    oidc: { serviceAccountEmail: SERVICE_ACCOUNT, audience: targetUrl },
    clientOptions: { servicePath: host, port, sslCreds: grpc.credentials.createInsecure() },
    callTimeoutMs: 5_000,
  });
}

describeTaskQueueContract('Cloud Tasks (emulator, OIDC)', async ({ url }) => {
  const { issuer } = emulator();
  const queue = cloudTasksQueue(url);
  const verifier = createOidcVerifier({ issuer, audience: url, serviceAccountEmail: SERVICE_ACCOUNT });
  return {
    queue,
    changedSpecOutcome: 'drifted',
    // The emulator's CreateTask is check-then-insert without a lock: racing creates of one name can both succeed.
    concurrentEnqueueDeduplicates: false,
    async authenticate(headers) {
      const token = await verifier.verifyAuthorization(headers['authorization']);
      assert.equal(token.email, SERVICE_ACCOUNT);
    },
    close: () => queue.close(),
  };
});

describe('CloudTasksTaskQueue against the emulator: OIDC verification and failures', function () {
  let target: RecordingTarget;
  let queue: CloudTasksTaskQueue;

  before(async () => {
    emulator();
    target = await RecordingTarget.start();
    queue = cloudTasksQueue(target.url);
  });
  after(async () => {
    await queue?.close();
    await target?.close();
  });

  it("verifies the emulator's token only with the expected issuer, audience and service account, and only with the alg fix", async () => {
    const { issuer } = emulator();
    const q = uniqueQueueName('oidc');
    await queue.ensureQueue({ name: q, maxAttempts: 3, minBackoffMs: 100, maxBackoffMs: 1000 });
    const name = indexTaskName('oidc-tenant', 'R-1', 1);
    await queue.enqueue(q, { name, payload: { tenant: 'oidc-tenant', safetyreportid: 'R-1', version: 1, origin: 'outbox' } });
    const [hit] = await target.waitForDispatches(name, 1);
    const header = hit!.headers['authorization'];
    const ok = await createOidcVerifier({ issuer, audience: target.url, serviceAccountEmail: SERVICE_ACCOUNT }).verifyAuthorization(header);
    assert.equal(ok.issuer, issuer);
    assert.deepEqual(ok.audience, [target.url]);
    const rejects = async (options: Parameters<typeof createOidcVerifier>[0], reason: string, why: string) =>
      assert.rejects(createOidcVerifier(options).verifyAuthorization(header), (e: { name?: string; fields?: { reason?: string } }) => e.name === 'AuthenticationError' && e.fields?.reason === reason, why);
    await rejects({ issuer, audience: 'http://127.0.0.1:1/other', serviceAccountEmail: SERVICE_ACCOUNT }, 'ERR_JWT_CLAIM_VALIDATION_FAILED', 'wrong audience');
    await rejects({ issuer, audience: target.url, serviceAccountEmail: 'other@vigilo-test.iam.gserviceaccount.com' }, 'ERR_UNEXPECTED_EMAIL', 'other service account');
    await rejects({ issuer, audience: target.url, serviceAccountEmail: SERVICE_ACCOUNT, fixAlg: false }, 'ERR_JWKS_NO_MATCHING_KEY', "the emulator's JWKS says RSA256");
    await rejects({ issuer, audience: target.url, serviceAccountEmail: SERVICE_ACCOUNT, jwksUrl: `${issuer}/jwks`, now: () => new Date(Date.now() + 3_600_000) }, 'ERR_JWT_EXPIRED', 'an hour later');
  });

  it('answers UnavailableError (retryable) when Cloud Tasks cannot be reached', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer();
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const unreachable = cloudTasksQueue(target.url, closedPort);
    try {
      await assert.rejects(
        unreachable.enqueue('nowhere', { name: 't', payload: { tenant: 'x-tenant', safetyreportid: 'R', version: 1, origin: 'outbox' } }),
        (e: { name?: string; code?: string; retryable?: boolean }) => e.name === 'UnavailableError' && e.code === 'VIG_UNAVAILABLE' && e.retryable === true,
      );
      await assert.rejects(unreachable.queueExists('nowhere'), { name: 'UnavailableError' });
    } finally {
      await unreachable.close();
    }
  });

  it('refuses to re-create a deleted queue name with QUEUE_NAME_RESERVED (the emulator keeps it for its whole run)', async () => {
    const q = uniqueQueueName('reserved');
    const spec = { name: q, maxAttempts: 3, minBackoffMs: 100, maxBackoffMs: 1000 };
    assert.equal(await queue.ensureQueue(spec), 'created');
    await queue.deleteQueue(q);
    await assert.rejects(queue.ensureQueue(spec), (e: { code?: string; fields?: { reason?: string } }) => e.code === 'VIG_QUEUE_NAME_RESERVED' && e.fields?.reason === 'QUEUE_NAME_RESERVED');
  });
});
