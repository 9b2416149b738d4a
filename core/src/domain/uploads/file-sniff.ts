/**
 * File type detection by magic bytes and header-only image dimension parsing.
 *
 * Nothing here decodes pixel data or trusts a declared Content-Type / file extension. The dimension
 * readers look only at fixed header fields so that an image can be judged (see checkImageLimits)
 * before any decoder allocates memory for it: a 100-byte PNG may declare 50000x50000 pixels, which
 * decodes to ~10 GB.
 */

export type FileKind = 'image' | 'video' | 'audio' | 'archive' | 'model3d';

export interface SniffResult {
  mime: string;
  kind: FileKind;
}

export interface ImageDimensions {
  width: number;
  height: number;
}

export interface ImageLimits {
  /** Largest width x height accepted. */
  maxPixels: number;
  /** Largest width or height accepted. */
  maxDimension: number;
}

/** How many leading bytes sniffFile needs at most; pass at least this much of the file when you can. */
export const SNIFF_HEAD_BYTES = 64;

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Identifies a file from its first bytes; null when it is none of the supported formats. */
export function sniffFile(head: Buffer): SniffResult | null {
  if (startsWith(head, PNG_SIGNATURE)) return { mime: 'image/png', kind: 'image' };
  if (startsWith(head, [0xff, 0xd8, 0xff])) return { mime: 'image/jpeg', kind: 'image' };
  if (ascii(head, 0, 6) === 'GIF87a' || ascii(head, 0, 6) === 'GIF89a')
    return { mime: 'image/gif', kind: 'image' };
  if (ascii(head, 0, 4) === 'RIFF') {
    const form = ascii(head, 8, 4);
    if (form === 'WEBP') return { mime: 'image/webp', kind: 'image' };
    if (form === 'WAVE') return { mime: 'audio/wav', kind: 'audio' };
    return null;
  }
  if (ascii(head, 4, 4) === 'ftyp') return sniffIsoBmff(head);
  if (startsWith(head, [0x1a, 0x45, 0xdf, 0xa3])) {
    return matroskaDocType(head) === 'webm'
      ? { mime: 'video/webm', kind: 'video' }
      : { mime: 'video/x-matroska', kind: 'video' };
  }
  if (ascii(head, 0, 4) === 'OggS') {
    // The first page carries the codec identification header.
    return head.subarray(0, SNIFF_HEAD_BYTES).includes('theora')
      ? { mime: 'video/ogg', kind: 'video' }
      : { mime: 'audio/ogg', kind: 'audio' };
  }
  if (ascii(head, 0, 4) === 'fLaC') return { mime: 'audio/flac', kind: 'audio' };
  if (ascii(head, 0, 3) === 'ID3' || isMp3FrameHeader(head)) return { mime: 'audio/mpeg', kind: 'audio' };
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, [0x50, 0x4b, 0x05, 0x06])) {
    return { mime: 'application/zip', kind: 'archive' };
  }
  if (ascii(head, 0, 4) === 'glTF') return { mime: 'model/gltf-binary', kind: 'model3d' };
  return null;
}

const ISO_VIDEO_BRANDS = new Set([
  'isom',
  'iso2',
  'iso3',
  'iso4',
  'iso5',
  'iso6',
  'mp41',
  'mp42',
  'avc1',
  'M4V ',
  'M4VH',
  'M4VP',
  'dash',
  'mmp4',
  'f4v ',
  '3gp4',
  '3gp5',
  '3gp6',
  '3g2a',
]);
const ISO_AUDIO_BRANDS = new Set(['M4A ', 'M4B ', 'M4P ', 'F4A ', 'F4B ']);
const ISO_AVIF_BRANDS = new Set(['avif', 'avis']);
const ISO_HEIF_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'mif1', 'msf1']);

