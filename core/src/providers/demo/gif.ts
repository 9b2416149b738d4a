/**
 * Demo "video": an animated GIF89a of the demo artwork with an orb drifting behind the prompt
 * panel. GIF is the one animated format we can write dependency-free that every chat client plays.
 */
import { toFontText } from './bitmap-font';
import { MAX_IMAGE_SIDE, MIN_IMAGE_SIDE } from './image';
import { lzwEncode } from './lzw';
import { buildQuantizer } from './quantize';
import { type Canvas, cloneCanvas, createCanvas, fillDisc } from './raster';
import { DEMO_BANNER, drawOverlay, paintBackground, scenePalette } from './scene';
import { clampInt, type Rgb } from './seed';

export interface DemoVideoOptions {
  prompt: string;
  /** Requested size (clamped to 64..2048); the GIF is scaled down to fit within 320x320. */
  width: number;
  height: number;
  seed: number;
  /** Clamped to 1..24; defaults to 16. */
  frames?: number;
}

export const MAX_VIDEO_SIDE = 320;
export const MAX_VIDEO_FRAMES = 24;
const DEFAULT_VIDEO_FRAMES = 16;
/** Whole loop lasts about two seconds whatever the frame count (GIF delays are centiseconds). */
const LOOP_CENTISECONDS = 200;

export function renderDemoVideo({ prompt, width, height, seed, frames }: DemoVideoOptions): Buffer {
  const requestedW = clampInt(width, MIN_IMAGE_SIDE, MAX_IMAGE_SIDE, 512);
  const requestedH = clampInt(height, MIN_IMAGE_SIDE, MAX_IMAGE_SIDE, 512);
  const scale = Math.min(1, MAX_VIDEO_SIDE / requestedW, MAX_VIDEO_SIDE / requestedH);
  const w = Math.max(1, Math.round(requestedW * scale));
  const h = Math.max(1, Math.round(requestedH * scale));
  const frameCount = clampInt(frames ?? DEFAULT_VIDEO_FRAMES, 1, MAX_VIDEO_FRAMES, DEFAULT_VIDEO_FRAMES);

  const background = createCanvas(w, h);
  paintBackground(background, seed);
  const { accent } = scenePalette(seed);
  const rendered: Canvas[] = [];
  for (let f = 0; f < frameCount; f++) {
    const frame = cloneCanvas(background);
    drawOrb(frame, f / frameCount, accent);
    drawOverlay(frame, prompt, seed);
    rendered.push(frame);
  }

  const quantizer = buildQuantizer(rendered.map((frame) => frame.data));
  const indexed = rendered.map((frame) => quantizer.map(frame.data, w));
  const delay = Math.max(2, Math.round(LOOP_CENTISECONDS / frameCount));
  const comment = `${DEMO_BANNER}: ${toFontText(prompt)}`;
  return encodeGif(w, h, quantizer.palette, indexed, delay, comment);
}

/**
 * An orb on a Lissajous path; phase t in [0, 1) so the last frame flows back into the first.
 * A translucent halo under a solid core reads as a glow once quantised.
 */
function drawOrb(canvas: Canvas, t: number, accent: Rgb): void {
  const { width, height } = canvas;
  const radius = Math.max(2, Math.min(width, height) * 0.09);
  const angle = t * Math.PI * 2;
  const x = width / 2 + (width / 2 - radius * 1.5) * Math.sin(angle);
  const y = height / 2 + (height / 2 - radius * 1.5) * Math.sin(angle * 2) * 0.8;
  const light: Rgb = [(accent[0] + 255) / 2, (accent[1] + 255) / 2, (accent[2] + 255) / 2];
  fillDisc(canvas, x, y, radius * 1.6, accent, 0.35);
  fillDisc(canvas, x, y, radius, light);
}

