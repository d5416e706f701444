import { parseTenantId, tenantRoleName, tenantSchemaName } from '@vigilo/domain';
import { indexQueueName } from '@vigilo/queue';
import { tenantIndexNames } from '@vigilo/search-engine';

/** Every external name of a tenant, derived from its id only (invariant 10). */
export function tenantExternalNames(id: string) {
  const tenant = parseTenantId(id);
  const search = tenantIndexNames(tenant);
  return {
    tenant,
    schema: tenantSchemaName(tenant),
    role: tenantRoleName(tenant),
    /** The first indexing queue; with `spec.queue.shards`, `indexQueueNames` gives them all (the relay's names). */
    queue: indexQueueName(tenant),
    template: search.template,
    writeAlias: search.writeAlias,
    readAlias: search.readAlias,
    indexPattern: search.indexPattern,
  };
}
