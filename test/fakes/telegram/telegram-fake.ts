// A protocol-faithful fake of the Telegram Bot API server for tests: one node:http server on 127.0.0.1
// speaking the real wire protocol (JSON / urlencoded / multipart requests, {ok,result} envelopes, file
// downloads), so the real grammy Bot runs against it unchanged via `client: { apiRoot }`.
//
//   const tg = new FakeTelegram();
//   const { apiRoot, close } = await tg.start();
//   const bot = new Bot(tg.token, { client: { apiRoot } });
//   const alice = tg.createUser({ first_name: 'Alice' });
//   const dm = tg.createPrivateChat(alice);
//   tg.sendUserMessage(dm, alice, '/start');
//   await tg.waitFor(() => tg.sentMessages(dm).length > 0);
//
// Implemented methods: getMe, getUpdates (long poll), setWebhook, deleteWebhook, getWebhookInfo, sendMessage,
// sendPhoto, sendVideo, sendAudio, sendDocument, sendAnimation, sendMediaGroup, sendChatAction,
// editMessageText, editMessageCaption, editMessageMedia, editMessageReplyMarkup, deleteMessage(s),
// answerCallbackQuery, set/get/deleteMyCommands, getFile, getChat, set/getMyName, set/getMyDescription,
// set/getMyShortDescription, set/getChatMenuButton. Anything else answers 404 Not Found.
// Known simplifications: photos are not re-encoded or resized (every PhotoSize serves the uploaded bytes),
// webhooks may be http:// and are delivered one update at a time, inline messages are not modelled.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname } from 'node:path';
import busboy from 'busboy';
import type { Animation, Audio, Chat, Document, Message, PhotoSize, User, Video } from 'grammy/types';
import {
  type ApiCall,
  bad,
  type ChatEntry,
  FakeBot,
  type FakeBotOptions,
  type FakeWorld,
  type Params,
  type SentMessage,
  type Upload,
} from './telegram-fake-bot';
import { ChatMembers } from './telegram-fake-members';

export type {
  ApiCall,
  ApiErrorSpec,
  ApiResponse,
  CallbackAnswer,
  FakeBotOptions,
  MessageVersion,
  SentMessage,
  UserMessageResult,
  WebhookDelivery,
} from './telegram-fake-bot';
export { FakeBot, TelegramApiError } from './telegram-fake-bot';

export type MediaKind = 'photo' | 'video' | 'audio' | 'document' | 'animation';
/** What a sent message carries, for inspection. `bytes` is undefined for URLs the fake did not fetch. */
export interface SentMedia {
  type: MediaKind;
  file_id: string;
  file_unique_id: string;
  bytes?: Buffer;
  file_name?: string;
  mime_type?: string;
  source: 'upload' | 'file_id' | 'url';
  url?: string;
}
export interface StoredFile {
  file_id: string;
  file_unique_id: string;
  file_size: number;
  file_path: string;
  kind: MediaKind;
  bytes?: Buffer;
  mime_type?: string;
  file_name?: string;
  url?: string;
  /** The Message fields a message with this file carries ({photo}, {video}, {animation, document}, ...). */
  content: Partial<Message>;
}
export interface FakeTelegramOptions {
  /** Options for the default bot (`tg.bot` / `tg.token`). */
  bot?: FakeBotOptions;
  /** Which http(s) URLs passed as media are downloaded (like Telegram does). Default 'loopback'. */
  urlFetch?: 'never' | 'loopback' | 'always';
  /** Delay before a failed webhook delivery is retried. Default 250 ms. */
  webhookRetryMs?: number;
  /** The id of the first user created (two fakes sharing one core keep their people apart). */
  firstUserId?: number;
}

