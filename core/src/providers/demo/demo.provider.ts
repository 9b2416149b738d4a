import { createHash, randomBytes } from 'node:crypto';
import { LORA_TRAINING_MODEL, MODEL_CATALOG } from '../../domain/catalog/catalog.data';
import type { CatalogModel, ModelField, TrainingModel } from '../../domain/catalog/catalog.types';
import type { Logger } from '../../logger';
import {
  type GenerationProvider,
  ProviderRejectedError,
  type ProviderResult,
  type ProviderStatus,
} from '../provider';
import { renderDemoAudio, renderDemoImage, renderDemoModel, renderDemoVideo } from './demo-media';
import { hashString } from './seed';

/**
 * The offline provider used when no FAL_KEY is set. It keeps no state: the request id carries the
 * endpoint, the submit time and the few input values needed to draw the result, so status and result
 * survive restarts and work from any replica. Results look exactly like the real model's JSON, with
 * `demo://render?...` URLs that `downloadOutput` turns into real, clearly labelled files.
 */

export type DemoModel = CatalogModel | TrainingModel;

export interface DemoProviderOptions {
  /** Finds the model for an endpoint id; defaults to MODEL_CATALOG plus LORA_TRAINING_MODEL. */
  lookup?: (endpoint: string) => DemoModel | undefined;
  /** How long a request waits in the "queue" and then "runs". Default 300 ms / 1200 ms. */
  timing?: { queueMs: number; runMs: number };
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number;
  logger?: Logger;
}

export const DEMO_REQUEST_PREFIX = 'demo-';
export const DEMO_FAIL_WORD = 'fail-demo';
export const DEMO_FAIL_REASON = 'The demo provider was asked to fail (prompt contains "fail-demo")';
const MAX_PROMPT_CHARS = 500;
const QUEUE_POSITIONS = 3;
const DEFAULT_TIMING = { queueMs: 300, runMs: 1200 };

/** fal's `image_size` presets. */
export const IMAGE_SIZE_PRESETS: Readonly<Record<string, readonly [number, number]>> = {
  square_hd: [1024, 1024],
  square: [512, 512],
  portrait_4_3: [768, 1024],
  portrait_16_9: [576, 1024],
  landscape_4_3: [1024, 768],
  landscape_16_9: [1024, 576],
};

type RenderKind = 'image' | 'video' | 'audio' | 'model' | 'text' | 'lora';

/** What the request id remembers of the input: only what rendering needs. */
interface CompactInput {
  /** Prompt (or text to speak), at most 500 characters. */
  p: string;
  /** Seed. */
  s: number;
  /** Width and height (images, video). */
  w?: number;
  h?: number;
  /** Number of images. */
  n?: number;
  /** Seconds of audio. */
  d?: number;
  /** Video frames. */
  f?: number;
  /** Speech (1) or music (0) for audio. */
  v?: 1 | 0;
  /** The input asked to fail ("fail-demo"). */
  x?: 1;
  /** LoRA trigger word. */
  tw?: string;
}

interface DemoRequest {
  e: string;
  t: number;
  /** Nonce: two identical submits in the same millisecond still get different ids. */
  r: string;
  i: CompactInput;
}

// ---- request ids -------------------------------------------------------------------------------

