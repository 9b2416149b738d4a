import { crc32, deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { checkImageLimits, readImageDimensions, sniffFile } from './file-sniff';

const LIMITS = { maxPixels: 40_000_000, maxDimension: 10_000 };

const ascii = (text: string): Buffer => Buffer.from(text, 'latin1');
const u16be = (n: number): Buffer => Buffer.from([n >> 8, n & 0xff]);
const u32be = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const u32le = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};
const u24le = (n: number): Buffer => Buffer.from([n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff]);

function realPng(width: number, height: number): Buffer {
  const png = new PNG({ width, height });
  png.data.fill(0x80);
  return PNG.sync.write(png);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const typeAndData = Buffer.concat([ascii(type), data]);
  return Buffer.concat([u32be(data.length), typeAndData, u32be(crc32(typeAndData))]);
}

/** A ~70-byte PNG whose header declares width x height (RGB, 8 bit) with a tiny IDAT. */
function bombPng(width: number, height: number): Buffer {
  const ihdr = Buffer.concat([u32be(width), u32be(height), Buffer.from([8, 2, 0, 0, 0])]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(Buffer.alloc(16))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

function jpegSegment(marker: number, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0xff, marker]), u16be(payload.length + 2), payload]);
}

/** SOI, JFIF APP0, an APP1 whose payload contains a fake SOF marker, DQT, fill bytes, SOFn, EOI. */
function minimalJpeg(width: number, height: number, sofMarker = 0xc0): Buffer {
  const decoySof = Buffer.from([0xff, 0xc0, 0x00, 0x11, 0x08, 0x00, 0x01, 0x00, 0x01]); // must be skipped
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    jpegSegment(0xe0, Buffer.concat([ascii('JFIF\0'), Buffer.from([1, 1, 0, 0, 1, 0, 1, 0, 0])])),
    jpegSegment(0xe1, Buffer.concat([ascii('Exif\0\0'), decoySof, Buffer.alloc(20, 0xff)])),
    jpegSegment(0xdb, Buffer.concat([Buffer.from([0]), Buffer.alloc(64, 1)])),
    Buffer.from([0xff, 0xff]), // fill bytes before the next marker
    jpegSegment(
      sofMarker,
      Buffer.concat([
        Buffer.from([8]),
        u16be(height),
        u16be(width),
        Buffer.from([3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]),
      ]),
    ),
    Buffer.from([0xff, 0xd9]),
  ]);
}

function gif(width: number, height: number): Buffer {
  const header = Buffer.concat([ascii('GIF89a'), Buffer.alloc(4), Buffer.from([0x80, 0, 0])]);
  header.writeUInt16LE(width, 6);
  header.writeUInt16LE(height, 8);
  return Buffer.concat([header, Buffer.alloc(6), ascii(';')]);
}

function riff(form: string, chunks: Buffer): Buffer {
  return Buffer.concat([ascii('RIFF'), u32le(4 + chunks.length), ascii(form), chunks]);
}

function webpVp8x(width: number, height: number): Buffer {
  const payload = Buffer.concat([Buffer.from([0x10, 0, 0, 0]), u24le(width - 1), u24le(height - 1)]);
  return riff('WEBP', Buffer.concat([ascii('VP8X'), u32le(payload.length), payload]));
}

function webpVp8l(width: number, height: number): Buffer {
  const bits = ((width - 1) & 0x3fff) | (((height - 1) & 0x3fff) << 14);
  const payload = Buffer.concat([Buffer.from([0x2f]), u32le(bits >>> 0), Buffer.alloc(8)]);
  return riff('WEBP', Buffer.concat([ascii('VP8L'), u32le(payload.length), payload]));
}

function webpVp8(width: number, height: number): Buffer {
  const dims = Buffer.alloc(4);
  dims.writeUInt16LE(width, 0);
  dims.writeUInt16LE(height, 2);
  const payload = Buffer.concat([Buffer.from([0x50, 0x02, 0x00, 0x9d, 0x01, 0x2a]), dims, Buffer.alloc(8)]);
  return riff('WEBP', Buffer.concat([ascii('VP8 '), u32le(payload.length), payload]));
}

function wav(): Buffer {
  const fmt = Buffer.alloc(16);
  fmt.writeUInt16LE(1, 0); // PCM
  fmt.writeUInt16LE(1, 2); // mono
  fmt.writeUInt32LE(8000, 4);
  fmt.writeUInt32LE(16000, 8);
  fmt.writeUInt16LE(2, 12);
  fmt.writeUInt16LE(16, 14);
  return riff(
    'WAVE',
    Buffer.concat([ascii('fmt '), u32le(16), fmt, ascii('data'), u32le(4), Buffer.alloc(4)]),
  );
}

