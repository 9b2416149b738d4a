/**
 * Deterministic randomness for demo media. Everything derived from a seed must be
 * reproducible so the same request renders byte-identical output (handy for caching and tests).
 */

/** Normalises any number (negative, fractional, NaN, huge) to a uint32 seed. */
export function normaliseSeed(seed: number): number {
  if (!Number.isFinite(seed)) return 0;
  // Fold in the high bits so seeds beyond 2^32 still differ from each other.
  const truncated = Math.trunc(seed);
  return (truncated ^ Math.floor(truncated / 0x1_0000_0000)) >>> 0;
}

/** FNV-1a over UTF-16 code units: cheap, stable string hash for mixing prompt text into seeds. */
export function hashString(text: string, basis = 0x811c9dc5): number {
  let h = basis >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** mulberry32: tiny, fast, good-enough PRNG returning floats in [0, 1). */
export function createRng(seed: number): () => number {
  // Scramble first (murmur3 finaliser): raw mulberry32 gives correlated first outputs for
  // consecutive seeds, so seeds 21..26 would all pick the same background pattern.
  let state = normaliseSeed(seed);
  state = Math.imul(state ^ (state >>> 16), 0x85ebca6b);
  state = Math.imul(state ^ (state >>> 13), 0xc2b2ae35);
  state = (state ^ (state >>> 16)) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function clampInt(value: number, min: number, max: number, fallback: number): number {
  if (!Number.isFinite(value)) return fallback;
  return Math.min(max, Math.max(min, Math.round(value)));
}

export type Rgb = readonly [number, number, number];

/** HSL (h in degrees, s/l in 0..1) to 0..255 RGB; used to pick harmonious seeded colours. */
export function hslToRgb(h: number, s: number, l: number): Rgb {
  const hue = (((h % 360) + 360) % 360) / 60;
  const c = (1 - Math.abs(2 * l - 1)) * s;
  const x = c * (1 - Math.abs((hue % 2) - 1));
  const m = l - c / 2;
  const [r, g, b] =
    hue < 1
      ? [c, x, 0]
      : hue < 2
        ? [x, c, 0]
        : hue < 3
          ? [0, c, x]
          : hue < 4
            ? [0, x, c]
            : hue < 5
              ? [x, 0, c]
              : [c, 0, x];
  return [Math.round((r + m) * 255), Math.round((g + m) * 255), Math.round((b + m) * 255)];
}

/** Like clampInt but keeps fractions (e.g. 2.5 seconds of audio). */
export function clampNumber(value: number, min: number, max: number, fallback: number): number {
  if (!Number.isFinite(value)) return fallback;
  return Math.min(max, Math.max(min, value));
}
