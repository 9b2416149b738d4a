import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_FAL_KEY, FalFake } from '../../../../test/fakes/fal/fal-fake';
import { deriveSigningKey } from '../../../../test/fakes/fal/fal-webhook-signing';
import { silentLogger } from '../../logger';
import { createFalProvider } from './fal.provider';
import { createFalFetch } from './fal-fetch';
import { createFalWebhookVerifier, DEFAULT_FAL_JWKS_URL, type FalWebhookVerifier } from './fal-webhook';

const FLUX = 'fal-ai/flux-1/schnell';
const REQUEST_ID = 'fa1fa1e0-0000-4000-8000-00000000abcd';

let fake: FalFake;
let clock: number;
let jwksFetches: number;
let verifier: FalWebhookVerifier;

function body(requestId = REQUEST_ID) {
  return {
    request_id: requestId,
    gateway_request_id: requestId,
    status: 'OK',
    payload: { images: [{ url: 'https://v3.fal.media/files/x.png' }] },
    error: null,
  };
}

function nowSeconds(): number {
  return Math.floor(clock / 1000);
}

/** A webhook signed by the fake at our clock's time, as a Headers + raw body pair. */
function signed(
  payload: string | object = body(),
  opts: Parameters<FalFake['signWebhook']>[1] = {},
): { headers: Headers; raw: Buffer } {
  const { body: raw, headers } = fake.signWebhook(payload, { timestamp: nowSeconds(), ...opts });
  return { headers: new Headers(headers), raw: Buffer.from(raw) };
}

beforeEach(async () => {
  fake = new FalFake();
  await fake.start();
  clock = Math.floor(Date.now() / 1000) * 1000;
  jwksFetches = 0;
  const falFetch = createFalFetch(fake.url);
  verifier = createFalWebhookVerifier({
    jwksUrl: DEFAULT_FAL_JWKS_URL,
    fetch: (input, init) => {
      jwksFetches++;
      return falFetch(input, init);
    },
    now: () => clock,
    logger: silentLogger,
  });
});

afterEach(() => fake.close());

