// Behaviour probe of the Cloud Tasks emulator: queue CRUD, HTTP task with OIDC token, headers, JWT
// verification against the issuer's JWKS, retries/backoff, ALREADY_EXISTS, purge with hard reset,
// max attempts, pause/resume, unimplemented RPCs. Every line it prints is recorded in
// docs/adr/0101-cloud-tasks-emulator.md. Run through ./run.sh (it installs the client in a temp dir).
import http from 'node:http';
import { CloudTasksClient } from '@google-cloud/tasks';
import * as grpc from '@grpc/grpc-js';
import * as jose from 'jose';

const HOST = process.env.VIGILO_TEST_CLOUD_TASKS_HOST;
const PORT = Number(process.env.VIGILO_TEST_CLOUD_TASKS_PORT);
const ISSUER = process.env.VIGILO_TEST_CLOUD_TASKS_OIDC_ISSUER;
const SA = 'indexer@vigilo-test.iam.gserviceaccount.com';
const PARENT = 'projects/vigilo-test/locations/local';
const Q1 = `${PARENT}/queues/q1`;
const T0 = Date.now();
const ms = () => String(Date.now() - T0).padStart(6);
const out = (...a) => console.log(`[${ms()}ms]`, ...a);
const sleep = (n) => new Promise((r) => setTimeout(r, n));
let passed = 0, failed = 0;
const check = (label, ok, extra = '') => {
  if (ok) passed++; else failed++;
  out(`${ok ? 'PASS' : 'FAIL'} ${label}${extra ? ' :: ' + extra : ''}`);
};

// ---- target server -------------------------------------------------------------------------
const received = []; // {t, taskName, headers, body, url, method}
const plans = new Map(); // task id -> array of statuses (last one repeats)
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const id = req.headers['x-cloudtasks-taskname'];
    const n = received.filter((r) => r.id === id).length;
    const plan = plans.get(id) ?? [200];
    const status = plan[Math.min(n, plan.length - 1)];
    received.push({ t: Date.now(), id, method: req.method, url: req.url, headers: req.headers, rawHeaders: req.rawHeaders, body: Buffer.concat(chunks).toString('utf8'), status });
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(String(status));
  });
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const TPORT = server.address().port;
const TARGET = `http://127.0.0.1:${TPORT}/tasks`;
out('target server', TARGET);
const waitFor = async (pred, timeoutMs, label) => {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) { if (pred()) return true; await sleep(20); }
  out(`timeout waiting for ${label}`);
  return false;
};
const attemptsOf = (id) => received.filter((r) => r.id === id);

// ---- client --------------------------------------------------------------------------------
const client = new CloudTasksClient({ servicePath: HOST, port: PORT, sslCreds: grpc.credentials.createInsecure() });
const codeOf = async (p) => { try { await p; return 0; } catch (e) { return { code: e.code, details: e.details ?? e.message }; } };

// ---- queue ---------------------------------------------------------------------------------
const [q] = await client.createQueue({
  parent: PARENT,
  queue: { name: Q1, retryConfig: { maxAttempts: 3, minBackoff: { nanos: 100_000_000 }, maxBackoff: { seconds: 1 } } },
});
out('createQueue ->', JSON.stringify({ name: q.name, state: q.state, rateLimits: q.rateLimits, retryConfig: q.retryConfig }));
check('createQueue q1', q.name === Q1 && q.retryConfig.maxAttempts === 3);
const dup = await codeOf(client.createQueue({ parent: PARENT, queue: { name: Q1 } }));
check('createQueue again -> ALREADY_EXISTS (6)', dup.code === 6, JSON.stringify(dup));
const [gq] = await client.getQueue({ name: Q1 });
check('getQueue', gq.name === Q1 && gq.state === 'RUNNING', `state=${gq.state}`);
const [lq] = await client.listQueues({ parent: PARENT });
check('listQueues', lq.some((x) => x.name === Q1), lq.map((x) => x.name).join(','));
const missing = await codeOf(client.getQueue({ name: `${PARENT}/queues/nope` }));
check('getQueue missing -> NOT_FOUND (5)', missing.code === 5, JSON.stringify(missing));

