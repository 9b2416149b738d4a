import { createHmac, timingSafeEqual } from 'node:crypto';

/** How long a /buy link works. Short: it grants access to a user's billing page without a password. */
export const BILLING_LINK_TTL_SECONDS = 15 * 60;

interface BillingClaim {
  /** User id. */
  u: string;
  /** Team account to top up instead of the personal one, when asked from a space with a pool. */
  a?: string;
  /** Expiry, unix seconds. */
  e: number;
}

const sign = (secret: string, payload: string) =>
  createHmac('sha256', secret).update(`billing-link:${payload}`).digest('base64url');

/** A signed, expiring link to the billing page for one user (and optionally a team account). */
export function createBillingLink(
  secret: string,
  baseUrl: string,
  claim: { userId: string; accountId?: string },
  now = Date.now(),
): { url: string; expiresAt: Date } {
  const expires = Math.floor(now / 1000) + BILLING_LINK_TTL_SECONDS;
  const payload = Buffer.from(
    JSON.stringify({
      u: claim.userId,
      ...(claim.accountId ? { a: claim.accountId } : {}),
      e: expires,
    } satisfies BillingClaim),
  ).toString('base64url');
  return {
    url: `${baseUrl}/billing?t=${payload}.${sign(secret, payload)}`,
    expiresAt: new Date(expires * 1000),
  };
}

/** The claim behind a billing token, or null when it is forged, malformed or expired. */
export function verifyBillingToken(
  secret: string,
  token: string,
  now = Date.now(),
): { userId: string; accountId: string | null } | null {
  const [payload, signature] = token.split('.');
  if (!payload || !signature) return null;
  const expected = Buffer.from(sign(secret, payload));
  const actual = Buffer.from(signature);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return null;
  try {
    const claim = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as BillingClaim;
    if (typeof claim.u !== 'string' || typeof claim.e !== 'number' || claim.e * 1000 < now) return null;
    return { userId: claim.u, accountId: claim.a ?? null };
  } catch {
    return null;
  }
}
