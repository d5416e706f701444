import { timingSafeEqual } from 'node:crypto';
import { AuthenticationError, isVigiloError } from '@vigilo/errors';
import type { Request } from '@vigilo/platform';
import type { TaskAuthenticator } from './http/tasks.js';

function bearer(req: Request): string {
  const value = req.headers['authorization'];
  const match = typeof value === 'string' ? /^Bearer ([^\s]+)$/.exec(value) : null;
  if (!match) throw new AuthenticationError('A bearer token is required');
  return match[1]!;
}

/** Local mode: the PostgreSQL queue sends a shared secret. Compared in constant time. */
export function sharedSecretAuthenticator(secret: string): TaskAuthenticator {
  const expected = Buffer.from(secret);
  return async (req) => {
    const given = Buffer.from(bearer(req));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new AuthenticationError('Invalid task credential');
  };
}

/** Production: a Cloud Tasks OIDC token, checked by a verifier (issuer, audience, signature, service account). */
export function oidcAuthenticator(verify: (token: string) => Promise<unknown>): TaskAuthenticator {
  return async (req) => {
    try {
      await verify(bearer(req));
    } catch (error) {
      // Our own errors keep their meaning: an unreachable JWKS is a 503 (the queue retries), not a 401.
      if (isVigiloError(error)) throw error;
      throw new AuthenticationError('Invalid task token', { cause: error });
    }
  };
}
