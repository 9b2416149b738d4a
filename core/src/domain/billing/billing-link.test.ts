import { describe, expect, it } from 'vitest';
import { BILLING_LINK_TTL_SECONDS, createBillingLink, verifyBillingToken } from './billing-link';

const token = (url: string) => new URL(url).searchParams.get('t')!;

describe('billing links', () => {
  it('verify for their user until they expire', () => {
    const now = Date.now();
    const { url } = createBillingLink(
      's3cret-s3cret',
      'https://atelier.example',
      { userId: 'u1', accountId: 'a1' },
      now,
    );
    expect(url.startsWith('https://atelier.example/billing?t=')).toBe(true);
    expect(verifyBillingToken('s3cret-s3cret', token(url), now)).toEqual({ userId: 'u1', accountId: 'a1' });
    expect(
      verifyBillingToken('s3cret-s3cret', token(url), now + (BILLING_LINK_TTL_SECONDS + 1) * 1000),
    ).toBeNull();
  });

  it('refuse a tampered claim, another secret and garbage', () => {
    const { url } = createBillingLink('s3cret-s3cret', 'http://x', { userId: 'u1' });
    const [payload, signature] = token(url).split('.');
    const forged = Buffer.from(JSON.stringify({ u: 'admin', e: 9_999_999_999 })).toString('base64url');
    expect(verifyBillingToken('s3cret-s3cret', `${forged}.${signature}`)).toBeNull();
    expect(verifyBillingToken('other-secret', `${payload}.${signature}`)).toBeNull();
    expect(verifyBillingToken('s3cret-s3cret', 'not-a-token')).toBeNull();
  });
});