const KIND_NAMES: Record<MediaKind, string> = {
  photo: 'Photo',
  video: 'Video',
  audio: 'Audio',
  document: 'Document',
  animation: 'Animation',
};
const FOLDERS: Record<MediaKind, string> = {
  photo: 'photos',
  video: 'videos',
  audio: 'music',
  document: 'documents',
  animation: 'animations',
};
const FILE_ID_PREFIX: Record<MediaKind, string> = {
  photo: 'AgACAgIAAxkB',
  video: 'BAACAgIAAxkB',
  audio: 'CQACAgIAAxkB',
  document: 'BQACAgIAAxkB',
  animation: 'CgACAgIAAxkB',
};
const MIME_BY_EXT: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.mov': 'video/quicktime',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.wav': 'audio/x-wav',
  '.m4a': 'audio/mp4',
  '.flac': 'audio/flac',
  '.pdf': 'application/pdf',
  '.txt': 'text/plain',
  '.json': 'application/json',
  '.zip': 'application/zip',
  '.glb': 'model/gltf-binary',
  '.gltf': 'model/gltf+json',
  '.obj': 'model/obj',
};
const JSON_KEYS = new Set([
  'reply_markup',
  'reply_parameters',
  'entities',
  'caption_entities',
  'media',
  'link_preview_options',
  'commands',
  'scope',
  'allowed_updates',
  'menu_button',
  'message_ids',
]);
const PHOTO_SIDES = [90, 320, 800, 1280];

/** Width/height from PNG, JPEG, GIF or WebP headers. */
export function imageSize(bytes: Buffer): { width: number; height: number } | undefined {
  if (bytes.length >= 24 && bytes.readUInt32BE(0) === 0x89504e47) {
    return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
  }
  if (bytes.length >= 10 && bytes.toString('latin1', 0, 4) === 'GIF8') {
    return { width: bytes.readUInt16LE(6), height: bytes.readUInt16LE(8) };
  }
  if (
    bytes.length >= 30 &&
    bytes.toString('latin1', 0, 4) === 'RIFF' &&
    bytes.toString('latin1', 8, 12) === 'WEBP'
  ) {
    const chunk = bytes.toString('latin1', 12, 16);
    if (chunk === 'VP8X') return { width: 1 + bytes.readUIntLE(24, 3), height: 1 + bytes.readUIntLE(27, 3) };
    if (chunk === 'VP8 ')
      return { width: bytes.readUInt16LE(26) & 0x3fff, height: bytes.readUInt16LE(28) & 0x3fff };
    if (chunk === 'VP8L') {
      const bits = bytes.readUInt32LE(21);
      return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
    }
  }
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8) {
    let at = 2;
    while (at + 9 < bytes.length && bytes[at] === 0xff) {
      const marker = bytes[at + 1] ?? 0;
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { height: bytes.readUInt16BE(at + 5), width: bytes.readUInt16BE(at + 7) };
      }
      at += 2 + bytes.readUInt16BE(at + 2);
    }
  }
  return undefined;
}

function sniffMime(bytes: Buffer | undefined, fileName: string | undefined): string {
  if (bytes && bytes.length >= 12) {
    const head = bytes.toString('latin1', 0, 12);
    if (head.startsWith('\x89PNG')) return 'image/png';
    if (bytes[0] === 0xff && bytes[1] === 0xd8) return 'image/jpeg';
    if (head.startsWith('GIF8')) return 'image/gif';
    if (head.startsWith('RIFF') && head.endsWith('WEBP')) return 'image/webp';
    if (head.startsWith('RIFF') && head.endsWith('WAVE')) return 'audio/x-wav';
    if (head.slice(4, 8) === 'ftyp') return 'video/mp4';
    if (head.startsWith('%PDF')) return 'application/pdf';
    if (head.startsWith('glTF')) return 'model/gltf-binary';
    if (head.startsWith('OggS')) return 'audio/ogg';
    if (head.startsWith('ID3')) return 'audio/mpeg';
  }
  return MIME_BY_EXT[extname(fileName ?? '').toLowerCase()] ?? 'application/octet-stream';
}

const isLoopback = (url: string) => {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '[::1]' || host.startsWith('127.');
};

/** All files known to the fake (uploads, user media, fetched URLs), addressable by file_id and file_path. */
export class FileStore {
  private readonly byId = new Map<string, StoredFile>();
  private readonly byPath = new Map<string, StoredFile>();
  private counter = 0;

  constructor(private readonly urlFetch: 'never' | 'loopback' | 'always') {}

  get(fileId: string): StoredFile | undefined {
    return this.byId.get(fileId);
  }

  atPath(filePath: string): StoredFile | undefined {
    return this.byPath.get(filePath);
  }

