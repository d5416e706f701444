import { createHash } from 'node:crypto';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { isTenantId } from '@vigilo/domain';
import { AuthenticationError, VigiloError } from '@vigilo/errors';
import { type ApiKeyRecord, type Pool, isApiKeyFormat, verifyApiKey } from '@vigilo/postgres';

export const KNOWN_SCOPES = ['read', 'write', 'pii:read', 'admin'] as const;

/** A verified caller. `id` names it in audit records and limiter keys without personal data. */
export interface Caller {
  readonly id: string;
  readonly kind: 'api-key' | 'jwt';
  /** Undefined only for platform principals, which must hold `admin`. */
  readonly tenant: string | undefined;
  readonly scopes: readonly string[];
}

export interface JwtOptions {
  readonly issuer: string;
  readonly audience: string;
  readonly jwksUrl: string;
  readonly clockSkewMs: number;
  readonly tenantClaim: string;
  readonly cooldownMs: number;
  readonly maxAgeMs: number;
}

/** Only asymmetric algorithms: an HS* token would be checked against a public key (algorithm confusion). */
export const JWT_ALGORITHMS = ['RS256', 'ES256'];

const invalid = (reason: string, cause?: unknown) =>
  new VigiloError('VIG_AUTH_INVALID', 'The credential was refused', { fields: { reason }, ...(cause === undefined ? {} : { cause }) });

function joseReason(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `claim ${error.claim} ${error.reason}`;
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'unknown key id';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'bad signature';
  if (error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JWKSInvalid) return 'key set unavailable';
  if (error instanceof joseErrors.JOSEError) return error.code;
  return 'malformed token';
}

/**
 * Verifies `Authorization: Bearer <credential>`: an API key (`vgk_...`, looked up by prefix, hash compared in
 * constant time, cached briefly) or a JWT from the configured OIDC issuer (signature against its JWKS, RS256
 * or ES256 only, issuer, audience, expiry and not-before with the configured clock skew).
 */
export class Authenticator {
  private readonly jwks: JWTVerifyGetKey | undefined;
  private readonly keyCache = new Map<string, { record: ApiKeyRecord; expires: number }>();

  constructor(
    private readonly deps: {
      pool: Pool;
      jwt: JwtOptions | undefined;
      apiKeyCacheTtlMs: number;
      now?: () => number;
    },
  ) {
    const jwt = deps.jwt;
    this.jwks = jwt ? createRemoteJWKSet(new URL(jwt.jwksUrl), { cooldownDuration: jwt.cooldownMs, cacheMaxAge: jwt.maxAgeMs, timeoutDuration: 5000 }) : undefined;
  }

  async authenticate(authorization: string | undefined): Promise<Caller> {
    if (authorization === undefined || authorization.trim() === '') throw new AuthenticationError('Send Authorization: Bearer <API key or JWT>');
    const match = /^Bearer +([A-Za-z0-9._~+/=-]+) *$/i.exec(authorization);
    if (!match) throw invalid('not a bearer credential');
    const credential = match[1]!;
    if (credential.startsWith('vgk_')) return this.apiKey(credential);
    return this.jwt(credential);
  }

  private async apiKey(key: string): Promise<Caller> {
    if (!isApiKeyFormat(key)) throw invalid('malformed API key');
    const now = (this.deps.now ?? Date.now)();
    const cacheKey = createHash('sha256').update(key).digest('base64url');
    let record = this.keyCache.get(cacheKey);
    if (!record || record.expires <= now) {
      this.keyCache.delete(cacheKey);
      const found = await verifyApiKey(this.deps.pool, key);
      if (!found) throw invalid('unknown or revoked API key');
      record = { record: found, expires: now + this.deps.apiKeyCacheTtlMs };
      if (this.keyCache.size > 10_000) this.keyCache.clear();
      this.keyCache.set(cacheKey, record);
    }
    return { id: `key:${record.record.prefix}`, kind: 'api-key', tenant: record.record.tenant, scopes: record.record.scopes };
  }

  private async jwt(token: string): Promise<Caller> {
    const options = this.deps.jwt;
    if (!options || !this.jwks) throw invalid('JWTs are not accepted (no issuer configured)');
    let payload;
    try {
      ({ payload } = await jwtVerify(token, this.jwks, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: JWT_ALGORITHMS,
        clockTolerance: Math.round(options.clockSkewMs / 1000),
        requiredClaims: ['exp', 'sub'],
        ...(this.deps.now ? { currentDate: new Date(this.deps.now()) } : {}),
      }));
    } catch (error) {
      throw invalid(joseReason(error), error);
    }
    const tenantClaim = payload[options.tenantClaim];
    if (tenantClaim !== undefined && (typeof tenantClaim !== 'string' || !isTenantId(tenantClaim))) throw invalid(`claim ${options.tenantClaim} is not a tenant id`);
    const raw = typeof payload['scope'] === 'string' ? payload['scope'].split(' ') : Array.isArray(payload['scp']) ? payload['scp'] : [];
    const scopes = [...new Set(raw.filter((s): s is string => typeof s === 'string' && (KNOWN_SCOPES as readonly string[]).includes(s)))];
    // The subject may be an e-mail address: audit records and limiter keys get a digest of it.
    const subject = createHash('sha256').update(`${options.issuer}\0${payload.sub!}`).digest('base64url').slice(0, 22);
    return { id: `jwt:${subject}`, kind: 'jwt', tenant: tenantClaim, scopes };
  }
}
