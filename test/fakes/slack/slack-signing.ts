import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Slack's request signing (v0): `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{raw body}` with the app's
 * signing secret, sent in `x-slack-signature` next to `x-slack-request-timestamp` (unix seconds).
 */
export function slackSignature(signingSecret: string, timestampSeconds: number, rawBody: string): string {
  const digest = createHmac('sha256', signingSecret)
    .update(`v0:${timestampSeconds}:${rawBody}`)
    .digest('hex');
  return `v0=${digest}`;
}

export function signedHeaders(
  signingSecret: string,
  rawBody: string,
  timestampSeconds: number,
): Record<string, string> {
  return {
    'x-slack-request-timestamp': String(timestampSeconds),
    'x-slack-signature': slackSignature(signingSecret, timestampSeconds, rawBody),
  };
}

/** True when `signature` is what Slack would send for this body and timestamp. */
export function isSlackSignature(
  signingSecret: string,
  timestampSeconds: number,
  rawBody: string,
  signature: string,
): boolean {
  const expected = Buffer.from(slackSignature(signingSecret, timestampSeconds, rawBody));
  const actual = Buffer.from(signature);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
