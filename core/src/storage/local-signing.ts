import { createHmac, timingSafeEqual } from 'node:crypto';

// URL signatures for the local store's /files/ links (HMAC-SHA256 over every signed field).

const SIGNATURE_VERSION = 'atelier-files-v1';
export interface SignedFields {
  method: 'GET' | 'PUT';
  key: string;
  exp: string;
  ct?: string | undefined;
  max?: string | undefined;
  dn?: string | undefined;
}

export function sign(secret: string, f: SignedFields): Buffer {
  // JSON array: unambiguous field boundaries whatever the values contain.
  const canonical = JSON.stringify([
    SIGNATURE_VERSION,
    f.method,
    f.key,
    f.exp,
    f.ct ?? '',
    f.max ?? '',
    f.dn ?? '',
  ]);
  return createHmac('sha256', secret).update(canonical).digest();
}

export function verify(secret: string, f: SignedFields, sig: string): boolean {
  const expected = sign(secret, f);
  const given = Buffer.from(sig, 'base64url');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function assertSecret(secret: string): void {
  if (typeof secret !== 'string' || secret.length < 16) {
    throw new Error('local object store: signingSecret must be at least 16 characters');
  }
}

export function unixNow(): number {
  return Math.floor(Date.now() / 1000);
}
