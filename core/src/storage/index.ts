import { createLocalStore, type LocalObjectStore, type LocalStoreConfig } from './local-store';
import { createS3Store, type S3ObjectStore, type S3StoreConfig } from './s3-store';

export * from './local-store';
export * from './object-store';
export * from './s3-store';

/** S3 settings as they typically arrive from configuration: every field optional, empty means unset. */
export interface S3Settings {
  endpoint?: string | undefined;
  publicEndpoint?: string | undefined;
  /** Default `us-east-1` (fine for MinIO/s3rver). */
  region?: string | undefined;
  bucket?: string | undefined;
  accessKeyId?: string | undefined;
  secretAccessKey?: string | undefined;
  forcePathStyle?: boolean | undefined;
}

export interface ObjectStoreConfig {
  /** When any of endpoint/bucket/keys is set, S3 is used (and bucket + both keys become required). */
  s3?: S3Settings | undefined;
  local: LocalStoreConfig;
}

export type AnyObjectStore = LocalObjectStore | S3ObjectStore;

/**
 * S3 when `config.s3` carries an endpoint, bucket or keys; otherwise the local store. A half-filled S3 config
 * throws instead of silently falling back to local disk. For S3, call `ensureBucket()` at start-up.
 */
export function createObjectStore(config: ObjectStoreConfig): AnyObjectStore {
  const s3 = config.s3;
  const configured = s3 && [s3.endpoint, s3.bucket, s3.accessKeyId, s3.secretAccessKey].some((v) => !!v);
  if (!s3 || !configured) return createLocalStore(config.local);
  const missing = (['bucket', 'accessKeyId', 'secretAccessKey'] as const).filter((f) => !s3[f]);
  if (missing.length > 0) {
    throw new Error(`object storage: S3 is partly configured, missing ${missing.join(', ')}`);
  }
  const s3Config: S3StoreConfig = {
    endpoint: s3.endpoint || undefined,
    publicEndpoint: s3.publicEndpoint || undefined,
    region: s3.region || 'us-east-1',
    bucket: s3.bucket!,
    accessKeyId: s3.accessKeyId!,
    secretAccessKey: s3.secretAccessKey!,
    forcePathStyle: s3.forcePathStyle ?? true,
  };
  return createS3Store(s3Config);
}