// ---- task with OIDC, 500, 500, 200 -----------------------------------------------------------
const AUD = `http://127.0.0.1:${TPORT}/tasks`;
const name1 = `${Q1}/tasks/t1-r42-v3`;
plans.set('t1-r42-v3', [500, 500, 200]);
const body1 = JSON.stringify({ tenant: 't1', report: 'r42', version: 3 });
const [t1] = await client.createTask({
  parent: Q1,
  task: {
    name: name1,
    httpRequest: {
      httpMethod: 'POST', url: TARGET, headers: { 'Content-Type': 'application/json', 'X-Vigilo-Test': 'yes' },
      body: Buffer.from(body1), oidcToken: { serviceAccountEmail: SA, audience: AUD },
    },
  },
});
out('createTask ->', JSON.stringify({ name: t1.name, scheduleTime: t1.scheduleTime, dispatchDeadline: t1.dispatchDeadline, view: t1.view, dispatchCount: t1.dispatchCount, headers: t1.httpRequest.headers, oidc: t1.httpRequest.oidcToken }));
check('createTask returns the given name', t1.name === name1);
const whilePending = await codeOf(client.createTask({ parent: Q1, task: { name: name1, httpRequest: { url: TARGET } } }));
out('createTask same name while the first is pending ->', JSON.stringify(whilePending));
await waitFor(() => attemptsOf('t1-r42-v3').length >= 3, 10_000, '3 attempts of t1');
await sleep(300);
const a1 = attemptsOf('t1-r42-v3');
check('t1 attempted exactly 3 times (500, 500, 200)', a1.length === 3, a1.map((a) => a.status).join(','));
a1.forEach((a, i) => {
  const h = a.headers;
  out(`attempt ${i + 1}: +${a.t - a1[0].t}ms status=${a.status} ${a.method} ${a.url}`);
  out(`   raw header names: ${a.rawHeaders.filter((_, j) => j % 2 === 0).join(', ')}`);
  out(`   X-CloudTasks-QueueName=${h['x-cloudtasks-queuename']} TaskName=${h['x-cloudtasks-taskname']} TaskRetryCount=${h['x-cloudtasks-taskretrycount']} TaskExecutionCount=${h['x-cloudtasks-taskexecutioncount']} TaskETA=${h['x-cloudtasks-tasketa']}`);
  out(`   user-agent=${h['user-agent']} content-type=${h['content-type']} x-vigilo-test=${h['x-vigilo-test']} body=${a.body}`);
});
check('retry count header 0,1,2', a1.map((a) => a.headers['x-cloudtasks-taskretrycount']).join() === '0,1,2');
check('queue name header is the short id', a1[0].headers['x-cloudtasks-queuename'] === 'q1');
check('task name header is the short id', a1[0].headers['x-cloudtasks-taskname'] === 't1-r42-v3');
check('body and content-type delivered', a1[0].body === body1 && a1[0].headers['content-type'] === 'application/json');
check('custom header delivered', a1[0].headers['x-vigilo-test'] === 'yes');
if (a1.length === 3) out(`gaps between attempts: ${a1[1].t - a1[0].t}ms, ${a1[2].t - a1[1].t}ms`);

// ---- JWT ---------------------------------------------------------------------------------------
const auth = a1[0].headers.authorization ?? '';
check('Authorization: Bearer <JWT>', /^Bearer [\w-]+\.[\w-]+\.[\w-]+$/.test(auth));
const jwt = auth.slice('Bearer '.length);
out('JWT header', JSON.stringify(jose.decodeProtectedHeader(jwt)));
const claims = jose.decodeJwt(jwt);
out('JWT claims', JSON.stringify(claims), `exp-iat=${claims.exp - claims.iat}s`);
const tokens = a1.map((a) => a.headers.authorization);
out('a new token on each attempt:', new Set(tokens).size === tokens.length, '(same iat within a second gives the same token)');
const disco = await (await fetch(`${ISSUER}/.well-known/openid-configuration`)).json();
out('discovery', JSON.stringify(disco));
check('discovery issuer = VIGILO_TEST_CLOUD_TASKS_OIDC_ISSUER', disco.issuer === ISSUER && claims.iss === ISSUER);
const jwksJson = await (await fetch(disco.jwks_uri)).json();
out('jwks', JSON.stringify(jwksJson).slice(0, 120) + '...');
let remoteErr = null;
try {
  await jose.jwtVerify(jwt, jose.createRemoteJWKSet(new URL(disco.jwks_uri)), { issuer: ISSUER, audience: AUD, algorithms: ['RS256'] });
} catch (e) { remoteErr = `${e.code}: ${e.message}`; }
out('jose createRemoteJWKSet + jwtVerify ->', remoteErr ?? 'OK');
// Workaround: the JWK says alg "RSA256" (not a JOSE name); drop it before building the key set.
const fixed = { keys: jwksJson.keys.map(({ alg, ...k }) => ({ ...k, alg: alg === 'RSA256' ? 'RS256' : alg })) };
const { payload } = await jose.jwtVerify(jwt, jose.createLocalJWKSet(fixed), { issuer: ISSUER, audience: AUD, algorithms: ['RS256'] });
check('signature verifies with the JWKS once alg RSA256 is corrected to RS256', payload.email === SA);
check('claims: sub = email = service account, email_verified', payload.sub === SA && payload.email === SA && payload.email_verified === true);
check('claims: aud = given audience', payload.aud === AUD);
const wrongAud = await codeOf(jose.jwtVerify(jwt, jose.createLocalJWKSet(fixed), { issuer: ISSUER, audience: 'http://other' }));
check('wrong audience rejected', wrongAud !== 0, JSON.stringify(wrongAud));

