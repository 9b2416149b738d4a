/**
 * Object storage behind one interface. Two implementations:
 * - `local-store.ts`: files on disk, URLs served by core itself (HMAC-signed `/files/<key>` links).
 * - `s3-store.ts`: any S3-compatible service (AWS S3, MinIO, s3rver in tests).
 *
 * Keys look like `uploads/<userId>/<uuid>` or `outputs/<generationId>/0.png`.
 */

export interface StoredObjectInfo {
  key: string;
  size: number;
  contentType: string;
}

export interface PresignedUpload {
  url: string;
  method: 'PUT';
  /** Headers the client MUST send with the PUT (at least Content-Type, which is part of the signature). */
  headers: Record<string, string>;
  expiresAt: Date;
}

export interface ObjectStore {
  readonly kind: 'local' | 's3';
  put(key: string, body: Buffer | Uint8Array, contentType: string): Promise<StoredObjectInfo>;
  /** Throws ObjectNotFoundError when the key does not exist. */
  get(key: string): Promise<Buffer>;
  head(key: string): Promise<StoredObjectInfo | null>;
  /** First `bytes` bytes (fewer if the object is smaller), for magic-byte checks. Throws ObjectNotFoundError. */
  readRange(key: string, bytes: number): Promise<Buffer>;
  /** Idempotent: deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** Deletes every object whose key starts with `prefix` (plain string prefix, like S3). Returns the count. */
  deletePrefix(prefix: string): Promise<number>;
  signedGetUrl(key: string, opts: { expiresInSeconds: number; downloadName?: string }): Promise<string>;
  presignUpload(
    key: string,
    opts: { contentType: string; maxBytes: number; expiresInSeconds: number },
  ): Promise<PresignedUpload>;
}

export class ObjectNotFoundError extends Error {
  readonly key: string;
  constructor(key: string) {
    super(`object not found: ${key}`);
    this.name = 'ObjectNotFoundError';
    this.key = key;
  }
}

export class InvalidObjectKeyError extends Error {
  readonly key: string;
  constructor(key: string, reason: string) {
    super(
      `invalid object key ${JSON.stringify(key.length > 200 ? `${key.slice(0, 200)}…` : key)}: ${reason}`,
    );
    this.name = 'InvalidObjectKeyError';
    this.key = key;
  }
}

export const MAX_KEY_LENGTH = 1024;
/** SigV4 presigned URLs cannot live longer than 7 days; the local store uses the same bound. */
export const MAX_URL_EXPIRY_SECONDS = 7 * 24 * 3600;

const KEY_CHARS = /^[A-Za-z0-9/._-]+$/;

function checkPath(value: string, what: 'key' | 'prefix'): void {
  if (typeof value !== 'string' || value.length === 0)
    throw new InvalidObjectKeyError(String(value), 'empty');
  if (value.length > MAX_KEY_LENGTH) throw new InvalidObjectKeyError(value, `longer than ${MAX_KEY_LENGTH}`);
  if (!KEY_CHARS.test(value)) throw new InvalidObjectKeyError(value, 'only [A-Za-z0-9/._-] allowed');
  if (value.startsWith('/')) throw new InvalidObjectKeyError(value, 'must not start with "/"');
  if (value.includes('..')) throw new InvalidObjectKeyError(value, 'must not contain ".."');
  if (value.includes('//')) throw new InvalidObjectKeyError(value, 'must not contain empty segments');
  const segments = value.split('/');
  // A prefix may end with "/" (`uploads/u1/`); a key may not.
  const checked = what === 'prefix' && value.endsWith('/') ? segments.slice(0, -1) : segments;
  for (const segment of checked) {
    if (segment === '') throw new InvalidObjectKeyError(value, 'must not end with "/"');
    if (segment === '.') throw new InvalidObjectKeyError(value, 'must not contain "." segments');
  }
}

/** Throws InvalidObjectKeyError unless `key` is a safe object key. */
export function assertValidKey(key: string): void {
  checkPath(key, 'key');
}

/** Like assertValidKey, but a trailing "/" is allowed. Empty prefixes are refused (that would delete everything). */
export function assertValidPrefix(prefix: string): void {
  checkPath(prefix, 'prefix');
}

export function isValidKey(key: string): boolean {
  try {
    assertValidKey(key);
    return true;
  } catch {
    return false;
  }
}

export function assertExpiry(expiresInSeconds: number): void {
  if (
    !Number.isInteger(expiresInSeconds) ||
    expiresInSeconds < 1 ||
    expiresInSeconds > MAX_URL_EXPIRY_SECONDS
  ) {
    throw new RangeError(`expiresInSeconds must be an integer in 1..${MAX_URL_EXPIRY_SECONDS}`);
  }
}

export function assertByteCount(n: number, name: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${name} must be a non-negative integer`);
}

/** Content types go into headers and signatures: keep them to a sane, header-safe shape. */
export function assertContentType(contentType: string): void {
  if (
    typeof contentType !== 'string' ||
    contentType.length === 0 ||
    contentType.length > 255 ||
    // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
    /[\u0000-\u001f\u007f-\uffff]/.test(contentType) ||
    !/^[^/\s;]+\/[^/\s;]+/.test(contentType)
  ) {
    throw new TypeError(`invalid content type: ${JSON.stringify(contentType)}`);
  }
}

/** `type/subtype` lower-cased, parameters dropped. */
export function contentTypeEssence(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}

/**
 * RFC 6266 Content-Disposition for a download name: ASCII fallback in `filename`, exact name in `filename*`.
 */
export function contentDisposition(downloadName: string): string {
  const fallback = downloadName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const encoded = encodeURIComponent(downloadName).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

export function toBuffer(body: Buffer | Uint8Array): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}
