/**
 * S3-compatible object store (AWS S3, MinIO, s3rver in tests) on `@aws-sdk/client-s3` v3.
 *
 * Presigned uploads: a presigned PUT URL binds the key, the expiry, the Content-Type and the Content-Length
 * (signed headers). S3 checks a signed Content-Length for equality, so on S3 `maxBytes` is the exact size the
 * upload must have (callers sign the size the upload announced). The completing step still `head()`s the
 * object. (s3rver, used in tests, does not verify V4 signatures at all, so it cannot show this refusal.)
 */
import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  type CreateBucketCommandInput,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import {
  assertByteCount,
  assertContentType,
  assertExpiry,
  assertValidKey,
  assertValidPrefix,
  contentDisposition,
  ObjectNotFoundError,
  type ObjectStore,
  type PresignedUpload,
} from './object-store';

export interface S3StoreConfig {
  /** e.g. `http://minio:9000`; omit for AWS S3. */
  endpoint?: string | undefined;
  /**
   * Endpoint used in presigned URLs handed to clients, when it differs from `endpoint` (e.g. core talks to
   * `http://minio:9000` inside docker-compose, browsers reach `http://localhost:9000`). Defaults to `endpoint`.
   */
  publicEndpoint?: string | undefined;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Path-style addressing (`endpoint/bucket/key`); needed for MinIO/s3rver. Default true. */
  forcePathStyle?: boolean | undefined;
}

export interface S3ObjectStore extends ObjectStore {
  readonly kind: 's3';
  readonly bucket: string;
  /** Creates the bucket when it does not exist (start-up, docker-compose with MinIO). Safe to call repeatedly. */
  ensureBucket(): Promise<void>;
  /** Releases the HTTP connections of the underlying clients. */
  destroy(): void;
}

const DEFAULT_CONTENT_TYPE = 'application/octet-stream';
const DELETE_BATCH = 1000; // DeleteObjects limit