// ---- after success ---------------------------------------------------------------------------
const gt = await codeOf(client.getTask({ name: name1 }));
check('getTask after success -> FAILED_PRECONDITION (9)', gt.code === 9, JSON.stringify(gt));
const [lt] = await client.listTasks({ parent: Q1 });
check('listTasks after success is empty', lt.length === 0, `${lt.length}`);
const again = await codeOf(client.createTask({ parent: Q1, task: { name: name1, httpRequest: { url: TARGET } } }));
check('createTask same name after success -> ALREADY_EXISTS (6)', again.code === 6, JSON.stringify(again));

// ---- purge with -hard-reset-on-purge-queue releases names ------------------------------------
const [pq] = await client.purgeQueue({ name: Q1 });
out('purgeQueue ->', pq.name, pq.state);
plans.set('t1-r42-v3', [200]);
const before = attemptsOf('t1-r42-v3').length;
const reuse = await codeOf(client.createTask({ parent: Q1, task: { name: name1, httpRequest: { url: TARGET, oidcToken: { serviceAccountEmail: SA } } } }));
check('createTask same name after purgeQueue succeeds', reuse === 0, JSON.stringify(reuse));
await waitFor(() => attemptsOf('t1-r42-v3').length > before, 5000, 'reused name dispatch');
const reused = attemptsOf('t1-r42-v3').at(-1);
check('reused name dispatched', !!reused && reused.headers['x-cloudtasks-taskretrycount'] === '0');
const c2 = jose.decodeJwt(reused.headers.authorization.slice(7));
check('audience defaults to the task URL when oidcToken.audience is omitted', c2.aud === TARGET, c2.aud);
out('no Content-Type given ->', JSON.stringify(reused.headers['content-type']), 'method', reused.method, 'body', JSON.stringify(reused.body));

// ---- purge removes pending tasks --------------------------------------------------------------
plans.set('later', [200]);
await client.createTask({ parent: Q1, task: { name: `${Q1}/tasks/later`, scheduleTime: { seconds: Math.floor(Date.now() / 1000) + 2 }, httpRequest: { url: TARGET } } });
const [lt2] = await client.listTasks({ parent: Q1 });
check('listTasks shows a scheduled task', lt2.some((t) => t.name === `${Q1}/tasks/later`), lt2.map((t) => t.name).join(','));
await client.purgeQueue({ name: Q1 });
await sleep(2500);
check('a purged scheduled task never fires', attemptsOf('later').length === 0);
const gtp = await codeOf(client.getTask({ name: `${Q1}/tasks/later` }));
check('getTask after hard-reset purge -> NOT_FOUND (5)', gtp.code === 5, JSON.stringify(gtp));

// ---- unnamed task, invalid names ----------------------------------------------------------------
const [un] = await client.createTask({ parent: Q1, task: { httpRequest: { url: TARGET } } });
out('unnamed task gets', un.name);
const bad = await codeOf(client.createTask({ parent: Q1, task: { name: `${Q1}/tasks/has:colon`, httpRequest: { url: TARGET } } }));
out('task id with ":" ->', JSON.stringify(bad));
await sleep(300);
out('   dispatched with X-CloudTasks-TaskName =', JSON.stringify(received.filter((r) => r.id && r.id.startsWith('has')).map((r) => r.id)));
const other = await codeOf(client.createTask({ parent: Q1, task: { name: `${PARENT}/queues/q2/tasks/x`, httpRequest: { url: TARGET } } }));
check('task name of another queue -> INVALID_ARGUMENT (3)', other.code === 3, JSON.stringify(other));
const noq = await codeOf(client.createTask({ parent: `${PARENT}/queues/nope`, task: { httpRequest: { url: TARGET } } }));
check('createTask on missing queue -> NOT_FOUND (5)', noq.code === 5, JSON.stringify(noq));

