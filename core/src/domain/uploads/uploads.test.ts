import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32, deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type CoreClient, trpcError, useTestCore } from '../../../../test/support/core';
import { useTestDatabase } from '../../../../test/support/db';
import { isAppError } from '../../errors';
import { resolveInputAsset } from './uploads.service';

// --- test files -------------------------------------------------------------------------------------

function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A PNG whose IHDR declares width x height; the pixel data is real only for small sizes. */
function png(width: number, height: number, shade = 0x80): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8); // 8-bit greyscale
  const rows = Math.min(height, 16);
  const raw = Buffer.alloc(rows * (Math.min(width, 16) + 1), shade);
  for (let r = 0; r < rows; r++) raw[r * (Math.min(width, 16) + 1)] = 0; // filter byte
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const catPng = png(16, 16);

// --- a fake Telegram file host on 127.0.0.1 (started before core, which reads TELEGRAM_API_ROOT) -----

const cdnHits: string[] = [];
const cdn = http.createServer((req, res) => {
  cdnHits.push(req.url ?? '');
  if (req.url === '/file/bot123:secret/photos/cat.png') {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': catPng.length });
    res.end(catPng);
  } else if (req.url === '/file/bot123:secret/photos/moved.png') {
    res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' });
    res.end();
  } else {
    res.writeHead(404).end();
  }
});
const coreEnv: Record<string, string> = {};
let cdnUrl = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => cdn.listen(0, '127.0.0.1', resolve));
  cdnUrl = `http://127.0.0.1:${(cdn.address() as AddressInfo).port}`;
  coreEnv.TELEGRAM_API_ROOT = cdnUrl;
});
afterAll(() => new Promise<void>((resolve) => cdn.close(() => resolve())));

const t = useTestDatabase();
const core = useTestCore(t, coreEnv);

// --- helpers -----------------------------------------------------------------------------------------

async function person(platform: 'telegram' | 'discord' = 'telegram') {
  const client = await core.bot(platform, { userId: `u-${randomUUID()}` });
  const { user } = await client.me.get.query();
  return { client, userId: user.id };
}

function put(ticket: { url: string; headers: Record<string, string> }, body: Buffer) {
  return fetch(ticket.url, { method: 'PUT', headers: ticket.headers, body: new Uint8Array(body) });
}

/** create + PUT + complete, as a client would. */
async function upload(client: CoreClient, bytes: Buffer, contentType = 'image/png', kind = 'image' as const) {
  const ticket = await client.uploads.create.mutate({
    kind,
    contentType,
    size: bytes.length,
    filename: 'a.png',
  });
  expect((await put(ticket, bytes)).status).toBe(201);
  return { ticket, completing: client.uploads.complete.mutate({ uploadId: ticket.uploadId }) };
}

