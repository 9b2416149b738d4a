import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { assertSecret, type SignedFields, unixNow, verify } from './local-signing';
import { type LocalObjectStore, ObjectTooLargeError } from './local-store';
import { contentDisposition, contentTypeEssence, isValidKey, type StoredObjectInfo } from './object-store';

// HTTP handler for /files/<key>: signed downloads and signed, size-capped uploads of the local store.

export interface LocalFilesHandlerOptions {
  signingSecret: string;
  /**
   * Path prefix the handler answers under. Defaults to the path of the store's publicUrl + `/files/`
   * (i.e. exactly the URLs the store signs); set it if a proxy strips part of the path.
   */
  pathPrefix?: string;
  /**
   * Asked before a signed PUT is accepted: false answers 409 (the upload the link was made for is no
   * longer waiting for bytes). The signature alone cannot know that.
   */
  acceptsWrite?: (key: string) => Promise<boolean>;
}

export type LocalFilesHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

function sendJson(
  res: ServerResponse,
  status: number,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<void> {
  const payload = JSON.stringify(body);
  return new Promise((resolve) => {
    res.writeHead(status, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': String(Buffer.byteLength(payload)),
      'Cache-Control': 'no-store',
      ...headers,
    });
    res.end(payload, () => resolve());
    res.once('close', () => resolve());
  });
}

/**
 * Answers before the request body was read (413/415/403 on PUT): close the connection afterwards and drain
 * what the client is still sending for a moment so it can read the response instead of getting a reset.
 */
async function rejectUpload(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  body: Record<string, unknown>,
): Promise<void> {
  await sendJson(res, status, body, { Connection: 'close' });
  if (!req.readableEnded) {
    req.resume();
    setTimeout(() => req.destroy(), 2000).unref();
  }
}

export function createLocalFilesHandler(
  store: LocalObjectStore,
  opts: LocalFilesHandlerOptions,
): LocalFilesHandler {
  assertSecret(opts.signingSecret);
  const secret = opts.signingSecret;
  const basePath = new URL(store.publicUrl).pathname.replace(/\/+$/, '');
  const prefix = opts.pathPrefix ?? `${basePath}/files/`;

  return async function localFilesHandler(req, res) {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith(prefix)) return false;
    const isPut = req.method === 'PUT';
    const reject = (status: number, error: string, extra: Record<string, unknown> = {}) =>
      isPut
        ? rejectUpload(req, res, status, { error, ...extra })
        : sendJson(res, status, { error, ...extra });

    try {
      if (req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'PUT') {
        res.setHeader('Allow', 'GET, HEAD, PUT');
        await rejectUpload(req, res, 405, { error: 'method not allowed' });
        return true;
      }
      const key = url.pathname.slice(prefix.length);
      if (!isValidKey(key)) {
        await reject(400, 'invalid key');
        return true;
      }
      const q = url.searchParams;
      const exp = q.get('exp') ?? '';
      const sig = q.get('sig') ?? '';
      const fields: SignedFields = isPut
        ? { method: 'PUT', key, exp, ct: q.get('ct') ?? '', max: q.get('max') ?? '' }
        : { method: 'GET', key, exp, dn: q.get('dn') ?? undefined };
      if (!/^\d{1,12}$/.test(exp) || !sig || !verify(secret, fields, sig)) {
        await reject(403, 'invalid signature');
        return true;
      }
      if (Number(exp) < unixNow()) {
        await reject(403, 'link expired');
        return true;
      }
      if (isPut && opts.acceptsWrite && !(await opts.acceptsWrite(key))) {
        await reject(409, 'this upload link is no longer accepting files');
        return true;
      }
      if (isPut) await handlePut(req, res, key, fields);
      else await handleGet(req, res, key, Number(exp), fields.dn);
      return true;
    } catch (err) {
      if (!res.headersSent) await sendJson(res, 500, { error: 'internal error' }, { Connection: 'close' });
      else res.destroy(err instanceof Error ? err : undefined);
      return true;
    }
  };

  async function handleGet(
    req: IncomingMessage,
    res: ServerResponse,
    key: string,
    exp: number,
    downloadName: string | undefined,
  ): Promise<void> {
    const opened = await store.openReadStream(key);
    if (!opened) {
      await sendJson(res, 404, { error: 'not found' });
      return;
    }
    const { info, stream } = opened;
    const headers: Record<string, string> = {
      'Content-Type': info.contentType,
      'Content-Length': String(info.size),
      'Cache-Control': `private, max-age=${Math.max(0, exp - unixNow())}`,
      'X-Content-Type-Options': 'nosniff',
      // Files are user content served from core's origin: never let them run script there.
      'Content-Security-Policy': "default-src 'none'; img-src 'self'; media-src 'self'; sandbox",
    };
    if (downloadName !== undefined) headers['Content-Disposition'] = contentDisposition(downloadName);
    res.writeHead(200, headers);
    if (req.method === 'HEAD') {
      stream.destroy();
      res.end();
      return;
    }
    try {
      await pipeline(stream, res);
    } catch {
      // client went away mid-download; pipeline already destroyed both ends
    }
  }

  async function handlePut(
    req: IncomingMessage,
    res: ServerResponse,
    key: string,
    fields: SignedFields,
  ): Promise<void> {
    const maxBytes = Number(fields.max);
    const signedType = fields.ct ?? '';
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 0 || !signedType) {
      await rejectUpload(req, res, 400, { error: 'malformed upload link' });
      return;
    }
    const sentType = req.headers['content-type'] ?? '';
    if (contentTypeEssence(sentType) !== contentTypeEssence(signedType)) {
      await rejectUpload(req, res, 415, {
        error: `content type must be ${signedType}`,
        expected: signedType,
        received: sentType || null,
      });
      return;
    }
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > maxBytes) {
      await rejectUpload(req, res, 413, { error: `file too large (max ${maxBytes} bytes)`, maxBytes });
      return;
    }
    let info: StoredObjectInfo;
    try {
      info = await store.putStream(key, req, signedType, { maxBytes });
    } catch (err) {
      if (err instanceof ObjectTooLargeError) {
        await rejectUpload(req, res, 413, { error: `file too large (max ${maxBytes} bytes)`, maxBytes });
        return;
      }
      if (req.destroyed || (err instanceof Error && err.message === 'upload aborted by client')) {
        res.destroy();
        return;
      }
      throw err;
    }
    await sendJson(res, 201, { key: info.key, size: info.size, contentType: info.contentType });
  }
}
