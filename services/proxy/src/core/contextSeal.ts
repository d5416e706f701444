import { createHmac, timingSafeEqual } from 'node:crypto';

const PREFIX = 'vgc1';

/**
 * Search contexts (scroll ids, point-in-time ids, async search ids, SQL cursors) outlive the request that
 * opened them and are addressed by id alone; the engine (without its own security) would serve them to anyone
 * holding the id. The proxy hands out sealed ids instead: the engine's id bound to the tenant with an HMAC
 * under a key all replicas share, and only unseals an id for the tenant it was sealed for.
 */
export class ContextSealer {
  constructor(private readonly key: Buffer) {
    if (key.length < 32) throw new RangeError('the context sealing key must have at least 32 bytes');
  }

  private mac(tenant: string, id: string): Buffer {
    return createHmac('sha256', this.key).update(tenant).update('\0').update(id).digest();
  }

  seal(tenant: string, id: string): string {
    return [PREFIX, Buffer.from(tenant).toString('base64url'), this.mac(tenant, id).toString('base64url'), Buffer.from(id).toString('base64url')].join('.');
  }

  /** The engine's id, or undefined unless `sealed` was sealed by this key for `tenant`. */
  unseal(tenant: string, sealed: string): string | undefined {
    const parts = sealed.split('.');
    if (parts.length !== 4 || parts[0] !== PREFIX) return undefined;
    const [, tenantPart, macPart, idPart] = parts as [string, string, string, string];
    if (Buffer.from(tenantPart, 'base64url').toString() !== tenant) return undefined;
    const id = Buffer.from(idPart, 'base64url').toString();
    const given = Buffer.from(macPart, 'base64url');
    const expected = this.mac(tenant, id);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    return id;
  }
}
