import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type S3TestServer, startS3Server } from '../../../test/fakes/s3/s3-server';
import { createObjectStore } from './index';
import { createLocalFilesHandler, createLocalStore, type LocalObjectStore } from './local-store';
import { InvalidObjectKeyError, ObjectNotFoundError, type ObjectStore } from './object-store';
import { createS3Store, type S3ObjectStore } from './s3-store';

const SECRET = 'test-signing-secret-0123456789';
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

interface Harness {
  store: ObjectStore;
  close(): Promise<void>;
}

interface LocalHarness extends Harness {
  store: LocalObjectStore;
  rootDir: string;
  baseUrl: string;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

async function startLocal(): Promise<LocalHarness> {
  const rootDir = await mkdtemp(join(tmpdir(), 'atelier-local-store-'));
  let handler: ReturnType<typeof createLocalFilesHandler> | undefined;
  const server = createServer((req, res) => {
    void handler?.(req, res).then((handled) => {
      if (!handled) {
        res.statusCode = 404;
        res.end('not a file route');
      }
    });
  });
  const baseUrl = await listen(server);
  const store = createLocalStore({ rootDir, publicUrl: baseUrl, signingSecret: SECRET });
  handler = createLocalFilesHandler(store, { signingSecret: SECRET });
  return {
    store,
    rootDir,
    baseUrl,
    async close() {
      await closeServer(server);
      await rm(rootDir, { recursive: true, force: true });
    },
  };
}

let s3Server: S3TestServer | undefined;
async function startS3(): Promise<Harness & { store: S3ObjectStore }> {
  s3Server ??= await startS3Server();
  const s = s3Server;
  const store = createS3Store({
    endpoint: s.endpoint,
    region: s.region,
    bucket: s.bucket,
    accessKeyId: s.accessKeyId,
    secretAccessKey: s.secretAccessKey,
    forcePathStyle: true,
  });
  return {
    store,
    async close() {
      store.destroy();
      await s.close();
      s3Server = undefined;
    },
  };
}

const BAD_KEYS = [
  '',
  '../etc/passwd',
  'uploads/../secret',
  'a..b',
  '/uploads/u1/x',
  'uploads//x',
  'uploads/u1/',
  './x',
  'uploads/./x',
  'with space',
  'back\\slash',
  'q?x=1',
  'percent%2e',
  'unicodé',
  'nul\u0000',
  'x'.repeat(1025),
];

describe.each([
  { kind: 'local', start: startLocal },
  { kind: 's3', start: startS3 },
])('ObjectStore behaviour: $kind', ({ kind, start }) => {
  let h: Harness;
  let store: ObjectStore;
  const p = () => `t/${randomUUID()}`;

  beforeAll(async () => {
    h = await start();
    store = h.store;
  });
  afterAll(async () => {
    await h?.close();
  });

  it('reports its kind', () => {
    expect(store.kind).toBe(kind);
  });

  it('put / get / head round trip (Buffer and Uint8Array bodies)', async () => {
    const key = `${p()}/0.png`;
    const body = Buffer.concat([PNG_MAGIC, randomBytes(1000)]);
    await expect(store.put(key, body, 'image/png')).resolves.toEqual({
      key,
      size: 1008,
      contentType: 'image/png',
    });
    expect((await store.get(key)).equals(body)).toBe(true);
    expect(await store.head(key)).toEqual({ key, size: 1008, contentType: 'image/png' });

    const key2 = `${p()}/data.bin`;
    const u8 = new Uint8Array([1, 2, 3, 4, 5]).subarray(1, 4);
    await store.put(key2, u8, 'application/octet-stream');
    expect([...(await store.get(key2))]).toEqual([2, 3, 4]);
    expect((await store.head(key2))?.size).toBe(3);
  });

  it('overwrites an existing key, content type included', async () => {
    const key = `${p()}/x`;
    await store.put(key, Buffer.from('first version'), 'text/plain');
    await store.put(key, Buffer.from('{"v":2}'), 'application/json');
    expect((await store.get(key)).toString()).toBe('{"v":2}');
    expect(await store.head(key)).toEqual({ key, size: 7, contentType: 'application/json' });
  });

  it('stores empty objects', async () => {
    const key = `${p()}/empty`;
    await store.put(key, Buffer.alloc(0), 'text/plain');
    expect((await store.get(key)).length).toBe(0);
    expect((await store.head(key))?.size).toBe(0);
    // s3rver answers a Range GET on an empty object with Content-Length 1 and no body (real S3/MinIO: 416,
    // which readRange handles), so this one check only runs against the local store.
    if (kind === 'local') expect((await store.readRange(key, 8)).length).toBe(0);
    expect((await store.readRange(key, 0)).length).toBe(0);
  });

  it('missing objects: get/readRange throw ObjectNotFoundError, head is null', async () => {
    const key = `${p()}/missing`;
    await expect(store.get(key)).rejects.toBeInstanceOf(ObjectNotFoundError);
    await expect(store.readRange(key, 4)).rejects.toBeInstanceOf(ObjectNotFoundError);
    await expect(store.head(key)).resolves.toBeNull();
  });

  it('a "directory" of other keys is not an object', async () => {
    const dir = p();
    await store.put(`${dir}/child`, Buffer.from('x'), 'text/plain');
    await expect(store.head(dir)).resolves.toBeNull();
    await expect(store.get(dir)).rejects.toBeInstanceOf(ObjectNotFoundError);
    await expect(store.delete(dir)).resolves.toBeUndefined();
    expect(await store.head(`${dir}/child`)).not.toBeNull();
  });

  it('readRange returns only the first N bytes', async () => {
    const key = `${p()}/big.png`;
    const body = Buffer.concat([PNG_MAGIC, randomBytes(200_000)]);
    await store.put(key, body, 'image/png');
    expect((await store.readRange(key, 8)).equals(PNG_MAGIC)).toBe(true);
    expect((await store.readRange(key, 1)).equals(PNG_MAGIC.subarray(0, 1))).toBe(true);
    expect((await store.readRange(key, 0)).length).toBe(0);
    const small = `${p()}/small`;
    await store.put(small, Buffer.from('abc'), 'text/plain');
    expect((await store.readRange(small, 100)).toString()).toBe('abc');
    await expect(store.readRange(small, -1)).rejects.toThrow(RangeError);
  });

  it('delete removes the object and is idempotent', async () => {
    const key = `${p()}/gone`;
    await store.put(key, Buffer.from('bye'), 'text/plain');
    await store.delete(key);
    expect(await store.head(key)).toBeNull();
    await expect(store.get(key)).rejects.toBeInstanceOf(ObjectNotFoundError);
    await expect(store.delete(key)).resolves.toBeUndefined();
    await expect(store.delete(`${p()}/never-existed`)).resolves.toBeUndefined();
  });

  it('deletePrefix deletes exactly the keys starting with the prefix and counts them', async () => {
    const base = p();
    const doomed = [`${base}/gen/0.png`, `${base}/gen/1.png`, `${base}/gen/sub/deep/2.png`];
    const kept = [`${base}/gen2/0.png`, `${base}/other/gen/0.png`, `${base}/ge`];
    for (const key of [...doomed, ...kept]) await store.put(key, Buffer.from(key), 'text/plain');

    expect(await store.deletePrefix(`${base}/gen/`)).toBe(3);
    for (const key of doomed) expect(await store.head(key)).toBeNull();
    for (const key of kept) expect(await store.head(key)).not.toBeNull();
    expect(await store.deletePrefix(`${base}/gen/`)).toBe(0);

    // Plain string prefix (S3 semantics): `gen` also matches `gen2/...`, but not `ge` or `other/...`.
    expect(await store.deletePrefix(`${base}/gen`)).toBe(1);
    expect(await store.head(`${base}/ge`)).not.toBeNull();
    expect(await store.deletePrefix(base)).toBe(2);
    expect(await store.deletePrefix(`${p()}/nothing-here/`)).toBe(0);
  });

  it('rejects bad keys on every operation', async () => {
    for (const key of BAD_KEYS) {
      await expect(store.put(key, Buffer.from('x'), 'text/plain'), key).rejects.toBeInstanceOf(
        InvalidObjectKeyError,
      );
      await expect(store.get(key), key).rejects.toBeInstanceOf(InvalidObjectKeyError);
      await expect(store.head(key), key).rejects.toBeInstanceOf(InvalidObjectKeyError);
      await expect(store.readRange(key, 4), key).rejects.toBeInstanceOf(InvalidObjectKeyError);
      await expect(store.delete(key), key).rejects.toBeInstanceOf(InvalidObjectKeyError);
      await expect(store.signedGetUrl(key, { expiresInSeconds: 60 }), key).rejects.toBeInstanceOf(
        InvalidObjectKeyError,
      );
      await expect(
        store.presignUpload(key, { contentType: 'image/png', maxBytes: 10, expiresInSeconds: 60 }),
        key,
      ).rejects.toBeInstanceOf(InvalidObjectKeyError);
    }
    for (const prefix of ['', '/', '../', 'a/../', '/uploads/']) {
      await expect(store.deletePrefix(prefix), prefix).rejects.toBeInstanceOf(InvalidObjectKeyError);
    }
  });

  it('rejects bad content types and expiries', async () => {
    const key = `${p()}/x`;
    await expect(store.put(key, Buffer.from('x'), 'not a type')).rejects.toThrow(/content type/);
    await expect(store.put(key, Buffer.from('x'), 'text/plain\r\nX-Evil: 1')).rejects.toThrow(/content type/);
    await expect(store.signedGetUrl(key, { expiresInSeconds: 0 })).rejects.toThrow(RangeError);
    await expect(store.signedGetUrl(key, { expiresInSeconds: 8 * 24 * 3600 })).rejects.toThrow(RangeError);
  });

  it('signed GET URL downloads the bytes over HTTP', async () => {
    const key = `${p()}/0.png`;
    const body = Buffer.concat([PNG_MAGIC, randomBytes(5000)]);
    await store.put(key, body, 'image/png');
    const url = await store.signedGetUrl(key, { expiresInSeconds: 300 });
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('content-disposition')).toBeNull();
    expect(Buffer.from(await res.arrayBuffer()).equals(body)).toBe(true);
  });

  it('signed GET URL with downloadName sets Content-Disposition', async () => {
    const key = `${p()}/0.png`;
    await store.put(key, PNG_MAGIC, 'image/png');
    const url = await store.signedGetUrl(key, { expiresInSeconds: 300, downloadName: 'café "sunset".png' });
    const res = await fetch(url);
    expect(res.status).toBe(200);
    const cd = res.headers.get('content-disposition') ?? '';
    expect(cd).toMatch(/^attachment; filename="caf_ _sunset_.png"/);
    expect(cd).toContain("filename*=UTF-8''caf%C3%A9%20%22sunset%22.png");
    expect(Buffer.from(await res.arrayBuffer()).equals(PNG_MAGIC)).toBe(true);
  });

  it('presigned upload: PUT with the returned headers stores the object', async () => {
    const key = `uploads/user-1/${randomUUID()}`;
    const body = Buffer.concat([PNG_MAGIC, randomBytes(3000)]);
    const before = Date.now();
    const up = await store.presignUpload(key, {
      contentType: 'image/png',
      maxBytes: 10_000,
      expiresInSeconds: 600,
    });
    expect(up.method).toBe('PUT');
    expect(up.headers).toEqual({ 'Content-Type': 'image/png' });
    expect(up.expiresAt.getTime()).toBeGreaterThanOrEqual(before + 599_000);
    expect(up.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 600_000);

    const res = await fetch(up.url, { method: up.method, headers: up.headers, body });
    expect(res.ok, await res.clone().text()).toBe(true);
    expect(await store.head(key)).toEqual({ key, size: body.length, contentType: 'image/png' });
    expect((await store.get(key)).equals(body)).toBe(true);
  });
});

