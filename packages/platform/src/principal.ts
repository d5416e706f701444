import { AuthenticationError, NotAllowedError } from '@vigilo/errors';
import type { Request } from 'express';

export type Scope = 'read' | 'write' | 'pii:read' | 'admin';

/**
 * Who is calling, as asserted by the proxy (the only route into the
 * services; it strips these headers from client requests and sets them from
 * the verified credential). See docs/adr/0004-internal-identity-headers.md.
 */
export interface Principal {
  readonly tenant: string | undefined;
  readonly scopes: ReadonlySet<string>;
}

export const TENANT_HEADER = 'x-vigilo-tenant';
export const SCOPES_HEADER = 'x-vigilo-scopes';

export function principalOf(req: Request): Principal {
  const scopes = req.headers[SCOPES_HEADER];
  if (typeof scopes !== 'string') throw new AuthenticationError('No authenticated principal (the proxy sets X-Vigilo-Scopes)');
  const tenant = req.headers[TENANT_HEADER];
  return { tenant: typeof tenant === 'string' ? tenant : undefined, scopes: new Set(scopes.split(/[\s,]+/).filter(Boolean)) };
}

/**
 * Throws unless the principal may act on `tenant` with `scope`. A principal
 * without a tenant must hold `admin` (platform operators); admin implies every scope.
 */
export function authorize(req: Request, tenant: string, scope: Scope): Principal {
  const principal = principalOf(req);
  const boundElsewhere = principal.tenant === undefined ? !principal.scopes.has('admin') : principal.tenant !== tenant;
  if (boundElsewhere) {
    throw new NotAllowedError('The credential is bound to another tenant', { code: 'VIG_FORBIDDEN_TENANT' });
  }
  if (!principal.scopes.has(scope) && !principal.scopes.has('admin')) {
    throw new NotAllowedError(`This operation requires the ${scope} scope`, { fields: { requiredScope: scope } });
  }
  return principal;
}
