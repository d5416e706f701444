import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { type TenantId, parseTenantId } from '@vigilo/domain';
import { InputError, NotFoundError } from '@vigilo/errors';
import type { Pool } from './pool.js';

/** Scopes a credential can carry (docs/adr/0004-internal-identity-headers.md). */
export const API_KEY_SCOPES = ['read', 'write', 'pii:read', 'admin'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/**
 * An API key is `vgk_<prefix>_<secret>`: a 12-character public prefix (stored, shown in listings and audit
 * records) and a 256-bit secret (base64url), of which only the SHA-256 is stored. A secret this long needs no
 * slow hash: it cannot be guessed, only stolen, and a fast hash keeps verification off the latency budget.
 */
const KEY_PATTERN = /^vgk_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;
const PREFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export interface ApiKeyRecord {
  readonly prefix: string;
  readonly tenant: TenantId;
  readonly scopes: readonly ApiKeyScope[];
  readonly description: string;
  readonly createdAt: Date;
  readonly revokedAt: Date | undefined;
}

export function isApiKeyFormat(value: string): boolean {
  return KEY_PATTERN.test(value);
}

function newPrefix(): string {
  // 36 does not divide 256 evenly; rejection sampling keeps every character equally likely.
  let out = '';
  while (out.length < 12) {
    for (const byte of randomBytes(16)) {
      if (byte < 252 && out.length < 12) out += PREFIX_ALPHABET[byte % 36];
    }
  }
  return out;
}

const sha256 = (secret: string) => createHash('sha256').update(secret).digest();

interface Row {
  prefix: string;
  tenant_id: string;
  scopes: string[];
  description: string;
  created_at: Date;
  revoked_at: Date | null;
}

const toRecord = (row: Row): ApiKeyRecord => ({
  prefix: row.prefix,
  tenant: parseTenantId(row.tenant_id),
  scopes: row.scopes as ApiKeyScope[],
  description: row.description,
  createdAt: row.created_at,
  revokedAt: row.revoked_at ?? undefined,
});

/** Creates a key and returns it with the full secret, which is shown once and never stored. */
export async function createApiKey(pool: Pool, input: { tenant: string; scopes: readonly string[]; description?: string }): Promise<{ key: string; record: ApiKeyRecord }> {
  const tenant = parseTenantId(input.tenant);
  const scopes = [...new Set(input.scopes)];
  const unknown = scopes.filter((s) => !(API_KEY_SCOPES as readonly string[]).includes(s));
  if (scopes.length === 0 || unknown.length > 0) {
    throw new InputError(`Scopes must be among ${API_KEY_SCOPES.join(', ')}`, { fields: { parameter: 'scopes' } });
  }
  const prefix = newPrefix();
  const secret = randomBytes(32).toString('base64url');
  const { rows } = await pool.query<Row>(
    `INSERT INTO vigilo.api_keys (prefix, secret_sha256, tenant_id, scopes, description)
     SELECT $1, $2, id, $4, $5 FROM vigilo.tenants WHERE id = $3
     RETURNING prefix, tenant_id, scopes, description, created_at, revoked_at`,
    [prefix, sha256(secret), tenant, scopes, input.description ?? ''],
  );
  if (!rows[0]) throw new NotFoundError(`Tenant ${tenant} is not registered`, { code: 'VIG_TENANT_NOT_FOUND', fields: { tenantId: tenant } });
  return { key: `vgk_${prefix}_${secret}`, record: toRecord(rows[0]) };
}

export async function listApiKeys(pool: Pool, tenant?: string): Promise<ApiKeyRecord[]> {
  const { rows } = await pool.query<Row>(
    `SELECT prefix, tenant_id, scopes, description, created_at, revoked_at FROM vigilo.api_keys
     WHERE $1::text IS NULL OR tenant_id = $1 ORDER BY created_at, prefix`,
    [tenant === undefined ? null : parseTenantId(tenant)],
  );
  return rows.map(toRecord);
}

/** Revokes a key by prefix (idempotent); false when no such key exists. */
export async function revokeApiKey(pool: Pool, prefix: string): Promise<boolean> {
  const { rowCount } = await pool.query('UPDATE vigilo.api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE prefix = $1', [prefix]);
  return (rowCount ?? 0) > 0;
}

/** The key's record when `key` is a live (not revoked) key, else undefined. Constant-time on the secret. */
export async function verifyApiKey(pool: Pool, key: string): Promise<ApiKeyRecord | undefined> {
  const match = KEY_PATTERN.exec(key);
  if (!match) return undefined;
  const [, prefix, secret] = match as unknown as [string, string, string];
  const { rows } = await pool.query<Row & { secret_sha256: Buffer }>(
    'SELECT prefix, secret_sha256, tenant_id, scopes, description, created_at, revoked_at FROM vigilo.api_keys WHERE prefix = $1',
    [prefix],
  );
  const row = rows[0];
  if (!row || !timingSafeEqual(row.secret_sha256, sha256(secret)) || row.revoked_at !== null) return undefined;
  return toRecord(row);
}