// ---- max attempts exhausted --------------------------------------------------------------------
plans.set('dead-1', [503]);
const deadName = `${Q1}/tasks/dead-1`;
await client.createTask({ parent: Q1, task: { name: deadName, httpRequest: { url: TARGET, oidcToken: { serviceAccountEmail: SA, audience: AUD } } } });
await waitFor(() => attemptsOf('dead-1').length >= 3, 10_000, '3 attempts of dead-1');
await sleep(3000);
const ad = attemptsOf('dead-1');
check('exhausted task: exactly maxAttempts=3 dispatches, then none', ad.length === 3, `${ad.length}`);
ad.forEach((a, i) => out(`dead attempt ${i + 1}: +${a.t - ad[0].t}ms RetryCount=${a.headers['x-cloudtasks-taskretrycount']} ExecutionCount=${a.headers['x-cloudtasks-taskexecutioncount']}`));
const gd = await codeOf(client.getTask({ name: deadName }));
out('getTask of the exhausted task ->', gd === 0 ? 'OK (still exists)' : JSON.stringify(gd));
if (gd === 0) {
  const [tt] = await client.getTask({ name: deadName, responseView: 'FULL' });
  out('   ', JSON.stringify({ dispatchCount: tt.dispatchCount, responseCount: tt.responseCount, firstAttempt: tt.firstAttempt, lastAttempt: tt.lastAttempt, scheduleTime: tt.scheduleTime }));
}
const [ltd] = await client.listTasks({ parent: Q1 });
out('listTasks after exhaustion ->', ltd.map((t) => t.name).join(',') || '(empty)');
const dd = await codeOf(client.createTask({ parent: Q1, task: { name: deadName, httpRequest: { url: TARGET } } }));
check('createTask same name after exhaustion -> ALREADY_EXISTS (6)', dd.code === 6, JSON.stringify(dd));
const del = await codeOf(client.deleteTask({ name: deadName }));
out('deleteTask of the exhausted task ->', del === 0 ? 'OK' : JSON.stringify(del));
await sleep(200);
const [ltd2] = await client.listTasks({ parent: Q1 });
out('listTasks after deleteTask ->', ltd2.map((t) => t.name).join(',') || '(empty)');
const gd2 = await codeOf(client.getTask({ name: deadName }));
out('getTask after deleteTask ->', gd2 === 0 ? 'OK (still exists)' : JSON.stringify(gd2));

// ---- deleteTask of a pending task ---------------------------------------------------------------
plans.set('to-delete', [200]);
await client.createTask({ parent: Q1, task: { name: `${Q1}/tasks/to-delete`, scheduleTime: { seconds: Math.floor(Date.now() / 1000) + 2 }, httpRequest: { url: TARGET } } });
const dp = await codeOf(client.deleteTask({ name: `${Q1}/tasks/to-delete` }));
await sleep(2500);
check('deleteTask of a scheduled task: OK and it never fires', dp === 0 && attemptsOf('to-delete').length === 0, JSON.stringify(dp));
const dpa = await codeOf(client.createTask({ parent: Q1, task: { name: `${Q1}/tasks/to-delete`, httpRequest: { url: TARGET } } }));
check('createTask with a deleted task name -> ALREADY_EXISTS (6)', dpa.code === 6, JSON.stringify(dpa));

// ---- backoff with a larger minBackoff and maxDoublings ------------------------------------------
const QB = `${PARENT}/queues/qbackoff`;
await client.createQueue({ parent: PARENT, queue: { name: QB, retryConfig: { maxAttempts: 5, minBackoff: { nanos: 200_000_000 }, maxBackoff: { seconds: 1 } } } });
plans.set('backoff', [500, 500, 500, 500, 200]);
await client.createTask({ parent: QB, task: { name: `${QB}/tasks/backoff`, httpRequest: { url: TARGET } } });
await waitFor(() => attemptsOf('backoff').length >= 5, 15_000, '5 attempts of backoff');
const ab = attemptsOf('backoff');
out('backoff min 0.2s max 1s, gaps:', ab.slice(1).map((a, i) => a.t - ab[i].t).join('ms, ') + 'ms');