describe('fal webhook verification', () => {
  it('uses the JWKS address fal documents', () => {
    expect(DEFAULT_FAL_JWKS_URL).toBe('https://rest.alpha.fal.ai/.well-known/jwks.json');
  });

  it('accepts a webhook the fake really delivered for a finished request', async () => {
    const received: { headers: IncomingHttpHeaders; raw: Buffer }[] = [];
    const receiver: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, raw: Buffer.concat(chunks) });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/fal`;
      const provider = createFalProvider({ key: DEFAULT_FAL_KEY, apiRoot: fake.url, logger: silentLogger });
      fake.setBehavior(FLUX, { queuePolls: 0, progressPolls: 0 });
      const { requestId } = await provider.submit({ endpoint: FLUX, input: { prompt: 'hook' }, webhookUrl });
      expect(await provider.status(FLUX, requestId)).toMatchObject({ state: 'completed' });
      await expect.poll(() => received.length).toBe(1);

      const delivery = received[0]!;
      const headers = new Headers();
      for (const [k, v] of Object.entries(delivery.headers)) if (typeof v === 'string') headers.set(k, v);
      clock = Date.now();
      const verdict = await verifier.verify(headers, delivery.raw);
      expect(verdict).toMatchObject({
        ok: true,
        requestId,
        body: { request_id: requestId, gateway_request_id: requestId, status: 'OK', error: null },
      });
      if (!verdict.ok) throw new Error('unreachable');
      expect(verdict.body.payload).toMatchObject({ images: [{ content_type: 'image/png' }] });
    } finally {
      receiver.closeAllConnections();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });

  it('accepts an ERROR webhook and hands over its error and payload', async () => {
    const { headers, raw } = signed({
      request_id: REQUEST_ID,
      status: 'ERROR',
      payload: { detail: [{ loc: ['body', 'prompt'], msg: 'field required' }] },
      error: 'Invalid status code: 422',
    });
    expect(await verifier.verify(headers, raw)).toEqual({
      ok: true,
      requestId: REQUEST_ID,
      body: {
        request_id: REQUEST_ID,
        status: 'ERROR',
        payload: { detail: [{ loc: ['body', 'prompt'], msg: 'field required' }] },
        error: 'Invalid status code: 422',
      },
    });
  });

  it('rejects a forged signature', async () => {
    const { headers, raw } = signed();
    const sig = headers.get('x-fal-webhook-signature')!;
    headers.set('x-fal-webhook-signature', `${sig[0] === 'a' ? 'b' : 'a'}${sig.slice(1)}`);
    expect(await verifier.verify(headers, raw)).toEqual({
      ok: false,
      reason: 'signature does not match any fal webhook key',
    });
  });

  it('rejects a signature made with a key fal does not publish', async () => {
    const foreign = deriveSigningKey('someone-else', 'k1').privateKey;
    const { headers, raw } = signed(body(), { key: foreign });
    expect(await verifier.verify(headers, raw)).toEqual({
      ok: false,
      reason: 'signature does not match any fal webhook key',
    });
  });

  it('rejects a body altered after signing, and a changed user id', async () => {
    const { headers, raw } = signed();
    const altered = Buffer.from(raw.toString('utf8').replace('x.png', 'y.png'));
    expect(await verifier.verify(headers, altered)).toEqual({
      ok: false,
      reason: 'signature does not match any fal webhook key',
    });
    headers.set('x-fal-webhook-user-id', 'another-user');
    expect(await verifier.verify(headers, raw)).toMatchObject({
      ok: false,
      reason: /signature does not match/,
    });
  });

  it('rejects a timestamp 301 s old or 301 s ahead, accepts 300 s', async () => {
    const old = signed(body(), { timestamp: nowSeconds() - 301 });
    expect(await verifier.verify(old.headers, old.raw)).toEqual({
      ok: false,
      reason: 'timestamp is too old (301 s)',
    });
    const future = signed(body(), { timestamp: nowSeconds() + 301 });
    expect(await verifier.verify(future.headers, future.raw)).toEqual({
      ok: false,
      reason: 'timestamp is in the future (301 s ahead)',
    });
    clock = nowSeconds() * 1000; // exact second, so ±300 s is on the boundary
    const edge = signed(body(), { timestamp: nowSeconds() - 300 });
    expect(await verifier.verify(edge.headers, edge.raw)).toMatchObject({ ok: true });
    const garbage = signed(body(), {});
    garbage.headers.set('x-fal-webhook-timestamp', 'yesterday');
    expect(await verifier.verify(garbage.headers, garbage.raw)).toEqual({
      ok: false,
      reason: 'timestamp is not a unix time',
    });
  });

  it.each([
    'x-fal-webhook-request-id',
    'x-fal-webhook-user-id',
    'x-fal-webhook-timestamp',
    'x-fal-webhook-signature',
  ])('rejects a webhook without %s', async (header) => {
    const { headers, raw } = signed();
    headers.delete(header);
    expect(await verifier.verify(headers, raw)).toEqual({ ok: false, reason: `missing header ${header}` });
  });

  it('rejects a signature that is not hex', async () => {
    const { headers, raw } = signed();
    headers.set('x-fal-webhook-signature', 'not-a-signature');
    expect(await verifier.verify(headers, raw)).toEqual({
      ok: false,
      reason: 'signature is not a hex Ed25519 signature',
    });
  });

  it('rejects a body whose request_id differs from the signed header', async () => {
    // Validly signed over the header's request id, but the body speaks of another request.
    const { headers, raw } = signed(body('fa1fa1e0-0000-4000-8000-0000000000ff'), { requestId: REQUEST_ID });
    expect(await verifier.verify(headers, raw)).toEqual({
      ok: false,
      reason: 'body request_id does not match the signed request id header',
    });
  });

  it('rejects validly signed bodies that are not fal webhooks', async () => {
    const notJson = signed('not json', { requestId: REQUEST_ID });
    expect(await verifier.verify(notJson.headers, notJson.raw)).toEqual({
      ok: false,
      reason: 'body is not JSON',
    });
    const badStatus = signed({ ...body(), status: 'MAYBE' });
    expect(await verifier.verify(badStatus.headers, badStatus.raw)).toMatchObject({
      ok: false,
      reason: /neither OK nor ERROR/,
    });
  });

  it('fetches the JWKS once and keeps it for 24 hours', async () => {
    for (let i = 0; i < 3; i++) {
      const { headers, raw } = signed();
      expect(await verifier.verify(headers, raw)).toMatchObject({ ok: true });
    }
    expect(jwksFetches).toBe(1);
    clock += 24 * 60 * 60 * 1000 + 1;
    const later = signed();
    expect(await verifier.verify(later.headers, later.raw)).toMatchObject({ ok: true });
    expect(jwksFetches).toBe(2);
  });

  it('refetches the JWKS when fal rotates its key, at most once a minute', async () => {
    const first = signed();
    expect(await verifier.verify(first.headers, first.raw)).toMatchObject({ ok: true });
    expect(jwksFetches).toBe(1);

    // A real rotation publishes the new key next to the old one; we sign with the new one.
    fake.keyring.rotate();
    clock += 61_000;
    const rotated = signed();
    expect(await verifier.verify(rotated.headers, rotated.raw)).toMatchObject({ ok: true });
    expect(jwksFetches).toBe(2);

    // A forgery right after does not make us hammer the JWKS endpoint.
    const forged = signed(body(), { key: deriveSigningKey('attacker', 'x').privateKey });
    expect(await verifier.verify(forged.headers, forged.raw)).toMatchObject({ ok: false });
    expect(jwksFetches).toBe(2);

    // Another rotation within the minute is only picked up once the minute has passed.
    fake.keyring.rotate({ dropOld: true });
    clock += 10_000;
    const tooSoon = signed();
    expect(await verifier.verify(tooSoon.headers, tooSoon.raw)).toMatchObject({ ok: false });
    expect(jwksFetches).toBe(2);
    clock += 60_000;
    const nextMinute = signed();
    expect(await verifier.verify(nextMinute.headers, nextMinute.raw)).toMatchObject({ ok: true });
    expect(jwksFetches).toBe(3);
  });

  it('routes the JWKS fetch through FAL_API_ROOT when only apiRoot is given', async () => {
    const viaRoot = createFalWebhookVerifier({ apiRoot: fake.url, now: () => clock, logger: silentLogger });
    const { headers, raw } = signed();
    expect(await viaRoot.verify(headers, raw)).toMatchObject({ ok: true, requestId: REQUEST_ID });
  });

  it('says the webhook is worth retrying when the key set cannot be fetched', async () => {
    await fake.close();
    const { headers, raw } = signed();
    expect(await verifier.verify(headers, raw)).toEqual({
      ok: false,
      reason: 'fal webhook keys are unavailable',
      retryable: true,
    });
  });
});
