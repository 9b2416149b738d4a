import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import type { Config, Env } from '../../config';
import type { Db, DbOrTx } from '../../db/database';
import type { Platform, UploadRow } from '../../db/types';
import { AppError } from '../../errors';
import { contentTypeEssence, ObjectNotFoundError, type ObjectStore } from '../../storage';
import { checkImageLimits, readImageDimensions, SNIFF_HEAD_BYTES, sniffFile } from './file-sniff';
import { FetchRefusedError, guardedFetch, type LookupFn } from './guarded-fetch';
import {
  DISPLAY_URL_TTL_SECONDS,
  FETCH_TIMEOUT_MS,
  formatBytes,
  HEADER_BYTES,
  type KindLimits,
  SNIFF_ALIASES,
  TYPE_ALIASES,
  UPLOAD_LIMITS,
  UPLOAD_URL_TTL_SECONDS,
  type UploadKind,
} from './upload-limits';
import * as repo from './uploads.repo';

/** What the upload functions need from core's dependencies (core's `Deps` satisfies it). */
export interface UploadDeps {
  db: Db;
  storage: ObjectStore;
  config: Pick<Config, 'uploadQuotaBytes'>;
}

/** A verified upload, ready to show or to use as a model input. `url` is signed and short-lived. */
export interface Asset {
  id: string;
  kind: UploadKind;
  mime: string;
  size: number;
  width: number | null;
  height: number | null;
  filename: string | null;
  createdAt: Date;
  url: string;
}

/** Where and how the client PUTs the bytes; the URL is bound to the declared type and size. */
export interface UploadTicket {
  uploadId: string;
  url: string;
  method: 'PUT';
  headers: Record<string, string>;
  expiresAt: Date;
}

/** An upload the generation pipeline may use: checked to belong to the user, ready and of the right kind. */
export interface InputAsset {
  uploadId: string;
  storageKey: string;
  mime: string;
  size: number;
  /** Loads the bytes and checks them again, so bytes swapped in after verification are never used. */
  bytesLoader: () => Promise<Buffer>;
}