function sniffIsoBmff(head: Buffer): SniffResult | null {
  const major = ascii(head, 8, 4);
  const fromBrand = (brand: string): SniffResult | null => {
    if (brand === 'qt  ') return { mime: 'video/quicktime', kind: 'video' };
    if (ISO_AUDIO_BRANDS.has(brand)) return { mime: 'audio/mp4', kind: 'audio' };
    // HEIF/AVIF share the ftyp box with MP4 but are still images.
    if (ISO_AVIF_BRANDS.has(brand)) return { mime: 'image/avif', kind: 'image' };
    if (ISO_HEIF_BRANDS.has(brand))
      return { mime: brand.startsWith('hei') ? 'image/heic' : 'image/heif', kind: 'image' };
    if (ISO_VIDEO_BRANDS.has(brand)) return { mime: 'video/mp4', kind: 'video' };
    return null;
  };
  const byMajor = fromBrand(major);
  if (byMajor) return byMajor;
  // Unknown major brand: fall back to the compatible brands listed in the same box.
  const boxSize = head.length >= 4 ? head.readUInt32BE(0) : 0;
  const end = Math.min(boxSize, head.length);
  for (let offset = 16; offset + 4 <= end; offset += 4) {
    const byCompatible = fromBrand(ascii(head, offset, 4));
    if (byCompatible) return byCompatible;
  }
  return null;
}

/** Reads the EBML DocType ("webm" or "matroska") from the EBML header, if present in `head`. */
function matroskaDocType(head: Buffer): string | null {
  const limit = Math.min(head.length, SNIFF_HEAD_BYTES) - 2;
  for (let i = 4; i < limit; i++) {
    if (head[i] !== 0x42 || head[i + 1] !== 0x82) continue;
    const sizeByte = head[i + 2] ?? 0;
    if ((sizeByte & 0x80) === 0) return null; // only one-byte sizes occur in practice
    const size = sizeByte & 0x7f;
    return ascii(head, i + 3, size).replace(/\0+$/, '');
  }
  return null;
}

/**
 * An MPEG audio Layer III frame header without ID3 tag: sync 0xFFE/0xFFF + layer III
 * (0xFFFB, 0xFFFA, 0xFFF3, 0xFFF2, 0xFFE3, 0xFFE2) and a valid bitrate/sample-rate byte.
 */
function isMp3FrameHeader(head: Buffer): boolean {
  if (head.length < 3 || head[0] !== 0xff) return false;
  const b1 = head[1] ?? 0;
  if (![0xfb, 0xfa, 0xf3, 0xf2, 0xe3, 0xe2].includes(b1)) return false;
  const b2 = head[2] ?? 0;
  const bitrateIndex = b2 >> 4;
  const sampleRateIndex = (b2 >> 2) & 0x3;
  return bitrateIndex !== 0x0 && bitrateIndex !== 0xf && sampleRateIndex !== 0x3;
}

/**
 * Width and height declared by a PNG, GIF, JPEG or WebP header, without decoding any pixels.
 * Returns null for other formats and for truncated or malformed headers (never throws).
 */
export function readImageDimensions(bytes: Buffer): ImageDimensions | null {
  if (startsWith(bytes, PNG_SIGNATURE)) return pngDimensions(bytes);
  if (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a') {
    if (bytes.length < 10) return null;
    return { width: bytes.readUInt16LE(6), height: bytes.readUInt16LE(8) };
  }
  if (startsWith(bytes, [0xff, 0xd8])) return jpegDimensions(bytes);
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP') return webpDimensions(bytes);
  return null;
}