  private register(kind: MediaKind, bytes: Buffer | undefined, meta: { file_name?: string; url?: string }) {
    const n = this.counter++;
    const ext =
      kind === 'photo' ? '.jpg' : extname(meta.file_name ?? '') || (kind === 'audio' ? '.mp3' : '.mp4');
    const file: StoredFile = {
      file_id: FILE_ID_PREFIX[kind] + randomBytes(48).toString('base64url'),
      file_unique_id: `AgAD${randomBytes(9).toString('base64url')}`,
      file_size: bytes?.length ?? 0,
      file_path: `${FOLDERS[kind]}/file_${n}${kind === 'document' && !extname(meta.file_name ?? '') ? '' : ext}`,
      kind,
      ...(bytes && { bytes }),
      ...(kind !== 'photo' && { mime_type: sniffMime(bytes, meta.file_name) }),
      ...(meta.file_name && { file_name: meta.file_name }),
      ...(meta.url && { url: meta.url }),
      content: {},
    };
    this.byId.set(file.file_id, file);
    this.byPath.set(file.file_path, file);
    return file;
  }

  /** Telegram-style PhotoSize list (largest last); the fake does not resize, every size serves these bytes. */
  photo(bytes: Buffer | undefined, url?: string): PhotoSize[] {
    const dims = (bytes && imageSize(bytes)) ?? { width: 800, height: 800 };
    const longest = Math.max(dims.width, dims.height, 1);
    const sides = [...PHOTO_SIDES.filter((s) => s < longest), Math.min(longest, 2560)];
    const sizes: PhotoSize[] = [];
    const files: StoredFile[] = [];
    for (const side of sides) {
      const file = this.register('photo', bytes, { ...(url && { url }) });
      files.push(file);
      const scale = side / longest;
      sizes.push({
        file_id: file.file_id,
        file_unique_id: file.file_unique_id,
        width: Math.max(1, Math.round(dims.width * scale)),
        height: Math.max(1, Math.round(dims.height * scale)),
        file_size: file.file_size,
      });
    }
    for (const file of files) file.content = { photo: sizes };
    return sizes;
  }

  video(bytes: Buffer | undefined, meta: Params = {}, kind: 'video' | 'animation' = 'video'): Video {
    const file_name = typeof meta.file_name === 'string' ? meta.file_name : undefined;
    const file = this.register(kind, bytes, {
      ...(file_name && { file_name }),
      ...(typeof meta.url === 'string' && { url: meta.url }),
    });
    const video: Video = {
      file_id: file.file_id,
      file_unique_id: file.file_unique_id,
      width: Number(meta.width ?? 1280),
      height: Number(meta.height ?? 720),
      duration: Number(meta.duration ?? 1),
      ...(file_name && { file_name }),
      mime_type: file.mime_type === 'application/octet-stream' ? 'video/mp4' : file.mime_type,
      file_size: file.file_size,
    };
    file.content =
      kind === 'video'
        ? { video }
        : {
            animation: video as Animation,
            document: {
              file_id: file.file_id,
              file_unique_id: file.file_unique_id,
              ...(file_name && { file_name }),
              mime_type: video.mime_type,
              file_size: file.file_size,
            },
          };
    return video;
  }

  audio(bytes: Buffer | undefined, meta: Params = {}): Audio {
    const file_name = typeof meta.file_name === 'string' ? meta.file_name : undefined;
    const file = this.register('audio', bytes, {
      ...(file_name && { file_name }),
      ...(typeof meta.url === 'string' && { url: meta.url }),
    });
    const audio: Audio = {
      file_id: file.file_id,
      file_unique_id: file.file_unique_id,
      duration: Number(meta.duration ?? 1),
      ...(typeof meta.performer === 'string' && { performer: meta.performer }),
      ...(typeof meta.title === 'string' && { title: meta.title }),
      ...(file_name && { file_name }),
      mime_type: file.mime_type === 'application/octet-stream' ? 'audio/mpeg' : file.mime_type,
      file_size: file.file_size,
    };
    file.content = { audio };
    return audio;
  }

