import { timingSafeEqual, createHash } from 'node:crypto';
import { AuthenticationError } from '@vigilo/errors';

/**
 * Checks the local mode's `Authorization: Bearer <shared secret>` (what
 * `PostgresTaskDispatcher` sends with `sharedSecret`), in constant time.
 *
 * @throws AuthenticationError (`VIG_AUTH_REQUIRED`, 401) when the header is
 *   missing or carries another secret.
 */
export function verifySharedSecret(header: string | readonly string[] | undefined, secret: string): void {
  if (!secret) throw new TypeError('verifySharedSecret needs a non-empty secret');
  const match = typeof header === 'string' ? /^Bearer +(\S+)$/i.exec(header) : null;
  // Compare digests, so the comparison takes the same time whatever the lengths.
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  if (!match?.[1] || !timingSafeEqual(digest(match[1]), digest(secret))) {
    throw new AuthenticationError('A valid bearer token is required');
  }
}
