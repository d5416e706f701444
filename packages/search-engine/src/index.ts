export * from './ports.js';
export {
  INDEX_NAME_PREFIX,
  GENERATION_SEPARATOR,
  GENERATION_DIGITS,
  MAX_GENERATION,
  tenantIndexNames,
  concreteIndexName,
  indexGeneration,
  initialIndexName,
} from './names.js';
export {
  MAPPING_VERSION,
  TEMPLATE_PRIORITY,
  LOWERCASE_NORMALIZER,
  PARTIAL_DATE_FORMAT,
  searchDocumentMappings,
  indexSettings,
  indexTemplateBody,
  type ResolvedIndexSettings,
} from './mapping.js';
export { liveReportsFilter, ID_SORT_FIELD, MAX_PAGE_SIZE } from './queries.js';
export { buildBulkBody, interpretBulkItem, interpretBulkResponse } from './bulk.js';
export { translateEngineError, type EngineName } from './errors.js';
export {
  EngineSearchIndex,
  INDEX_DEFAULTS,
  type IndexDefaultsOptions,
  type EngineConnection,
  type EngineRequest,
  type EngineResponse,
  type EngineSearchIndexDeps,
} from './engine.js';
export {
  ElasticsearchSearchIndex,
  createElasticsearchSearchIndex,
  elasticsearchConnection,
  ELASTICSEARCH_DEFAULTS,
  type ElasticsearchSearchIndexOptions,
  type ElasticsearchSearchIndexDeps,
  type ElasticsearchAuth,
} from './elasticsearch.js';
export {
  OpenSearchSearchIndex,
  createOpenSearchSearchIndex,
  openSearchConnection,
  OPENSEARCH_DEFAULTS,
  type OpenSearchSearchIndexOptions,
  type OpenSearchSearchIndexDeps,
  type OpenSearchAuth,
} from './opensearch.js';
