import { createHash, createPublicKey, type JsonWebKey, verify } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, createFalClient, type FalClient, type QueueStatus, ValidationError } from '@fal-ai/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_FAL_KEY, FalFake, falFetch, imageOutput, TINY_PNG } from './fal-fake';
import { deriveSigningKey } from './fal-webhook-signing';

// Typed as plain string so the client's per-endpoint input types don't constrain fake inputs.
const FLUX: string = 'fal-ai/flux-1/schnell';

let fake: FalFake;
let close: () => Promise<void>;
let fetchFal: typeof fetch;
let fal: FalClient;

beforeEach(async () => {
  fake = new FalFake();
  ({ close } = await fake.start());
  fetchFal = falFetch(fake.url);
  fal = createFalClient({ credentials: DEFAULT_FAL_KEY, fetch: fetchFal });
});

afterEach(() => close());

async function download(url: string): Promise<{ bytes: Buffer; type: string | null }> {
  const res = await fetchFal(url);
  expect(res.status).toBe(200);
  return { bytes: Buffer.from(await res.arrayBuffer()), type: res.headers.get('content-type') };
}

describe('queue lifecycle through the real @fal-ai/client', () => {
  it('walks IN_QUEUE -> IN_PROGRESS -> COMPLETED and serves the output bytes', async () => {
    const png = Buffer.concat([TINY_PNG, Buffer.from('distinct')]);
    fake.setBehavior(FLUX, { queuePolls: 2, progressPolls: 2, output: imageOutput(png) });

    const submitted = await fal.queue.submit(FLUX, { input: { prompt: 'a fox' } });
    expect(submitted).toMatchObject({ status: 'IN_QUEUE', queue_position: 1 });
    const requestId = submitted.request_id;
    expect(submitted.status_url).toBe(`https://queue.fal.run/fal-ai/flux-1/requests/${requestId}/status`);

    const seen: QueueStatus[] = [];
    for (let i = 0; i < 5; i++) seen.push(await fal.queue.status(FLUX, { requestId, logs: true }));
    expect(seen.map((s) => s.status)).toEqual([
      'IN_QUEUE',
      'IN_QUEUE',
      'IN_PROGRESS',
      'IN_PROGRESS',
      'COMPLETED',
    ]);
    expect(seen.slice(0, 2).map((s) => s.status === 'IN_QUEUE' && s.queue_position)).toEqual([1, 0]);
    const last = seen[4];
    expect(last?.status === 'COMPLETED' && last.logs.map((l) => l.message)).toEqual([
      'progress 33%',
      'progress 67%',
    ]);

    const result = await fal.queue.result(FLUX, { requestId });
    expect(result.requestId).toBe(requestId);
    const image = (result.data as { images: { url: string; content_type: string }[] }).images[0]!;
    expect(image.url).toMatch(/^https:\/\/v3\.fal\.media\/files\//);
    expect(result.data).toMatchObject({ prompt: 'a fox', has_nsfw_concepts: [false] });
    expect(await download(image.url)).toEqual({ bytes: png, type: 'image/png' });

    expect(fake.requests[0]).toMatchObject({ appId: FLUX, input: { prompt: 'a fox' }, status: 'COMPLETED' });
    expect(fake.requests[0]?.headers).toMatchObject({
      authorization: `Key ${DEFAULT_FAL_KEY}`,
      'x-fal-queue-priority': 'normal',
    });
    expect(fake.calls).toMatchObject({ submit: 1, status: 5, result: 1 });
  });

  it('runs fal.subscribe end to end, uploading Blob inputs on the way', async () => {
    const updates: string[] = [];
    const result = await fal.subscribe(FLUX, {
      input: { prompt: 'a cat', image_url: new Blob([TINY_PNG], { type: 'image/png' }) },
      logs: true,
      pollInterval: 5,
      onQueueUpdate: (s) => updates.push(s.status),
    });
    expect(updates).toEqual(['IN_QUEUE', 'IN_PROGRESS', 'COMPLETED']);
    const sentUrl = (fake.request(result.requestId).input as { image_url: string }).image_url;
    expect(fake.uploads.map((u) => u.url)).toEqual([sentUrl]);
    expect(result.data).toMatchObject({ images: [{ width: 1, height: 1, content_type: 'image/png' }] });
  });

  it('completes on the first poll in immediate mode', async () => {
    fake.setBehavior('*', { immediate: true });
    const { request_id: requestId } = await fal.queue.submit('fal-ai/anything', { input: {} });
    expect(fake.request(requestId).status).toBe('COMPLETED');
    expect(await fal.queue.status('fal-ai/anything', { requestId })).toMatchObject({
      status: 'COMPLETED',
      logs: null,
    });
  });

  it('lets a test drive a manual request to success or failure', async () => {
    fake.setBehavior(FLUX, { queuePolls: 0, manual: true });
    const a = await fal.queue.submit(FLUX, { input: { prompt: 'x' } });
    const b = await fal.queue.submit(FLUX, { input: { prompt: 'y' } });
    for (let i = 0; i < 3; i++) await fal.queue.status(FLUX, { requestId: a.request_id });
    expect(fake.request(a.request_id).status).toBe('IN_PROGRESS');
    await expect(fal.queue.result(FLUX, { requestId: a.request_id })).rejects.toMatchObject({ status: 400 });

    await fake.complete(a.request_id, () => ({
      video: { url: fake.addFile('v.mp4', Buffer.from('mp4'), 'video/mp4') },
    }));
    await fake.fail(b.request_id, 500, 'GPU fell over');
    await expect(fake.complete(a.request_id)).rejects.toThrow(/already completed/);

    const ok = await fal.queue.result(FLUX, { requestId: a.request_id });
    const { url } = (ok.data as { video: { url: string } }).video;
    expect(await download(url)).toEqual({ bytes: Buffer.from('mp4'), type: 'video/mp4' });
    const err = await fal.queue.result(FLUX, { requestId: b.request_id }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 500, body: { detail: 'GPU fell over' } });
  });

  it('retries a transient 503 on submit the way the client does', async () => {
    fake.setBehavior(FLUX, { submitFailures: 1 });
    const { request_id } = await fal.queue.submit(FLUX, { input: { prompt: 'retry' } });
    expect(fake.calls.submit).toBe(2);
    expect(fake.requests.map((r) => r.id)).toEqual([request_id]);
  });
});