// ---- pause / resume --------------------------------------------------------------------------
const QP = `${PARENT}/queues/qpause`;
await client.createQueue({ parent: PARENT, queue: { name: QP } });
const [paused] = await client.pauseQueue({ name: QP });
check('pauseQueue -> state PAUSED', paused.state === 'PAUSED', paused.state);
const [gp] = await client.getQueue({ name: QP });
out('getQueue of the paused queue -> state', gp.state);
plans.set('p1', [200]);
await client.createTask({ parent: QP, task: { name: `${QP}/tasks/p1`, httpRequest: { url: TARGET } } });
await sleep(1500);
check('no dispatch while paused', attemptsOf('p1').length === 0);
const [resumed] = await client.resumeQueue({ name: QP });
check('resumeQueue -> state RUNNING', resumed.state === 'RUNNING', resumed.state);
const got = await waitFor(() => attemptsOf('p1').length >= 1, 5000, 'p1 after resume');
check('task created while paused is dispatched after resume', got);
for (let i = 2; i <= 6; i++) { plans.set(`p${i}`, [200]); await client.createTask({ parent: QP, task: { name: `${QP}/tasks/p${i}`, httpRequest: { url: TARGET } } }); }
const got2 = await waitFor(() => [2, 3, 4, 5, 6].every((i) => attemptsOf(`p${i}`).length >= 1), 5000, 'p2..p6 after resume');
check('KNOWN BUG: tasks created after resumeQueue are never dispatched', !got2, [2, 3, 4, 5, 6].map((i) => attemptsOf(`p${i}`).length).join(','));
// a second pause/resume cycle
const p2 = await codeOf(client.pauseQueue({ name: QP }, { timeout: 3000, retry: null }));
check('KNOWN BUG: a second pauseQueue on a resumed queue hangs (client deadline)', p2.code === 4, JSON.stringify(p2));
const gq2 = await codeOf(client.getQueue({ name: QP }, { timeout: 3000 }));
out('getQueue after that ->', gq2 === 0 ? 'OK' : JSON.stringify(gq2));
const q1ok = await codeOf(client.getQueue({ name: Q1 }, { timeout: 3000 }));
check('other RPCs still answer', q1ok === 0, JSON.stringify(q1ok));

// ---- updateQueue, IAM, deleteQueue -------------------------------------------------------------
const up = await codeOf(client.updateQueue({ queue: { name: Q1, retryConfig: { maxAttempts: 5 } }, updateMask: { paths: ['retry_config.max_attempts'] } }));
check('updateQueue -> UNIMPLEMENTED (12)', up.code === 12, JSON.stringify(up));
const iam = await codeOf(client.getIamPolicy({ resource: Q1 }));
check('getIamPolicy -> UNIMPLEMENTED (12)', iam.code === 12, JSON.stringify(iam));
const QD = `${PARENT}/queues/qdelete`;
await client.createQueue({ parent: PARENT, queue: { name: QD } });
plans.set('d1', [200]);
await client.createTask({ parent: QD, task: { name: `${QD}/tasks/d1`, scheduleTime: { seconds: Math.floor(Date.now() / 1000) + 2 }, httpRequest: { url: TARGET } } });
const dq = await codeOf(client.deleteQueue({ name: QD }));
check('deleteQueue -> OK', dq === 0, JSON.stringify(dq));
await sleep(2500);
check('a scheduled task of a deleted queue never fires', attemptsOf('d1').length === 0);
const gdq = await codeOf(client.getQueue({ name: QD }));
check('getQueue after delete -> NOT_FOUND (5)', gdq.code === 5, JSON.stringify(gdq));
const [lq2] = await client.listQueues({ parent: PARENT });
check('listQueues no longer lists it', !lq2.some((x) => x.name === QD), lq2.map((x) => x.name).join(','));
const rcq = await codeOf(client.createQueue({ parent: PARENT, queue: { name: QD } }));
out('createQueue with the deleted name ->', JSON.stringify(rcq));
const ctd = await codeOf(client.createTask({ parent: QD, task: { httpRequest: { url: TARGET } } }));
out('createTask on the deleted queue ->', JSON.stringify(ctd));
const ddq = await codeOf(client.deleteQueue({ name: QD }));
out('deleteQueue again ->', JSON.stringify(ddq));

await client.close();
server.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