  document(bytes: Buffer | undefined, fileName: string, mimeType?: string, url?: string): Document {
    const file = this.register('document', bytes, { file_name: fileName, ...(url && { url }) });
    if (mimeType) file.mime_type = mimeType;
    const document: Document = {
      file_id: file.file_id,
      file_unique_id: file.file_unique_id,
      file_name: fileName,
      ...(file.mime_type && { mime_type: file.mime_type }),
      file_size: file.file_size,
    };
    file.content = { document };
    return document;
  }

  private create(kind: MediaKind, bytes: Buffer | undefined, meta: Params): Partial<Message> {
    const fileName = typeof meta.file_name === 'string' ? meta.file_name : undefined;
    const url = typeof meta.url === 'string' ? meta.url : undefined;
    switch (kind) {
      case 'photo':
        return { photo: this.photo(bytes, url) };
      case 'video':
        return { video: this.video(bytes, meta) };
      case 'animation': {
        const file = this.get(this.video(bytes, meta, 'animation').file_id);
        return file?.content ?? {};
      }
      case 'audio':
        return { audio: this.audio(bytes, meta) };
      case 'document':
        return { document: this.document(bytes, fileName ?? 'document', undefined, url) };
    }
  }

  private async fetchUrl(url: string): Promise<Buffer | undefined> {
    if (this.urlFetch === 'never' || (this.urlFetch === 'loopback' && !isLoopback(url))) return undefined;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw new Error(String(res.status));
      return Buffer.from(await res.arrayBuffer());
    } catch {
      throw bad('failed to get HTTP URL content');
    }
  }

  /** Turns an upload, URL or file_id into Message fields, with Telegram's errors. */
  async resolve(
    kind: MediaKind,
    source: Upload | string,
    params: Params,
  ): Promise<{ content: Partial<Message>; media: SentMedia }> {
    const dims = { width: params.width, height: params.height, duration: params.duration };
    const extra = {
      ...Object.fromEntries(Object.entries(dims).filter(([, v]) => v !== undefined)),
      ...(typeof params.performer === 'string' && { performer: params.performer }),
      ...(typeof params.title === 'string' && { title: params.title }),
    };
    if (typeof source !== 'string') {
      const content = this.create(kind, source.bytes, { ...extra, file_name: source.filename });
      return { content, media: this.describe(kind, content, 'upload') };
    }
    if (/^https?:\/\//i.test(source)) {
      const bytes = await this.fetchUrl(source);
      const name = decodeURIComponent(new URL(source).pathname.split('/').pop() ?? '') || undefined;
      const content = this.create(kind, bytes, { ...extra, url: source, ...(name && { file_name: name }) });
      return { content, media: { ...this.describe(kind, content, 'url'), url: source } };
    }
    const file = this.byId.get(source);
    if (!file) throw bad('wrong file identifier/HTTP URL specified');
    if (file.kind !== kind)
      throw bad(`can't use file of type ${KIND_NAMES[file.kind]} as ${KIND_NAMES[kind]}`);
    const content = structuredClone(file.content);
    return { content, media: this.describe(kind, content, 'file_id') };
  }

  private describe(kind: MediaKind, content: Partial<Message>, source: SentMedia['source']): SentMedia {
    const primary = kind === 'photo' ? content.photo?.[content.photo.length - 1] : content[kind];
    const file = this.byId.get(primary?.file_id ?? '') as StoredFile;
    return {
      type: kind,
      file_id: file.file_id,
      file_unique_id: file.file_unique_id,
      ...(file.bytes && { bytes: file.bytes }),
      ...(file.file_name && { file_name: file.file_name }),
      ...(file.mime_type && { mime_type: file.mime_type }),
      source,
    };
  }
}

// ------------------------------------------------------------------------------------ HTTP plumbing

