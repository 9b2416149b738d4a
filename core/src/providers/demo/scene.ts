/**
 * The shared demo "artwork": a seeded background plus an overlay that labels the output as demo
 * content and shows the prompt. Images render it once; the GIF renders the background once and
 * re-applies the overlay per frame so the moving element passes behind the text panel.
 */
import { CELL_WIDTH, GLYPH_HEIGHT, LINE_HEIGHT, textWidth, toFontText, wrapText } from './bitmap-font';
import { type Canvas, drawText, fillRect, textBlockHeight } from './raster';
import { createRng, hslToRgb, normaliseSeed, type Rgb } from './seed';

export const DEMO_BANNER = 'ATELIER DEMO OUTPUT';

export interface ScenePalette {
  readonly from: Rgb;
  readonly to: Rgb;
  readonly accent: Rgb;
}

type Pattern = 'waves' | 'rings' | 'blobs';

/** Harmonious colours from the seed: two neighbouring hues for the gradient, a complement as accent. */
export function scenePalette(seed: number): ScenePalette {
  const rng = createRng(normaliseSeed(seed) ^ 0x5eed);
  const hue = rng() * 360;
  const spread = (30 + rng() * 70) * (rng() < 0.5 ? -1 : 1);
  return {
    from: hslToRgb(hue, 0.55 + rng() * 0.25, 0.42 + rng() * 0.14),
    to: hslToRgb(hue + spread, 0.5 + rng() * 0.3, 0.5 + rng() * 0.16),
    accent: hslToRgb(hue + 180 + spread / 2, 0.7, 0.72),
  };
}

/**
 * Fills the canvas with a diagonal gradient modulated by one of a few seeded patterns. Coordinates
 * are normalised by the shorter side so the same seed looks alike at any resolution.
 */
export function paintBackground(canvas: Canvas, seed: number): void {
  const rng = createRng(normaliseSeed(seed) ^ 0xbac6);
  const { from, to, accent } = scenePalette(seed);
  const { width, height, data } = canvas;
  const unit = Math.min(width, height);
  const angle = rng() * Math.PI * 2;
  const dirX = Math.cos(angle);
  const dirY = Math.sin(angle);
  // Half the projected extent of the image onto the gradient direction, so t spans 0..1 exactly.
  const extent = (Math.abs(dirX) * width + Math.abs(dirY) * height) / 2 || 1;
  const patterns: readonly Pattern[] = ['waves', 'rings', 'blobs'];
  const pattern = patterns[Math.floor(rng() * patterns.length)] ?? 'waves';
  const freqX = 6 + rng() * 12;
  const freqY = 4 + rng() * 10;
  const phase = rng() * Math.PI * 2;
  const ringX = rng();
  const ringY = rng();
  const blobs = Array.from({ length: 7 }, () => ({
    x: rng() * (width / unit),
    y: rng() * (height / unit),
    r2: (0.12 + rng() * 0.25) ** 2,
  }));

  // Hot loop (up to 4M pixels): plain multiplication instead of ** and Math.hypot, which V8
  // compiles to much slower generic calls.
  for (let y = 0; y < height; y++) {
    const v = y / unit;
    const waveRow = v * freqY * 0.5 + phase + 0.9 * Math.sin(v * freqY); // per-row part, hoisted
    const ringDy2 = (v - ringY) * (v - ringY);
    for (let x = 0; x < width; x++) {
      const u = x / unit;
      const proj = ((x - width / 2) * dirX + (y - height / 2) * dirY) / extent;
      const linear = Math.min(1, Math.max(0, proj * 0.5 + 0.5));
      const t = linear * linear * (3 - 2 * linear); // smoothstep: softer ends than a linear ramp

      let p: number;
      if (pattern === 'waves') {
        const wave = 0.5 + 0.5 * Math.sin(u * freqX + waveRow);
        p = wave * wave * wave; // thin bright crests rather than 50% coverage
      } else if (pattern === 'rings') {
        const du = u - ringX;
        const ring = 0.5 + 0.5 * Math.sin(Math.sqrt(du * du + ringDy2) * freqX * 3 + phase);
        p = ring * ring * ring * ring;
      } else {
        p = 0;
        for (const blob of blobs) {
          const d2 = ((u - blob.x) * (u - blob.x) + (v - blob.y) * (v - blob.y)) / blob.r2;
          if (d2 < 1) p += (1 - d2) * (1 - d2);
        }
        p = Math.min(1, p);
      }
      const mix = p * 0.38;
      const i = (y * width + x) * 4;
      data[i] = (from[0] + (to[0] - from[0]) * t) * (1 - mix) + accent[0] * mix;
      data[i + 1] = (from[1] + (to[1] - from[1]) * t) * (1 - mix) + accent[1] * mix;
      data[i + 2] = (from[2] + (to[2] - from[2]) * t) * (1 - mix) + accent[2] * mix;
      data[i + 3] = 255;
    }
  }
}

const MAX_PROMPT_CHARS = 4000;
const WHITE: Rgb = [255, 255, 255];
const INK: Rgb = [24, 24, 38];
const SHADE: Rgb = [12, 12, 20];