function encodeRequestId(request: DemoRequest): string {
  return `${DEMO_REQUEST_PREFIX}${Buffer.from(JSON.stringify(request), 'utf8').toString('base64url')}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function decodeDemoRequestId(requestId: string): DemoRequest | null {
  if (!requestId.startsWith(DEMO_REQUEST_PREFIX)) return null;
  try {
    const json = JSON.parse(
      Buffer.from(requestId.slice(DEMO_REQUEST_PREFIX.length), 'base64url').toString('utf8'),
    );
    if (!isRecord(json) || typeof json.e !== 'string' || typeof json.t !== 'number' || !isRecord(json.i)) {
      return null;
    }
    const i = json.i;
    if (typeof i.p !== 'string' || typeof i.s !== 'number') return null;
    return {
      e: json.e,
      t: json.t,
      r: typeof json.r === 'string' ? json.r : '',
      i: i as unknown as CompactInput,
    };
  } catch {
    return null;
  }
}

// ---- reading the input ---------------------------------------------------------------------------

function renderKind(model: DemoModel): RenderKind {
  switch (model.output) {
    case 'images':
      return 'image';
    case 'video':
      return 'video';
    case 'audio':
      return 'audio';
    case 'model3d':
      return 'model';
    case 'text':
      return 'text';
    case 'lora':
      return 'lora';
  }
}

function fieldDefault(model: DemoModel, name: string): unknown {
  const field: ModelField | undefined = model.fields.find((f) => f.name === name);
  return field && 'default' in field ? field.default : undefined;
}

function value(model: DemoModel, input: Record<string, unknown>, name: string): unknown {
  return input[name] ?? fieldDefault(model, name);
}

function truncatePrompt(text: string): string {
  if (text.length <= MAX_PROMPT_CHARS) return text;
  let cut = text.slice(0, MAX_PROMPT_CHARS);
  // Never leave half a surrogate pair at the end.
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return cut;
}

function promptOf(model: DemoModel, input: Record<string, unknown>): string {
  for (const name of ['prompt', 'text', 'gen_text', 'input', 'trigger_word']) {
    const v = input[name];
    if (typeof v === 'string' && v.trim() !== '') return truncatePrompt(v.trim());
  }
  return truncatePrompt(model.name);
}

function asksToFail(input: Record<string, unknown>): boolean {
  return Object.values(input).some((v) => typeof v === 'string' && v.toLowerCase().includes(DEMO_FAIL_WORD));
}

/** '1024x768', a fal preset name or `{ width, height }`. */
function parseImageSize(size: unknown): [number, number] | undefined {
  if (typeof size === 'string') {
    const preset = IMAGE_SIZE_PRESETS[size];
    if (preset) return [preset[0], preset[1]];
    const match = /^(\d{2,4})x(\d{2,4})$/.exec(size);
    if (match) return [Number(match[1]), Number(match[2])];
  }
  if (isRecord(size) && typeof size.width === 'number' && typeof size.height === 'number') {
    return [size.width, size.height];
  }
  return undefined;
}

/** '16:9' -> a 1024-ish frame with that ratio. */
function parseAspectRatio(ratio: unknown): [number, number] | undefined {
  if (typeof ratio !== 'string') return undefined;
  const match = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(ratio);
  if (!match) return undefined;
  const rw = Number(match[1]);
  const rh = Number(match[2]);
  if (!(rw > 0 && rh > 0)) return undefined;
  const scale = 1024 / Math.max(rw, rh);
  return [Math.round(rw * scale), Math.round(rh * scale)];
}

/** A number, or a string like "8s" / "5". */
function parseSeconds(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v) && v > 0) return v;
  if (typeof v === 'string') {
    const match = /^\s*(\d+(?:\.\d+)?)\s*s?\s*$/i.exec(v);
    if (match) return Number(match[1]);
  }
  return undefined;
}

function compactInput(model: DemoModel, input: Record<string, unknown>, submittedAt: number): CompactInput {
  const p = promptOf(model, input);
  const seedValue = input.seed;
  const s =
    typeof seedValue === 'number' && Number.isInteger(seedValue)
      ? seedValue
      : hashString(`${p}|${submittedAt}`) & 0x7fffffff;
  const out: CompactInput = { p, s };
  if (asksToFail(input)) out.x = 1;
  const kind = renderKind(model);
  if (kind === 'image') {
    const [w, h] = parseImageSize(value(model, input, 'image_size')) ?? [1024, 1024];
    const count = value(model, input, 'num_images');
    out.w = w;
    out.h = h;
    out.n = typeof count === 'number' && Number.isInteger(count) ? Math.min(8, Math.max(1, count)) : 1;
  } else if (kind === 'video') {
    const [w, h] = parseImageSize(value(model, input, 'video_size')) ??
      parseAspectRatio(value(model, input, 'aspect_ratio')) ?? [1024, 576];
    const frames = value(model, input, 'num_frames');
    out.w = w;
    out.h = h;
    if (typeof frames === 'number') out.f = frames;
  } else if (kind === 'audio') {
    const speech = 'category' in model && model.category !== 'music';
    out.v = speech ? 1 : 0;
    const seconds =
      parseSeconds(value(model, input, 'seconds_total')) ?? parseSeconds(value(model, input, 'duration'));
    const words = p.split(/\s+/).filter(Boolean).length;
    out.d = Math.round((seconds ?? (speech ? Math.min(30, Math.max(2, 1 + words * 0.4)) : 10)) * 10) / 10;
  } else if (kind === 'lora') {
    const trigger = input.trigger_word;
    if (typeof trigger === 'string' && trigger.trim() !== '') out.tw = trigger.trim().slice(0, 50);
  }
  return out;
}

// ---- result JSON -----------------------------------------------------------------------------------

function renderUrl(kind: string, params: Record<string, string | number | undefined>): string {
  const query = new URLSearchParams({ kind });
  for (const [k, v] of Object.entries(params)) if (v !== undefined) query.set(k, String(v));
  return `demo://render?${query.toString()}`;
}

