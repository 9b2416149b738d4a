import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Authenticated encryption for secrets kept at rest (third-party tokens): AES-256-GCM with a key
 * derived from the core secret per purpose (HKDF-SHA256), so one purpose's ciphertexts never open as
 * another's. `context` is bound as additional data: a sealed value copied onto another row (another
 * installation key) fails to open instead of lending its token there.
 *
 * Format: `v1.<iv>.<ciphertext>.<tag>`, base64url. Changing the core secret makes sealed values
 * unreadable (the owners re-install).
 */
const VERSION = 'v1';

function keyFor(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'atelier-seal', `${VERSION}:${purpose}`, 32));
}

export function seal(secret: string, purpose: string, context: string, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFor(secret, purpose), iv);
  cipher.setAAD(Buffer.from(context));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [VERSION, iv, ciphertext, cipher.getAuthTag()]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

/** The plaintext, or null when the value was sealed with another secret, purpose or context, or altered. */
export function unseal(secret: string, purpose: string, context: string, sealed: string): string | null {
  const [version, iv, ciphertext, tag] = sealed.split('.');
  if (version !== VERSION || !iv || ciphertext === undefined || !tag) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyFor(secret, purpose), Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    return null;
  }
}