/** Bounding box of pixels that differ between two equally sized indexed frames, or null. */
function changedRect(
  previous: Uint8Array,
  current: Uint8Array,
  width: number,
): { x: number; y: number; w: number; h: number } | null {
  let minX = width;
  let minY = Number.POSITIVE_INFINITY;
  let maxX = -1;
  let maxY = -1;
  for (let i = 0; i < current.length; i++) {
    if (previous[i] === current[i]) continue;
    const x = i % width;
    const y = (i - x) / width;
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    maxY = y;
  }
  return maxX < 0 ? null : { x: minX, y: minY, w: maxX - minX + 1, h: maxY - minY + 1 };
}

/** Growable byte sink; GIFs here are small, so a chunk list beats precomputing sizes. */
class ByteWriter {
  private readonly chunks: Buffer[] = [];
  bytes(...values: number[]): void {
    this.chunks.push(Buffer.from(values));
  }
  u16(value: number): void {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(value);
    this.chunks.push(b);
  }
  ascii(text: string): void {
    this.chunks.push(Buffer.from(text, 'latin1'));
  }
  raw(data: Uint8Array): void {
    this.chunks.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }
  /** GIF data sub-blocks: length-prefixed runs of at most 255 bytes, then a zero terminator. */
  subBlocks(data: Uint8Array): void {
    for (let i = 0; i < data.length; i += 255) {
      const part = data.subarray(i, Math.min(i + 255, data.length));
      this.bytes(part.length);
      this.raw(part);
    }
    this.bytes(0);
  }
  toBuffer(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/**
 * Writes a looping GIF89a: 256-colour global palette, NETSCAPE2.0 loop extension, a comment
 * labelling the file as demo output, then one GCE + image per frame. Frames after the first only
 * carry the rectangle that changed and use disposal "do not dispose" so they paint over the last.
 */
export function encodeGif(
  width: number,
  height: number,
  palette: Uint8Array,
  frames: readonly Uint8Array[],
  delayCentiseconds: number,
  comment: string,
): Buffer {
  if (palette.length !== 256 * 3) throw new RangeError('GIF palette must have exactly 256 entries');
  const out = new ByteWriter();
  out.ascii('GIF89a');
  out.u16(width);
  out.u16(height);
  // Global colour table present (0x80), 8-bit colour resolution (0x70), table size 2^(7+1) (0x07).
  out.bytes(0xf7, 0, 0);
  out.raw(palette);

  // NETSCAPE2.0 application extension: sub-block id 1, loop count 0 = forever.
  out.bytes(0x21, 0xff, 11);
  out.ascii('NETSCAPE2.0');
  out.bytes(3, 1);
  out.u16(0);
  out.bytes(0);

  out.bytes(0x21, 0xfe);
  out.subBlocks(Buffer.from(comment.replace(/[^\x20-\x7e]/g, '?'), 'ascii'));

  frames.forEach((pixels, index) => {
    const previous = index > 0 ? frames[index - 1] : undefined;
    const rect = previous
      ? (changedRect(previous, pixels, width) ?? { x: 0, y: 0, w: 1, h: 1 })
      : { x: 0, y: 0, w: width, h: height };
    const region =
      rect.w === width && rect.h === height
        ? pixels
        : cropIndexed(pixels, width, rect.x, rect.y, rect.w, rect.h);

    // Graphic control extension: disposal method 1 (leave in place), no transparency.
    out.bytes(0x21, 0xf9, 4, 1 << 2);
    out.u16(delayCentiseconds);
    out.bytes(0, 0);

    out.bytes(0x2c);
    out.u16(rect.x);
    out.u16(rect.y);
    out.u16(rect.w);
    out.u16(rect.h);
    out.bytes(0); // no local colour table, not interlaced
    out.bytes(8); // LZW minimum code size for 8-bit indices
    out.subBlocks(lzwEncode(region, 8));
  });

  out.bytes(0x3b);
  return out.toBuffer();
}

function cropIndexed(
  pixels: Uint8Array,
  stride: number,
  x: number,
  y: number,
  w: number,
  h: number,
): Uint8Array {
  const out = new Uint8Array(w * h);
  for (let row = 0; row < h; row++) {
    out.set(pixels.subarray((y + row) * stride + x, (y + row) * stride + x + w), row * w);
  }
  return out;
}