function ftyp(major: string, compatible: string[]): Buffer {
  const body = Buffer.concat([ascii(major), u32be(0x200), ...compatible.map(ascii)]);
  return Buffer.concat([u32be(8 + body.length), ascii('ftyp'), body, u32be(8), ascii('mdat')]);
}

function zipLocalHeader(): Buffer {
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(20, 4);
  header.writeUInt16LE(5, 26); // file name length
  return Buffer.concat([header, ascii('a.txt')]);
}

function webmHeader(docType: string): Buffer {
  const docTypeElement = Buffer.concat([Buffer.from([0x42, 0x82, 0x80 | docType.length]), ascii(docType)]);
  const body = Buffer.concat([Buffer.from([0x42, 0x86, 0x81, 0x01]), docTypeElement]);
  return Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x80 | body.length]), body, Buffer.alloc(16)]);
}

/** Deterministic pseudo-random bytes (so the "random" case can never flake into a real magic number). */
function pseudoRandom(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

describe('sniffFile', () => {
  const cases: Array<[string, Buffer, string, string]> = [
    ['PNG (pngjs)', realPng(3, 2), 'image/png', 'image'],
    ['JPEG', minimalJpeg(640, 480), 'image/jpeg', 'image'],
    ['GIF', gif(10, 20), 'image/gif', 'image'],
    ['WebP VP8X', webpVp8x(800, 600), 'image/webp', 'image'],
    ['MP4 isom', ftyp('isom', ['isom', 'iso2', 'mp41']), 'video/mp4', 'video'],
    ['MP4 mp42', ftyp('mp42', ['mp42', 'isom']), 'video/mp4', 'video'],
    ['MOV', ftyp('qt  ', ['qt  ']), 'video/quicktime', 'video'],
    ['M4A', ftyp('M4A ', ['M4A ', 'mp42', 'isom']), 'audio/mp4', 'audio'],
    ['MP4 with unknown major brand', ftyp('xxxx', ['zzzz', 'mp41']), 'video/mp4', 'video'],
    ['AVIF is an image, not a video', ftyp('avif', ['avif', 'mif1', 'miaf']), 'image/avif', 'image'],
    ['WebM', webmHeader('webm'), 'video/webm', 'video'],
    ['Matroska', webmHeader('matroska'), 'video/x-matroska', 'video'],
    [
      'MP3 with ID3',
      Buffer.concat([ascii('ID3'), Buffer.from([4, 0, 0, 0, 0, 0, 0])]),
      'audio/mpeg',
      'audio',
    ],
    ['MP3 frame 0xFFFB', Buffer.from([0xff, 0xfb, 0x90, 0x64, 0, 0]), 'audio/mpeg', 'audio'],
    ['MP3 frame 0xFFF3', Buffer.from([0xff, 0xf3, 0x90, 0x64, 0, 0]), 'audio/mpeg', 'audio'],
    ['MP3 frame 0xFFF2', Buffer.from([0xff, 0xf2, 0x90, 0x64, 0, 0]), 'audio/mpeg', 'audio'],
    ['WAV', wav(), 'audio/wav', 'audio'],
    ['OGG', Buffer.concat([ascii('OggS'), Buffer.alloc(24), ascii('\x01vorbis')]), 'audio/ogg', 'audio'],
    ['FLAC', Buffer.concat([ascii('fLaC'), Buffer.alloc(38)]), 'audio/flac', 'audio'],
    ['ZIP', zipLocalHeader(), 'application/zip', 'archive'],
    ['glTF binary', Buffer.concat([ascii('glTF'), u32le(2), u32le(12)]), 'model/gltf-binary', 'model3d'],
  ];

  it.each(cases)('%s', (_label, bytes, mime, kind) => {
    expect(sniffFile(bytes)).toEqual({ mime, kind });
  });

  it('returns null for random bytes, empty and unknown input', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const bytes = pseudoRandom(256, seed);
      expect(sniffFile(bytes), `seed ${seed}: ${bytes.subarray(0, 8).toString('hex')}`).toBeNull();
    }
    expect(sniffFile(Buffer.alloc(0))).toBeNull();
    expect(sniffFile(ascii('<!doctype html><html>'))).toBeNull();
    expect(sniffFile(riff('AVI ', Buffer.alloc(16)))).toBeNull();
    expect(sniffFile(Buffer.from([0xff, 0xfb, 0xf0, 0]))).toBeNull(); // invalid bitrate index
    expect(sniffFile(Buffer.from([0xff, 0xf1, 0x50, 0x80]))).toBeNull(); // AAC ADTS, not MP3
  });

  it('never throws on truncated input', () => {
    for (const [, bytes] of cases) {
      for (let n = 0; n <= bytes.length; n++) expect(() => sniffFile(bytes.subarray(0, n))).not.toThrow();
    }
  });
});

