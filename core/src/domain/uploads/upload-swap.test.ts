import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_FAL_KEY, FalFake, imageOutput, TINY_PNG } from '../../../../test/fakes/fal/fal-fake';
import { type S3TestServer, startS3Server } from '../../../../test/fakes/s3/s3-server';
import { type CoreClient, useTestCore } from '../../../../test/support/core';
import { useTestDatabase } from '../../../../test/support/db';
import { pngBytes } from '../../../../test/support/generations';
import { waitUntil } from '../../../../test/support/wait';

// A verified upload must stay what was verified: its upload link is still valid for a while after
// `uploads.complete`, and whatever it writes then must never reach a model. Both stores, over HTTP,
// with the real AWS SDK against s3rver and the fal fake receiving the model inputs.

const fal = new FalFake();
let s3: S3TestServer;
beforeAll(async () => {
  await fal.start();
  s3 = await startS3Server();
});
afterAll(async () => {
  await fal.close();
  await s3.close();
});

const verified = pngBytes(1, 8, 8);
// The same size, also a valid PNG: nothing about its shape gives the swap away.
const swapped = pngBytes(2, 8, 8);

const put = (ticket: { url: string; headers: Record<string, string> }, body: Buffer) =>
  fetch(ticket.url, { method: 'PUT', headers: ticket.headers, body: new Uint8Array(body) });

async function uploadAndComplete(client: CoreClient) {
  const ticket = await client.uploads.create.mutate({
    kind: 'image',
    contentType: 'image/png',
    size: verified.length,
    filename: 'source.png',
  });
  expect((await put(ticket, verified)).ok).toBe(true);
  const asset = await client.uploads.complete.mutate({ uploadId: ticket.uploadId });
  return { ticket, asset };
}

/** Runs image-to-image on the upload and returns the bytes fal was given as the source image. */
async function bytesFalReceived(client: CoreClient, uploadId: string) {
  fal.setBehavior('fal-ai/flux/dev/image-to-image', {
    immediate: true,
    webhook: false,
    output: imageOutput(TINY_PNG),
  });
  const prompt = `from ${uploadId}`;
  const { generation } = await client.generations.create.mutate({
    model: 'fal-ai/flux/dev/image-to-image',
    input: { prompt, image_url: uploadId },
  });
  const done = await waitUntil(async () => {
    const g = await client.generations.get.query({ id: generation.id });
    return g.status === 'succeeded' || g.status === 'failed' ? g : null;
  });
  expect(done.status).toBe('succeeded');
  const request = fal.requests.find((r) => (r.input as { prompt?: string }).prompt === prompt);
  const sourceUrl = (request?.input as { image_url?: string } | undefined)?.image_url;
  return fal.uploads.find((u) => u.url === sourceUrl)?.bytes;
}

describe('with the local store', () => {
  const t = useTestDatabase();
  const core = useTestCore(t, () => ({ FAL_KEY: DEFAULT_FAL_KEY, FAL_API_ROOT: fal.url }), {
    worker: { sweepEverySeconds: 3600 },
    jobPollSeconds: 0.5,
  });

  it('the upload link refuses writes once the upload is complete, and the model gets the verified bytes', async () => {
    const client = await core.bot('telegram', { userId: `swap-${randomUUID()}` });
    const { ticket, asset } = await uploadAndComplete(client);
    const late = await put(ticket, swapped);
    expect(late.status).toBe(409);
    expect(await late.json()).toEqual({ error: 'this upload link is no longer accepting files' });
    expect((await bytesFalReceived(client, asset.id))?.equals(verified)).toBe(true);
  });

  it('a refused upload link stays dead too', async () => {
    const client = await core.bot('telegram', { userId: `swap-${randomUUID()}` });
    const ticket = await client.uploads.create.mutate({ kind: 'image', contentType: 'image/png', size: 20 });
    expect((await put(ticket, Buffer.alloc(20, 0x41))).status).toBe(201);
    await expect(client.uploads.complete.mutate({ uploadId: ticket.uploadId })).rejects.toThrow(
      /This file is not a PNG/,
    );
    expect((await put(ticket, verified.subarray(0, 20))).status).toBe(409);
  });
});

describe('with S3 (s3rver)', () => {
  const t = useTestDatabase();
  const core = useTestCore(
    t,
    () => ({
      FAL_KEY: DEFAULT_FAL_KEY,
      FAL_API_ROOT: fal.url,
      S3_ENDPOINT: s3.endpoint,
      S3_BUCKET: s3.bucket,
      S3_REGION: s3.region,
      S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    }),
    { worker: { sweepEverySeconds: 3600 }, jobPollSeconds: 0.5 },
  );

  it('the upload link is bound to the announced size', async () => {
    const client = await core.bot('telegram', { userId: `swap-${randomUUID()}` });
    const ticket = await client.uploads.create.mutate({
      kind: 'image',
      contentType: 'image/png',
      size: verified.length,
    });
    const signed = new URL(ticket.url).searchParams.get('X-Amz-SignedHeaders')?.split(';');
    expect(signed).toEqual(expect.arrayContaining(['content-length', 'content-type', 'host']));
  });

  it('bytes written through the still-valid link after completion never reach the model', async () => {
    const client = await core.bot('telegram', { userId: `swap-${randomUUID()}` });
    const { ticket, asset } = await uploadAndComplete(client);
    // S3 itself cannot know the upload is complete: the late write lands, but on a key nothing uses.
    expect((await put(ticket, swapped)).ok).toBe(true);
    expect((await bytesFalReceived(client, asset.id))?.equals(verified)).toBe(true);
    const shown = Buffer.from(await (await fetch(asset.url)).arrayBuffer());
    expect(shown.equals(verified)).toBe(true);
  });
});
