import * as jose from 'jose';
import { AuthenticationError, UnavailableError } from '@vigilo/errors';

/** Google's OIDC issuer: the `iss` of the tokens Cloud Tasks attaches in production. */
export const GOOGLE_OIDC_ISSUER = 'https://accounts.google.com';

export interface OidcVerifierOptions {
  /**
   * The expected `iss`, exactly: `https://accounts.google.com` in production,
   * `$VIGILO_TEST_CLOUD_TASKS_OIDC_ISSUER` against the emulator. Discovery is
   * read from `<issuer>/.well-known/openid-configuration`.
   */
  readonly issuer: string;
  /** The expected `aud`: the task's `oidcToken.audience` (the indexer's task URL unless set otherwise). */
  readonly audience: string | readonly string[];
  /** The service account(s) whose tokens are accepted (`email` claim, with `email_verified: true`). */
  readonly serviceAccountEmail: string | readonly string[];
  /** Where the signing keys are. @default the `jwks_uri` of the issuer's discovery document */
  readonly jwksUrl?: string;
  /**
   * Rewrites a JWKS key's `alg: "RSA256"` (the emulator's typo, ADR 0101) to
   * `RS256`; without it `jose` finds no key. Harmless against Google's JWKS.
   * @default true
   */
  readonly fixAlg?: boolean;
  /** How long fetched keys are used before they are fetched again. @default 600000 (10 min) */
  readonly cacheMaxAgeMs?: number;
  /**
   * A token signed by an unknown key id refetches the keys (key rotation), at
   * most once per this interval. @default 30000
   */
  readonly refreshCooldownMs?: number;
  /** Allowed clock skew for `exp`, `nbf` and `iat`. @default 5 */
  readonly clockToleranceSeconds?: number;
  /** Timeout of one discovery or JWKS request. @default 5000 */
  readonly fetchTimeoutMs?: number;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** The verifier's clock. @default () => new Date() */
  readonly now?: () => Date;
}

/** The facts of a verified token (no personal data: a service account). */
export interface VerifiedOidcToken {
  readonly issuer: string;
  readonly subject: string;
  readonly email: string;
  readonly audience: readonly string[];
  readonly expiresAt: Date;
}

export interface OidcVerifier {
  /**
   * Verifies an `Authorization` header value (`Bearer <JWT>`).
   *
   * @throws AuthenticationError (`VIG_AUTH_REQUIRED`, 401) when the header is
   *   missing or the token is invalid: bad signature, wrong `iss`/`aud`,
   *   expired, not yet valid, unexpected or unverified email, wrong algorithm.
   * @throws UnavailableError (503, retryable) when the keys cannot be fetched.
   */
  verifyAuthorization(header: string | readonly string[] | undefined): Promise<VerifiedOidcToken>;
  /** Verifies a bare JWT; same checks and errors as `verifyAuthorization`. */
  verifyToken(token: string): Promise<VerifiedOidcToken>;
}

interface KeySet {
  readonly get: ReturnType<typeof jose.createLocalJWKSet>;
  readonly fetchedAt: number;
}

/**
 * A verifier for the OIDC tokens Cloud Tasks attaches to HTTP tasks: RS256
 * signature against the issuer's JWKS (found by discovery, cached, refetched
 * on an unknown key id), `iss`, `aud`, `exp`/`nbf`/`iat`, and the service
 * account's `email` with `email_verified: true`. `sub` is not compared: it is
 * the email in the emulator but Google's numeric account id in production.
 */
