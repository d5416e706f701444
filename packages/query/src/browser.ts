/**
 * The part of the query language a browser needs to check a search as the user types: the same grammar and
 * resolver the search service runs, so an error shown inline is the error the service would answer. No compiler,
 * nothing that touches Node's APIs.
 */
export { parseSearch, parseCount, parseSort, decodeSearch } from './parse.js';
export { QueryError, type QueryErrorCode, type QueryParameter } from './errors.js';
export { DEFAULT_LIMITS, type QueryLimits } from './limits.js';
export { FIELD_CATALOGUE, queryableFieldNames, resolveField, type FieldKind } from './catalogue.js';
export type { Query, LeafQuery } from './ast.js';
