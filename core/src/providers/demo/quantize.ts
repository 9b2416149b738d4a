/**
 * Median-cut colour quantisation to a GIF palette. Colours are bucketed at 5 bits per channel
 * (32768 buckets), which is plenty for smooth gradients and keeps the work independent of image
 * size. All animation frames share one histogram so a single global palette serves every frame.
 */
export interface Quantizer {
  /** Flat RGB triples, exactly `size` entries (unused slots are black). */
  readonly palette: Uint8Array;
  readonly size: number;
  /** Palette index per RGBA pixel (`width` pixels per row), ordered-dithered against banding. */
  map(rgba: Uint8Array, width: number): Uint8Array;
}

const BUCKETS = 1 << 15;

function bucketOf(r: number, g: number, b: number): number {
  return ((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3);
}

interface Box {
  /** Bucket ids of the distinct colours in this box. */
  buckets: number[];
  count: number;
}

/** Channel (0=r, 1=g, 2=b) of a bucket id, in 0..31. */
function channel(bucket: number, c: number): number {
  return (bucket >> (10 - 5 * c)) & 31;
}

function widestChannel(box: Box): { channel: number; range: number } {
  let best = { channel: 0, range: -1 };
  for (let c = 0; c < 3; c++) {
    let min = 31;
    let max = 0;
    for (const bucket of box.buckets) {
      const v = channel(bucket, c);
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (max - min > best.range) best = { channel: c, range: max - min };
  }
  return best;
}

export function buildQuantizer(frames: readonly Uint8Array[], size = 256): Quantizer {
  const histogram = new Uint32Array(BUCKETS);
  for (const rgba of frames) {
    for (let i = 0; i < rgba.length; i += 4) {
      const bucket = bucketOf(rgba[i] ?? 0, rgba[i + 1] ?? 0, rgba[i + 2] ?? 0);
      histogram[bucket] = (histogram[bucket] ?? 0) + 1;
    }
  }
  const all: number[] = [];
  let total = 0;
  histogram.forEach((count, bucket) => {
    if (count > 0) {
      all.push(bucket);
      total += count;
    }
  });

  // Repeatedly split the box that is both populous and wide; weighting by count keeps palette
  // entries where most pixels are, weighting by range stops rare but distinct colours (the text)
  // from being merged into the background.
  const boxes: Box[] = [{ buckets: all, count: total }];
  while (boxes.length < size) {
    let pick = -1;
    let pickScore = 0;
    boxes.forEach((box, i) => {
      if (box.buckets.length < 2) return;
      const score = Math.sqrt(box.count) * (widestChannel(box).range + 1);
      if (score > pickScore) {
        pickScore = score;
        pick = i;
      }
    });
    const box = boxes[pick];
    if (!box) break;
    const axis = widestChannel(box).channel;
    const sorted = [...box.buckets].sort((a, b) => channel(a, axis) - channel(b, axis));
    // Split at the pixel-weighted median, but always leave at least one colour on each side.
    let running = 0;
    let cut = 1;
    for (; cut < sorted.length - 1; cut++) {
      running += histogram[sorted[cut - 1] ?? 0] ?? 0;
      if (running >= box.count / 2) break;
    }
    const left = sorted.slice(0, cut);
    const right = sorted.slice(cut);
    const sum = (ids: number[]): number => ids.reduce((acc, id) => acc + (histogram[id] ?? 0), 0);
    boxes.splice(pick, 1, { buckets: left, count: sum(left) }, { buckets: right, count: sum(right) });
  }

  // Each palette entry is the pixel-weighted mean of its box (bucket centres in 8-bit space).
  const palette = new Uint8Array(size * 3);
  boxes.forEach((box, index) => {
    let r = 0;
    let g = 0;
    let b = 0;
    for (const bucket of box.buckets) {
      const n = histogram[bucket] ?? 0;
      r += (channel(bucket, 0) * 8 + 4) * n;
      g += (channel(bucket, 1) * 8 + 4) * n;
      b += (channel(bucket, 2) * 8 + 4) * n;
    }
    const n = Math.max(1, box.count);
    palette[index * 3] = Math.round(r / n);
    palette[index * 3 + 1] = Math.round(g / n);
    palette[index * 3 + 2] = Math.round(b / n);
  });

  // Nearest palette entry per bucket, filled lazily: dithering can nudge pixels into buckets that
  // were never in the histogram, so the box lookup alone is not enough.
  const nearest = new Int16Array(BUCKETS).fill(-1);
  const nearestEntry = (bucket: number): number => {
    const cached = nearest[bucket] ?? -1;
    if (cached >= 0) return cached;
    const r = channel(bucket, 0) * 8 + 4;
    const g = channel(bucket, 1) * 8 + 4;
    const b = channel(bucket, 2) * 8 + 4;
    let best = 0;
    let bestDistance = Number.POSITIVE_INFINITY;
    for (let i = 0; i < boxes.length; i++) {
      const dr = (palette[i * 3] ?? 0) - r;
      const dg = (palette[i * 3 + 1] ?? 0) - g;
      const db = (palette[i * 3 + 2] ?? 0) - b;
      const distance = 2 * dr * dr + 4 * dg * dg + 3 * db * db; // rough perceptual weighting
      if (distance < bestDistance) {
        bestDistance = distance;
        best = i;
      }
    }
    nearest[bucket] = best;
    return best;
  };

  return {
    palette,
    size,
    map(rgba: Uint8Array, width: number): Uint8Array {
      const out = new Uint8Array(rgba.length / 4);
      for (let p = 0, i = 0; i < rgba.length; p++, i += 4) {
        // 4x4 ordered (Bayer) dither breaks up banding in gradients. Being position-based it is
        // identical in every frame, so unchanged areas stay unchanged for the GIF frame diff.
        const d = BAYER_4X4[((Math.floor(p / width) & 3) << 2) | ((p % width) & 3)] ?? 0;
        const r = clampByte((rgba[i] ?? 0) + d);
        const g = clampByte((rgba[i + 1] ?? 0) + d);
        const b = clampByte((rgba[i + 2] ?? 0) + d);
        out[p] = nearestEntry(bucketOf(r, g, b));
      }
      return out;
    },
  };
}

/** Bayer matrix offsets scaled to about +-1 bucket (8 levels) around zero. */
const BAYER_4X4 = [0, 8, 2, 10, 12, 4, 14, 6, 3, 11, 1, 9, 15, 7, 13, 5].map((v) => v - 7.5);

function clampByte(value: number): number {
  return Math.min(255, Math.max(0, value));
}
