import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign } from 'node:crypto';

// PKCS#8 DER header for a raw 32-byte Ed25519 seed: lets keys derive from a string, so every run of
// the fake (and every recorded signature for a fixed timestamp) is reproducible.
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export interface WebhookSigningKey {
  kid: string;
  privateKey: KeyObject;
  jwk: { kty: 'OKP'; crv: 'Ed25519'; x: string; kid: string; alg: 'EdDSA'; use: 'sig' };
}

export interface WebhookSignParams {
  requestId: string;
  userId: string;
  /** Unix seconds, as a string exactly like the header carries it. */
  timestamp: string;
  body: string | Buffer;
}

export function deriveSigningKey(seed: string, kid: string): WebhookSigningKey {
  const raw = createHash('sha256').update(`${seed}:${kid}`).digest();
  const privateKey = createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, raw]),
    format: 'der',
    type: 'pkcs8',
  });
  const { x } = createPublicKey(privateKey).export({ format: 'jwk' });
  if (typeof x !== 'string') throw new Error('Ed25519 JWK export lacks x');
  return { kid, privateKey, jwk: { kty: 'OKP', crv: 'Ed25519', x, kid, alg: 'EdDSA', use: 'sig' } };
}

/** fal signs `request_id \n user_id \n timestamp \n sha256hex(raw body)`; receivers must hash the raw bytes. */
export function webhookSigningMessage({ requestId, userId, timestamp, body }: WebhookSignParams): Buffer {
  const digest = createHash('sha256').update(body).digest('hex');
  return Buffer.from(`${requestId}\n${userId}\n${timestamp}\n${digest}`, 'utf8');
}

export function signWebhookMessage(key: KeyObject, params: WebhookSignParams): string {
  return sign(null, webhookSigningMessage(params), key).toString('hex');
}

export function webhookHeaders(key: KeyObject, params: WebhookSignParams): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-fal-webhook-request-id': params.requestId,
    'x-fal-webhook-user-id': params.userId,
    'x-fal-webhook-timestamp': params.timestamp,
    'x-fal-webhook-signature': signWebhookMessage(key, params),
  };
}

/**
 * Holds the published key set. fal rotates keys and publishes several at once, so receivers must try
 * every key in the JWKS; `rotate()` lets tests prove that.
 */
export class WebhookKeyring {
  private readonly keys: WebhookSigningKey[];

  constructor(private readonly seed = 'atelier-fal-fake') {
    this.keys = [deriveSigningKey(seed, 'fal-fake-1')];
  }

  get current(): WebhookSigningKey {
    return this.keys[this.keys.length - 1]!;
  }

  /** Adds a new signing key; older keys stay published (as during a real rotation) unless dropped. */
  rotate({ dropOld = false } = {}): WebhookSigningKey {
    const next = deriveSigningKey(this.seed, `fal-fake-${this.keys.length + 1}`);
    if (dropOld) this.keys.splice(0, this.keys.length);
    this.keys.push(next);
    return next;
  }

  jwks(): { keys: WebhookSigningKey['jwk'][] } {
    return { keys: this.keys.map((k) => k.jwk) };
  }
}
