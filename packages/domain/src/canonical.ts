import { createHash } from 'node:crypto';

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const source = value as Record<string, unknown>;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(source).sort()) {
      const child = source[key];
      if (child !== undefined) sorted[key] = sortKeys(child);
    }
    return sorted;
  }
  return value;
}

/**
 * Canonical JSON: object keys sorted, no whitespace. Two reports with the
 * same content produce the same text whatever the key order they came in.
 * This form defines content hashes of stored versions: never change it.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

/** SHA-256 (hex) of a canonical JSON text. */
export function hashCanonical(canonical: string): string {
  return createHash('sha256').update(canonical).digest('hex');
}

/** SHA-256 (hex) of the canonical JSON: the identity of a version's content. */
export function contentHash(value: unknown): string {
  return hashCanonical(canonicalJson(value));
}

const NUL_ESCAPE = /\\u0000/;
const LONE_SURROGATE_ESCAPE = /\\ud[89a-f][0-9a-f]{2}/;

/**
 * Text PostgreSQL's jsonb cannot store: U+0000, and lone UTF-16 surrogates
 * (JSON.stringify writes both as escapes). Checked on canonical JSON.
 */
export function hasUnstorableText(canonical: string): boolean {
  return NUL_ESCAPE.test(canonical) || LONE_SURROGATE_ESCAPE.test(canonical);
}
