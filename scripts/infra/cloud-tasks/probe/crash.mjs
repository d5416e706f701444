// RPCs that crash the emulator (v1.2.0). Usage: node crash.mjs exhausted-purge|inflight-purge|pause-missing|purge-missing
// Run through ./run.sh, which restarts the emulator before each case and reports whether it survived.
import http from 'node:http';
import { CloudTasksClient } from '@google-cloud/tasks';
import * as grpc from '@grpc/grpc-js';
const mode = process.argv[2];
const PORT = Number(process.env.VIGILO_TEST_CLOUD_TASKS_PORT);
const PARENT = 'projects/vigilo-test/locations/local';
const Q = `${PARENT}/queues/qc`;
const sleep = (n) => new Promise((r) => setTimeout(r, n));
let hits = 0;
const server = http.createServer((req, res) => { hits++; const slow = req.url === '/slow'; setTimeout(() => { res.writeHead(slow ? 200 : 500); res.end(); }, slow ? 1500 : 0); });
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = (p) => `http://127.0.0.1:${server.address().port}${p}`;
const c = new CloudTasksClient({ servicePath: '127.0.0.1', port: PORT, sslCreds: grpc.credentials.createInsecure() });
const res = async (p) => { try { await p; return 'OK'; } catch (e) { return `${e.code} ${e.details}`; } };
const opts = { timeout: 3000, retry: null };
if (mode !== 'pause-missing' && mode !== 'purge-missing') {
  await c.createQueue({ parent: PARENT, queue: { name: Q, retryConfig: { maxAttempts: 2, minBackoff: { nanos: 1e8 }, maxBackoff: { seconds: 1 } } } });
}
if (mode === 'exhausted-purge') {
  await c.createTask({ parent: Q, task: { name: `${Q}/tasks/dead`, httpRequest: { url: url('/fail') } } });
  await sleep(1500);
  console.log('dispatches before purge:', hits);
  console.log('purgeQueue with an exhausted task ->', await res(c.purgeQueue({ name: Q }, opts)));
} else if (mode === 'inflight-purge') {
  await c.createTask({ parent: Q, task: { name: `${Q}/tasks/slow`, httpRequest: { url: url('/slow') } } });
  await sleep(300);
  console.log('purgeQueue while a dispatch is in flight ->', await res(c.purgeQueue({ name: Q }, opts)));
} else if (mode === 'pause-missing') {
  console.log('pauseQueue of a missing queue ->', await res(c.pauseQueue({ name: `${PARENT}/queues/missing` }, opts)));
} else if (mode === 'purge-missing') {
  console.log('purgeQueue of a missing queue ->', await res(c.purgeQueue({ name: `${PARENT}/queues/missing` }, opts)));
}
await sleep(500);
console.log('listQueues afterwards ->', await res(c.listQueues({ parent: PARENT }, opts)));
process.exit(0);
