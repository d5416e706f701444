import type { Cursor, SortSpec } from './ast.js';
import { QueryError } from './errors.js';

/**
 * The sort key of a report that lacks the sort field. Both paths sort missing values last (the engine's
 * default) by giving them this key: the engine as the sort's `missing` value, SQL through COALESCE, so the
 * cursor never holds a null.
 */
export function missingSortKey(sort: SortSpec): string | number {
  const asc = sort.order === 'asc';
  switch (sort.field.kind) {
    case 'date':
      return asc ? '99991231' : '00010101';
    case 'number':
      return asc ? Number.MAX_VALUE : -Number.MAX_VALUE;
    default:
      // U+10FFFF is the last code point, so its UTF-8 form sorts after every real value; '' sorts before.
      return asc ? '\u{10FFFF}' : '';
  }
}

function signature(sort: SortSpec | undefined): string {
  return sort ? `${sort.field.name}:${sort.order}` : '';
}

/** An opaque, URL-safe cursor: base64url of the sort it belongs to, the last key and the last id. */
export function encodeCursor(sort: SortSpec | undefined, cursor: Cursor): string {
  const body = sort ? { s: signature(sort), k: cursor.key, i: cursor.id } : { s: '', i: cursor.id };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

/** Reads a cursor back; it must belong to the same sort. Throws VIG_QUERY_BAD_PAGING. */
export function decodeCursor(text: string, sort: SortSpec | undefined): Cursor {
  const bad = (why: string): never => {
    throw new QueryError('VIG_QUERY_BAD_PAGING', `Invalid cursor: ${why}`, { parameter: 'after', position: 0 });
  };
  if (!/^[A-Za-z0-9_-]+$/.test(text) || text.length > 4096) return bad('not a cursor of this API');
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return bad('not a cursor of this API');
  }
  if (typeof body !== 'object' || body === null) return bad('not a cursor of this API');
  const { s, k, i } = body as { s?: unknown; k?: unknown; i?: unknown };
  if (typeof i !== 'string' || typeof s !== 'string') return bad('not a cursor of this API');
  if (s !== signature(sort)) return bad('it belongs to another sort');
  if (!sort) return { id: i };
  const kind = sort.field.kind;
  const keyOk =
    kind === 'number' ? typeof k === 'number' && Number.isFinite(k) : kind === 'date' ? typeof k === 'string' && /^[0-9]{8}$/.test(k) : typeof k === 'string';
  if (!keyOk) return bad('its key does not fit the sort field');
  return { key: k as string | number, id: i };
}
