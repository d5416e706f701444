export type { Query, LeafQuery, SortSpec, SortOrder, CountSpec, Cursor, ParsedRequest, SearchPage, CountResult } from './ast.js';
export { FIELD_CATALOGUE, GROUP_PATHS, resolveField, queryableFieldNames, type GroupPath, type FieldKind, type CatalogueEntry, type ResolvedField } from './catalogue.js';
export { QueryError, type QueryErrorCode, type QueryParameter } from './errors.js';
export { DEFAULT_LIMITS, type QueryLimits } from './limits.js';
export { parseRequest, parseSearch, parseCount, parseSort, decodeSearch, type SearchRequest } from './parse.js';
export { encodeCursor, decodeCursor, missingSortKey } from './cursor.js';
export { buildEngineSearch, readEngineSearch, buildEngineCount, readEngineCount, engineCountFilterPath, engineQuery, ID_FIELD } from './engine.js';
export { buildSqlSearch, readSqlSearch, buildSqlCount, readSqlCount, type SqlSource, type SqlStatement, type SqlSearchRow } from './sql.js';
