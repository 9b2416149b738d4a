import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { renderDemoAudio, renderDemoImage, renderDemoModel, renderDemoVideo } from './demo-media';
import { lzwEncode } from './lzw';

/** Distinct RGB colours in an RGBA buffer. */
function distinctColours(rgba: Uint8Array): number {
  const seen = new Set<number>();
  for (let i = 0; i < rgba.length; i += 4) {
    seen.add(((rgba[i] ?? 0) << 16) | ((rgba[i + 1] ?? 0) << 8) | (rgba[i + 2] ?? 0));
  }
  return seen.size;
}

function countDifferentBytes(a: Uint8Array, b: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

describe('renderDemoImage', () => {
  const options = {
    prompt: 'A lighthouse on a cliff at sunset, oil painting',
    width: 320,
    height: 200,
    seed: 42,
  };

  it('produces a PNG that decodes to the requested size with a rich palette', () => {
    const png = PNG.sync.read(renderDemoImage(options));
    expect(png.width).toBe(320);
    expect(png.height).toBe(200);
    expect(png.data.length).toBe(320 * 200 * 4);
    expect(distinctColours(png.data)).toBeGreaterThan(100);
  });

  it('draws the prompt: different prompts give different pixels, same options the same bytes', () => {
    const a = renderDemoImage(options);
    const b = renderDemoImage({ ...options, prompt: 'A completely different prompt about robots' });
    expect(renderDemoImage(options).equals(a)).toBe(true);
    const pa = PNG.sync.read(a);
    const pb = PNG.sync.read(b);
    // Background depends only on the seed, so every differing pixel comes from the text.
    expect(countDifferentBytes(pa.data, pb.data)).toBeGreaterThan(500);
  });

  it('varies the background with the seed', () => {
    const a = PNG.sync.read(renderDemoImage(options));
    const b = PNG.sync.read(renderDemoImage({ ...options, seed: 43 }));
    expect(countDifferentBytes(a.data, b.data)).toBeGreaterThan(a.data.length / 4);
  });

  it('clamps dimensions to 64..2048 and survives odd input', () => {
    const small = PNG.sync.read(renderDemoImage({ prompt: '', width: 1, height: 10_000, seed: Number.NaN }));
    expect([small.width, small.height]).toEqual([64, 2048]);
    const odd = PNG.sync.read(
      renderDemoImage({
        prompt: `emoji 🎨 ünïcødé\n\ttabs ${'word '.repeat(500)}`,
        width: 100.6,
        height: 64,
        seed: -7.5,
      }),
    );
    expect([odd.width, odd.height]).toEqual([101, 64]);
  });
});

interface ParsedWav {
  format: number;
  channels: number;
  sampleRate: number;
  byteRate: number;
  blockAlign: number;
  bitsPerSample: number;
  samples: Int16Array;
}

/** Walks the RIFF chunk list the way a player does, checking every declared size. */
function parseWav(buf: Buffer): ParsedWav {
  expect(buf.toString('ascii', 0, 4)).toBe('RIFF');
  expect(buf.readUInt32LE(4)).toBe(buf.length - 8);
  expect(buf.toString('ascii', 8, 12)).toBe('WAVE');
  let fmt: Omit<ParsedWav, 'samples'> | undefined;
  let samples: Int16Array | undefined;
  let pos = 12;
  while (pos < buf.length) {
    const id = buf.toString('ascii', pos, pos + 4);
    const size = buf.readUInt32LE(pos + 4);
    const body = pos + 8;
    expect(body + size).toBeLessThanOrEqual(buf.length);
    if (id === 'fmt ') {
      expect(size).toBe(16);
      fmt = {
        format: buf.readUInt16LE(body),
        channels: buf.readUInt16LE(body + 2),
        sampleRate: buf.readUInt32LE(body + 4),
        byteRate: buf.readUInt32LE(body + 8),
        blockAlign: buf.readUInt16LE(body + 12),
        bitsPerSample: buf.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      expect(fmt).toBeDefined(); // fmt must precede data
      const copy = Buffer.from(buf.subarray(body, body + size));
      samples = new Int16Array(copy.buffer, copy.byteOffset, size / 2);
    }
    pos = body + size + (size % 2); // chunks are word aligned
  }
  expect(pos).toBe(buf.length);
  if (!fmt || !samples) throw new Error('missing fmt or data chunk');
  return { ...fmt, samples };
}

describe('renderDemoAudio', () => {
  for (const kind of ['music', 'speech'] as const) {
    it(`writes a consistent 16-bit PCM mono WAV for ${kind}`, () => {
      const wav = parseWav(
        renderDemoAudio({ prompt: 'Hello from the Atelier demo', seconds: 3, seed: 1, kind }),
      );
      expect(wav).toMatchObject({
        format: 1,
        channels: 1,
        sampleRate: 22050,
        bitsPerSample: 16,
        blockAlign: 2,
      });
      expect(wav.byteRate).toBe(22050 * 2);
      expect(wav.samples.length / wav.sampleRate).toBeCloseTo(3, 3);
      let peak = 0;
      let energy = 0;
      for (const s of wav.samples) {
        peak = Math.max(peak, Math.abs(s));
        energy += s * s;
      }
      expect(peak).toBeGreaterThan(10_000); // normalised, clearly audible
      expect(Math.sqrt(energy / wav.samples.length)).toBeGreaterThan(500);
    });
  }

  it('clamps duration to 1..30 seconds and keeps fractional durations', () => {
    const seconds = (s: number) =>
      parseWav(renderDemoAudio({ prompt: 'x', seconds: s, seed: 3, kind: 'music' })).samples.length / 22050;
    expect(seconds(0)).toBeCloseTo(1, 3);
    expect(seconds(500)).toBeCloseTo(30, 3);
    expect(seconds(2.5)).toBeCloseTo(2.5, 3);
  });

  it('is deterministic and depends on prompt, seed and kind', () => {
    const base = { prompt: 'a calm piano tune', seconds: 2, seed: 9, kind: 'music' } as const;
    const a = renderDemoAudio(base);
    expect(renderDemoAudio(base).equals(a)).toBe(true);
    expect(renderDemoAudio({ ...base, seed: 10 }).equals(a)).toBe(false);
    expect(renderDemoAudio({ ...base, prompt: 'an energetic drum solo' }).equals(a)).toBe(false);
    expect(renderDemoAudio({ ...base, kind: 'speech' }).equals(a)).toBe(false);
  });

  it('speaks in bursts: speech has near-silent gaps between words', () => {
    const { samples } = parseWav(
      renderDemoAudio({ prompt: 'one two three four five six', seconds: 4, seed: 2, kind: 'speech' }),
    );
    const window = 441; // 20 ms
    let quiet = 0;
    let loud = 0;
    for (let i = 0; i + window <= samples.length; i += window) {
      let sum = 0;
      for (let j = i; j < i + window; j++) sum += (samples[j] ?? 0) ** 2;
      const rms = Math.sqrt(sum / window);
      if (rms < 100) quiet++;
      if (rms > 2000) loud++;
    }
    expect(quiet).toBeGreaterThan(5);
    expect(loud).toBeGreaterThan(20);
  });
});

interface GifFrame {
  left: number;
  top: number;
  width: number;
  height: number;
  delay: number;
  disposal: number;
  indices: Uint8Array;
}

interface DecodedGif {
  width: number;
  height: number;
  palette: Uint8Array;
  loopCount: number | null;
  comments: string[];
  frames: GifFrame[];
}

/** Concatenates GIF data sub-blocks starting at `pos`; returns the data and the position after. */
function readSubBlocks(buf: Buffer, start: number): { data: Buffer; next: number } {
  const parts: Buffer[] = [];
  let pos = start;
  for (;;) {
    const size = buf[pos];
    if (size === undefined) throw new Error('truncated sub-blocks');
    pos++;
    if (size === 0) break;
    if (pos + size > buf.length) throw new Error('sub-block overruns file');
    parts.push(buf.subarray(pos, pos + size));
    pos += size;
  }
  return { data: Buffer.concat(parts), next: pos };
}

/**
 * Reference LZW decoder written from the GIF89a spec (table of prefix/suffix entries, KwKwK case,
 * code width growing when the next free code reaches 2^width, no growth past 12 bits). Strict:
 * requires an end code, exactly `expected` pixels, and no whole unused bytes after the end code.
 */
function lzwDecode(data: Uint8Array, minCodeSize: number, expected: number): Uint8Array {
  const clear = 1 << minCodeSize;
  const end = clear + 1;
  const prefix = new Int32Array(4096).fill(-1);
  const suffix = new Uint8Array(4096);
  for (let i = 0; i < clear; i++) suffix[i] = i;
  const expand = (code: number): number[] => {
    const out: number[] = [];
    for (let c = code; c >= 0; c = prefix[c] ?? -1) out.push(suffix[c] ?? 0);
    return out.reverse();
  };

  const out: number[] = [];
  let width = minCodeSize + 1;
  let next = end + 1;
  let prev = -1;
  let bit = 0;
  let ended = false;
  while (bit + width <= data.length * 8) {
    let code = 0;
    for (let b = 0; b < width; b++, bit++) code |= (((data[bit >> 3] ?? 0) >> (bit & 7)) & 1) << b;
    if (code === clear) {
      width = minCodeSize + 1;
      next = end + 1;
      prev = -1;
      continue;
    }
    if (code === end) {
      ended = true;
      break;
    }
    let entry: number[];
    if (code < next) entry = expand(code);
    else if (code === next && prev >= 0) {
      const p = expand(prev);
      entry = [...p, p[0] ?? 0];
    } else throw new Error(`invalid LZW code ${code} (next free ${next})`);
    if (prev >= 0 && next < 4096) {
      prefix[next] = prev;
      suffix[next] = entry[0] ?? 0;
      next++;
    }
    for (const v of entry) out.push(v);
    if (next === 1 << width && width < 12) width++;
    prev = code;
  }
  if (!ended) throw new Error('LZW stream has no end code');
  if (data.length * 8 - bit >= 8) throw new Error('unused bytes after LZW end code');
  if (out.length !== expected) throw new Error(`decoded ${out.length} pixels, expected ${expected}`);
  return Uint8Array.from(out);
}

function decodeGif(buf: Buffer): DecodedGif {
  expect(buf.toString('ascii', 0, 6)).toBe('GIF89a');
  const width = buf.readUInt16LE(6);
  const height = buf.readUInt16LE(8);
  const packed = buf[10] ?? 0;
  expect(packed & 0x80).toBe(0x80); // global colour table required: frames have no local tables
  const paletteSize = 2 << (packed & 7);
  let pos = 13;
  const palette = buf.subarray(pos, pos + paletteSize * 3);
  pos += paletteSize * 3;

  const gif: DecodedGif = { width, height, palette, loopCount: null, comments: [], frames: [] };
  let delay = 0;
  let disposal = 0;
  for (;;) {
    const introducer = buf[pos++];
    if (introducer === 0x3b) break;
    if (introducer === 0x21) {
      const label = buf[pos++];
      if (label === 0xf9) {
        expect(buf[pos]).toBe(4);
        disposal = ((buf[pos + 1] ?? 0) >> 2) & 7;
        delay = buf.readUInt16LE(pos + 2);
        expect(buf[pos + 5]).toBe(0);
        pos += 6;
      } else if (label === 0xff) {
        expect(buf[pos]).toBe(11);
        const app = buf.toString('ascii', pos + 1, pos + 12);
        const { data, next } = readSubBlocks(buf, pos + 12);
        if (app === 'NETSCAPE2.0' && data[0] === 1) gif.loopCount = data.readUInt16LE(1);
        pos = next;
      } else if (label === 0xfe) {
        const { data, next } = readSubBlocks(buf, pos);
        gif.comments.push(data.toString('ascii'));
        pos = next;
      } else {
        pos = readSubBlocks(buf, pos).next;
      }
    } else if (introducer === 0x2c) {
      const frame = {
        left: buf.readUInt16LE(pos),
        top: buf.readUInt16LE(pos + 2),
        width: buf.readUInt16LE(pos + 4),
        height: buf.readUInt16LE(pos + 6),
      };
      expect((buf[pos + 8] ?? 0) & 0xc0).toBe(0); // no local table, not interlaced
      const minCodeSize = buf[pos + 9] ?? 0;
      const { data, next } = readSubBlocks(buf, pos + 10);
      const indices = lzwDecode(data, minCodeSize, frame.width * frame.height);
      gif.frames.push({ ...frame, delay, disposal, indices });
      pos = next;
    } else {
      throw new Error(`unexpected block 0x${introducer?.toString(16)} at ${pos - 1}`);
    }
  }
  expect(pos).toBe(buf.length);
  return gif;
}

/** Full RGBA frames as a player shows them (disposal 0/1: each frame paints over the last). */
function compositeGif(gif: DecodedGif): Uint8Array[] {
  const canvas = new Uint8Array(gif.width * gif.height * 4);
  return gif.frames.map((frame) => {
    expect(frame.disposal).toBeLessThanOrEqual(1);
    expect(frame.left + frame.width).toBeLessThanOrEqual(gif.width);
    expect(frame.top + frame.height).toBeLessThanOrEqual(gif.height);
    for (let y = 0; y < frame.height; y++) {
      for (let x = 0; x < frame.width; x++) {
        const index = frame.indices[y * frame.width + x] ?? 0;
        const o = ((frame.top + y) * gif.width + frame.left + x) * 4;
        canvas.set(
          [
            gif.palette[index * 3] ?? 0,
            gif.palette[index * 3 + 1] ?? 0,
            gif.palette[index * 3 + 2] ?? 0,
            255,
          ],
          o,
        );
      }
    }
    return canvas.slice();
  });
}

describe('lzwEncode', () => {
  const roundTrip = (data: Uint8Array, minCodeSize: number) =>
    expect(Buffer.from(lzwDecode(lzwEncode(data, minCodeSize), minCodeSize, data.length))).toEqual(
      Buffer.from(data),
    );

  it('round-trips edge cases through the reference decoder', () => {
    roundTrip(Uint8Array.of(7), 8);
    roundTrip(Uint8Array.of(0, 0), 8);
    roundTrip(new Uint8Array(100_000), 8); // long runs: deep KwKwK chains and code width growth
    roundTrip(
      Uint8Array.from({ length: 50 }, (_, i) => i % 4),
      2,
    );
  });

  it('round-trips noisy data that overflows the 4096-entry table many times', () => {
    let state = 1;
    const noisy = Uint8Array.from({ length: 200_000 }, () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return (state >>> 16) & 0xff;
    });
    roundTrip(noisy, 8);
    // Every length around the code-width boundaries, so the final code and end code widths are exercised.
    for (let n = 250; n < 520; n++) roundTrip(noisy.subarray(0, n), 8);
    for (let n = 0; n < 4; n++) roundTrip(noisy.subarray(n * 7000, n * 7000 + 3839 + n * 17), 8);
  });
});

describe('renderDemoVideo', () => {
  it('writes a looping GIF89a whose frames all LZW-decode to the right pixel count', () => {
    const buf = renderDemoVideo({
      prompt: 'A fox running through snow',
      width: 640,
      height: 360,
      seed: 5,
      frames: 10,
    });
    const gif = decodeGif(buf);
    expect([gif.width, gif.height]).toEqual([320, 180]);
    expect(gif.loopCount).toBe(0);
    expect(gif.frames).toHaveLength(10);
    expect(gif.comments.join('')).toContain('ATELIER DEMO OUTPUT');
    expect(gif.comments.join('')).toContain('A fox running through snow');
    const first = gif.frames[0];
    expect(first).toMatchObject({ left: 0, top: 0, width: 320, height: 180 });
    for (const frame of gif.frames) expect(frame.delay).toBeGreaterThan(0);

    const composited = compositeGif(gif);
    const [frame0, frame3] = [composited[0], composited[3]];
    if (!frame0 || !frame3) throw new Error('missing frames');
    expect(distinctColours(frame0)).toBeGreaterThan(64);
    expect(countDifferentBytes(frame0, frame3)).toBeGreaterThan(500); // something moves
  });

  it('scales down to 320px, clamps frames to 1..24 and stays small', () => {
    const big = renderDemoVideo({ prompt: 'big', width: 2048, height: 1024, seed: 1, frames: 500 });
    const gif = decodeGif(big);
    expect([gif.width, gif.height]).toEqual([320, 160]);
    expect(gif.frames).toHaveLength(24);
    expect(big.length).toBeLessThan(400_000);

    const still = decodeGif(renderDemoVideo({ prompt: 'still', width: 64, height: 64, seed: 1, frames: 0 }));
    expect([still.width, still.height, still.frames.length]).toEqual([64, 64, 1]);
    const defaulted = decodeGif(renderDemoVideo({ prompt: 'default', width: 300, height: 300, seed: 1 }));
    expect(defaulted.frames.length).toBeGreaterThan(1);
  });

  it('is deterministic', () => {
    const options = { prompt: 'same', width: 200, height: 120, seed: 77, frames: 4 };
    expect(renderDemoVideo(options).equals(renderDemoVideo(options))).toBe(true);
  });
});

interface Accessor {
  bufferView: number;
  byteOffset?: number;
  componentType: number;
  count: number;
  type: string;
  min?: number[];
  max?: number[];
}

interface Gltf {
  asset: { version: string; generator: string; extras: { prompt: string } };
  scene: number;
  scenes: { nodes: number[] }[];
  nodes: { mesh: number }[];
  meshes: { primitives: { attributes: Record<string, number>; indices: number; mode: number }[] }[];
  buffers: { byteLength: number }[];
  bufferViews: { buffer: number; byteOffset: number; byteLength: number }[];
  accessors: Accessor[];
}

const COMPONENTS: Record<string, number> = { SCALAR: 1, VEC2: 2, VEC3: 3, VEC4: 4 };
const COMPONENT_BYTES: Record<number, number> = { 5123: 2, 5125: 4, 5126: 4 };

function parseGlb(buf: Buffer): { json: Gltf; bin: Buffer } {
  expect(buf.readUInt32LE(0)).toBe(0x46546c67); // 'glTF'
  expect(buf.readUInt32LE(4)).toBe(2);
  expect(buf.readUInt32LE(8)).toBe(buf.length);
  const jsonLength = buf.readUInt32LE(12);
  expect(buf.readUInt32LE(16)).toBe(0x4e4f534a); // 'JSON'
  expect(jsonLength % 4).toBe(0);
  const jsonBytes = buf.subarray(20, 20 + jsonLength);
  const text = jsonBytes.toString('utf8');
  // Padding is 0..3 trailing spaces; any other filler (e.g. NUL) would make JSON.parse throw.
  expect(jsonLength - Buffer.byteLength(text.replace(/ +$/, ''))).toBeLessThan(4);
  const json = JSON.parse(text) as Gltf;

  const binStart = 20 + jsonLength;
  const binLength = buf.readUInt32LE(binStart);
  expect(buf.readUInt32LE(binStart + 4)).toBe(0x004e4942); // 'BIN\0'
  expect(binLength % 4).toBe(0);
  expect(binStart + 8 + binLength).toBe(buf.length);
  const bin = buf.subarray(binStart + 8, binStart + 8 + binLength);
  const declared = json.buffers[0]?.byteLength ?? -1;
  expect(declared).toBeLessThanOrEqual(binLength);
  expect(binLength - declared).toBeLessThan(4);
  expect([...bin.subarray(declared)].every((b) => b === 0)).toBe(true); // BIN pad = zeros
  return { json, bin };
}

/** Typed view over an accessor's data, after checking it fits its buffer view. */
function readAccessor(json: Gltf, bin: Buffer, index: number): Float32Array | Uint16Array {
  const accessor = json.accessors[index];
  if (!accessor) throw new Error(`no accessor ${index}`);
  const view = json.bufferViews[accessor.bufferView];
  if (!view) throw new Error(`no buffer view ${accessor.bufferView}`);
  expect(view.byteOffset % 4).toBe(0);
  expect(view.byteOffset + view.byteLength).toBeLessThanOrEqual(json.buffers[0]?.byteLength ?? 0);
  const components = COMPONENTS[accessor.type] ?? 0;
  const bytes = COMPONENT_BYTES[accessor.componentType] ?? 0;
  // Tightly packed views: the view is exactly count * element size.
  expect(view.byteLength).toBe(accessor.count * components * bytes);
  const slice = Buffer.from(bin.subarray(view.byteOffset + (accessor.byteOffset ?? 0)));
  return accessor.componentType === 5126
    ? new Float32Array(slice.buffer, slice.byteOffset, accessor.count * components)
    : new Uint16Array(slice.buffer, slice.byteOffset, accessor.count * components);
}

describe('renderDemoModel', () => {
  it('writes a valid GLB container with a coloured mesh and the prompt in asset.extras', () => {
    const prompt = 'a crystal golem — ünïcødé 🎨';
    const { json } = parseGlb(renderDemoModel({ prompt, seed: 3 }));
    expect(json.asset.version).toBe('2.0');
    expect(json.asset.generator).toBe('Atelier demo');
    expect(json.asset.extras.prompt).toBe(prompt);
    const nodeIndex = json.scenes[json.scene]?.nodes[0] ?? -1;
    const meshIndex = json.nodes[nodeIndex]?.mesh ?? -1;
    const primitive = json.meshes[meshIndex]?.primitives[0];
    expect(primitive?.mode).toBe(4);
    expect(Object.keys(primitive?.attributes ?? {}).sort()).toEqual(['COLOR_0', 'NORMAL', 'POSITION']);
  });

  // Several seeds so every shape variant is covered.
  for (let seed = 0; seed < 12; seed++) {
    it(`has consistent accessors, exact POSITION bounds and outward faces (seed ${seed})`, () => {
      const { json, bin } = parseGlb(renderDemoModel({ prompt: 'shape', seed }));
      const primitive = json.meshes[0]?.primitives[0];
      if (!primitive) throw new Error('no primitive');
      const { POSITION, NORMAL, COLOR_0 } = primitive.attributes;
      const positions = readAccessor(json, bin, POSITION ?? -1);
      const normals = readAccessor(json, bin, NORMAL ?? -1);
      const colours = readAccessor(json, bin, COLOR_0 ?? -1);
      const indices = readAccessor(json, bin, primitive.indices);
      const vertexCount = positions.length / 3;
      expect(normals.length).toBe(positions.length);
      expect(colours.length).toBe(positions.length);
      expect(indices.length % 3).toBe(0);
      expect(Math.max(...indices)).toBeLessThan(vertexCount);
      for (const c of colours) expect(c >= 0 && c <= 1).toBe(true);

      const accessor = json.accessors[POSITION ?? -1];
      for (let axis = 0; axis < 3; axis++) {
        const values = Array.from({ length: vertexCount }, (_, i) => positions[i * 3 + axis] ?? 0);
        expect(accessor?.min?.[axis]).toBe(Math.min(...values));
        expect(accessor?.max?.[axis]).toBe(Math.max(...values));
      }

      // Each triangle's winding normal agrees with its stored normal and points away from the centre.
      const at = (a: ArrayLike<number>, i: number) => [a[i * 3] ?? 0, a[i * 3 + 1] ?? 0, a[i * 3 + 2] ?? 0];
      for (let t = 0; t < indices.length; t += 3) {
        const [a, b, c] = [
          at(positions, indices[t] ?? 0),
          at(positions, indices[t + 1] ?? 0),
          at(positions, indices[t + 2] ?? 0),
        ];
        const u = [0, 1, 2].map((k) => (b[k] ?? 0) - (a[k] ?? 0));
        const v = [0, 1, 2].map((k) => (c[k] ?? 0) - (a[k] ?? 0));
        const cross = [
          (u[1] ?? 0) * (v[2] ?? 0) - (u[2] ?? 0) * (v[1] ?? 0),
          (u[2] ?? 0) * (v[0] ?? 0) - (u[0] ?? 0) * (v[2] ?? 0),
          (u[0] ?? 0) * (v[1] ?? 0) - (u[1] ?? 0) * (v[0] ?? 0),
        ];
        const n = at(normals, indices[t] ?? 0);
        expect(Math.hypot(...n)).toBeCloseTo(1, 5);
        expect(cross.reduce((s, x, k) => s + x * (n[k] ?? 0), 0)).toBeGreaterThan(0);
        expect([0, 1, 2].reduce((s, k) => s + (a[k] ?? 0) * (n[k] ?? 0), 0)).toBeGreaterThan(0);
      }
    });
  }
});
