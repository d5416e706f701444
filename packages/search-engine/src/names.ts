import { type TenantId, parseTenantId } from '@vigilo/domain';
import type { TenantIndexNames } from './ports.js';

/** Every engine object of the platform starts with this; one tenant's objects with `vigilo-reports-<tenant>`. */
export const INDEX_NAME_PREFIX = 'vigilo-reports';

/**
 * Separator between a tenant's index prefix and an index generation. Tenant ids
 * never contain two hyphens in a row (see TENANT_ID_PATTERN), so
 * `vigilo-reports-acme--*` cannot match tenant `acme-eu`'s `vigilo-reports-acme-eu--000001`.
 */
export const GENERATION_SEPARATOR = '--';

/** Digits of a generation number in an index name: `--000001`. */
export const GENERATION_DIGITS = 6;

/** The largest generation number that fits in GENERATION_DIGITS. */
export const MAX_GENERATION = 10 ** GENERATION_DIGITS - 1;

/**
 * The deterministic names of one tenant's engine objects:
 * - template `vigilo-reports-<tenant>` (composable, pattern `vigilo-reports-<tenant>--*`),
 * - concrete indices `vigilo-reports-<tenant>--000001`, `--000002`, ...,
 * - aliases `vigilo-reports-<tenant>-write` and `vigilo-reports-<tenant>-read`.
 *
 * Aliases never contain `--` and indices always do, so no alias of one tenant can equal
 * an index of another; `-write`/`-read` suffixes keep the aliases of two tenants apart.
 * Throws InputError VIG_TENANT_INVALID_ID for anything that is not a tenant id.
 */
export function tenantIndexNames(tenant: TenantId): TenantIndexNames {
  const indexPrefix = `${INDEX_NAME_PREFIX}-${parseTenantId(tenant)}`;
  return Object.freeze({
    template: indexPrefix,
    indexPrefix,
    indexPattern: `${indexPrefix}${GENERATION_SEPARATOR}*`,
    writeAlias: `${indexPrefix}-write`,
    readAlias: `${indexPrefix}-read`,
  });
}

/** The concrete index of one generation: `vigilo-reports-acme--000001` for generation 1. */
export function concreteIndexName(names: Pick<TenantIndexNames, 'indexPrefix'>, generation: number): string {
  if (!Number.isSafeInteger(generation) || generation < 1 || generation > MAX_GENERATION) {
    throw new RangeError(`index generation must be an integer from 1 to ${MAX_GENERATION}`);
  }
  return `${names.indexPrefix}${GENERATION_SEPARATOR}${String(generation).padStart(GENERATION_DIGITS, '0')}`;
}

/** The generation of one of this tenant's concrete indices, or undefined for any other name. */
export function indexGeneration(names: Pick<TenantIndexNames, 'indexPrefix'>, index: string): number | undefined {
  const head = `${names.indexPrefix}${GENERATION_SEPARATOR}`;
  if (!index.startsWith(head)) return undefined;
  const digits = index.slice(head.length);
  if (!new RegExp(`^[0-9]{${GENERATION_DIGITS}}$`).test(digits)) return undefined;
  const generation = Number(digits);
  return generation >= 1 ? generation : undefined;
}

/** The index of the very first generation, which `ensureTenant` creates. */
export function initialIndexName(names: Pick<TenantIndexNames, 'indexPrefix'>): string {
  return concreteIndexName(names, 1);
}
