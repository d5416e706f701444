import { type TenantId, parseTenantId, tenantRoleName, tenantSchemaName } from '@vigilo/domain';
import { tenantIndexNames } from '@vigilo/search-engine';

/** The tenant's indexing queue; the relay enqueues to the same name (services/relay `indexQueueName`). */
export function tenantQueueName(tenant: TenantId): string {
  return `vigilo-index-${tenant}`;
}

/** Every external name of a tenant, derived from its id only (invariant 10). */
export function tenantExternalNames(id: string) {
  const tenant = parseTenantId(id);
  const search = tenantIndexNames(tenant);
  return {
    tenant,
    schema: tenantSchemaName(tenant),
    role: tenantRoleName(tenant),
    queue: tenantQueueName(tenant),
    template: search.template,
    writeAlias: search.writeAlias,
    readAlias: search.readAlias,
    indexPattern: search.indexPattern,
  };
}