describe('errors', () => {
  it('surfaces a failed request as a ValidationError carrying fal detail', async () => {
    const detail = [{ loc: ['body', 'prompt'], msg: 'field required', type: 'missing' }];
    fake.setBehavior('fal-ai/strict', { queuePolls: 0, progressPolls: 0, error: { status: 422, detail } });
    const err = await fal.subscribe('fal-ai/strict', { input: {}, pollInterval: 5 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ValidationError).getFieldErrors('prompt')).toEqual(detail);
  });

  it('rejects a wrong or missing key with 401', async () => {
    const wrong = createFalClient({ credentials: 'nope:nope', fetch: fetchFal });
    await expect(wrong.queue.submit(FLUX, { input: {} })).rejects.toMatchObject({
      name: 'ApiError',
      status: 401,
      body: { detail: 'Invalid Key authentication' },
    });
    const anonymous = await fetchFal('https://queue.fal.run/fal-ai/flux-1/schnell', {
      method: 'POST',
      body: '{}',
    });
    expect(anonymous.status).toBe(401);
    expect(fake.requests).toHaveLength(0);
  });

  it('404s unknown requests and requests asked for under another app', async () => {
    const { request_id: requestId } = await fal.queue.submit(FLUX, { input: {} });
    await expect(fal.queue.status('fal-ai/other', { requestId })).rejects.toMatchObject({ status: 404 });
    await expect(fal.queue.status(FLUX, { requestId: 'missing' })).rejects.toMatchObject({ status: 404 });
  });
});

describe('cancel', () => {
  it('cancels a queued request once, then reports it already completed', async () => {
    fake.setBehavior(FLUX, { manual: true });
    const { request_id: requestId } = await fal.queue.submit(FLUX, { input: {} });
    await fal.queue.cancel(FLUX, { requestId });
    expect(fake.request(requestId)).toMatchObject({ cancelled: true, status: 'COMPLETED' });
    await expect(fal.queue.result(FLUX, { requestId })).rejects.toMatchObject({ status: 400 });
    await expect(fal.queue.cancel(FLUX, { requestId })).rejects.toMatchObject({
      status: 400,
      body: { status: 'ALREADY_COMPLETED' },
    });
    expect(fake.calls.cancel).toBe(2);
  });

  it('a running request gets the signal; its app stops by default, or finishes anyway when it ignores it', async () => {
    fake.setBehavior(FLUX, { manual: true, queuePolls: 0 });
    const stops = (await fal.queue.submit(FLUX, { input: {} })).request_id;
    expect(await fal.queue.status(FLUX, { requestId: stops })).toMatchObject({ status: 'IN_PROGRESS' });
    await fal.queue.cancel(FLUX, { requestId: stops });
    await expect(fal.queue.result(FLUX, { requestId: stops })).rejects.toMatchObject({ status: 400 });

    fake.setBehavior(FLUX, { manual: true, queuePolls: 0, onCancelInProgress: 'ignore' });
    const keepsGoing = (await fal.queue.submit(FLUX, { input: {} })).request_id;
    await fal.queue.status(FLUX, { requestId: keepsGoing });
    await fal.queue.cancel(FLUX, { requestId: keepsGoing });
    expect(fake.request(keepsGoing)).toMatchObject({ cancelled: true, status: 'IN_PROGRESS' });
    await fake.complete(keepsGoing);
    const result = await fal.queue.result(FLUX, { requestId: keepsGoing });
    expect(result.data).toMatchObject({ images: [expect.objectContaining({ url: expect.any(String) })] });
  });
});