interface Segment {
  key: string;
  each: boolean;
}

function segmentsOf(path: string): Segment[] {
  return path
    .split('.')
    .map((part) =>
      part.endsWith('[]') ? { key: part.slice(0, -2), each: true } : { key: part, each: false },
    );
}

/** Builds `{ a: { b: [leaf, leaf] } }` for 'a.b[]' from the leaves. */
function place(segments: readonly Segment[], leaves: readonly unknown[]): unknown {
  const [head, ...rest] = segments;
  if (!head) return leaves[0];
  if (head.each) return { [head.key]: leaves.map((leaf) => place(rest, [leaf])) };
  return { [head.key]: place(rest, leaves) };
}

/** Puts the file objects where `outputPath` says the URLs are ('images[].url', 'video.url'...). */
function placeFiles(outputPath: string, files: readonly Record<string, unknown>[]): Record<string, unknown> {
  const segments = segmentsOf(outputPath);
  const leaf = segments[segments.length - 1];
  const placed =
    leaf?.key === 'url' && !leaf.each
      ? place(segments.slice(0, -1), files)
      : place(
          segments,
          files.map((f) => f.url),
        );
  return isRecord(placed) ? placed : {};
}

function demoOutput(model: DemoModel, i: CompactInput): Record<string, unknown> {
  const kind = renderKind(model);
  const p = i.p;
  switch (kind) {
    case 'image': {
      const count = i.n ?? 1;
      const w = i.w ?? 1024;
      const h = i.h ?? 1024;
      const files = Array.from({ length: count }, (_, k) => ({
        url: renderUrl('image', { w, h, seed: i.s + k, prompt: p, n: k }),
        width: w,
        height: h,
        content_type: 'image/png',
        file_name: `demo-image-${k}.png`,
      }));
      return {
        ...placeFiles(model.outputPath, files),
        timings: { inference: 0 },
        seed: i.s,
        has_nsfw_concepts: files.map(() => false),
        prompt: p,
      };
    }
    case 'video': {
      const file = {
        url: renderUrl('video', { w: i.w, h: i.h, f: i.f, seed: i.s, prompt: p }),
        content_type: 'image/gif',
        file_name: 'demo-video.gif',
      };
      return { ...placeFiles(model.outputPath, [file]), seed: i.s };
    }
    case 'audio': {
      const voice = i.v === 1 ? 'speech' : 'music';
      const file = {
        url: renderUrl('audio', { voice, d: i.d, seed: i.s, prompt: p }),
        content_type: 'audio/wav',
        file_name: `demo-${voice}.wav`,
      };
      return placeFiles(model.outputPath, [file]);
    }
    case 'model': {
      const file = {
        url: renderUrl('model', { seed: i.s, prompt: p }),
        content_type: 'model/gltf-binary',
        file_name: 'demo-model.glb',
      };
      return { ...placeFiles(model.outputPath, [file]), seed: i.s };
    }
    case 'text': {
      const text = `(demo transcript) This text comes from Atelier's offline demo provider; no audio was transcribed. Set FAL_KEY to use ${model.name}.`;
      const placed = place(segmentsOf(model.outputPath), [text]);
      return {
        ...(isRecord(placed) ? placed : {}),
        chunks: [{ timestamp: [0, 5], text, speaker: null }],
        inferred_languages: ['en'],
        diarization_segments: [],
      };
    }
    case 'lora': {
      const file = {
        url: renderUrl('lora', { tw: i.tw, seed: i.s }),
        content_type: 'application/octet-stream',
        file_name: 'demo_lora.safetensors',
      };
      return {
        ...placeFiles(model.outputPath, [file]),
        config_file: {
          url: renderUrl('lora-config', { tw: i.tw, seed: i.s }),
          content_type: 'application/json',
          file_name: 'config.json',
        },
      };
    }
  }
}