describe('local store: files handler', () => {
  let h: LocalHarness;
  beforeAll(async () => {
    h = await startLocal();
  });
  afterAll(async () => {
    await h?.close();
  });
  const key = () => `outputs/${randomUUID()}/0.png`;

  async function signAt(unixSeconds: number, fn: () => Promise<string>): Promise<string> {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(unixSeconds * 1000);
      return await fn();
    } finally {
      vi.useRealTimers();
    }
  }

  async function expectError(res: Response, status: number, error: string | RegExp): Promise<void> {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as { error: string };
    if (typeof error === 'string') expect(body.error).toBe(error);
    else expect(body.error).toMatch(error);
  }

  /** PUT with a chunked body written piece by piece (no Content-Length), via node:http. */
  function chunkedPut(
    url: string,
    contentType: string,
    chunks: Buffer[],
  ): Promise<{ status: number; body: string; chunksSent: number }> {
    return new Promise((resolve, reject) => {
      let sent = 0;
      let answered = false;
      const req = request(url, { method: 'PUT', headers: { 'Content-Type': contentType } }, (res) => {
        answered = true;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, chunksSent: sent }));
      });
      req.on('error', (err) => {
        if (!answered) reject(err);
      });
      const next = () => {
        if (answered) return;
        const chunk = chunks[sent];
        if (!chunk) {
          req.end();
          return;
        }
        sent++;
        req.write(chunk, () => setTimeout(next, 5));
      };
      next();
    });
  }

  it('only claims /files/ paths', async () => {
    const res = await fetch(`${h.baseUrl}/api/health`);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('not a file route');
  });

  it('answers HEAD with headers and no body; Cache-Control private', async () => {
    const k = key();
    await h.store.put(k, PNG_MAGIC, 'image/png');
    const url = await h.store.signedGetUrl(k, { expiresInSeconds: 120, downloadName: 'x.png' });
    const res = await fetch(url, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe('8');
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('cache-control')).toMatch(/^private, max-age=1[12]\d$/);
    expect(res.headers.get('content-disposition')).toContain('filename="x.png"');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });

  it('signed URL for a missing object is a 404', async () => {
    const url = await h.store.signedGetUrl(key(), { expiresInSeconds: 60 });
    await expectError(await fetch(url), 404, 'not found');
  });

  it('refuses an expired GET link with 403 "link expired"', async () => {
    const k = key();
    await h.store.put(k, PNG_MAGIC, 'image/png');
    const now = Math.floor(Date.now() / 1000);
    const url = await signAt(now - 3600, () => h.store.signedGetUrl(k, { expiresInSeconds: 60 }));
    await expectError(await fetch(url), 403, 'link expired');
  });

  it('refuses tampered GET links with 403 "invalid signature"', async () => {
    const k = key();
    const other = key();
    await h.store.put(k, PNG_MAGIC, 'image/png');
    await h.store.put(other, Buffer.from('secret'), 'image/png');
    const url = new URL(await h.store.signedGetUrl(k, { expiresInSeconds: 60, downloadName: 'a.png' }));

    const tampered: URL[] = [];
    const otherKey = new URL(url);
    otherKey.pathname = `/files/${other}`;
    tampered.push(otherKey);
    const laterExp = new URL(url);
    laterExp.searchParams.set('exp', String(Number(url.searchParams.get('exp')) + 3600));
    tampered.push(laterExp);
    const badSig = new URL(url);
    const sig = url.searchParams.get('sig') ?? '';
    badSig.searchParams.set('sig', `${sig.slice(0, -2)}${sig.endsWith('AA') ? 'BB' : 'AA'}`);
    tampered.push(badSig);
    const noSig = new URL(url);
    noSig.searchParams.delete('sig');
    tampered.push(noSig);
    const otherName = new URL(url);
    otherName.searchParams.set('dn', 'b.exe');
    tampered.push(otherName);
    const noName = new URL(url);
    noName.searchParams.delete('dn');
    tampered.push(noName);

    for (const u of tampered) await expectError(await fetch(u), 403, 'invalid signature');
    // A link signed with another secret is refused too.
    const foreign = createLocalStore({
      rootDir: h.rootDir,
      publicUrl: h.baseUrl,
      signingSecret: `${SECRET}-other`,
    });
    await expectError(
      await fetch(await foreign.signedGetUrl(k, { expiresInSeconds: 60 })),
      403,
      'invalid signature',
    );
    // The untampered link still works.
    expect((await fetch(url)).status).toBe(200);
  });

  it('GET links cannot be used to upload, and upload links cannot be used to download', async () => {
    const k = key();
    await h.store.put(k, PNG_MAGIC, 'image/png');
    const getUrl = await h.store.signedGetUrl(k, { expiresInSeconds: 60 });
    const putRes = await fetch(getUrl, {
      method: 'PUT',
      headers: { 'Content-Type': 'image/png' },
      body: 'evil',
    });
    await expectError(putRes, 403, 'invalid signature');
    expect((await h.store.get(k)).equals(PNG_MAGIC)).toBe(true);

    const up = await h.store.presignUpload(k, {
      contentType: 'image/png',
      maxBytes: 100,
      expiresInSeconds: 60,
    });
    await expectError(await fetch(up.url), 403, 'invalid signature');
  });

  it('refuses an upload link whose signed limits were edited', async () => {
    const up = new URL(
      (await h.store.presignUpload(key(), { contentType: 'image/png', maxBytes: 10, expiresInSeconds: 60 }))
        .url,
    );
    const bigger = new URL(up);
    bigger.searchParams.set('max', '10000000');
    const otherType = new URL(up);
    otherType.searchParams.set('ct', 'text/html');
    const res1 = await fetch(bigger, {
      method: 'PUT',
      headers: { 'Content-Type': 'image/png' },
      body: PNG_MAGIC,
    });
    await expectError(res1, 403, 'invalid signature');
    const res2 = await fetch(otherType, {
      method: 'PUT',
      headers: { 'Content-Type': 'text/html' },
      body: '<b>',
    });
    await expectError(res2, 403, 'invalid signature');
  });

  it('refuses an expired upload link', async () => {
    const k = key();
    const now = Math.floor(Date.now() / 1000);
    const up = await signAt(
      now - 600,
      async () =>
        (await h.store.presignUpload(k, { contentType: 'image/png', maxBytes: 100, expiresInSeconds: 60 }))
          .url,
    );
    const res = await fetch(up, { method: 'PUT', headers: { 'Content-Type': 'image/png' }, body: PNG_MAGIC });
    await expectError(res, 403, 'link expired');
    expect(await h.store.head(k)).toBeNull();
  });

  it('upload larger than the signed max (Content-Length known) gets 413 and stores nothing', async () => {
    const k = key();
    const up = await h.store.presignUpload(k, {
      contentType: 'image/png',
      maxBytes: 1000,
      expiresInSeconds: 60,
    });
    const res = await fetch(up.url, { method: 'PUT', headers: up.headers, body: randomBytes(1001) });
    await expectError(res, 413, /too large/);
    expect(await h.store.head(k)).toBeNull();

    // Exactly at the limit is fine.
    const ok = await fetch(up.url, { method: 'PUT', headers: up.headers, body: randomBytes(1000) });
    expect(ok.status).toBe(201);
    expect((await h.store.head(k))?.size).toBe(1000);
  });

  it('streamed upload crossing the signed max gets 413 as soon as the limit is crossed, nothing stored', async () => {
    const k = key();
    const up = await h.store.presignUpload(k, {
      contentType: 'video/mp4',
      maxBytes: 64 * 1024,
      expiresInSeconds: 60,
    });
    const chunks = Array.from({ length: 200 }, () => randomBytes(16 * 1024)); // 3.2 MB offered
    const res = await chunkedPut(up.url, 'video/mp4', chunks);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({
      error: expect.stringMatching(/too large/),
      maxBytes: 65536,
    });
    expect(res.chunksSent).toBeLessThan(50);
    expect(await h.store.head(k)).toBeNull();
    expect(await readdir(join(h.rootDir, 'tmp'))).toEqual([]);

    // A streamed upload within the limit succeeds.
    const small = await chunkedPut(up.url, 'video/mp4', [randomBytes(30_000), randomBytes(30_000)]);
    expect(small.status).toBe(201);
    expect(await h.store.head(k)).toEqual({ key: k, size: 60_000, contentType: 'video/mp4' });
  });

  it('upload with a different or missing Content-Type gets 415 and stores nothing', async () => {
    const k = key();
    const up = await h.store.presignUpload(k, {
      contentType: 'image/png',
      maxBytes: 1000,
      expiresInSeconds: 60,
    });
    const res = await fetch(up.url, {
      method: 'PUT',
      headers: { 'Content-Type': 'image/jpeg' },
      body: PNG_MAGIC,
    });
    await expectError(res, 415, 'content type must be image/png');
    const none = await fetch(up.url, { method: 'PUT', body: new Uint8Array(PNG_MAGIC) });
    expect(none.status).toBe(415);
    expect(await h.store.head(k)).toBeNull();
    // Parameters and case do not matter; the signed type is what gets stored.
    const ok = await fetch(up.url, {
      method: 'PUT',
      headers: { 'Content-Type': 'Image/PNG; x=1' },
      body: PNG_MAGIC,
    });
    expect(ok.status).toBe(201);
    expect(await ok.json()).toEqual({ key: k, size: 8, contentType: 'image/png' });
  });

  it('refuses other methods and bad keys in the path', async () => {
    const url = await h.store.signedGetUrl(key(), { expiresInSeconds: 60 });
    const del = await fetch(url, { method: 'DELETE' });
    await expectError(del, 405, 'method not allowed');
    expect(del.headers.get('allow')).toBe('GET, HEAD, PUT');
    await expectError(await fetch(`${h.baseUrl}/files/a%2F..%2Fb?exp=1&sig=x`), 400, 'invalid key');
  });

  it('leaves no temp files behind and keeps a content type its extension does not imply in a sidecar', async () => {
    const sidecars = async (k: string) =>
      readdir(join(h.rootDir, 'meta', dirname(k))).catch(() => [] as string[]);
    const k = key();
    await h.store.put(k, PNG_MAGIC, 'image/png');
    expect(await readdir(join(h.rootDir, 'tmp'))).toEqual([]);
    // A .png that is a PNG needs no sidecar: another store over the same directory still knows its type.
    expect(await sidecars(k)).toEqual([]);
    const stray = createLocalStore({ rootDir: h.rootDir, publicUrl: h.baseUrl, signingSecret: SECRET });
    expect(await stray.head(k)).toEqual({ key: k, size: 8, contentType: 'image/png' });

    // A type the extension does not say is kept beside it, and a later put that matches again drops it.
    await h.store.put(k, Buffer.from('{}'), 'application/json');
    expect(await sidecars(k)).toEqual(['0.png.json']);
    expect(await stray.head(k)).toEqual({ key: k, size: 2, contentType: 'application/json' });
    await h.store.put(k, PNG_MAGIC, 'image/png');
    expect(await sidecars(k)).toEqual([]);
    expect(await stray.head(k)).toEqual({ key: k, size: 8, contentType: 'image/png' });

    // A key without an extension keeps its type in the sidecar.
    const bare = `uploads/${randomUUID()}/photo`;
    await h.store.put(bare, PNG_MAGIC, 'image/png');
    expect(await stray.head(bare)).toEqual({ key: bare, size: 8, contentType: 'image/png' });
  });

  it('writes large objects on the thread pool and recreates a missing tmp/ directory', async () => {
    await rm(join(h.rootDir, 'tmp'), { recursive: true, force: true });
    const small = key();
    await h.store.put(small, PNG_MAGIC, 'image/png');
    await rm(join(h.rootDir, 'tmp'), { recursive: true, force: true });
    const large = `outputs/${randomUUID()}/0.mp4`;
    const body = randomBytes(3 * 1024 * 1024);
    await expect(h.store.put(large, body, 'video/mp4')).resolves.toEqual({
      key: large,
      size: body.length,
      contentType: 'video/mp4',
    });
    expect((await h.store.get(large)).equals(body)).toBe(true);
    expect((await h.store.get(small)).equals(PNG_MAGIC)).toBe(true);
    expect(await readdir(join(h.rootDir, 'tmp'))).toEqual([]);
  });

  it('requires a real signing secret', () => {
    expect(() => createLocalStore({ rootDir: h.rootDir, publicUrl: h.baseUrl, signingSecret: '' })).toThrow(
      /signingSecret/,
    );
  });
});