function send(res: ServerResponse, status: number, body: unknown) {
  if (res.headersSent || res.destroyed) return;
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}
const NOT_FOUND = { ok: false, error_code: 404, description: 'Not Found' };
const UNAUTHORIZED = { ok: false, error_code: 401, description: 'Unauthorized' };

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function parseMultipart(req: IncomingMessage, params: Params): Promise<Upload[]> {
  return new Promise((resolve, reject) => {
    const uploads: Upload[] = [];
    const pending: Promise<void>[] = [];
    const parser = busboy({ headers: req.headers, limits: { fieldSize: 16 * 1024 * 1024 } });
    parser.on('field', (name, value) => {
      params[name] = value;
    });
    parser.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      pending.push(
        new Promise((done) =>
          stream.on('end', () => {
            uploads.push({ field: name, filename: info.filename || name, bytes: Buffer.concat(chunks) });
            done();
          }),
        ),
      );
    });
    parser.on('close', () => void Promise.all(pending).then(() => resolve(uploads)));
    parser.on('error', reject);
    req.pipe(parser);
  });
}

/** Query string + JSON / urlencoded / multipart body -> params (JSON-typed fields decoded) and uploads. */
async function readRequest(req: IncomingMessage): Promise<{ params: Params; uploads: Upload[] }> {
  const params: Params = Object.fromEntries(new URL(req.url ?? '/', 'http://fake').searchParams);
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  let uploads: Upload[] = [];
  if (type.startsWith('multipart/form-data')) {
    uploads = await parseMultipart(req, params);
  } else {
    const body = (await readBody(req)).toString('utf8');
    if (type.startsWith('application/json') && body.trim()) {
      const parsed: unknown = JSON.parse(body);
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
        throw new SyntaxError('not an object');
      Object.assign(params, parsed);
    } else if (type.startsWith('application/x-www-form-urlencoded')) {
      Object.assign(params, Object.fromEntries(new URLSearchParams(body)));
    }
  }
  for (const [key, value] of Object.entries(params)) {
    if (JSON_KEYS.has(key) && typeof value === 'string') {
      try {
        params[key] = JSON.parse(value);
      } catch {
        // left as a string; the method reports Telegram's "can't parse" error
      }
    }
  }
  return { params, uploads };
}

// ------------------------------------------------------------------------------------- the fake

type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

export class FakeTelegram {
  readonly files: FileStore;
  /** The default bot; the delegating helpers below act on it. */
  readonly bot: FakeBot;
  private readonly bots = new Map<string, FakeBot>();
  private readonly chats = new Map<number, ChatEntry>();
  private readonly users = new Map<number, User>();
  /** Who is in which chat (creator, administrator, member...), as getChatMember reports it. */
  readonly members: ChatMembers;
  private readonly listeners = new Set<() => void>();
  private readonly world: FakeWorld;
  private server: Server | undefined;
  private root: string | undefined;
  private nextUserId = 100_000_001;
  private nextGroupId = 1;
  private nextBotId = 7_000_000_001;

  constructor(opts: FakeTelegramOptions = {}) {
    this.files = new FileStore(opts.urlFetch ?? 'loopback');
    this.nextUserId = opts.firstUserId ?? this.nextUserId;
    this.members = new ChatMembers({ chat: (ref) => this.chatEntry(ref), user: (id) => this.users.get(id) });
    this.world = {
      files: this.files,
      members: this.members,
      chat: (ref) => this.chatEntry(ref),
      changed: () => {
        for (const listener of [...this.listeners]) listener();
      },
      webhookRetryMs: opts.webhookRetryMs ?? 250,
    };
    this.bot = this.addBot(opts.bot);
  }

  get token(): string {
    return this.bot.token;
  }

  get apiRoot(): string {
    if (!this.root) throw new Error('FakeTelegram: call start() first');
    return this.root;
  }

  /** Another bot account served by the same fake (its own token, updates, messages and commands). */
  addBot(opts: FakeBotOptions = {}): FakeBot {
    const bot = new FakeBot(this.world, this.nextBotId++, opts);
    this.bots.set(bot.token, bot);
    return bot;
  }

  getBot(token: string): FakeBot | undefined {
    return this.bots.get(token);
  }

