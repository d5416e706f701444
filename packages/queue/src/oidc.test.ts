import assert from 'node:assert/strict';
import * as jose from 'jose';
import { createOidcVerifier, type OidcVerifierOptions } from './oidc.js';

const ISSUER = 'http://issuer.test';
const AUDIENCE = 'http://indexer.test/tasks';
const EMAIL = 'indexer@vigilo-test.iam.gserviceaccount.com';

interface Keys {
  privateKey: jose.CryptoKey;
  jwk: jose.JWK;
}

async function keyPair(kid: string): Promise<Keys> {
  const { privateKey, publicKey } = await jose.generateKeyPair('RS256', { extractable: true });
  return { privateKey, jwk: { ...(await jose.exportJWK(publicKey)), kid, use: 'sig' } };
}

/** A fake issuer: discovery plus a JWKS whose keys say `alg: "RSA256"`, like the emulator's. */
function issuer(initial: jose.JWK[]) {
  const state = { keys: initial, jwksFetches: 0, fail: false };
  const fetchImpl: typeof fetch = async (input) => {
    const url = String(input);
    if (state.fail) throw new TypeError('fetch failed');
    if (url === `${ISSUER}/.well-known/openid-configuration`) return Response.json({ issuer: ISSUER, jwks_uri: `${ISSUER}/jwks` });
    if (url === `${ISSUER}/jwks`) {
      state.jwksFetches++;
      return Response.json({ keys: state.keys.map((k) => ({ ...k, alg: 'RSA256' })) });
    }
    return new Response('not found', { status: 404 });
  };
  return { state, fetchImpl };
}

async function token(keys: Keys, claims: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload = { email: EMAIL, email_verified: true, iss: ISSUER, aud: AUDIENCE, sub: EMAIL, iat: now, exp: now + 300, ...claims };
  return new jose.SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: keys.jwk.kid!, typ: 'JWT' }).sign(keys.privateKey);
}

function verifier(fetchImpl: typeof fetch, overrides: Partial<OidcVerifierOptions> = {}) {
  return createOidcVerifier({ issuer: ISSUER, audience: AUDIENCE, serviceAccountEmail: EMAIL, fetch: fetchImpl, ...overrides });
}

const isAuthError = (reason?: string) => (e: { name?: string; code?: string; status?: number; fields?: { reason?: string } }) =>
  e.name === 'AuthenticationError' && e.code === 'VIG_AUTH_REQUIRED' && e.status === 401 && (reason === undefined || e.fields?.reason === reason);