describe('readImageDimensions', () => {
  it.each([
    ['PNG (pngjs)', realPng(37, 11), 37, 11],
    ['JPEG baseline, skipping APP segments that contain 0xFF bytes', minimalJpeg(640, 480), 640, 480],
    ['JPEG progressive (SOF2)', minimalJpeg(1920, 1080, 0xc2), 1920, 1080],
    ['GIF', gif(300, 200), 300, 200],
    ['WebP VP8X', webpVp8x(4000, 3000), 4000, 3000],
    ['WebP VP8X 24-bit canvas', webpVp8x(16_777_216, 1), 16_777_216, 1],
    ['WebP VP8L', webpVp8l(123, 456), 123, 456],
    ['WebP VP8', webpVp8(320, 240), 320, 240],
  ])('%s', (_label, bytes, width, height) => {
    expect(readImageDimensions(bytes)).toEqual({ width, height });
  });

  it('does not confuse DHT (0xFFC4) with a frame header', () => {
    const dht = jpegSegment(0xc4, Buffer.alloc(20, 0));
    const jpeg = minimalJpeg(50, 60);
    const withDht = Buffer.concat([jpeg.subarray(0, 2), dht, jpeg.subarray(2)]);
    expect(readImageDimensions(withDht)).toEqual({ width: 50, height: 60 });
  });

  it('returns null for non-images, a JPEG without a frame header, and any truncation', () => {
    expect(readImageDimensions(wav())).toBeNull();
    expect(readImageDimensions(pseudoRandom(100, 7))).toBeNull();
    expect(readImageDimensions(Buffer.from([0xff, 0xd8, 0xff, 0xda, 0, 2, 0xff, 0xd9]))).toBeNull();
    for (const bytes of [
      realPng(5, 5),
      minimalJpeg(5, 5),
      gif(5, 5),
      webpVp8x(5, 5),
      webpVp8l(5, 5),
      webpVp8(5, 5),
    ]) {
      const full = readImageDimensions(bytes);
      for (let n = 0; n < bytes.length; n++) {
        const partial = readImageDimensions(bytes.subarray(0, n));
        if (partial !== null) expect(partial).toEqual(full);
      }
    }
  });
});

describe('checkImageLimits', () => {
  it('accepts images within the limits', () => {
    expect(checkImageLimits(realPng(64, 64), LIMITS)).toBeNull();
    expect(checkImageLimits(minimalJpeg(4000, 3000), LIMITS)).toBeNull();
    expect(checkImageLimits(webpVp8x(10_000, 4000), LIMITS)).toBeNull();
  });

  it('refuses a tiny PNG declaring 50000x50000 by its header alone', () => {
    const bomb = bombPng(50_000, 50_000);
    expect(bomb.length).toBeLessThan(100);
    expect(sniffFile(bomb)).toEqual({ mime: 'image/png', kind: 'image' });
    expect(readImageDimensions(bomb)).toEqual({ width: 50_000, height: 50_000 });
    const problem = checkImageLimits(bomb, LIMITS);
    expect(problem).toContain('50000x50000');
    expect(problem).toContain('10000');
  });

  it('refuses too many pixels even when each side is allowed', () => {
    const problem = checkImageLimits(gif(9000, 9000), LIMITS);
    expect(problem).toBe(
      'The image is 9000x9000 pixels (81000000 in total); at most 40000000 pixels are allowed.',
    );
  });

  it('refuses a side longer than maxDimension even when the pixel count is small', () => {
    expect(checkImageLimits(webpVp8x(20_000, 1), LIMITS)).toContain('20000x1');
  });

  it('refuses empty dimensions', () => {
    expect(checkImageLimits(bombPng(0, 10), LIMITS)).toContain('0x10');
  });

  it('fails closed when the dimensions cannot be read', () => {
    expect(checkImageLimits(realPng(4, 4).subarray(0, 20), LIMITS)).toMatch(/Could not read the dimensions/);
    expect(checkImageLimits(ftyp('avif', ['avif']), LIMITS)).toMatch(/image\/avif/);
    expect(checkImageLimits(wav(), LIMITS)).toMatch(/not a PNG, JPEG, GIF or WebP/);
  });
});