function pngDimensions(bytes: Buffer): ImageDimensions | null {
  // Signature (8) | IHDR length (4) | "IHDR" (4) | width (4) | height (4)
  if (bytes.length < 24 || ascii(bytes, 12, 4) !== 'IHDR') return null;
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

function jpegDimensions(bytes: Buffer): ImageDimensions | null {
  let i = 2; // after SOI
  while (i < bytes.length) {
    if (bytes[i] !== 0xff) return null; // every segment must start at a marker
    // Any number of 0xFF fill bytes may precede the marker code.
    while (bytes[i] === 0xff) i++;
    const marker = bytes[i];
    if (marker === undefined) return null;
    i++;
    // Standalone markers carry no length: TEM, RST0-7, SOI.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) continue;
    // End of image, or start of scan before any frame header: no dimensions to find.
    if (marker === 0xd9 || marker === 0xda) return null;
    if (i + 2 > bytes.length) return null;
    const length = bytes.readUInt16BE(i);
    if (length < 2) return null;
    // SOF0-SOF15 except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      // length (2) | precision (1) | height (2) | width (2)
      if (length < 7 || i + 7 > bytes.length) return null;
      return { width: bytes.readUInt16BE(i + 5), height: bytes.readUInt16BE(i + 3) };
    }
    i += length; // skip the whole segment, including any 0xFF bytes inside it (e.g. EXIF thumbnails)
  }
  return null;
}

function webpDimensions(bytes: Buffer): ImageDimensions | null {
  const chunk = ascii(bytes, 12, 4);
  if (chunk === 'VP8 ') {
    // Chunk header (8) | frame tag (3) | start code 9D 01 2A | width (14 bits) | height (14 bits)
    if (bytes.length < 30 || bytes[23] !== 0x9d || bytes[24] !== 0x01 || bytes[25] !== 0x2a) return null;
    return { width: bytes.readUInt16LE(26) & 0x3fff, height: bytes.readUInt16LE(28) & 0x3fff };
  }
  if (chunk === 'VP8L') {
    // Chunk header (8) | signature 0x2F | 14 bits width-1 | 14 bits height-1 | ...
    if (bytes.length < 25 || bytes[20] !== 0x2f) return null;
    const bits = bytes.readUInt32LE(21);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X') {
    // Chunk header (8) | flags (1) | reserved (3) | canvas width-1 (24 bits) | canvas height-1 (24 bits)
    if (bytes.length < 30) return null;
    return { width: bytes.readUIntLE(24, 3) + 1, height: bytes.readUIntLE(27, 3) + 1 };
  }
  return null;
}

/**
 * Decompression-bomb defence: judges an image by the dimensions its header declares, before anything
 * decodes it. Returns a sentence explaining the problem, or null when the image is within limits.
 *
 * Fails closed: bytes whose dimensions cannot be read from the header (unsupported or malformed image,
 * or not an image at all) are reported as a problem rather than passed through to a decoder.
 */
export function checkImageLimits(bytes: Buffer, limits: ImageLimits): string | null {
  const dims = readImageDimensions(bytes);
  if (dims === null) {
    const sniffed = sniffFile(bytes);
    return sniffed?.kind === 'image'
      ? `Could not read the dimensions of this ${sniffed.mime} image from its header, so it was not accepted.`
      : 'This file is not a PNG, JPEG, GIF or WebP image whose dimensions can be checked.';
  }
  const { width, height } = dims;
  if (width === 0 || height === 0) return `The image declares an empty size of ${width}x${height} pixels.`;
  if (width > limits.maxDimension || height > limits.maxDimension) {
    return `The image is ${width}x${height} pixels; neither side may exceed ${limits.maxDimension} pixels.`;
  }
  const pixels = width * height;
  if (pixels > limits.maxPixels) {
    return `The image is ${width}x${height} pixels (${pixels} in total); at most ${limits.maxPixels} pixels are allowed.`;
  }
  return null;
}

function startsWith(bytes: Buffer, prefix: ArrayLike<number>): boolean {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) {
    if (bytes[i] !== prefix[i]) return false;
  }
  return true;
}

/** Latin-1 text of bytes[offset, offset+length), or '' when the buffer is too short. */
function ascii(bytes: Buffer, offset: number, length: number): string {
  if (offset + length > bytes.length) return '';
  return bytes.toString('latin1', offset, offset + length);
}