describe('s3 store specifics', () => {
  let server: S3TestServer;
  beforeAll(async () => {
    server = await startS3Server({ bucket: 'specifics' });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('ensureBucket creates a missing bucket and is idempotent', async () => {
    const store = createS3Store({
      endpoint: server.endpoint,
      region: server.region,
      bucket: `fresh-${randomUUID().slice(0, 8)}`,
      accessKeyId: server.accessKeyId,
      secretAccessKey: server.secretAccessKey,
      forcePathStyle: true,
    });
    try {
      await store.ensureBucket();
      await store.ensureBucket();
      await store.put('outputs/g1/0.png', PNG_MAGIC, 'image/png');
      expect(await store.head('outputs/g1/0.png')).toMatchObject({ size: 8 });
    } finally {
      store.destroy();
    }
  });

  it('presigned URLs can use a public endpoint different from the internal one', async () => {
    const store = createS3Store({
      endpoint: server.endpoint,
      publicEndpoint: server.endpoint.replace('127.0.0.1', 'localhost'),
      region: server.region,
      bucket: server.bucket,
      accessKeyId: server.accessKeyId,
      secretAccessKey: server.secretAccessKey,
    });
    try {
      const url = await store.signedGetUrl('outputs/g/0.png', { expiresInSeconds: 60 });
      expect(
        url.startsWith(`${server.endpoint.replace('127.0.0.1', 'localhost')}/specifics/outputs/g/0.png?`),
      ).toBe(true);
    } finally {
      store.destroy();
    }
  });
});

describe('createObjectStore', () => {
  const local = {
    rootDir: join(tmpdir(), 'unused-atelier-store'),
    publicUrl: 'http://x',
    signingSecret: SECRET,
  };

  it('uses the local store when S3 is not configured', () => {
    expect(createObjectStore({ local }).kind).toBe('local');
    expect(createObjectStore({ local, s3: { endpoint: '', bucket: undefined } }).kind).toBe('local');
  });

  it('uses S3 when configured', () => {
    const store = createObjectStore({
      local,
      s3: { endpoint: 'http://minio:9000', bucket: 'atelier', accessKeyId: 'k', secretAccessKey: 's' },
    });
    expect(store.kind).toBe('s3');
    if (store.kind === 's3') store.destroy();
  });

  it('refuses a half-configured S3 instead of silently using local disk', () => {
    expect(() =>
      createObjectStore({ local, s3: { endpoint: 'http://minio:9000', bucket: 'atelier' } }),
    ).toThrow(/missing accessKeyId, secretAccessKey/);
  });
});
