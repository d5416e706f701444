import { createHash } from 'node:crypto';

function sortedCopy(source: Record<string, unknown>): Record<string, unknown> {
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(source).sort()) sorted[key] = source[key];
  return sorted;
}

// JSON.stringify calls the replacer on every value before serialising it (children included), so returning a
// key-sorted shallow copy of each plain object sorts the whole tree in one pass; undefined members are dropped
// by JSON.stringify itself. About a quarter faster than building a sorted deep copy first.
function sortingReplacer(_key: string, value: unknown): unknown {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? sortedCopy(value as Record<string, unknown>) : value;
}

/**
 * Canonical JSON: object keys sorted, no whitespace. Two reports with the
 * same content produce the same text whatever the key order they came in.
 * This form defines content hashes of stored versions: never change it.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, sortingReplacer);
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
