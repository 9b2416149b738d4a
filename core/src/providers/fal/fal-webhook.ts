import { createHash, createPublicKey, type JsonWebKey, type KeyObject, verify } from 'node:crypto';
import type { Logger } from '../../logger';
import { createFalFetch } from './fal-fetch';

/** Where fal publishes its webhook signing keys (FAL_JWKS_URL overrides). */
export const DEFAULT_FAL_JWKS_URL = 'https://rest.alpha.fal.ai/.well-known/jwks.json';

/** Allowed distance between the webhook timestamp and our clock. */
export const FAL_WEBHOOK_TOLERANCE_SECONDS = 300;
const JWKS_TTL_MS = 24 * 60 * 60 * 1000;
/** A signature that fails with cached keys triggers a refetch (key rotation), at most this often. */
const JWKS_REFETCH_MIN_INTERVAL_MS = 60 * 1000;
const JWKS_FETCH_TIMEOUT_MS = 10_000;

/** The JSON fal POSTs to the webhook URL given at submit. */
export interface FalWebhookBody {
  request_id: string;
  gateway_request_id?: string;
  status: 'OK' | 'ERROR';
  /** The result JSON on OK; on ERROR whatever fal has (often `{detail}`), possibly null. */
  payload: unknown;
  /** On ERROR a description such as "Invalid status code: 422". */
  error: string | null;
}

export type FalWebhookVerification =
  | { ok: true; requestId: string; body: FalWebhookBody }
  /**
   * `retryable` is set when the webhook could not be checked at all (fal's key set unreachable and
   * none cached): answer 5xx so fal delivers it again, instead of 4xx.
   */
  | { ok: false; reason: string; retryable?: boolean };

export interface FalWebhookVerifier {
  verify(headers: Headers, rawBody: Buffer): Promise<FalWebhookVerification>;
}

export interface FalWebhookVerifierOptions {
  /** DEFAULT_FAL_JWKS_URL unless FAL_JWKS_URL is set. */
  jwksUrl?: string;
  /** The fetch for the JWKS; when omitted, `fetch` rewritten through `apiRoot` (FAL_API_ROOT) if set. */
  fetch?: typeof fetch;
  /** FAL_API_ROOT: the JWKS request for `https://HOST/PATH` goes to `${apiRoot}/HOST/PATH`. */
  apiRoot?: string;
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number;
  logger: Logger;
}

interface KeyCache {
  keys: KeyObject[];
  fetchedAt: number;
}

const HEX_SIGNATURE = /^[0-9a-f]{128}$/i;
const UNIX_SECONDS = /^\d{1,12}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** fal signs `request_id \n user_id \n timestamp \n sha256hex(raw body)` with Ed25519. */
function signingMessage(requestId: string, userId: string, timestamp: string, rawBody: Buffer): Buffer {
  const digest = createHash('sha256').update(rawBody).digest('hex');
  return Buffer.from(`${requestId}\n${userId}\n${timestamp}\n${digest}`, 'utf8');
}

/**
 * Verifies fal's signed webhooks: Ed25519 signature against any key of fal's JWKS, a timestamp
 * within ±5 minutes, and a body whose request id matches the signed header.
 */