/** Which hosts a bot's attachment URLs may come from. */
export interface AttachmentSource {
  allowedHosts: string[];
  /** True only when the platform's configured host is a loopback fake (tests, local development). */
  allowPrivateAddresses: boolean;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/g;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const KIND_NOUN: Record<UploadKind, string> = {
  image: 'an image',
  audio: 'an audio file',
  video: 'a video',
  archive: 'a ZIP archive',
};

type Verdict =
  | { ok: true; mime: string; width: number | null; height: number | null }
  | { ok: false; reason: string };

/**
 * Starts an upload: checks kind, type and size against the limits, records a pending upload and returns
 * a presigned PUT URL (15 minutes) that accepts exactly the declared type and at most the declared size.
 */
export async function createUpload(
  deps: UploadDeps,
  userId: string,
  input: { kind: UploadKind; contentType: string; size: number; filename?: string | null | undefined },
): Promise<UploadTicket> {
  const limits = limitsFor(input.kind);
  const contentType = canonicalType(input.contentType);
  if (!limits.types.includes(contentType)) {
    const message = `${limits.label} must be ${limits.formats}, not ${contentType || 'an unknown type'}`;
    throw AppError.invalidInput(message, { contentType: [message] });
  }
  assertSize(limits, input.size);
  await assertQuota(deps, userId, input.size);
  const uploadId = randomUUID();
  const storageKey = `uploads/${userId}/${uploadId}`;
  const presigned = await deps.storage.presignUpload(storageKey, {
    contentType,
    maxBytes: input.size,
    expiresInSeconds: UPLOAD_URL_TTL_SECONDS,
  });
  await repo.insertUpload(deps.db, {
    id: uploadId,
    user_id: userId,
    kind: input.kind,
    storage_key: storageKey,
    filename: cleanFilename(input.filename),
    declared_type: contentType,
    declared_size: input.size,
    url_expires_at: presigned.expiresAt,
  });
  return {
    uploadId,
    url: presigned.url,
    method: presigned.method,
    headers: presigned.headers,
    expiresAt: presigned.expiresAt,
  };
}

/**
 * Verifies what was PUT (presence, size, magic bytes, image dimensions) and makes the upload usable.
 * Idempotent once ready. A refused file is deleted and the upload marked rejected with the reason.
 */
export async function completeUpload(deps: UploadDeps, userId: string, uploadId: string): Promise<Asset> {
  const row = await findOwn(deps.db, userId, uploadId);
  if (row.status === 'ready') return toAsset(deps.storage, row);
  if (row.status === 'rejected') throw refusal(row.rejection_reason ?? 'This upload was refused');
  return finish(deps, row);
}

/**
 * Stores bytes the server already holds (attachments, pipeline inputs) as a ready upload, through the
 * same verification as a client upload.
 */
export async function ingestBytes(
  deps: UploadDeps,
  userId: string,
  input: { kind: UploadKind; bytes: Buffer; contentType?: string | null; filename?: string | null },
): Promise<Asset> {
  const limits = limitsFor(input.kind);
  assertSize(limits, input.bytes.length);
  await assertQuota(deps, userId, input.bytes.length);
  // What the bytes are beats what a platform said they are (Telegram says application/octet-stream).
  const sniffed = sniffFile(input.bytes.subarray(0, SNIFF_HEAD_BYTES));
  const contentType = sniffed?.mime ?? (canonicalType(input.contentType ?? '') || 'application/octet-stream');
  const uploadId = randomUUID();
  const row = await repo.insertUpload(deps.db, {
    id: uploadId,
    user_id: userId,
    kind: input.kind,
    storage_key: `uploads/${userId}/${uploadId}`,
    filename: cleanFilename(input.filename),
    declared_type: contentType,
    declared_size: input.bytes.length,
    // No URL was handed out.
    url_expires_at: new Date(),
  });
  await deps.storage.put(row.storage_key, input.bytes, contentType);
  return finish(deps, row);
}

/**
 * Downloads a chat attachment (allow-listed hosts only, public addresses only unless the caller says the
 * platform is a local fake, no redirects, size and time capped) and ingests it.
 */
export async function ingestFromUrl(
  deps: UploadDeps,
  userId: string,
  input: {
    url: string;
    kind: UploadKind;
    allowedHosts: readonly string[];
    /** From deployment configuration only (see attachmentSourceFor); never from user input. */
    allowPrivateAddresses?: boolean;
    filename?: string | null | undefined;
    lookup?: LookupFn;
  },
): Promise<Asset> {
  const limits = limitsFor(input.kind);
  let fetched: Awaited<ReturnType<typeof guardedFetch>>;
  try {
    fetched = await guardedFetch(input.url, {
      allowedHosts: input.allowedHosts,
      maxBytes: limits.maxBytes,
      timeoutMs: FETCH_TIMEOUT_MS,
      allowPrivateAddresses: input.allowPrivateAddresses === true,
      ...(input.lookup ? { lookup: input.lookup } : {}),
    });
  } catch (error) {
    if (!(error instanceof FetchRefusedError)) throw error;
    const message =
      error.reason === 'too_large'
        ? `${limits.label} can be at most ${formatBytes(limits.maxBytes)}`
        : error.message;
    throw new AppError('INVALID_INPUT', message, { fieldErrors: { url: [message] }, reason: error.reason });
  }
  return ingestBytes(deps, userId, {
    kind: input.kind,
    bytes: fetched.bytes,
    contentType: fetched.contentType,
    filename: input.filename ?? lastPathSegment(fetched.finalUrl),
  });
}

/** One of the user's ready uploads; NOT_FOUND for anything else, including other users' uploads. */
export async function getAsset(deps: UploadDeps, userId: string, uploadId: string): Promise<Asset> {
  const row = await findOwn(deps.db, userId, uploadId);
  if (row.status !== 'ready') throw AppError.notFound('Upload');
  return toAsset(deps.storage, row);
}

/** The user's ready uploads, newest first, optionally of one kind; `nextCursor` pages on. */
export async function listAssets(
  deps: UploadDeps,
  userId: string,
  opts: { kind?: UploadKind | undefined; cursor?: string | undefined; limit?: number | undefined },
): Promise<{ items: Asset[]; nextCursor: string | null }> {
  if (opts.cursor !== undefined && !UUID.test(opts.cursor)) {
    throw AppError.invalidInput('The page cursor is not valid', { cursor: ['not a cursor from this list'] });
  }
  const limit = Math.min(Math.max(opts.limit ?? 20, 1), 100);
  const rows = await repo.listReady(deps.db, userId, { kind: opts.kind, afterId: opts.cursor, limit });
  const items = await Promise.all(rows.map((row) => toAsset(deps.storage, row)));
  return { items, nextCursor: rows.length === limit ? (rows.at(-1)?.id ?? null) : null };
}

/** Deletes one of the user's uploads (row soft-deleted, bytes removed). */
export async function deleteAsset(deps: UploadDeps, userId: string, uploadId: string): Promise<void> {
  if (!UUID.test(uploadId)) throw AppError.notFound('Upload');
  const row = await repo.softDelete(deps.db, userId, uploadId);
  if (!row) throw AppError.notFound('Upload');
  await deps.storage.delete(row.storage_key);
  // A write through the (then dead) upload link may have left bytes at the original key on S3.
  await deps.storage.delete(`uploads/${row.user_id}/${row.id}`);
}

/**
 * An upload as a generation input: only the user's own, ready upload of `expectedKind`. The stored bytes
 * are checked again now and on load: a presigned URL stays valid for a while after completion, so the
 * object could have been replaced since it was verified.
 */
export async function resolveInputAsset(
  db: DbOrTx,
  storage: ObjectStore,
  userId: string,
  uploadId: string,
  expectedKind: UploadKind,
): Promise<InputAsset> {
  const row = await findOwn(db, userId, uploadId);
  if (row.status === 'pending') throw refusal('This upload is not finished yet; complete it first');
  if (row.status === 'rejected') throw refusal(row.rejection_reason ?? 'This upload was refused');
  if (row.kind !== expectedKind) {
    throw refusal(`This upload is ${KIND_NOUN[row.kind]}; ${KIND_NOUN[expectedKind]} is needed here`);
  }
  const size = row.size ?? row.declared_size;
  const mime = row.mime ?? row.declared_type;
  const info = await storage.head(row.storage_key);
  if (!info) throw refusal('The file of this upload is gone; upload it again');
  const changed = () => refusal('This upload changed after it was checked; upload it again');
  if (info.size !== size) throw changed();
  const now = judge(row.kind, await storage.readRange(row.storage_key, headBytesFor(row.kind)));
  if (!now.ok || now.mime !== mime) throw changed();
  return {
    uploadId: row.id,
    storageKey: row.storage_key,
    mime,
    size,
    bytesLoader: async () => {
      let bytes: Buffer;
      try {
        bytes = await storage.get(row.storage_key);
      } catch (error) {
        if (error instanceof ObjectNotFoundError)
          throw refusal('The file of this upload is gone; upload it again');
        throw error;
      }
      const verdict = judge(row.kind, bytes);
      if (bytes.length !== size || !verdict.ok || verdict.mime !== mime) throw changed();
      return bytes;
    },
  };
}

/**
 * Which hosts a bot of `platform` may fetch attachments from: the platform's file CDN plus the host of
 * its configured API/CDN root. Private addresses are allowed ONLY when that configured host is a loopback
 * address, i.e. a local fake in tests or development; a real deployment never sets that. Null for
 * platforms without attachments.
 */
export function attachmentSourceFor(
  platform: Platform,
  env: Pick<Env, 'TELEGRAM_API_ROOT' | 'DISCORD_CDN_URL' | 'SLACK_API_URL'>,
): AttachmentSource | null {
  const sources: Partial<Record<Platform, { hosts: string[]; configured: string | undefined }>> = {
    telegram: { hosts: ['api.telegram.org'], configured: env.TELEGRAM_API_ROOT },
    discord: { hosts: ['cdn.discordapp.com', 'media.discordapp.net'], configured: env.DISCORD_CDN_URL },
    slack: { hosts: ['files.slack.com'], configured: env.SLACK_API_URL },
  };
  const source = sources[platform];
  if (!source) return null;
  const configuredHost = source.configured ? unbracket(new URL(source.configured).hostname) : null;
  return {
    allowedHosts: configuredHost ? [...source.hosts, configuredHost] : source.hosts,
    allowPrivateAddresses: configuredHost !== null && isLoopback(configuredHost),
  };
}

// ---------------------------------------------------------------------------------------------------

/** Verifies the stored object of a pending upload and records the verdict (ready, or rejected + deleted). */
async function finish(deps: UploadDeps, row: UploadRow): Promise<Asset> {
  const info = await deps.storage.head(row.storage_key);
  if (!info) {
    if (row.url_expires_at.getTime() <= Date.now()) {
      return rejectUpload(deps, row, 'The upload link expired; start again');
    }
    throw AppError.invalidInput('Nothing was uploaded yet', {
      uploadId: ['PUT the file to the upload URL before completing'],
    });
  }
  const limits = limitsFor(row.kind);
  if (info.size > limits.maxBytes) {
    return rejectUpload(deps, row, `${limits.label} can be at most ${formatBytes(limits.maxBytes)}`);
  }
  if (info.size !== row.declared_size) {
    return rejectUpload(
      deps,
      row,
      `The uploaded file has ${info.size} bytes, but ${row.declared_size} were announced; start again`,
    );
  }
  // The bytes are checked and then copied to a key no upload link can write to: the presigned PUT
  // stays valid for a while, and whatever it writes later must never become this upload's content.
  let bytes: Buffer;
  try {
    bytes = await deps.storage.get(row.storage_key);
  } catch (error) {
    // A concurrent completion moved the bytes already.
    if (error instanceof ObjectNotFoundError) return settledElsewhere(deps, row);
    throw error;
  }
  if (bytes.length !== row.declared_size) {
    return rejectUpload(deps, row, `The uploaded file changed while it was checked; start again`);
  }
  const verdict = judge(row.kind, bytes);
  if (!verdict.ok) return rejectUpload(deps, row, verdict.reason);
  // A key per attempt: a concurrent completion that loses must not overwrite what the winner checked.
  const verifiedKey = `${row.storage_key}.${randomUUID()}`;
  await deps.storage.put(verifiedKey, bytes, verdict.mime);
  const ready = await repo.markReady(deps.db, row.id, {
    mime: verdict.mime,
    size: bytes.length,
    width: verdict.width,
    height: verdict.height,
    storage_key: verifiedKey,
  });
  if (!ready) {
    await deps.storage.delete(verifiedKey);
    return settledElsewhere(deps, row);
  }
  await deps.storage.delete(row.storage_key);
  return toAsset(deps.storage, ready);
}
const UPLOAD_KEY = /^uploads\/([0-9a-f-]{36})\/([0-9a-f-]{36})$/;

/**
 * Whether a write through an upload link may land: only while its upload is pending. Once completed
 * (or refused, or deleted) the link is dead even though its signature has not expired yet.
 */
export async function acceptsUploadWrite(deps: Pick<UploadDeps, 'db'>, key: string): Promise<boolean> {
  const match = UPLOAD_KEY.exec(key);
  if (!match) return false;
  return repo.isPending(deps.db, match[1]!, match[2]!);
}

/** Marks the upload rejected, deletes its bytes and throws the reason. */
async function rejectUpload(deps: UploadDeps, row: UploadRow, reason: string): Promise<Asset> {
  const rejected = await repo.markRejected(deps.db, row.id, reason);
  // Only the call that rejected deletes: a concurrent completion may have made the upload ready.
  if (!rejected) return settledElsewhere(deps, row);
  await deps.storage.delete(row.storage_key);
  throw refusal(reason);
}

/** A concurrent completion got there first: answer with its outcome. */
async function settledElsewhere(deps: UploadDeps, row: UploadRow): Promise<Asset> {
  const current = await findOwn(deps.db, row.user_id, row.id);
  if (current.status === 'ready') return toAsset(deps.storage, current);
  throw refusal(current.rejection_reason ?? 'This upload was refused');
}

/** Is `head` (the start of a file, or all of it) an acceptable file of this kind? */
function judge(kind: UploadKind, head: Buffer): Verdict {
  const limits = limitsFor(kind);
  const sniffed = sniffFile(head.subarray(0, SNIFF_HEAD_BYTES));
  const mime = sniffed ? (SNIFF_ALIASES[kind]?.[sniffed.mime] ?? sniffed.mime) : null;
  if (mime === null || !limits.types.includes(mime)) {
    const seen = sniffed ? ` (it is ${sniffed.mime})` : '';
    return { ok: false, reason: `This file is not ${limits.description}${seen}` };
  }
  if (!limits.pixels) return { ok: true, mime, width: null, height: null };
  const problem = checkImageLimits(head, limits.pixels);
  const dims = readImageDimensions(head);
  if (problem !== null || dims === null) {
    return { ok: false, reason: dims ? (describeOversize(dims, limits.pixels) ?? problem!) : problem! };
  }
  return { ok: true, mime, width: dims.width, height: dims.height };
}

function describeOversize(
  dims: { width: number; height: number },
  limits: { maxPixels: number; maxDimension: number },
): string | null {
  const size = `The image is ${dims.width} x ${dims.height} pixels`;
  if (dims.width * dims.height > limits.maxPixels) {
    return `${size}; the limit is ${limits.maxPixels / 1_000_000} megapixels`;
  }
  if (dims.width > limits.maxDimension || dims.height > limits.maxDimension) {
    return `${size}; the limit is ${limits.maxDimension} pixels per side`;
  }
  return null;
}

function headBytesFor(kind: UploadKind): number {
  return limitsFor(kind).pixels ? HEADER_BYTES : SNIFF_HEAD_BYTES;
}

async function findOwn(db: DbOrTx, userId: string, uploadId: string): Promise<UploadRow> {
  // Not a uuid: it cannot name an upload, and PostgreSQL would refuse the comparison.
  const row = UUID.test(uploadId) ? await repo.findOwnUpload(db, userId, uploadId) : undefined;
  if (!row) throw AppError.notFound('Upload');
  return row;
}

async function toAsset(storage: ObjectStore, row: UploadRow): Promise<Asset> {
  return {
    id: row.id,
    kind: row.kind,
    mime: row.mime ?? row.declared_type,
    size: row.size ?? row.declared_size,
    width: row.width,
    height: row.height,
    filename: row.filename,
    createdAt: row.created_at,
    url: await storage.signedGetUrl(row.storage_key, { expiresInSeconds: DISPLAY_URL_TTL_SECONDS }),
  };
}

function limitsFor(kind: UploadKind): KindLimits {
  const limits = (UPLOAD_LIMITS as Partial<Record<string, KindLimits>>)[kind];
  if (!limits) {
    throw AppError.invalidInput(`Unknown upload kind ${kind}`, {
      kind: ['must be image, audio, video or archive'],
    });
  }
  return limits;
}

function assertSize(limits: KindLimits, size: number): void {
  if (!Number.isSafeInteger(size) || size <= 0) {
    throw AppError.invalidInput('The file is empty', { size: ['must be at least 1 byte'] });
  }
  if (size > limits.maxBytes) {
    const message = `${limits.label} can be at most ${formatBytes(limits.maxBytes)}`;
    throw AppError.invalidInput(message, { size: [message] });
  }
}

/** A user keeps at most `uploadQuotaBytes` of uploads; the refusal says how much is used and what to do. */
async function assertQuota(deps: UploadDeps, userId: string, adding: number): Promise<void> {
  const quota = deps.config.uploadQuotaBytes;
  const used = await repo.sumUploadBytes(deps.db, userId);
  if (used + adding <= quota) return;
  const message = `Your uploads take ${formatBytes(used)} of your ${formatBytes(quota)}; delete some before uploading more`;
  throw new AppError('INVALID_INPUT', message, {
    fieldErrors: { size: [message] },
    quotaBytes: quota,
    usedBytes: used,
  });
}

function refusal(reason: string): AppError {
  return AppError.invalidInput(reason, { file: [reason] });
}

function canonicalType(contentType: string): string {
  const essence = contentTypeEssence(contentType);
  return TYPE_ALIASES[essence] ?? essence;
}

/** A display name only: no directories, no control characters, at most 255 characters. */
function cleanFilename(name: string | null | undefined): string | null {
  if (!name) return null;
  const base = name.split(/[\\/]/).pop() ?? '';
  const clean = base.replace(CONTROL_CHARS, '').trim().slice(0, 255);
  return clean === '' ? null : clean;
}

function lastPathSegment(url: string): string | null {
  try {
    return decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '') || null;
  } catch {
    return null;
  }
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return isIP(host) === 6 && (host === '::1' || host === '0:0:0:0:0:0:0:1');
}
