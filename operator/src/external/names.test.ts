import assert from 'node:assert/strict';
import { applySpecDefaults, type Tenant } from '../api/v1alpha1/tenant.js';
import { tenantExternalNames } from './names.js';
import { registrySettings } from './registry.js';
import { desiredQueueSpec } from './taskQueue.js';

const tenant = (name: string, spec: unknown = {}): Tenant => ({ apiVersion: 'vigilo.dev/v1alpha1', kind: 'Tenant', metadata: { name }, spec: applySpecDefaults(spec) });

describe('operator: external names and desired state', () => {
  it('derives every external name from the tenant id alone', () => {
    assert.deepEqual(tenantExternalNames('acme-eu'), {
      tenant: 'acme-eu',
      schema: 'tenant_acme_eu',
      role: 'vigilo_tenant_acme_eu',
      queue: 'vigilo-index-acme-eu',
      template: 'vigilo-reports-acme-eu',
      writeAlias: 'vigilo-reports-acme-eu-write',
      readAlias: 'vigilo-reports-acme-eu-read',
      indexPattern: 'vigilo-reports-acme-eu--*',
    });
  });

  it('refuses a name that is not a tenant id', () => {
    assert.throws(() => tenantExternalNames('Acme'), { code: 'VIG_TENANT_INVALID_ID' });
  });

  it('turns the queue spec into the queue port spec, field by field', () => {
    const spec = desiredQueueSpec(tenant('globex', { queue: { maxDispatchesPerSecond: 200, maxConcurrentDispatches: 50, maxAttempts: 8, minBackoffMs: 500, maxBackoffMs: 60000 } }));
    assert.deepEqual(spec, { name: 'vigilo-index-globex', maxAttempts: 8, minBackoffMs: 500, maxBackoffMs: 60000, maxDispatchesPerSecond: 200, maxConcurrentDispatches: 50 });
  });

  it('puts what services need in the registry settings, and no secret material', () => {
    const settings = registrySettings(
      tenant('acme', { access: { groups: ['pv'], keys: [{ name: 'ci', scopes: ['read'], secretRef: { namespace: 'n', name: 's', key: 'hash' } }] }, rateLimits: { requestsPerSecond: 5, burst: 10 } }),
    );
    assert.deepEqual(settings['rateLimits'], { requestsPerSecond: 5, burst: 10 });
    assert.deepEqual(settings['access'], { groups: ['pv'], keys: [{ name: 'ci', scopes: ['read'], secretRef: { namespace: 'n', name: 's', key: 'hash' } }] });
    assert.equal((settings['queue'] as { name: string }).name, 'vigilo-index-acme');
    assert.equal((settings['search'] as { readAlias: string }).readAlias, 'vigilo-reports-acme-read');
  });
});