export function createOidcVerifier(options: OidcVerifierOptions): OidcVerifier {
  const issuer = options.issuer;
  const audiences = typeof options.audience === 'string' ? [options.audience] : [...options.audience];
  const emails = new Set(typeof options.serviceAccountEmail === 'string' ? [options.serviceAccountEmail] : options.serviceAccountEmail);
  if (!issuer || audiences.length === 0 || audiences.some((a) => !a) || emails.size === 0) {
    throw new TypeError('createOidcVerifier needs an issuer, an audience and at least one service account email');
  }
  const fixAlg = options.fixAlg ?? true;
  const cacheMaxAgeMs = options.cacheMaxAgeMs ?? 600_000;
  const refreshCooldownMs = options.refreshCooldownMs ?? 30_000;
  const clockTolerance = options.clockToleranceSeconds ?? 5;
  const fetchTimeoutMs = options.fetchTimeoutMs ?? 5_000;
  const doFetch = options.fetch ?? globalThis.fetch;
  const now = options.now ?? (() => new Date());

  let keys: KeySet | undefined;
  let loading: Promise<KeySet> | undefined;

  async function getJson(url: string, what: string): Promise<unknown> {
    let response: Response;
    try {
      response = await doFetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(fetchTimeoutMs) });
    } catch (error) {
      throw new UnavailableError(`Cannot fetch the OIDC ${what}`, { cause: error });
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new UnavailableError(`The OIDC ${what} answered HTTP ${response.status}`, { fields: { status: response.status } });
    }
    try {
      return await response.json();
    } catch (error) {
      throw new UnavailableError(`The OIDC ${what} is not JSON`, { cause: error });
    }
  }

  async function jwksUrl(): Promise<string> {
    if (options.jwksUrl) return options.jwksUrl;
    const discovery = (await getJson(`${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`, 'discovery document')) as {
      issuer?: unknown;
      jwks_uri?: unknown;
    };
    if (discovery.issuer !== issuer || typeof discovery.jwks_uri !== 'string') {
      throw new UnavailableError('The OIDC discovery document names another issuer or no jwks_uri');
    }
    return discovery.jwks_uri;
  }

  async function load(): Promise<KeySet> {
    const jwks = (await getJson(await jwksUrl(), 'key set')) as { keys?: unknown };
    if (!Array.isArray(jwks.keys)) throw new UnavailableError('The OIDC key set has no keys');
    const list = (jwks.keys as jose.JWK[]).map((key) => (fixAlg && key.alg === 'RSA256' ? { ...key, alg: 'RS256' } : key));
    return { get: jose.createLocalJWKSet({ keys: list }), fetchedAt: Date.now() };
  }

  async function keySet(refresh: boolean): Promise<KeySet> {
    const fresh = keys !== undefined && Date.now() - keys.fetchedAt < cacheMaxAgeMs;
    if (keys && fresh && !refresh) return keys;
    if (keys && refresh && Date.now() - keys.fetchedAt < refreshCooldownMs) return keys;
    loading ??= load().finally(() => {
      loading = undefined;
    });
    keys = await loading;
    return keys;
  }

  async function verifyToken(token: string): Promise<VerifiedOidcToken> {
    if (typeof token !== 'string' || token.length === 0) throw new AuthenticationError('A bearer token is required');
    const verifyOptions: jose.JWTVerifyOptions = {
      issuer,
      audience: audiences,
      algorithms: ['RS256'],
      clockTolerance,
      currentDate: now(),
      requiredClaims: ['exp', 'iat'],
    };
    let result: jose.JWTVerifyResult;
    try {
      try {
        result = await jose.jwtVerify(token, (await keySet(false)).get, verifyOptions);
      } catch (error) {
        if (!(error instanceof jose.errors.JWKSNoMatchingKey)) throw error;
        result = await jose.jwtVerify(token, (await keySet(true)).get, verifyOptions);
      }
    } catch (error) {
      if (error instanceof UnavailableError) throw error;
      const reason = error instanceof jose.errors.JOSEError ? error.code : 'ERR_INVALID_TOKEN';
      throw new AuthenticationError('The bearer token is not valid', { cause: error, fields: { reason } });
    }
    const { payload } = result;
    const email = payload['email'];
    if (typeof email !== 'string' || !emails.has(email)) {
      throw new AuthenticationError('The bearer token belongs to another account', { fields: { reason: 'ERR_UNEXPECTED_EMAIL' } });
    }
    if (payload['email_verified'] !== true) {
      throw new AuthenticationError("The bearer token's email is not verified", { fields: { reason: 'ERR_EMAIL_NOT_VERIFIED' } });
    }
    return {
      issuer: payload.iss ?? issuer,
      subject: payload.sub ?? '',
      email,
      audience: typeof payload.aud === 'string' ? [payload.aud] : [...(payload.aud ?? [])],
      expiresAt: new Date((payload.exp ?? 0) * 1000),
    };
  }

  return {
    verifyToken,
    async verifyAuthorization(header) {
      if (typeof header !== 'string') throw new AuthenticationError('A bearer token is required');
      const match = /^Bearer +([A-Za-z0-9._~+/-]+=*)$/i.exec(header);
      if (!match?.[1]) throw new AuthenticationError('A bearer token is required');
      return verifyToken(match[1]);
    },
  };
}
