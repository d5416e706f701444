import { createHash } from 'node:crypto';
// By file, not through @vigilo/domain's index: the index imports canonical.js, which is this module.
import { adverseEventReportSchema } from '../../../../packages/domain/lib/schema.js';
import { schemaKeys } from './keylist.js';

const KEYLIST = (process.env['VIGILO_BENCH_PATCHES'] ?? '').split(',').includes('canonical-keylist');
const SORTED_SCHEMA_KEYS = schemaKeys(adverseEventReportSchema);

/**
 * canonicalJson of packages/domain/src/canonical.ts, rewritten as a loop:
 * the same text (object keys sorted by UTF-16 code units, undefined members
 * left out, no whitespace) without Object.entries/filter/sort/map/join
 * arrays for every object. stages.js checks both give identical text.
 */
export function canonicalJson(value: unknown): string {
  // With canonical-keylist: native JSON.stringify with the schema's sorted key list
  // (only for values that are validated reports; other callers get the loop).
  if (KEYLIST && value !== null && typeof value === 'object' && 'safetyreportid' in value && 'patient' in value) {
    return JSON.stringify(value, SORTED_SCHEMA_KEYS);
  }
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let s = '[';
    for (let i = 0; i < value.length; i++) s += (i ? ',' : '') + canonicalJson(value[i]);
    return s + ']';
  }
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object).sort();
  let s = '{';
  let first = true;
  for (const k of keys) {
    const v = object[k];
    if (v === undefined) continue;
    s += (first ? '' : ',') + JSON.stringify(k) + ':' + canonicalJson(v);
    first = false;
  }
  return s + '}';
}

export function hashCanonical(canonical: string): string {
  return createHash('sha256').update(canonical).digest('hex');
}

export function contentHash(value: unknown): string {
  return hashCanonical(canonicalJson(value));
}

// The rest of canonical.js's exports in newer trees, unchanged.
const NUL_ESCAPE = /\\u0000/;
const LONE_SURROGATE_ESCAPE = /\\ud[89a-f][0-9a-f]{2}/;
export function hasUnstorableText(canonical: string): boolean {
  return NUL_ESCAPE.test(canonical) || LONE_SURROGATE_ESCAPE.test(canonical);
}
