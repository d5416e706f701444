import type { GroupPath, ResolvedField } from './catalogue.js';

/**
 * The typed query, what both compilers read. Leaves name a resolved field; values are already checked and
 * normalised (dates as `YYYYMMDD`, numbers as numbers, `.exact` values of lower-cased fields in lower case).
 *
 * Semantics, identical on both paths:
 * - `words`: the value's words (standard analyzer) appear consecutively in one value of the field; a single
 *   word is the same as a phrase of one word.
 * - `equals`: a whole value is equal (keyword, `.exact`, number).
 * - `prefix`: a word (text) or a whole value (keyword, `.exact`) starts with `prefix`.
 * - `range`: a value lies within the inclusive bounds; dates compare as days.
 * - `exists`: the field has a value.
 * - `or`: at least one of `any` holds (or `any` is empty) and none of `none` holds: as in openFDA (Lucene),
 *   `a NOT b` and `a OR NOT b` mean "a and not b".
 * - `element`: one element of the group's array satisfies `query` (the same drug, the same reaction).
 */
export type Query =
  | { readonly kind: 'and'; readonly all: readonly Query[] }
  | { readonly kind: 'or'; readonly any: readonly Query[]; readonly none: readonly Query[] }
  | { readonly kind: 'not'; readonly query: Query }
  | { readonly kind: 'element'; readonly group: GroupPath; readonly query: Query }
  | { readonly kind: 'words'; readonly field: ResolvedField; readonly text: string }
  | { readonly kind: 'equals'; readonly field: ResolvedField; readonly value: string | number }
  | { readonly kind: 'prefix'; readonly field: ResolvedField; readonly prefix: string }
  | { readonly kind: 'range'; readonly field: ResolvedField; readonly gte: string | number | undefined; readonly lte: string | number | undefined }
  | { readonly kind: 'exists'; readonly field: ResolvedField };

export type LeafQuery = Extract<Query, { field: ResolvedField }>;

export type SortOrder = 'asc' | 'desc';

export interface SortSpec {
  readonly field: ResolvedField;
  readonly order: SortOrder;
}

export interface CountSpec {
  readonly field: ResolvedField;
  /** `terms`: whole values by number of reports; `time`: a daily series of a date field. */
  readonly kind: 'terms' | 'time';
}

/**
 * Where the previous page ended: its last hit's sort key (when sorted by a field) and its id.
 * The key is in the engine-independent form (dates `YYYYMMDD`, numbers, strings; missing values as the
 * sentinel of the sort, see `missingSortKey`).
 */
export interface Cursor {
  readonly key?: string | number;
  readonly id: string;
}

/** A whole search request, parsed once, compiled for the engine or for SQL. */
export interface ParsedRequest {
  /** undefined: every live report. */
  readonly query: Query | undefined;
  readonly count: CountSpec | undefined;
  readonly sort: SortSpec | undefined;
  readonly limit: number;
  readonly skip: number;
  readonly after: Cursor | undefined;
}

/** One page of search results, the same on both paths. `source` is the de-identified report. */
export interface SearchPage {
  readonly total: number;
  readonly hits: readonly { readonly id: string; readonly source: Record<string, unknown> }[];
  /** Cursor of the next page, when this page is full. */
  readonly next: string | undefined;
}

export type CountResult =
  | { readonly kind: 'terms'; readonly results: readonly { readonly term: string; readonly count: number }[] }
  | { readonly kind: 'time'; readonly results: readonly { readonly time: string; readonly count: number }[] };