describe('storage', () => {
  it('uploads through initiate + PUT and serves the bytes back at file_url', async () => {
    const bytes = Buffer.from('hello, atelier');
    const url = await fal.storage.upload(new Blob([bytes], { type: 'text/plain' }));
    expect(url).toMatch(/^https:\/\/v3\.fal\.media\/files\//);
    expect(await download(url)).toEqual({ bytes, type: 'text/plain' });
    expect(fake.calls).toMatchObject({ initiateUpload: 1, upload: 1 });
  });
});

describe('webhooks', () => {
  let receiver: Server;
  let hookUrl: string;
  let received: { headers: IncomingHttpHeaders; body: Buffer }[];

  beforeEach(async () => {
    received = [];
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/fal/webhook`;
  });

  afterEach(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

  async function jwks(): Promise<JsonWebKey[]> {
    const res = await fetchFal('https://rest.alpha.fal.ai/.well-known/jwks.json');
    return ((await res.json()) as { keys: JsonWebKey[] }).keys;
  }

  // What a receiver does, written independently of the fake's signer: rebuild fal's message from the
  // headers and raw body, and accept if any published key verifies.
  async function verifies(headers: IncomingHttpHeaders, body: Buffer): Promise<boolean> {
    const h = (name: string) => String(headers[name]);
    const digest = createHash('sha256').update(body).digest('hex');
    const message = Buffer.from(
      `${h('x-fal-webhook-request-id')}\n${h('x-fal-webhook-user-id')}\n${h('x-fal-webhook-timestamp')}\n${digest}`,
    );
    const signature = Buffer.from(h('x-fal-webhook-signature'), 'hex');
    const keys = await jwks();
    return keys.some((jwk) => verify(null, message, createPublicKey({ key: jwk, format: 'jwk' }), signature));
  }

  it('delivers a signed OK webhook that verifies against the JWKS, and replays it on demand', async () => {
    fake.setBehavior(FLUX, { timing: { queueMs: 5, progressMs: 5 } });
    const { request_id: requestId } = await fal.queue.submit(FLUX, {
      input: { prompt: 'hook' },
      webhookUrl: hookUrl,
    });
    expect(fake.requests[0]?.webhookUrl).toBe(hookUrl);
    await vi.waitFor(() => expect(received).toHaveLength(1));

    const [hook] = received;
    expect(hook?.headers).toMatchObject({
      'x-fal-webhook-request-id': requestId,
      'x-fal-webhook-user-id': fake.userId,
    });
    expect(Math.abs(Number(hook?.headers['x-fal-webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(5);
    expect(JSON.parse(hook!.body.toString())).toMatchObject({
      request_id: requestId,
      gateway_request_id: requestId,
      status: 'OK',
      error: null,
      payload: { prompt: 'hook', images: [{ content_type: 'image/png' }] },
    });
    expect(await verifies(hook!.headers, hook!.body)).toBe(true);
    expect(await verifies(hook!.headers, Buffer.from(hook!.body.toString().replace('hook', 'hack')))).toBe(
      false,
    );
    expect(fake.webhookDeliveries).toMatchObject([{ requestId, url: hookUrl, responseStatus: 200 }]);

    await fake.redeliverWebhook(requestId, { times: 2 });
    expect(received.map((r) => r.body.toString())).toEqual(Array(3).fill(hook!.body.toString()));
    expect(new Set(received.map((r) => r.headers['x-fal-webhook-signature'])).size).toBe(1);
  });

  it('delivers ERROR webhooks for failed requests', async () => {
    fake.setBehavior(FLUX, { manual: true, webhook: { delayMs: 5 } });
    const { request_id: requestId } = await fal.queue.submit(FLUX, { input: {}, webhookUrl: hookUrl });
    await fake.fail(requestId, 422, 'Prompt must be non-empty');
    await vi.waitFor(() => expect(received).toHaveLength(1));
    expect(JSON.parse(received[0]!.body.toString())).toEqual({
      request_id: requestId,
      gateway_request_id: requestId,
      status: 'ERROR',
      error: 'Invalid status code: 422',
      payload: { detail: 'Prompt must be non-empty' },
    });
    expect(await verifies(received[0]!.headers, received[0]!.body)).toBe(true);
  });

  it('crafts stale, forged and rotated-key signatures for receiver tests', async () => {
    const body = { request_id: 'r-1', status: 'OK', payload: {} };
    const stale = fake.signWebhook(body, { timestamp: 1_000_000 });
    expect(stale.headers['x-fal-webhook-timestamp']).toBe('1000000');
    expect(await verifies(stale.headers, Buffer.from(stale.body))).toBe(true);

    const forged = fake.signWebhook(body, { key: deriveSigningKey('attacker', 'k').privateKey });
    expect(await verifies(forged.headers, Buffer.from(forged.body))).toBe(false);

    const next = fake.keyring.rotate();
    expect((await jwks()).map((k) => k.kid)).toEqual(['fal-fake-1', next.kid]);
    const rotated = fake.signWebhook(body);
    expect(await verifies(rotated.headers, Buffer.from(rotated.body))).toBe(true);
  });

  it('sends nothing when webhooks are disabled for the app', async () => {
    fake.setBehavior(FLUX, { immediate: true, webhook: false });
    await fal.queue.submit(FLUX, { input: {}, webhookUrl: hookUrl });
    await close();
    expect(received).toHaveLength(0);
    expect(fake.webhookDeliveries).toHaveLength(0);
  });
});
