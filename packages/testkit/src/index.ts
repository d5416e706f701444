export { createTestDatabase, testClusterUrl, uniqueTenant, type TestDatabase } from './database.js';
export { startServiceProcess, REPO_ROOT, type RunningProcess } from './service.js';
export { minimalReport, reportWithEveryPersonalField, findPersonalData, PII_MARKERS, PII_DATES } from './reports.js';
export { testKubeconfig, testKubectl, testHelm, testHelm4 } from './kube.js';
export { requireEnv, until, freePort, OutageProxy } from './harness.js';