// ---- rendering demo:// URLs ------------------------------------------------------------------------

const DEMO_LORA_NOTE = 'DEMO LoRA made by the Atelier offline demo provider: it holds no real weights';

/** A valid safetensors file with no tensors: u64 header length + JSON header whose metadata says DEMO. */
function demoLoraFile(triggerWord: string | null, seed: number): Buffer {
  const header = JSON.stringify({
    __metadata__: {
      format: 'pt',
      atelier_demo: 'true',
      note: DEMO_LORA_NOTE,
      trigger_word: triggerWord ?? '',
      seed: String(seed),
    },
  });
  const padded = header.padEnd(Math.ceil(header.length / 8) * 8, ' ');
  const json = Buffer.from(padded, 'utf8');
  const out = Buffer.alloc(8 + json.length);
  out.writeBigUInt64LE(BigInt(json.length), 0);
  json.copy(out, 8);
  return out;
}

function num(params: URLSearchParams, name: string, fallback: number): number {
  const raw = params.get(name);
  const n = raw === null ? Number.NaN : Number(raw);
  return Number.isFinite(n) ? n : fallback;
}

export function renderDemoUrl(url: string): { bytes: Buffer; contentType: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ProviderRejectedError('The demo provider cannot read this output URL');
  }
  if (parsed.protocol !== 'demo:' || parsed.host !== 'render') {
    throw new ProviderRejectedError('The demo provider only serves demo://render URLs');
  }
  const q = parsed.searchParams;
  const prompt = q.get('prompt') ?? '';
  const seed = num(q, 'seed', 0);
  switch (q.get('kind')) {
    case 'image':
      return {
        bytes: renderDemoImage({ prompt, width: num(q, 'w', 1024), height: num(q, 'h', 1024), seed }),
        contentType: 'image/png',
      };
    case 'video': {
      const frames = q.has('f') ? num(q, 'f', 16) : undefined;
      return {
        bytes: renderDemoVideo({
          prompt,
          width: num(q, 'w', 1024),
          height: num(q, 'h', 576),
          seed,
          ...(frames === undefined ? {} : { frames }),
        }),
        contentType: 'image/gif',
      };
    }
    case 'audio':
      return {
        bytes: renderDemoAudio({
          prompt,
          seconds: num(q, 'd', 5),
          seed,
          kind: q.get('voice') === 'speech' ? 'speech' : 'music',
        }),
        contentType: 'audio/wav',
      };
    case 'model':
      return { bytes: renderDemoModel({ prompt, seed }), contentType: 'model/gltf-binary' };
    case 'lora':
      return { bytes: demoLoraFile(q.get('tw'), seed), contentType: 'application/octet-stream' };
    case 'lora-config':
      return {
        bytes: Buffer.from(
          `${JSON.stringify({ demo: true, note: DEMO_LORA_NOTE, trigger_word: q.get('tw') ?? '' }, null, 2)}\n`,
        ),
        contentType: 'application/json',
      };
    default:
      throw new ProviderRejectedError('The demo provider does not know what to draw for this URL');
  }
}

