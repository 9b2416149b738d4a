/**
 * Minimal RGBA raster used to compose demo frames. Deliberately tiny: solid and alpha-blended
 * rectangles, soft discs and bitmap text are all the demo scenes need.
 */
import { CELL_WIDTH, GLYPH_HEIGHT, GLYPH_WIDTH, glyphPixel, LINE_HEIGHT } from './bitmap-font';
import type { Rgb } from './seed';

export interface Canvas {
  readonly width: number;
  readonly height: number;
  /** Row-major RGBA, 4 bytes per pixel, alpha always 255 (the canvas is opaque). */
  readonly data: Uint8Array;
}

export function createCanvas(width: number, height: number): Canvas {
  return { width, height, data: new Uint8Array(width * height * 4) };
}

export function cloneCanvas(canvas: Canvas): Canvas {
  return { width: canvas.width, height: canvas.height, data: canvas.data.slice() };
}

/** Blends `color` over pixel (x, y) with coverage `alpha` in 0..1; no bounds check (callers clip). */
function blendPixel(canvas: Canvas, x: number, y: number, color: Rgb, alpha: number): void {
  const i = (y * canvas.width + x) * 4;
  const d = canvas.data;
  d[i] = (d[i] ?? 0) + (color[0] - (d[i] ?? 0)) * alpha;
  d[i + 1] = (d[i + 1] ?? 0) + (color[1] - (d[i + 1] ?? 0)) * alpha;
  d[i + 2] = (d[i + 2] ?? 0) + (color[2] - (d[i + 2] ?? 0)) * alpha;
  d[i + 3] = 255;
}

/**
 * Alpha-blended rectangle with optional rounded corners (radius in pixels). Coordinates are clipped
 * to the canvas so callers can lay out freely.
 */
export function fillRect(
  canvas: Canvas,
  x: number,
  y: number,
  w: number,
  h: number,
  color: Rgb,
  alpha = 1,
  radius = 0,
): void {
  const x0 = Math.max(0, Math.round(x));
  const y0 = Math.max(0, Math.round(y));
  const x1 = Math.min(canvas.width, Math.round(x + w));
  const y1 = Math.min(canvas.height, Math.round(y + h));
  const r = Math.max(0, Math.min(radius, w / 2, h / 2));
  for (let py = y0; py < y1; py++) {
    for (let px = x0; px < x1; px++) {
      let coverage = alpha;
      if (r > 0) {
        // Distance from the nearest corner centre decides whether we're outside the rounding.
        const cx = Math.min(Math.max(px + 0.5, x + r), x + w - r);
        const cy = Math.min(Math.max(py + 0.5, y + r), y + h - r);
        const dist = Math.hypot(px + 0.5 - cx, py + 0.5 - cy);
        if (dist > r) coverage *= Math.max(0, 1 - (dist - r));
      }
      if (coverage > 0) blendPixel(canvas, px, py, color, coverage);
    }
  }
}

/** Soft-edged disc (1px anti-aliased rim) blended with `alpha`; used for the moving orb. */
export function fillDisc(
  canvas: Canvas,
  cx: number,
  cy: number,
  radius: number,
  color: Rgb,
  alpha = 1,
): void {
  const x0 = Math.max(0, Math.floor(cx - radius - 1));
  const y0 = Math.max(0, Math.floor(cy - radius - 1));
  const x1 = Math.min(canvas.width, Math.ceil(cx + radius + 1));
  const y1 = Math.min(canvas.height, Math.ceil(cy + radius + 1));
  for (let py = y0; py < y1; py++) {
    for (let px = x0; px < x1; px++) {
      const dx = px + 0.5 - cx;
      const dy = py + 0.5 - cy;
      const coverage = Math.min(1, Math.max(0, radius - Math.sqrt(dx * dx + dy * dy) + 0.5));
      if (coverage > 0) blendPixel(canvas, px, py, color, coverage * alpha);
    }
  }
}

/** Draws one line of font text with its top-left at (x, y); each font pixel becomes scale x scale. */
export function drawText(
  canvas: Canvas,
  text: string,
  x: number,
  y: number,
  scale: number,
  color: Rgb,
): void {
  let penX = Math.round(x);
  const top = Math.round(y);
  for (const ch of text) {
    for (let col = 0; col < GLYPH_WIDTH; col++) {
      for (let row = 0; row < GLYPH_HEIGHT; row++) {
        if (glyphPixel(ch, col, row))
          fillRect(canvas, penX + col * scale, top + row * scale, scale, scale, color);
      }
    }
    penX += CELL_WIDTH * scale;
  }
}

/** Height in pixels of `lines` lines of text at `scale`, without spacing after the last line. */
export function textBlockHeight(lines: number, scale: number): number {
  return lines <= 0 ? 0 : ((lines - 1) * LINE_HEIGHT + GLYPH_HEIGHT) * scale;
}