function httpStatus(err: unknown): number | undefined {
  if (err instanceof S3ServiceException) return err.$metadata.httpStatusCode;
  const meta = (err as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata;
  return meta?.httpStatusCode;
}

function errName(err: unknown): string | undefined {
  return err instanceof Error ? err.name : undefined;
}

function isNotFound(err: unknown): boolean {
  const name = errName(err);
  return name === 'NoSuchKey' || name === 'NotFound' || httpStatus(err) === 404;
}

function makeClient(config: S3StoreConfig, endpoint: string | undefined): S3Client {
  return new S3Client({
    region: config.region,
    ...(endpoint ? { endpoint } : {}),
    forcePathStyle: config.forcePathStyle ?? true,
    credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
    // Only send/verify flexible checksums when an operation requires them. The default (WHEN_SUPPORTED) adds
    // CRC32 headers/trailers that several S3-compatible servers reject, and bakes an empty-body checksum into
    // presigned PUT URLs, which then fail for any real upload.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export function createS3Store(config: S3StoreConfig): S3ObjectStore {
  for (const field of ['region', 'bucket', 'accessKeyId', 'secretAccessKey'] as const) {
    if (!config[field]) throw new Error(`s3 object store: ${field} is required`);
  }
  const bucket = config.bucket;
  const client = makeClient(config, config.endpoint);
  const publicEndpoint = config.publicEndpoint ?? config.endpoint;
  const signer = publicEndpoint === config.endpoint ? client : makeClient(config, publicEndpoint);

  async function headInternal(key: string) {
    try {
      const out = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return { key, size: out.ContentLength ?? 0, contentType: out.ContentType ?? DEFAULT_CONTENT_TYPE };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  const store: S3ObjectStore = {
    kind: 's3',
    bucket,

    async put(key, body, contentType) {
      assertValidKey(key);
      assertContentType(contentType);
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: contentType,
          ContentLength: body.byteLength,
        }),
      );
      return { key, size: body.byteLength, contentType };
    },

    async get(key) {
      assertValidKey(key);
      try {
        const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        if (!out.Body) return Buffer.alloc(0);
        return Buffer.from(await out.Body.transformToByteArray());
      } catch (err) {
        if (isNotFound(err)) throw new ObjectNotFoundError(key);
        throw err;
      }
    },

    async head(key) {
      assertValidKey(key);
      return headInternal(key);
    },

    async readRange(key, bytes) {
      assertValidKey(key);
      assertByteCount(bytes, 'bytes');
      if (bytes === 0) {
        // "bytes=0--1" is not a range; just check existence.
        if (!(await headInternal(key))) throw new ObjectNotFoundError(key);
        return Buffer.alloc(0);
      }
      try {
        const out = await client.send(
          new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=0-${bytes - 1}` }),
        );
        if (!out.Body) return Buffer.alloc(0);
        const buf = Buffer.from(await out.Body.transformToByteArray());
        // A server ignoring Range answers 200 with everything: trim.
        return buf.length > bytes ? buf.subarray(0, bytes) : buf;
      } catch (err) {
        if (isNotFound(err)) throw new ObjectNotFoundError(key);
        // 416 InvalidRange: the object is empty.
        if (errName(err) === 'InvalidRange' || httpStatus(err) === 416) {
          if (!(await headInternal(key))) throw new ObjectNotFoundError(key);
          return Buffer.alloc(0);
        }
        throw err;
      }
    },

    async delete(key) {
      assertValidKey(key);
      try {
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    },

    async deletePrefix(prefix) {
      assertValidPrefix(prefix);
      let deleted = 0;
      // Delete page by page. Deleting while listing is fine: each list call starts after the last key returned.
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: prefix,
            ContinuationToken: token,
            MaxKeys: DELETE_BATCH,
          }),
        );
        const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [o.Key] : []));
        if (keys.length > 0) {
          const out = await client.send(
            new DeleteObjectsCommand({
              Bucket: bucket,
              Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true },
            }),
          );
          const errors = out.Errors ?? [];
          if (errors.length > 0) {
            const first = errors[0];
            throw new Error(
              `s3 deletePrefix(${prefix}): ${errors.length} of ${keys.length} deletes failed` +
                (first ? ` (first: ${first.Key}: ${first.Code} ${first.Message})` : ''),
            );
          }
          deleted += keys.length;
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return deleted;
    },

    async signedGetUrl(key, opts) {
      assertValidKey(key);
      assertExpiry(opts.expiresInSeconds);
      const dn = opts.downloadName;
      if (dn !== undefined && (dn.length === 0 || dn.length > 255)) {
        throw new RangeError('downloadName must be 1..255 characters');
      }
      const command = new GetObjectCommand({
        Bucket: bucket,
        Key: key,
        ...(dn !== undefined ? { ResponseContentDisposition: contentDisposition(dn) } : {}),
      });
      return getSignedUrl(signer, command, { expiresIn: opts.expiresInSeconds });
    },

    async presignUpload(key, opts): Promise<PresignedUpload> {
      assertValidKey(key);
      assertContentType(opts.contentType);
      assertByteCount(opts.maxBytes, 'maxBytes');
      assertExpiry(opts.expiresInSeconds);
      const signedAt = Date.now();
      const command = new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        ContentType: opts.contentType,
        ContentLength: opts.maxBytes,
      });
      const url = await getSignedUrl(signer, command, {
        expiresIn: opts.expiresInSeconds,
        // Type and length are part of the signature: S3 refuses a PUT with another type or size, so
        // on S3 the body must be exactly `maxBytes` long (the size the upload announced).
        signableHeaders: new Set(['content-type', 'content-length']),
      });
      return {
        url,
        method: 'PUT',
        headers: { 'Content-Type': opts.contentType },
        expiresAt: new Date(signedAt + opts.expiresInSeconds * 1000),
      };
    },

    async ensureBucket() {
      try {
        await client.send(new HeadBucketCommand({ Bucket: bucket }));
        return;
      } catch (err) {
        if (!isNotFound(err) && errName(err) !== 'NoSuchBucket') throw err;
      }
      const input: CreateBucketCommandInput = { Bucket: bucket };
      // us-east-1 must not carry a location constraint; every other AWS region must.
      if (!config.endpoint && config.region !== 'us-east-1') {
        input.CreateBucketConfiguration = { LocationConstraint: config.region as BucketLocationConstraint };
      }
      try {
        await client.send(new CreateBucketCommand(input));
      } catch (err) {
        if (errName(err) === 'BucketAlreadyOwnedByYou') return; // raced with another instance starting up
        throw err;
      }
    },

    destroy() {
      client.destroy();
      if (signer !== client) signer.destroy();
    },
  };
  return store;
}