// ---- the provider ------------------------------------------------------------------------------------

function defaultLookup(): (endpoint: string) => DemoModel | undefined {
  const byEndpoint = new Map<string, DemoModel>();
  for (const model of MODEL_CATALOG) byEndpoint.set(model.endpoint, model);
  byEndpoint.set(LORA_TRAINING_MODEL.endpoint, LORA_TRAINING_MODEL);
  return (endpoint) => byEndpoint.get(endpoint);
}

export function createDemoProvider(options: DemoProviderOptions = {}): GenerationProvider {
  const lookup = options.lookup ?? defaultLookup();
  const { queueMs, runMs } = options.timing ?? DEFAULT_TIMING;
  const now = options.now ?? Date.now;
  const log = options.logger?.child({ provider: 'demo' });

  const find = (endpoint: string, requestId: string): { request: DemoRequest; model: DemoModel } | string => {
    const request = decodeDemoRequestId(requestId);
    if (!request) return 'The demo provider does not know this request';
    if (request.e !== endpoint) return `The demo request belongs to ${request.e}, not ${endpoint}`;
    const model = lookup(endpoint);
    if (!model) return `The demo provider does not know the model ${endpoint}`;
    return { request, model };
  };

  return {
    name: 'demo',

    async submit({ endpoint, input }) {
      const model = lookup(endpoint);
      if (!model) throw new ProviderRejectedError(`The demo provider does not know the model ${endpoint}`);
      const t = now();
      const requestId = encodeRequestId({
        e: endpoint,
        t,
        r: randomBytes(3).toString('base64url'),
        i: compactInput(model, input, t),
      });
      log?.debug('demo request submitted', { endpoint });
      return { requestId };
    },

    async status(endpoint, requestId): Promise<ProviderStatus> {
      const found = find(endpoint, requestId);
      if (typeof found === 'string') return { state: 'failed', reason: found, retryable: false };
      const elapsed = now() - found.request.t;
      if (elapsed < queueMs) {
        const left = Math.max(0, Math.min(1, (queueMs - elapsed) / Math.max(1, queueMs)));
        return {
          state: 'queued',
          queuePosition: Math.max(0, Math.ceil(left * QUEUE_POSITIONS) - 1),
          logs: [],
        };
      }
      if (elapsed < queueMs + runMs) {
        const progress = Math.min(99, Math.floor(((elapsed - queueMs) / Math.max(1, runMs)) * 100));
        return { state: 'running', progress, logs: [`demo: rendering ${progress}%`] };
      }
      return { state: 'completed', logs: ['demo: rendering 100%'] };
    },

    async result(endpoint, requestId): Promise<ProviderResult> {
      const found = find(endpoint, requestId);
      if (typeof found === 'string') return { ok: false, reason: found, retryable: false };
      const { request, model } = found;
      if (now() - request.t < queueMs + runMs) {
        return { ok: false, reason: 'The demo request is still in progress', retryable: true };
      }
      if (request.i.x === 1) return { ok: false, reason: DEMO_FAIL_REASON, retryable: false };
      return { ok: true, output: demoOutput(model, request.i) };
    },

    async cancel() {
      // Nothing runs anywhere: there is nothing to stop.
    },

    async uploadInput(bytes) {
      // Nothing leaves the machine; the URL only names the content.
      return `demo://input/${createHash('sha256').update(bytes).digest('hex')}`;
    },

    async downloadOutput(url, maxBytes) {
      const { bytes, contentType } = renderDemoUrl(url);
      if (bytes.length > maxBytes) {
        throw new ProviderRejectedError(
          `The demo output is ${bytes.length} bytes, over the ${maxBytes} byte limit`,
        );
      }
      return { bytes, contentType };
    },
  };
}
