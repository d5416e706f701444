export { createPool, withTransaction, isRetryableDatabaseError, type Pool, type PoolClient, type CreatePoolOptions } from './pool.js';
export { ident, literal, qualified } from './sql.js';
export { migratePlatform, migrateTenant, dropTenantSchema, TENANT_SCHEMA_VERSION, APP_ROLE, PLATFORM_SCHEMA } from './migrations.js';
export { registerTenant, getTenant, listTenants, provisionTenant, PostgresTenantDirectory, type RegisterTenantInput } from './tenants.js';
export { PostgresReportStore, asTenant, type PostgresReportStoreOptions } from './reportStore.js';
export { PostgresDeadLetterStore, type DeadLetter, type DeadLetterInput } from './deadLetters.js';
export { API_KEY_SCOPES, createApiKey, listApiKeys, revokeApiKey, verifyApiKey, isApiKeyFormat, type ApiKeyRecord, type ApiKeyScope } from './apiKeys.js';