function uploadRow(id: string) {
  return t.db.selectFrom('uploads').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

// --- behaviour ---------------------------------------------------------------------------------------

describe('uploading a file', () => {
  it('a PUT file is verified, listed with a signed URL that serves the same bytes, and private to its owner', async () => {
    const alice = await person();
    const { ticket, completing } = await upload(alice.client, catPng);
    expect(ticket).toMatchObject({ method: 'PUT', headers: { 'Content-Type': 'image/png' } });
    expect(new Date(ticket.expiresAt).getTime() - Date.now()).toBeGreaterThan(14 * 60_000);
    const asset = await completing;
    expect(asset).toMatchObject({
      id: ticket.uploadId,
      kind: 'image',
      mime: 'image/png',
      width: 16,
      height: 16,
    });
    expect(asset.size).toBe(catPng.length);

    // Completing again is harmless.
    expect((await alice.client.uploads.complete.mutate({ uploadId: ticket.uploadId })).id).toBe(asset.id);

    const { items } = await alice.client.uploads.list.query({ kind: 'image' });
    expect(items.map((i) => i.id)).toEqual([asset.id]);
    const served = await fetch(items[0]!.url);
    expect(served.status).toBe(200);
    expect(Buffer.from(await served.arrayBuffer()).equals(catPng)).toBe(true);
    expect((await alice.client.uploads.list.query({ kind: 'audio' })).items).toEqual([]);

    const bob = await person();
    expect(await trpcError(bob.client.uploads.get.query({ uploadId: asset.id }))).toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(await trpcError(bob.client.uploads.complete.mutate({ uploadId: asset.id }))).toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(await trpcError(bob.client.uploads.delete.mutate({ uploadId: asset.id }))).toMatchObject({
      code: 'NOT_FOUND',
    });
    expect((await bob.client.uploads.list.query({})).items).toEqual([]);
    expect((await alice.client.uploads.get.query({ uploadId: asset.id })).id).toBe(asset.id);
  });

  it('a declared size over the limit is refused up front and leaves no upload behind', async () => {
    const alice = await person();
    const refused = await trpcError(
      alice.client.uploads.create.mutate({ kind: 'image', contentType: 'image/png', size: 21 * 1024 * 1024 }),
    );
    expect(refused).toMatchObject({ appCode: 'INVALID_INPUT', message: 'Images can be at most 20 MB' });
    expect(refused.fieldErrors?.size).toEqual(['Images can be at most 20 MB']);
    const rows = await t.db.selectFrom('uploads').select('id').where('user_id', '=', alice.userId).execute();
    expect(rows).toEqual([]);

    const wrongType = await trpcError(
      alice.client.uploads.create.mutate({ kind: 'audio', contentType: 'image/png', size: 10 }),
    );
    expect(wrongType).toMatchObject({ appCode: 'INVALID_INPUT' });
    expect(wrongType.message).toMatch(/^Audio files must be WAV, MP3, M4A, Ogg or FLAC/);
  });

  it('the store refuses a body larger than announced, and completing then says nothing was uploaded', async () => {
    const alice = await person();
    const ticket = await alice.client.uploads.create.mutate({
      kind: 'image',
      contentType: 'image/png',
      size: 100,
    });
    const res = await put(ticket, Buffer.alloc(5000, 1));
    expect(res.status).toBe(413);
    const refused = await trpcError(alice.client.uploads.complete.mutate({ uploadId: ticket.uploadId }));
    expect(refused).toMatchObject({ appCode: 'INVALID_INPUT', message: 'Nothing was uploaded yet' });
    expect((await uploadRow(ticket.uploadId)).status).toBe('pending');
  });

  it('a text file declared as PNG is refused by its bytes, deleted, and never listed', async () => {
    const alice = await person();
    const text = Buffer.from('definitely not an image, just some words\n');
    const { ticket, completing } = await upload(alice.client, text);
    const refused = await trpcError(completing);
    expect(refused).toMatchObject({
      appCode: 'INVALID_INPUT',
      message: 'This file is not a PNG, JPEG, WebP or GIF image',
    });
    const row = await uploadRow(ticket.uploadId);
    expect(row).toMatchObject({ status: 'rejected', rejection_reason: refused.message });
    expect(await core.app.deps.storage.head(row.storage_key)).toBeNull();
    expect((await alice.client.uploads.list.query({})).items).toEqual([]);
    // The verdict is final.
    expect(
      await trpcError(alice.client.uploads.complete.mutate({ uploadId: ticket.uploadId })),
    ).toMatchObject({
      message: refused.message,
    });
  });

  it('a declared type may differ from the real one, which is what is recorded; a disallowed real type is refused', async () => {
    const alice = await person();
    const jpegHeader = Buffer.from([0xff, 0xd8, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x00, 0x20, 0x00, 0x40, 0x03]);
    const jpeg = Buffer.concat([jpegHeader, Buffer.alloc(64, 0x01)]);
    const asset = await (await upload(alice.client, jpeg, 'image/png')).completing;
    expect(asset).toMatchObject({ mime: 'image/jpeg', width: 64, height: 32 });

    const zip = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(60)]);
    const refused = await trpcError((await upload(alice.client, zip, 'image/webp')).completing);
    expect(refused.message).toBe('This file is not a PNG, JPEG, WebP or GIF image (it is application/zip)');
  });

  it('a decompression bomb (tiny PNG declaring 50000 x 50000) is refused with its dimensions and deleted', async () => {
    const alice = await person();
    const bomb = png(50_000, 50_000);
    expect(bomb.length).toBeLessThan(200);
    const { ticket, completing } = await upload(alice.client, bomb);
    const refused = await trpcError(completing);
    expect(refused).toMatchObject({
      appCode: 'INVALID_INPUT',
      message: 'The image is 50000 x 50000 pixels; the limit is 40 megapixels',
    });
    const row = await uploadRow(ticket.uploadId);
    expect(row.status).toBe('rejected');
    expect(await core.app.deps.storage.head(row.storage_key)).toBeNull();

    const tall = await trpcError((await upload(alice.client, png(100, 9000))).completing);
    expect(tall.message).toBe('The image is 100 x 9000 pixels; the limit is 8192 pixels per side');
  });

  it('an expired upload link is refused by the store, and completing says the link expired', async () => {
    const alice = await person();
    // Ask for the upload 20 minutes ago: the real code signs a URL that expired 5 minutes ago.
    vi.useFakeTimers({ toFake: ['Date'] });
    let ticket: Awaited<ReturnType<CoreClient['uploads']['create']['mutate']>>;
    try {
      vi.setSystemTime(Date.now() - 20 * 60_000);
      ticket = await alice.client.uploads.create.mutate({
        kind: 'image',
        contentType: 'image/png',
        size: catPng.length,
      });
    } finally {
      vi.useRealTimers();
    }
    const res = await put(ticket, catPng);
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: 'link expired' });
    const refused = await trpcError(alice.client.uploads.complete.mutate({ uploadId: ticket.uploadId }));
    expect(refused).toMatchObject({
      appCode: 'INVALID_INPUT',
      message: 'The upload link expired; start again',
    });
    expect((await uploadRow(ticket.uploadId)).status).toBe('rejected');
  });

  it('deleting an asset removes it from the list and its bytes from the store', async () => {
    const alice = await person();
    const asset = await (await upload(alice.client, catPng)).completing;
    const key = (await uploadRow(asset.id)).storage_key;
    expect(await alice.client.uploads.delete.mutate({ uploadId: asset.id })).toEqual({ deleted: true });
    expect((await alice.client.uploads.list.query({})).items).toEqual([]);
    expect(await core.app.deps.storage.head(key)).toBeNull();
    expect(await trpcError(alice.client.uploads.get.query({ uploadId: asset.id }))).toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('lists page through newest first', async () => {
    const alice = await person();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await (await upload(alice.client, png(8, 8, i))).completing).id);
    const first = await alice.client.uploads.list.query({ limit: 2 });
    expect(first.items.map((i) => i.id)).toEqual([ids[2], ids[1]]);
    const second = await alice.client.uploads.list.query({ limit: 2, cursor: first.nextCursor! });
    expect(second.items.map((i) => i.id)).toEqual([ids[0]]);
    expect(second.nextCursor).toBeNull();
  });
});

