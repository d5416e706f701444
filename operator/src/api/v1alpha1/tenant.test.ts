import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { parse, parseAllDocuments } from 'yaml';
import { SPEC_DEFAULTS, applySpecDefaults, validateTenant } from './tenant.js';

const ROOT = new URL('../../../../', import.meta.url);
type Schema = { default?: unknown; properties?: Record<string, Schema>; 'x-kubernetes-validations'?: Array<{ rule: string; message: string }> };
const crd = parse(readFileSync(new URL('crds/tenants.vigilo.dev.yaml', ROOT), 'utf8')) as { spec: { versions: Array<{ schema: { openAPIV3Schema: Schema } }> } };
const root = crd.spec.versions[0]!.schema.openAPIV3Schema;
const specSchema = root.properties!['spec']!;

/** The defaults the CRD declares, read from its schema (independently of SPEC_DEFAULTS). */
function crdDefaults(schema: Schema): unknown {
  if (!schema.properties) return schema.default;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(schema.properties)) {
    const value = crdDefaults(child);
    if (value !== undefined && !(typeof value === 'object' && value !== null && Object.keys(value).length === 0)) out[key] = value;
  }
  return out;
}

describe('operator: Tenant v1alpha1 API', () => {
  it('applies exactly the defaults the CRD declares', () => {
    const declared = crdDefaults(specSchema) as Record<string, unknown>;
    assert.deepEqual(declared, SPEC_DEFAULTS);
    assert.deepEqual(applySpecDefaults({}), { ...structuredClone(SPEC_DEFAULTS), access: {} });
  });

  it('declares the same ranges and cross-field rules locally as in the CRD (every CEL message is reproduced)', () => {
    const messages: string[] = [];
    const walk = (s: Schema) => {
      for (const v of s['x-kubernetes-validations'] ?? []) messages.push(v.message);
      for (const child of Object.values(s.properties ?? {})) walk(child);
    };
    walk(root);
    const base = applySpecDefaults({});
    const violations = [
      ...validateTenant('ab', base),
      ...validateTenant('acme', applySpecDefaults({ queue: { minBackoffMs: 10, maxBackoffMs: 5 }, rateLimits: { requestsPerSecond: 10, burst: 5 } })),
      ...validateTenant('acme', applySpecDefaults({ search: { shards: 2 } }), base),
      ...validateTenant('acme', applySpecDefaults({ queue: { shards: 1 } }), applySpecDefaults({ queue: { shards: 3 } })),
    ];
    for (const message of messages) assert.ok(violations.includes(message), `CEL message without a local check: ${message}`);
  });

  it('rejects values outside the schema ranges and accepts the boundaries', () => {
    assert.deepEqual(validateTenant('acme', applySpecDefaults({ search: { shards: 64, replicas: 0 }, queue: { maxAttempts: 100 } })), []);
    assert.deepEqual(validateTenant('acme', applySpecDefaults({ search: { shards: 65 } })), ['spec.search.shards: an integer in [1, 64]']);
    assert.deepEqual(validateTenant('acme', applySpecDefaults({ queue: { maxDispatchesPerSecond: 501 } })), ['spec.queue.maxDispatchesPerSecond: an integer in [1, 500]']);
    assert.deepEqual(validateTenant('acme', applySpecDefaults({ deletionPolicy: 'Orphan' })), ['spec.deletionPolicy: Retain or Delete']);
    assert.deepEqual(validateTenant('acme', applySpecDefaults({ queue: { shards: 33 } })), ['spec.queue.shards: an integer in [1, 32]']);
    assert.deepEqual(validateTenant('acme', applySpecDefaults({ queue: { shards: 4 } }), applySpecDefaults({ queue: { shards: 2 } })), [], 'shards may grow');
    assert.equal(validateTenant('acme--x', applySpecDefaults({})).length, 1);
    assert.equal(validateTenant('acme-', applySpecDefaults({})).length, 1);
  });

  it('ships example Tenants that are valid', () => {
    const dir = new URL('examples/tenants/', ROOT);
    const names: string[] = [];
    for (const file of readdirSync(dir)) {
      for (const doc of parseAllDocuments(readFileSync(new URL(file, dir), 'utf8')).map((d) => d.toJS() as { metadata: { name: string }; spec: unknown })) {
        names.push(doc.metadata.name);
        assert.deepEqual(validateTenant(doc.metadata.name, applySpecDefaults(doc.spec)), [], file);
      }
    }
    assert.deepEqual(names.sort(), ['acme', 'globex']);
  });
});
