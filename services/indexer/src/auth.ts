import { AuthenticationError, isVigiloError } from '@vigilo/errors';
import type { OidcVerifier } from '@vigilo/queue';
import { verifySharedSecret } from '@vigilo/queue';
import type { TaskAuthenticator } from './http/tasks.js';

/** Local mode: the PostgreSQL queue sends a shared secret as a bearer token (checked in constant time by the queue package). */
export function sharedSecretAuthenticator(secret: string): TaskAuthenticator {
  return async (req) => verifySharedSecret(req.headers['authorization'], secret);
}

/** Production: a Cloud Tasks OIDC token, checked by the queue package's verifier (issuer, audience, signature, service account). */
export function oidcAuthenticator(verifier: Pick<OidcVerifier, 'verifyAuthorization'>): TaskAuthenticator {
  return async (req) => {
    try {
      await verifier.verifyAuthorization(req.headers['authorization']);
    } catch (error) {
      // Our own errors keep their meaning: an unreachable JWKS is a 503 (the queue retries), not a 401.
      if (isVigiloError(error)) throw error;
      throw new AuthenticationError('Invalid task token', { cause: error });
    }
  };
}