describe('attachments fetched by a bot (uploads.fromUrl)', () => {
  it('a Telegram bot ingests a file from its platform file host', async () => {
    const alice = await person('telegram');
    const asset = await alice.client.uploads.fromUrl.mutate({
      url: `${cdnUrl}/file/bot123:secret/photos/cat.png`,
      kind: 'image',
    });
    // The CDN said application/octet-stream; the bytes say PNG.
    expect(asset).toMatchObject({
      kind: 'image',
      mime: 'image/png',
      width: 16,
      height: 16,
      filename: 'cat.png',
    });
    const served = await fetch(asset.url);
    expect(Buffer.from(await served.arrayBuffer()).equals(catPng)).toBe(true);
    expect((await alice.client.uploads.list.query({})).items.map((i) => i.id)).toEqual([asset.id]);
  });

  it('hosts off the allow-list, private addresses and redirects are refused', async () => {
    const alice = await person('telegram');
    const hits = cdnHits.length;
    const elsewhere = await trpcError(
      alice.client.uploads.fromUrl.mutate({ url: 'https://evil.example.com/cat.png', kind: 'image' }),
    );
    expect(elsewhere).toMatchObject({ appCode: 'INVALID_INPUT', details: { reason: 'host_not_allowed' } });

    const metadata = await trpcError(
      alice.client.uploads.fromUrl.mutate({ url: 'http://169.254.169.254/', kind: 'image' }),
    );
    expect(metadata).toMatchObject({ appCode: 'INVALID_INPUT' });

    const redirected = await trpcError(
      alice.client.uploads.fromUrl.mutate({
        url: `${cdnUrl}/file/bot123:secret/photos/moved.png`,
        kind: 'image',
      }),
    );
    expect(redirected).toMatchObject({ appCode: 'INVALID_INPUT', details: { reason: 'redirect' } });
    expect(cdnHits.length).toBe(hits + 1);

    // A Discord bot has no loopback fake configured: the Telegram fake is neither allowed nor public.
    const discord = await person('discord');
    const local = await trpcError(
      discord.client.uploads.fromUrl.mutate({
        url: `${cdnUrl}/file/bot123:secret/photos/cat.png`,
        kind: 'image',
      }),
    );
    expect(local).toMatchObject({ appCode: 'INVALID_INPUT', details: { reason: 'private_address' } });
    expect((await alice.client.uploads.list.query({})).items).toEqual([]);
  });

  it('is for bots only', async () => {
    const admin = await core.web('admin');
    const refused = await trpcError(
      admin.client.uploads.fromUrl.mutate({
        url: `${cdnUrl}/file/bot123:secret/photos/cat.png`,
        kind: 'image',
      }),
    );
    expect(refused).toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe('uploads as generation inputs (resolveInputAsset)', () => {
  async function resolveError(userId: string, uploadId: string, kind: 'image' | 'audio' = 'image') {
    try {
      await resolveInputAsset(t.db, core.app.deps.storage, userId, uploadId, kind);
    } catch (error) {
      if (isAppError(error)) return { code: error.code, message: error.message };
      throw error;
    }
    throw new Error('expected resolveInputAsset to refuse');
  }

  it("gives the owner's ready upload, and refuses another user's, a pending one and the wrong kind", async () => {
    const alice = await person();
    const bob = await person();
    const asset = await (await upload(alice.client, catPng)).completing;

    const input = await resolveInputAsset(t.db, core.app.deps.storage, alice.userId, asset.id, 'image');
    expect(input).toMatchObject({ uploadId: asset.id, mime: 'image/png', size: catPng.length });
    expect((await input.bytesLoader()).equals(catPng)).toBe(true);

    expect(await resolveError(bob.userId, asset.id)).toMatchObject({ code: 'NOT_FOUND' });
    expect(await resolveError(alice.userId, asset.id, 'audio')).toEqual({
      code: 'INVALID_INPUT',
      message: 'This upload is an image; an audio file is needed here',
    });
    const pending = await alice.client.uploads.create.mutate({
      kind: 'image',
      contentType: 'image/png',
      size: 10,
    });
    expect(await resolveError(alice.userId, pending.uploadId)).toMatchObject({ code: 'INVALID_INPUT' });
    expect(await resolveError(alice.userId, 'not-a-uuid')).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses bytes that changed in storage after verification', async () => {
    const alice = await person();
    const asset = await (await upload(alice.client, catPng)).completing;
    // The upload link is dead by now (409), so only something with direct access to the bucket can do this.
    const row = await uploadRow(asset.id);
    const swapped = Buffer.concat([
      Buffer.from('<svg onload=alert(1)>'),
      Buffer.alloc(catPng.length - 21, 32),
    ]);
    await core.app.deps.storage.put(row.storage_key, swapped, 'image/png');
    expect(await resolveError(alice.userId, asset.id)).toEqual({
      code: 'INVALID_INPUT',
      message: 'This upload changed after it was checked; upload it again',
    });
  });
});
