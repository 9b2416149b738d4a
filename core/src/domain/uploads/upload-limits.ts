/**
 * What each kind of upload may be, as data: the service checks declared and sniffed types, sizes and
 * image dimensions against this table and words its refusals from it.
 */

export type UploadKind = 'image' | 'audio' | 'video' | 'archive';

export const UPLOAD_KINDS = ['image', 'audio', 'video', 'archive'] as const satisfies readonly UploadKind[];

export interface KindLimits {
  /** Media types accepted, as `sniffFile` reports them. */
  types: readonly string[];
  maxBytes: number;
  /** "Images", "Audio files"...: the subject of size messages. */
  label: string;
  /** Completes "Images must be ...". */
  formats: string;
  /** Completes "This file is not ...". */
  description: string;
  /** Only images: judged from the header before anything decodes them. */
  pixels?: { maxPixels: number; maxDimension: number };
}

const MB = 1024 * 1024;

export const UPLOAD_LIMITS: Record<UploadKind, KindLimits> = {
  image: {
    types: ['image/png', 'image/jpeg', 'image/webp', 'image/gif'],
    maxBytes: 20 * MB,
    label: 'Images',
    formats: 'PNG, JPEG, WebP or GIF',
    description: 'a PNG, JPEG, WebP or GIF image',
    pixels: { maxPixels: 40_000_000, maxDimension: 8192 },
  },
  audio: {
    types: ['audio/wav', 'audio/mpeg', 'audio/mp4', 'audio/ogg', 'audio/flac'],
    maxBytes: 50 * MB,
    label: 'Audio files',
    formats: 'WAV, MP3, M4A, Ogg or FLAC',
    description: 'a WAV, MP3, M4A, Ogg or FLAC audio file',
  },
  video: {
    types: ['video/mp4', 'video/webm', 'video/quicktime', 'image/gif'],
    maxBytes: 200 * MB,
    label: 'Videos',
    formats: 'MP4, WebM, QuickTime or GIF',
    description: 'an MP4, WebM, QuickTime or GIF video',
  },
  archive: {
    // LoRA training sets.
    types: ['application/zip'],
    maxBytes: 200 * MB,
    label: 'Archives',
    formats: 'ZIP',
    description: 'a ZIP archive',
  },
};

/** Common spellings clients send for the types above (declared types only; sniffing is canonical). */
export const TYPE_ALIASES: Readonly<Record<string, string>> = {
  'image/jpg': 'image/jpeg',
  'image/pjpeg': 'image/jpeg',
  'audio/x-wav': 'audio/wav',
  'audio/wave': 'audio/wav',
  'audio/vnd.wave': 'audio/wav',
  'audio/mp3': 'audio/mpeg',
  'audio/x-m4a': 'audio/mp4',
  'audio/m4a': 'audio/mp4',
  'audio/x-flac': 'audio/flac',
  'application/x-zip-compressed': 'application/zip',
};

/**
 * Sniffed types a kind also accepts under another name: an ISO-BMFF file holding only audio often
 * carries a video brand (isom, mp42), so its bytes cannot tell an M4A from an MP4.
 */
export const SNIFF_ALIASES: Partial<Record<UploadKind, Readonly<Record<string, string>>>> = {
  audio: { 'video/mp4': 'audio/mp4' },
};

/** How long a presigned upload URL stays usable. */
export const UPLOAD_URL_TTL_SECONDS = 15 * 60;

/** How long a signed display/download URL of an asset stays usable. */
export const DISPLAY_URL_TTL_SECONDS = 60 * 60;

/** Attachment downloads (uploads.fromUrl) give up after this long. */
export const FETCH_TIMEOUT_MS = 20_000;

/** Enough of a file to read image dimensions even behind large EXIF/ICC segments. */
export const HEADER_BYTES = 512 * 1024;

/** "20 MB" for messages. */
export function formatBytes(bytes: number): string {
  return bytes % MB === 0 ? `${bytes / MB} MB` : `${(bytes / MB).toFixed(1)} MB`;
}