export function createFalWebhookVerifier(options: FalWebhookVerifierOptions): FalWebhookVerifier {
  const jwksUrl = options.jwksUrl ?? DEFAULT_FAL_JWKS_URL;
  const fetchJwks = options.fetch ?? createFalFetch(options.apiRoot);
  const now = options.now ?? Date.now;
  const log = options.logger.child({ component: 'fal-webhook' });

  let cache: KeyCache | undefined;
  let lastFetchAttempt = Number.NEGATIVE_INFINITY;
  let inFlight: Promise<KeyCache | undefined> | undefined;

  async function loadKeys(): Promise<KeyCache> {
    const res = await fetchJwks(jwksUrl, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(JWKS_FETCH_TIMEOUT_MS),
    });
    if (!res.ok) {
      await res.body?.cancel().catch(() => {});
      throw new Error(`JWKS request answered HTTP ${res.status}`);
    }
    const json = (await res.json()) as unknown;
    const list = isRecord(json) && Array.isArray(json.keys) ? json.keys : [];
    const keys: KeyObject[] = [];
    for (const jwk of list) {
      if (!isRecord(jwk) || jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519') continue;
      try {
        keys.push(createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }));
      } catch (err) {
        log.warn('skipping an unreadable key in the fal JWKS', { kid: jwk.kid, err });
      }
    }
    if (keys.length === 0) throw new Error('JWKS holds no Ed25519 keys');
    return { keys, fetchedAt: now() };
  }

  /** One fetch at a time; a failed fetch keeps the previous keys (if any). */
  function refresh(): Promise<KeyCache | undefined> {
    if (!inFlight) {
      lastFetchAttempt = now();
      inFlight = loadKeys()
        .then((fresh) => {
          cache = fresh;
          log.info('fal webhook keys loaded', { keys: fresh.keys.length });
          return fresh;
        })
        .catch((err: unknown) => {
          log.error('could not fetch the fal webhook keys', { jwksUrl, err });
          return cache;
        })
        .finally(() => {
          inFlight = undefined;
        });
    }
    return inFlight;
  }

  async function currentKeys(): Promise<KeyCache | undefined> {
    if (cache && now() - cache.fetchedAt < JWKS_TTL_MS) return cache;
    if (cache && now() - lastFetchAttempt < JWKS_REFETCH_MIN_INTERVAL_MS) return cache;
    return refresh();
  }

  const matches = (keys: readonly KeyObject[], message: Buffer, signature: Buffer): boolean =>
    keys.some((key) => {
      try {
        return verify(null, message, key, signature);
      } catch {
        return false;
      }
    });

  return {
    async verify(headers, rawBody) {
      const requestId = headers.get('x-fal-webhook-request-id');
      const userId = headers.get('x-fal-webhook-user-id');
      const timestamp = headers.get('x-fal-webhook-timestamp');
      const signatureHex = headers.get('x-fal-webhook-signature');
      const missing = [
        ['x-fal-webhook-request-id', requestId],
        ['x-fal-webhook-user-id', userId],
        ['x-fal-webhook-timestamp', timestamp],
        ['x-fal-webhook-signature', signatureHex],
      ]
        .filter(([, value]) => !value)
        .map(([name]) => name);
      if (!requestId || !userId || !timestamp || !signatureHex) {
        return { ok: false, reason: `missing header ${missing.join(', ')}` };
      }

      if (!UNIX_SECONDS.test(timestamp)) return { ok: false, reason: 'timestamp is not a unix time' };
      const skew = now() / 1000 - Number(timestamp);
      if (skew > FAL_WEBHOOK_TOLERANCE_SECONDS) {
        return { ok: false, reason: `timestamp is too old (${Math.round(skew)} s)` };
      }
      if (skew < -FAL_WEBHOOK_TOLERANCE_SECONDS) {
        return { ok: false, reason: `timestamp is in the future (${Math.round(-skew)} s ahead)` };
      }

      if (!HEX_SIGNATURE.test(signatureHex)) {
        return { ok: false, reason: 'signature is not a hex Ed25519 signature' };
      }
      const signature = Buffer.from(signatureHex, 'hex');
      const message = signingMessage(requestId, userId, timestamp, rawBody);

      const cached = await currentKeys();
      if (!cached) {
        return { ok: false, reason: 'fal webhook keys are unavailable', retryable: true };
      }
      let valid = matches(cached.keys, message, signature);
      if (!valid && now() - lastFetchAttempt >= JWKS_REFETCH_MIN_INTERVAL_MS) {
        // fal may have rotated its keys since we cached them.
        const fresh = await refresh();
        if (fresh && fresh !== cached) valid = matches(fresh.keys, message, signature);
      }
      if (!valid) return { ok: false, reason: 'signature does not match any fal webhook key' };

      let parsed: unknown;
      try {
        parsed = JSON.parse(rawBody.toString('utf8'));
      } catch {
        return { ok: false, reason: 'body is not JSON' };
      }
      if (!isRecord(parsed) || typeof parsed.request_id !== 'string') {
        return { ok: false, reason: 'body has no request_id' };
      }
      if (parsed.request_id !== requestId) {
        return { ok: false, reason: 'body request_id does not match the signed request id header' };
      }
      if (parsed.status !== 'OK' && parsed.status !== 'ERROR') {
        return { ok: false, reason: `body status ${JSON.stringify(parsed.status)} is neither OK nor ERROR` };
      }
      const body: FalWebhookBody = {
        request_id: parsed.request_id,
        status: parsed.status,
        payload: parsed.payload ?? null,
        error: typeof parsed.error === 'string' ? parsed.error : null,
      };
      if (typeof parsed.gateway_request_id === 'string') body.gateway_request_id = parsed.gateway_request_id;
      return { ok: true, requestId, body };
    },
  };
}