/** Largest integer scale <= `max` (and >= 1) at which `text` fits in `maxWidth` pixels. */
function fitScale(text: string, maxWidth: number, max: number): number {
  let scale = Math.max(1, Math.floor(max));
  while (scale > 1 && textWidth(text, scale) > maxWidth) scale--;
  return scale;
}

/** Centres each line horizontally within [left, left + width). */
function drawCentredLines(
  canvas: Canvas,
  lines: readonly string[],
  left: number,
  width: number,
  top: number,
  scale: number,
  color: Rgb,
): void {
  lines.forEach((line, index) => {
    const x = left + (width - textWidth(line, scale)) / 2;
    drawText(canvas, line, x, top + index * LINE_HEIGHT * scale, scale, color);
  });
}

/**
 * Draws the "ATELIER DEMO OUTPUT" banner, the prompt in a near-opaque rounded panel (readable on
 * any background) and, when it fits, a footer with the seed. Layout adapts from 64px to 2048px.
 */
export function drawOverlay(canvas: Canvas, prompt: string, seed: number): void {
  const { width, height } = canvas;
  const margin = Math.max(3, Math.round(Math.min(width, height) * 0.04));

  // Banner: as large as fits in 80% of the width, capped so it never dominates the frame.
  // Sizes follow sqrt(area) so wide and tall frames get text as large as square ones of equal area.
  const size = Math.sqrt(width * height);
  const bannerScale = fitScale(DEMO_BANNER, width * 0.8, Math.min(size / 90, height / 70));
  const bannerChars = Math.max(
    1,
    Math.floor((width - 2 * margin + bannerScale) / (CELL_WIDTH * bannerScale)),
  );
  const bannerLines = wrapText(DEMO_BANNER, bannerChars, 4);
  const bannerPad = Math.max(2, Math.round(bannerScale * 2.5));
  const bannerHeight = textBlockHeight(bannerLines.length, bannerScale) + 2 * bannerPad;
  fillRect(canvas, 0, 0, width, bannerHeight, SHADE, 0.62);
  drawCentredLines(canvas, bannerLines, 0, width, bannerPad, bannerScale, WHITE);

  // Footer: only when it fits on one line, since at tiny sizes the prompt matters more.
  const footer = `offline demo - seed ${normaliseSeed(seed)}`;
  const footerScale = Math.max(1, Math.round(bannerScale / 2));
  const footerPad = Math.max(2, footerScale * 2);
  const footerHeight = textBlockHeight(1, footerScale) + 2 * footerPad;
  const showFooter = textWidth(footer, footerScale) <= width - 2 * margin && height >= 96;
  if (showFooter) {
    fillRect(canvas, 0, height - footerHeight, width, footerHeight, SHADE, 0.5);
    drawText(canvas, footer, margin, height - footerHeight + footerPad, footerScale, WHITE);
  }

  // Prompt panel fills the space between banner and footer; pick the largest scale that shows
  // the whole prompt, falling back to scale 1 with truncation for very long prompts.
  // Even 2048px at scale 1 shows well under 4000 characters; capping bounds wrapping work for
  // pathological prompts (e.g. a megabyte without spaces).
  const fontText = toFontText(prompt.slice(0, MAX_PROMPT_CHARS * 2)) || '(no prompt)';
  const text = fontText.length > MAX_PROMPT_CHARS ? `${fontText.slice(0, MAX_PROMPT_CHARS)}...` : fontText;
  const areaTop = bannerHeight + margin;
  const areaBottom = height - (showFooter ? footerHeight : 0) - margin;
  const areaWidth = width - 2 * margin;
  const maxScale = Math.max(1, Math.round(size / 220));
  let scale = maxScale;
  let pad = 0;
  let lines: string[] = [];
  for (; scale >= 1; scale--) {
    pad = Math.max(2, scale * 4);
    const chars = Math.floor((areaWidth - 2 * pad + scale) / (CELL_WIDTH * scale));
    const maxLines = Math.max(
      1,
      Math.floor(((areaBottom - areaTop - 2 * pad) / scale + LINE_HEIGHT - GLYPH_HEIGHT) / LINE_HEIGHT),
    );
    const allLines = wrapText(text, chars, Number.POSITIVE_INFINITY);
    lines = allLines.length <= maxLines ? allLines : wrapText(text, chars, maxLines);
    if (scale === 1 || allLines.length <= maxLines) break;
  }
  scale = Math.max(1, scale);
  // Hug the text so short prompts get a compact label rather than a full-width bar.
  const panelWidth = Math.min(areaWidth, Math.max(...lines.map((line) => textWidth(line, scale))) + 2 * pad);
  const panelLeft = (width - panelWidth) / 2;
  const panelHeight = textBlockHeight(lines.length, scale) + 2 * pad;
  const panelTop = Math.max(areaTop, areaTop + (areaBottom - areaTop - panelHeight) / 2);
  fillRect(canvas, panelLeft, panelTop, panelWidth, panelHeight, WHITE, 0.86, pad);
  drawCentredLines(canvas, lines, panelLeft, panelWidth, panelTop + pad, scale, INK);
}