  async start(): Promise<{ apiRoot: string; close(): Promise<void> }> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    this.root = `http://127.0.0.1:${port}`;
    return { apiRoot: this.root, close: () => this.close() };
  }

  async close(): Promise<void> {
    for (const bot of this.bots.values()) bot.dispose();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    try {
      const path = new URL(req.url ?? '/', 'http://fake').pathname;
      const download = /^\/file\/bot([^/]+)\/(.+)$/.exec(path);
      if (download)
        return this.download(
          decodeURIComponent(download[1] ?? ''),
          decodeURIComponent(download[2] ?? ''),
          res,
        );
      const api = /^\/bot([^/]+)\/([^/]*)$/.exec(path);
      if (!api) return send(res, 404, NOT_FOUND);
      const bot = this.bots.get(decodeURIComponent(api[1] ?? ''));
      if (!bot) return send(res, 401, UNAUTHORIZED);
      let request: { params: Params; uploads: Upload[] };
      try {
        request = await readRequest(req);
      } catch {
        return send(res, 400, {
          ok: false,
          error_code: 400,
          description: "Bad Request: can't parse JSON object",
        });
      }
      const abort = new AbortController();
      res.on('close', () => {
        if (!res.writableFinished) abort.abort();
      });
      const response = await bot.call(api[2] ?? '', request.params, request.uploads, abort.signal);
      send(res, response.ok ? 200 : response.error_code, response);
    } catch (error) {
      send(res, 500, { ok: false, error_code: 500, description: `Internal Server Error: ${String(error)}` });
    }
  }

  private download(token: string, filePath: string, res: ServerResponse) {
    if (!this.bots.has(token)) return send(res, 401, UNAUTHORIZED);
    const file = this.files.atPath(filePath);
    if (!file?.bytes) return send(res, 404, NOT_FOUND);
    res.writeHead(200, {
      'content-type': file.mime_type ?? (file.kind === 'photo' ? 'image/jpeg' : 'application/octet-stream'),
      'content-length': file.bytes.length,
    });
    res.end(file.bytes);
  }

  // ------------------------------------------------------------------------------ users & chats

  createUser(opts: Partial<Omit<User, 'id' | 'is_bot'>> = {}): User {
    const id = this.nextUserId++;
    const user: User = { id, is_bot: false, first_name: opts.first_name ?? `User${id}`, ...opts };
    this.users.set(id, user);
    return user;
  }

  /** The private chat between `user` and the bot(s); its id is the user's id, like on Telegram. */
  createPrivateChat(user: User): Chat {
    const chat: Chat = {
      id: user.id,
      type: 'private',
      first_name: user.first_name,
      ...(user.last_name && { last_name: user.last_name }),
      ...(user.username && { username: user.username }),
    };
    this.chats.set(chat.id, { chat, botIsAdmin: false });
    return chat;
  }

  /** A basic group (negative id) or supergroup (-100… id) every bot is a member of. */
  createGroupChat(
    opts: {
      title?: string;
      type?: 'group' | 'supergroup';
      username?: string;
      botIsAdmin?: boolean;
      /** The group's creator (status 'creator'). */
      creator?: User;
      /** Administrators (status 'administrator'). */
      admins?: User[];
    } = {},
  ): Chat {
    const n = this.nextGroupId++;
    const title = opts.title ?? `Test group ${n}`;
    const chat: Chat =
      opts.type === 'supergroup'
        ? {
            id: -1_001_000_000_000 - n,
            type: 'supergroup',
            title,
            ...(opts.username && { username: opts.username }),
          }
        : { id: -1_000_000 - n, type: 'group', title };
    this.chats.set(chat.id, { chat, botIsAdmin: opts.botIsAdmin ?? false });
    if (opts.creator) this.members.set(chat.id, opts.creator.id, 'creator');
    for (const admin of opts.admins ?? []) this.members.set(chat.id, admin.id, 'administrator');
    return chat;
  }

  private chatEntry(ref: number | string): ChatEntry | undefined {
    if (typeof ref === 'string' && ref.startsWith('@')) {
      const name = ref.slice(1).toLowerCase();
      return [...this.chats.values()].find((e) => e.chat.username?.toLowerCase() === name);
    }
    const id = Number(ref);
    return Number.isSafeInteger(id) ? this.chats.get(id) : undefined;
  }

  // --------------------------------------------------------------------------------- waiting

  /**
   * Resolves with the predicate's first truthy result; re-checked after every API call / update and every
   * 25 ms. Rejects after `timeoutMs`, listing the recent API calls to help debugging.
   */
  waitFor<T>(predicate: () => T, timeoutMs = 2000, label = 'condition'): Promise<Truthy<T>> {
    return new Promise((resolve, reject) => {
      const finish = () => {
        this.listeners.delete(check);
        clearInterval(interval);
        clearTimeout(timer);
      };
      const check = () => {
        try {
          const value = predicate();
          if (value) {
            finish();
            resolve(value as Truthy<T>);
          }
        } catch (error) {
          finish();
          reject(error);
        }
      };
      const interval = setInterval(check, 25);
      const timer = setTimeout(() => {
        finish();
        const recent = this.bot
          .calls()
          .filter((c) => c.method !== 'getUpdates')
          .slice(-10)
          .map(
            (c) =>
              `  ${c.method} ${JSON.stringify(c.params).slice(0, 200)} -> ${JSON.stringify(c.response).slice(0, 200)}`,
          );
        reject(
          new Error(
            `FakeTelegram.waitFor(${label}) timed out after ${timeoutMs} ms; recent calls:\n${recent.join('\n')}`,
          ),
        );
      }, timeoutMs);
      this.listeners.add(check);
      check();
    });
  }

  /** First message the default bot sent to `chat` that matches `predicate`. */
  waitForSent(chat: Chat | number, predicate: (m: SentMessage) => boolean = () => true, timeoutMs = 2000) {
    return this.waitFor(() => this.bot.sentMessages(chat).find(predicate), timeoutMs, 'sent message');
  }

  /** First recorded call of `method` (default bot) that matches `predicate`. */
  waitForCall(method: string, predicate: (c: ApiCall) => boolean = () => true, timeoutMs = 2000) {
    return this.waitFor(() => this.bot.calls(method).find(predicate), timeoutMs, `call ${method}`);
  }

  // ------------------------------------------------------- default-bot shortcuts (see FakeBot for docs)

  sendUserMessage(...args: Parameters<FakeBot['sendUserMessage']>) {
    return this.bot.sendUserMessage(...args);
  }
  sendUserPhoto(...args: Parameters<FakeBot['sendUserPhoto']>) {
    return this.bot.sendUserPhoto(...args);
  }
  sendUserDocument(...args: Parameters<FakeBot['sendUserDocument']>) {
    return this.bot.sendUserDocument(...args);
  }
  sendUserAlbum(...args: Parameters<FakeBot['sendUserAlbum']>) {
    return this.bot.sendUserAlbum(...args);
  }
  editUserMessage(...args: Parameters<FakeBot['editUserMessage']>) {
    return this.bot.editUserMessage(...args);
  }
  pressButton(...args: Parameters<FakeBot['pressButton']>) {
    return this.bot.pressButton(...args);
  }
  redeliver(...args: Parameters<FakeBot['redeliver']>) {
    return this.bot.redeliver(...args);
  }
  injectUpdate(...args: Parameters<FakeBot['injectUpdate']>) {
    return this.bot.injectUpdate(...args);
  }
  sentMessages(...args: Parameters<FakeBot['sentMessages']>) {
    return this.bot.sentMessages(...args);
  }
  chatMessages(...args: Parameters<FakeBot['chatMessages']>) {
    return this.bot.chatMessages(...args);
  }
  calls(...args: Parameters<FakeBot['calls']>) {
    return this.bot.calls(...args);
  }
  commands(...args: Parameters<FakeBot['commands']>) {
    return this.bot.commands(...args);
  }
  callbackAnswer(...args: Parameters<FakeBot['callbackAnswer']>) {
    return this.bot.callbackAnswer(...args);
  }
  chatActions(...args: Parameters<FakeBot['chatActions']>) {
    return this.bot.chatActions(...args);
  }
  webhookDeliveries() {
    return this.bot.webhookDeliveries();
  }
  pendingUpdates() {
    return this.bot.pendingUpdates();
  }
  failNext(...args: Parameters<FakeBot['failNext']>) {
    return this.bot.failNext(...args);
  }
  setBlocked(...args: Parameters<FakeBot['setBlocked']>) {
    return this.bot.setBlocked(...args);
  }

  /** Bytes of a file by file_id (undefined for URLs the fake did not fetch). */
  fileBytes(fileId: string): Buffer | undefined {
    return this.files.get(fileId)?.bytes;
  }
}
