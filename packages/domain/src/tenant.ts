import { InputError } from '@vigilo/errors';

/**
 * Tenant identifiers are DNS-label-like (they name Kubernetes objects, SQL
 * schemas, index aliases and queues): 3-40 characters, lower-case letters,
 * digits and single hyphens, starting with a letter.
 */
export const TENANT_ID_PATTERN = /^[a-z](?:[a-z0-9]|-(?=[a-z0-9])){2,39}$/;

export type TenantId = string & { readonly __brand: 'TenantId' };

export function isTenantId(value: unknown): value is TenantId {
  return typeof value === 'string' && TENANT_ID_PATTERN.test(value);
}

export function parseTenantId(value: unknown): TenantId {
  if (!isTenantId(value)) {
    throw new InputError('Tenant identifiers are 3-40 characters: lower-case letters, digits and single hyphens, starting with a letter', {
      code: 'VIG_TENANT_INVALID_ID',
    });
  }
  return value;
}

/** Deterministic external names derived from the tenant id (never random). */
export function tenantSchemaName(tenant: TenantId): string {
  return `tenant_${tenant.replace(/-/g, '_')}`;
}

export function tenantRoleName(tenant: TenantId): string {
  return `vigilo_tenant_${tenant.replace(/-/g, '_')}`;
}
