import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FakeClock, StoredAttachment } from './discord-world';

/** Discord signs attachment links (`ex`, `is`, `hm`) and they stop working after about a day. */
const LINK_LIFETIME_MS = 24 * 60 * 60_000;

export interface CdnFile {
  filename: string;
  bytes: Buffer;
  contentType?: string;
  description?: string;
}

/**
 * The attachment CDN (cdn.discordapp.com and its media proxy): every uploaded file, by the user or by
 * the bot, is served at `/attachments/{channel}/{id}/{filename}` with a signed, expiring query.
 */
export class DiscordCdn {
  /** Downloads served per attachment id, for tests that check a file was (not) fetched. */
  readonly downloads = new Map<string, number>();
  private readonly files = new Map<string, { bytes: Buffer; contentType?: string }>();
  private readonly secret = randomBytes(32);
  base = '';

  constructor(private readonly clock: FakeClock) {}

  store(channelId: string, id: string, file: CdnFile): StoredAttachment {
    const path = `/attachments/${channelId}/${id}/${encodeURIComponent(file.filename)}`;
    this.files.set(path, { bytes: file.bytes, contentType: file.contentType });
    const url = this.signedUrl(path);
    const size = sniffImageSize(file.bytes);
    return {
      id,
      filename: file.filename,
      size: file.bytes.length,
      contentType: file.contentType,
      description: file.description,
      url,
      proxyUrl: url.replace('/attachments/', '/media/attachments/'),
      width: size?.width,
      height: size?.height,
      bytes: file.bytes,
    };
  }

  /** Serves `/attachments/...` and `/media/attachments/...`; anything else is 404. */
  handle(req: IncomingMessage, res: ServerResponse, pathAndQuery: string): void {
    const url = new URL(pathAndQuery, 'http://cdn');
    const path = url.pathname.replace(/^\/media\//, '/');
    const file = this.files.get(path);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    if (!file || !this.validSignature(path, url.searchParams)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('This content is no longer available.');
      return;
    }
    const id = path.split('/')[3] ?? '';
    this.downloads.set(id, (this.downloads.get(id) ?? 0) + 1);
    res.writeHead(200, {
      'content-type': file.contentType ?? 'application/octet-stream',
      'content-length': String(file.bytes.length),
    });
    res.end(req.method === 'HEAD' ? undefined : file.bytes);
  }

  private signedUrl(path: string): string {
    const issued = Math.floor(this.clock.now() / 1000);
    const ex = (issued + LINK_LIFETIME_MS / 1000).toString(16);
    const is = issued.toString(16);
    return `${this.base}${path}?ex=${ex}&is=${is}&hm=${this.mac(path, ex, is)}&`;
  }

  private validSignature(path: string, query: URLSearchParams): boolean {
    const ex = query.get('ex') ?? '';
    const is = query.get('is') ?? '';
    const hm = Buffer.from(query.get('hm') ?? '', 'hex');
    const expected = Buffer.from(this.mac(path, ex, is), 'hex');
    if (hm.length !== expected.length || !timingSafeEqual(hm, expected)) return false;
    return Number.parseInt(ex, 16) * 1000 > this.clock.now();
  }

  private mac(path: string, ex: string, is: string): string {
    return createHmac('sha256', this.secret).update(`${path}\n${ex}\n${is}`).digest('hex');
  }
}

/** Width and height of a PNG, GIF or JPEG (Discord reports them for images); undefined otherwise. */
export function sniffImageSize(bytes: Buffer): { width: number; height: number } | undefined {
  if (
    bytes.length >= 24 &&
    bytes.readUInt32BE(0) === 0x89504e47 &&
    bytes.toString('latin1', 12, 16) === 'IHDR'
  ) {
    return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
  }
  if (bytes.length >= 10 && bytes.toString('latin1', 0, 4) === 'GIF8') {
    return { width: bytes.readUInt16LE(6), height: bytes.readUInt16LE(8) };
  }
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8) {
    let offset = 2;
    while (offset + 9 < bytes.length && bytes[offset] === 0xff) {
      const marker = bytes[offset + 1]!;
      const length = bytes.readUInt16BE(offset + 2);
      const isFrame =
        marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
      if (isFrame) return { height: bytes.readUInt16BE(offset + 5), width: bytes.readUInt16BE(offset + 7) };
      offset += 2 + length;
    }
  }
  return undefined;
}
