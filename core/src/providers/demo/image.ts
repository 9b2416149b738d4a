import { PNG } from 'pngjs';
import { createCanvas } from './raster';
import { drawOverlay, paintBackground } from './scene';
import { clampInt } from './seed';

export interface DemoImageOptions {
  prompt: string;
  /** Clamped to 64..2048. */
  width: number;
  /** Clamped to 64..2048. */
  height: number;
  seed: number;
}

export const MIN_IMAGE_SIDE = 64;
export const MAX_IMAGE_SIDE = 2048;
const DEFAULT_IMAGE_SIDE = 1024;

/** Renders the labelled demo artwork as an RGB PNG. Pure: same options, same bytes. */
export function renderDemoImage({ prompt, width, height, seed }: DemoImageOptions): Buffer {
  const w = clampInt(width, MIN_IMAGE_SIDE, MAX_IMAGE_SIDE, DEFAULT_IMAGE_SIDE);
  const h = clampInt(height, MIN_IMAGE_SIDE, MAX_IMAGE_SIDE, DEFAULT_IMAGE_SIDE);
  const canvas = createCanvas(w, h);
  paintBackground(canvas, seed);
  drawOverlay(canvas, prompt, seed);

  const png = new PNG({ width: w, height: h });
  png.data = Buffer.from(canvas.data.buffer, canvas.data.byteOffset, canvas.data.byteLength);
  // The canvas is opaque, so write RGB without alpha (25% less raw data to filter and deflate).
  return PNG.sync.write(png, { colorType: 2 });
}