describe('createOidcVerifier', () => {
  let k1: Keys;
  before(async () => {
    k1 = await keyPair('k1');
  });

  it('verifies a token signed by a key whose JWKS entry says alg "RSA256" (the emulator quirk)', async () => {
    const { fetchImpl } = issuer([k1.jwk]);
    const verified = await verifier(fetchImpl).verifyAuthorization(`Bearer ${await token(k1)}`);
    assert.equal(verified.email, EMAIL);
    assert.equal(verified.issuer, ISSUER);
    assert.deepEqual(verified.audience, [AUDIENCE]);
  });

  it('finds no key without the alg fix (why fixAlg defaults to true)', async () => {
    const { fetchImpl } = issuer([k1.jwk]);
    await assert.rejects(verifier(fetchImpl, { fixAlg: false }).verifyToken(await token(k1)), isAuthError('ERR_JWKS_NO_MATCHING_KEY'));
  });

  it('rejects a wrong audience, issuer, email, unverified email, expired or future token, and a bad signature', async () => {
    const { fetchImpl } = issuer([k1.jwk]);
    const v = verifier(fetchImpl);
    const other = await keyPair('k1'); // same kid, other key: signature cannot verify
    const cases = [
      { jwt: await token(k1, { aud: 'http://elsewhere/tasks' }), reason: 'ERR_JWT_CLAIM_VALIDATION_FAILED', why: 'wrong audience' },
      { jwt: await token(k1, { iss: 'http://evil.test' }), reason: 'ERR_JWT_CLAIM_VALIDATION_FAILED', why: 'wrong issuer' },
      { jwt: await token(k1, { email: 'someone@else.iam.gserviceaccount.com' }), reason: 'ERR_UNEXPECTED_EMAIL', why: 'another service account' },
      { jwt: await token(k1, { email_verified: false }), reason: 'ERR_EMAIL_NOT_VERIFIED', why: 'unverified email' },
      { jwt: await token(k1, { exp: Math.floor(Date.now() / 1000) - 60 }), reason: 'ERR_JWT_EXPIRED', why: 'expired' },
      { jwt: await token(k1, { nbf: Math.floor(Date.now() / 1000) + 600 }), reason: 'ERR_JWT_CLAIM_VALIDATION_FAILED', why: 'not yet valid' },
      { jwt: await token(other), reason: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED', why: 'signed by another key' },
      { jwt: 'not.a.jwt', reason: undefined, why: 'garbage' },
    ];
    for (const { jwt, reason, why } of cases) {
      await assert.rejects(v.verifyToken(jwt), isAuthError(reason), why);
    }
  });

  it('rejects an HS256 token even when it names a known key id', async () => {
    const { fetchImpl } = issuer([k1.jwk]);
    const hs = await new jose.SignJWT({ email: EMAIL, email_verified: true })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('x'.repeat(32)));
    await assert.rejects(verifier(fetchImpl).verifyToken(hs), isAuthError());
  });

  it('rejects a missing or malformed Authorization header', async () => {
    const { fetchImpl } = issuer([k1.jwk]);
    const v = verifier(fetchImpl);
    for (const header of [undefined, '', 'Basic abc', 'Bearer', ['Bearer a.b.c']]) {
      await assert.rejects(v.verifyAuthorization(header), isAuthError(), String(header));
    }
  });

  it('caches the keys and refetches them once for an unknown key id (rotation)', async () => {
    const { state, fetchImpl } = issuer([k1.jwk]);
    const v = verifier(fetchImpl, { refreshCooldownMs: 0 });
    await v.verifyToken(await token(k1));
    await v.verifyToken(await token(k1));
    assert.equal(state.jwksFetches, 1, 'the second verification used the cached keys');
    const k2 = await keyPair('k2');
    state.keys = [k1.jwk, k2.jwk];
    await v.verifyToken(await token(k2));
    assert.equal(state.jwksFetches, 2, 'an unknown kid refetched the keys');
  });

  it('does not refetch the keys for unknown key ids within the cooldown', async () => {
    const { state, fetchImpl } = issuer([k1.jwk]);
    const v = verifier(fetchImpl, { refreshCooldownMs: 60_000 });
    await v.verifyToken(await token(k1));
    const k3 = await keyPair('k3');
    await assert.rejects(v.verifyToken(await token(k3)), isAuthError('ERR_JWKS_NO_MATCHING_KEY'));
    await assert.rejects(v.verifyToken(await token(k3)), isAuthError('ERR_JWKS_NO_MATCHING_KEY'));
    assert.equal(state.jwksFetches, 1);
  });

  it('answers UnavailableError (retryable) when the keys cannot be fetched', async () => {
    const { state, fetchImpl } = issuer([k1.jwk]);
    state.fail = true;
    await assert.rejects(verifier(fetchImpl).verifyToken(await token(k1)), (e: { name?: string; retryable?: boolean }) => e.name === 'UnavailableError' && e.retryable === true);
  });

  it('refuses a discovery document that names another issuer', async () => {
    const fetchImpl: typeof fetch = async () => Response.json({ issuer: 'http://other.test', jwks_uri: `${ISSUER}/jwks` });
    await assert.rejects(verifier(fetchImpl).verifyToken(await token(k1)), (e: { name?: string }) => e.name === 'UnavailableError');
  });

  it('uses an explicit jwksUrl without discovery', async () => {
    const { fetchImpl } = issuer([k1.jwk]);
    const seen: string[] = [];
    const spy: typeof fetch = (input, init) => {
      seen.push(String(input));
      return fetchImpl(input, init);
    };
    await verifier(spy, { jwksUrl: `${ISSUER}/jwks` }).verifyToken(await token(k1));
    assert.deepEqual(seen, [`${ISSUER}/jwks`]);
  });
});
