// Further emulator facts: unreachable target, maxAttempts -1, queue defaults, throughput, rate limits.
// Run through ./run.sh.
import http from 'node:http';
import { CloudTasksClient } from '@google-cloud/tasks';
import * as grpc from '@grpc/grpc-js';
const PORT = Number(process.env.VIGILO_TEST_CLOUD_TASKS_PORT);
const PARENT = 'projects/vigilo-test/locations/local';
const sleep = (n) => new Promise((r) => setTimeout(r, n));
const c = new CloudTasksClient({ servicePath: '127.0.0.1', port: PORT, sslCreds: grpc.credentials.createInsecure() });
const hits = [];
const server = http.createServer((req, res) => { hits.push({ t: Date.now(), id: req.headers['x-cloudtasks-taskname'], rc: req.headers['x-cloudtasks-taskretrycount'] }); res.writeHead(req.url === '/fail' ? 500 : 204); res.end(); });
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = (p) => `http://127.0.0.1:${server.address().port}${p}`;
// unreachable target
const QU = `${PARENT}/queues/qunreach`;
await c.createQueue({ parent: PARENT, queue: { name: QU, retryConfig: { maxAttempts: 2, minBackoff: { nanos: 1e8 }, maxBackoff: { seconds: 1 } } } });
await c.createTask({ parent: QU, task: { name: `${QU}/tasks/u1`, httpRequest: { url: 'http://127.0.0.1:1/nothing' } } });
await sleep(1000);
const [u] = await c.getTask({ name: `${QU}/tasks/u1` });
console.log('unreachable target: dispatchCount', u.dispatchCount, 'responseCount', u.responseCount, 'last status', JSON.stringify(u.lastAttempt?.responseStatus));
// maxAttempts -1 (unlimited in real Cloud Tasks)
const QM = `${PARENT}/queues/qminus1`;
const [qm] = await c.createQueue({ parent: PARENT, queue: { name: QM, retryConfig: { maxAttempts: -1, minBackoff: { nanos: 1e8 }, maxBackoff: { seconds: 1 } } } });
console.log('maxAttempts -1 stored as', qm.retryConfig.maxAttempts);
await c.createTask({ parent: QM, task: { name: `${QM}/tasks/m1`, httpRequest: { url: url('/fail') } } });
await sleep(1500);
console.log('maxAttempts -1: dispatches in 1.5 s =', hits.filter((h) => h.id === 'm1').length);
// maxAttempts unset -> default
const QD = `${PARENT}/queues/qdefault`;
const [qd] = await c.createQueue({ parent: PARENT, queue: { name: QD } });
console.log('defaults:', JSON.stringify(qd.retryConfig), JSON.stringify(qd.rateLimits));
// throughput: 300 tasks, default rate limits
const t0 = Date.now();
await Promise.all(Array.from({ length: 300 }, (_, i) => c.createTask({ parent: QD, task: { name: `${QD}/tasks/b${i}`, httpRequest: { url: url('/ok') } } })));
const created = Date.now();
while (hits.filter((h) => h.id?.startsWith('b')).length < 300 && Date.now() - t0 < 20000) await sleep(20);
const b = hits.filter((h) => h.id?.startsWith('b'));
console.log(`300 tasks: created in ${created - t0}ms, all ${b.length} dispatched ${Date.now() - t0}ms after the first create`);
// rate limit honoured
const QR = `${PARENT}/queues/qrate`;
await c.createQueue({ parent: PARENT, queue: { name: QR, rateLimits: { maxDispatchesPerSecond: 10, maxBurstSize: 1, maxConcurrentDispatches: 1 } } });
const t1 = Date.now();
await Promise.all(Array.from({ length: 20 }, (_, i) => c.createTask({ parent: QR, task: { name: `${QR}/tasks/r${i}`, httpRequest: { url: url('/ok') } } })));
while (hits.filter((h) => h.id?.startsWith('r')).length < 20 && Date.now() - t1 < 20000) await sleep(20);
console.log(`maxDispatchesPerSecond 10, burst 1: 20 tasks dispatched in ${Date.now() - t1}ms`);
process.exit(0);
