/** Limits on a search request; every one has a default, documented in docs/query-language.md. */
export interface QueryLimits {
  /** Characters of the `search` parameter. @default 4000 */
  readonly maxLength: number;
  /** Leaf conditions (`field:value`, `_exists_`, each value of a list). @default 64 */
  readonly maxClauses: number;
  /** Nesting of parentheses (groups included). @default 12 */
  readonly maxDepth: number;
  /** Values in one `field:(a OR b ...)` list. @default 100 */
  readonly maxListTerms: number;
  /** Characters before a trailing `*`. @default 3 */
  readonly minPrefixLength: number;
  /** Wildcard terms in one query. @default 4 */
  readonly maxWildcards: number;
  /** Largest `limit`, for results and for counts. @default 1000 */
  readonly maxLimit: number;
  /** Largest `skip`; deeper pages follow the cursor. @default 25000 */
  readonly maxSkip: number;
}

export const DEFAULT_LIMITS: QueryLimits = Object.freeze({
  maxLength: 4000,
  maxClauses: 64,
  maxDepth: 12,
  maxListTerms: 100,
  minPrefixLength: 3,
  maxWildcards: 4,
  maxLimit: 1000,
  maxSkip: 25_000,
});
