import { createHash } from 'node:crypto';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { LORA_TRAINING_MODEL, MODEL_CATALOG } from '../../domain/catalog/catalog.data';
import { extractOutputs, nsfwFlags } from '../outputs';
import { ProviderRejectedError, type ProviderStatus } from '../provider';
import { createDemoProvider, DEMO_FAIL_REASON } from './demo.provider';

const TIMING = { queueMs: 100, runMs: 200 };
const MB = 1024 * 1024;

/** A provider on a hand-driven clock, so every phase can be visited exactly. */
function clocked(start = 1_700_000_000_000) {
  const clock = { now: start };
  const provider = createDemoProvider({ timing: TIMING, now: () => clock.now });
  return { clock, provider };
}

function outputPathOf(endpoint: string): string {
  if (endpoint === LORA_TRAINING_MODEL.endpoint) return LORA_TRAINING_MODEL.outputPath;
  const model = MODEL_CATALOG.find((m) => m.endpoint === endpoint);
  if (!model) throw new Error(`not in the catalog: ${endpoint}`);
  return model.outputPath;
}

function isGlb(bytes: Buffer): boolean {
  return (
    bytes.readUInt32LE(0) === 0x46546c67 &&
    bytes.readUInt32LE(4) === 2 &&
    bytes.readUInt32LE(8) === bytes.length
  );
}

function wavSeconds(bytes: Buffer): number {
  expect(bytes.toString('ascii', 0, 4)).toBe('RIFF');
  expect(bytes.toString('ascii', 8, 12)).toBe('WAVE');
  expect(bytes.toString('ascii', 36, 40)).toBe('data');
  return bytes.readUInt32LE(40) / bytes.readUInt32LE(28);
}

const DEMO_URL = expect.stringMatching(/^demo:\/\/render\?/);

interface Case {
  category: string;
  endpoint: string;
  input: Record<string, unknown>;
  shape: Record<string, unknown>;
  contentType: string | null;
  check: (bytes: Buffer) => void;
}

const cases: Case[] = [
  {
    category: 'image',
    endpoint: 'fal-ai/flux-1/schnell',
    input: { prompt: 'a lighthouse at dusk', image_size: 'portrait_4_3', num_images: 2, seed: 7 },
    shape: {
      images: [
        { url: DEMO_URL, width: 768, height: 1024, content_type: 'image/png', file_name: 'demo-image-0.png' },
        { url: DEMO_URL, width: 768, height: 1024, content_type: 'image/png', file_name: 'demo-image-1.png' },
      ],
      timings: { inference: 0 },
      seed: 7,
      has_nsfw_concepts: [false, false],
      prompt: 'a lighthouse at dusk',
    },
    contentType: 'image/png',
    check: (bytes) => {
      const png = PNG.sync.read(bytes);
      expect([png.width, png.height]).toEqual([768, 1024]);
    },
  },
  {
    category: 'video',
    endpoint: 'fal-ai/fast-animatediff/text-to-video',
    input: { prompt: 'waves rolling in', num_frames: 8, video_size: 'square' },
    shape: {
      video: { url: DEMO_URL, content_type: 'image/gif', file_name: 'demo-video.gif' },
      seed: expect.any(Number),
    },
    contentType: 'image/gif',
    check: (bytes) => expect(bytes.toString('ascii', 0, 6)).toBe('GIF89a'),
  },
  {
    category: 'music',
    endpoint: 'fal-ai/stable-audio',
    input: { prompt: '128 BPM tech house drum loop', seconds_total: 3 },
    shape: { audio_file: { url: DEMO_URL, content_type: 'audio/wav', file_name: 'demo-music.wav' } },
    contentType: 'audio/wav',
    check: (bytes) => expect(wavSeconds(bytes)).toBeCloseTo(3, 2),
  },
  {
    category: '3d',
    endpoint: 'fal-ai/trellis',
    input: { image_url: 'demo://input/abc', seed: 3 },
    shape: {
      model_mesh: { url: DEMO_URL, content_type: 'model/gltf-binary', file_name: 'demo-model.glb' },
      seed: 3,
    },
    contentType: 'model/gltf-binary',
    check: (bytes) => expect(isGlb(bytes)).toBe(true),
  },
  {
    category: '3d (text to 3D, other output key)',
    endpoint: 'fal-ai/hunyuan3d-v3/text-to-3d',
    input: { prompt: 'a teapot' },
    shape: {
      model_glb: { url: DEMO_URL, content_type: 'model/gltf-binary', file_name: 'demo-model.glb' },
      seed: expect.any(Number),
    },
    contentType: 'model/gltf-binary',
    check: (bytes) => expect(isGlb(bytes)).toBe(true),
  },
  {
    category: 'audio (TTS)',
    endpoint: 'fal-ai/elevenlabs/tts/multilingual-v2',
    input: { text: 'Hello there, this is a short narration.', voice: 'Rachel' },
    shape: { audio: { url: DEMO_URL, content_type: 'audio/wav', file_name: 'demo-speech.wav' } },
    contentType: 'audio/wav',
    check: (bytes) => expect(wavSeconds(bytes)).toBeGreaterThan(1),
  },
  {
    category: 'audio (voice cloning)',
    endpoint: 'fal-ai/f5-tts',
    input: { gen_text: 'Read this in my voice.', ref_audio_url: 'demo://input/def', model_type: 'F5-TTS' },
    shape: { audio_url: { url: DEMO_URL, content_type: 'audio/wav', file_name: 'demo-speech.wav' } },
    contentType: 'audio/wav',
    check: (bytes) => expect(wavSeconds(bytes)).toBeGreaterThan(1),
  },
  {
    category: 'LoRA training',
    endpoint: LORA_TRAINING_MODEL.endpoint,
    input: { images_data_url: 'demo://input/zip', trigger_word: 'ohwx', steps: 1000 },
    shape: {
      diffusers_lora_file: {
        url: DEMO_URL,
        content_type: 'application/octet-stream',
        file_name: 'demo_lora.safetensors',
      },
      config_file: { url: DEMO_URL, content_type: 'application/json', file_name: 'config.json' },
    },
    contentType: 'application/octet-stream',
    check: (bytes) => {
      // safetensors: u64 little-endian header length, then a JSON header (no tensors in the demo file).
      const length = Number(bytes.readBigUInt64LE(0));
      expect(bytes.length).toBe(8 + length);
      const header = JSON.parse(bytes.toString('utf8', 8)) as { __metadata__: Record<string, string> };
      expect(header.__metadata__).toMatchObject({ atelier_demo: 'true', trigger_word: 'ohwx' });
      expect(header.__metadata__.note).toMatch(/DEMO/);
    },
  },
];

describe('demo provider', () => {
  it.each(cases)('runs a $category model end to end ($endpoint)', async (c) => {
    const { clock, provider } = clocked();
    expect(provider.name).toBe('demo');
    const { requestId } = await provider.submit({ endpoint: c.endpoint, input: c.input });
    expect(requestId).toMatch(/^demo-[A-Za-z0-9_-]+$/);

    const seen: ProviderStatus[] = [];
    for (const at of [0, 40, 99, 100, 200, 299, 300, 10_000]) {
      clock.now = 1_700_000_000_000 + at;
      seen.push(await provider.status(c.endpoint, requestId));
    }
    expect(seen).toEqual([
      { state: 'queued', queuePosition: 2, logs: [] },
      { state: 'queued', queuePosition: 1, logs: [] },
      { state: 'queued', queuePosition: 0, logs: [] },
      { state: 'running', progress: 0, logs: ['demo: rendering 0%'] },
      { state: 'running', progress: 50, logs: ['demo: rendering 50%'] },
      { state: 'running', progress: 99, logs: ['demo: rendering 99%'] },
      { state: 'completed', logs: ['demo: rendering 100%'] },
      { state: 'completed', logs: ['demo: rendering 100%'] },
    ]);

    const result = await provider.result(c.endpoint, requestId);
    expect(result).toEqual({ ok: true, output: c.shape });
    if (!result.ok) throw new Error('unreachable');

    const { files } = extractOutputs(result.output, outputPathOf(c.endpoint));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const { bytes, contentType } = await provider.downloadOutput(file.url, 20 * MB);
      expect(contentType).toBe(c.contentType);
      expect(file.contentType).toBe(c.contentType);
      c.check(bytes);
    }
  });

  it('returns a Whisper-shaped transcript for speech to text', async () => {
    const { clock, provider } = clocked();
    const { requestId } = await provider.submit({
      endpoint: 'fal-ai/whisper',
      input: { audio_url: 'demo://input/rec', task: 'transcribe' },
    });
    clock.now += 1_000;
    const result = await provider.result('fal-ai/whisper', requestId);
    expect(result).toEqual({
      ok: true,
      output: {
        text: expect.stringMatching(/^\(demo transcript\) /),
        chunks: [{ timestamp: [0, 5], text: expect.stringMatching(/^\(demo transcript\)/), speaker: null }],
        inferred_languages: ['en'],
        diarization_segments: [],
      },
    });
    if (!result.ok) throw new Error('unreachable');
    const extracted = extractOutputs(result.output, 'text');
    expect(extracted.files).toEqual([]);
    expect(extracted.text).toMatch(/^\(demo transcript\) .*offline demo provider/);
  });

  it('draws each image at its size: fal presets, WxH strings and model defaults', async () => {
    const { clock, provider } = clocked();
    const sizes: [string, Record<string, unknown>, [number, number]][] = [
      ['fal-ai/fast-sdxl', { prompt: 'a', image_size: 'landscape_16_9' }, [1024, 576]],
      ['fal-ai/gpt-image-1/text-to-image', { prompt: 'b', image_size: '1536x1024' }, [1536, 1024]],
      ['fal-ai/flux-1/schnell', { prompt: 'c' }, [1024, 768]], // catalog default landscape_4_3
      ['fal-ai/fast-sdxl', { prompt: 'd', image_size: 'square' }, [512, 512]],
    ];
    for (const [endpoint, input, [w, h]] of sizes) {
      const { requestId } = await provider.submit({ endpoint, input });
      clock.now += 1_000;
      const result = await provider.result(endpoint, requestId);
      if (!result.ok) throw new Error(result.reason);
      const [file] = extractOutputs(result.output, 'images[].url').files;
      expect(file).toMatchObject({ width: w, height: h, contentType: 'image/png' });
      const png = PNG.sync.read((await provider.downloadOutput(file!.url, 20 * MB)).bytes);
      expect([png.width, png.height]).toEqual([w, h]);
      expect(nsfwFlags(result.output, 1)).toEqual([false]);
    }
  });

  it('walks queued -> running -> completed on the real clock with small timing', async () => {
    const provider = createDemoProvider({ timing: { queueMs: 40, runMs: 80 } });
    const endpoint = 'fal-ai/flux-1/schnell';
    const { requestId } = await provider.submit({
      endpoint,
      input: { prompt: 'tick', image_size: 'square' },
    });
    const states: string[] = [];
    for (let i = 0; i < 100; i++) {
      const status = await provider.status(endpoint, requestId);
      if (states[states.length - 1] !== status.state) states.push(status.state);
      if (status.state === 'completed') break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(states).toEqual(['queued', 'running', 'completed']);
    expect(await provider.result(endpoint, requestId)).toMatchObject({ ok: true });
  });

  it('answers for an old request id after a restart (a fresh instance)', async () => {
    const first = clocked();
    const endpoint = 'fal-ai/stable-audio';
    const { requestId } = await first.provider.submit({
      endpoint,
      input: { prompt: 'ambient pads', seconds_total: 2 },
    });

    first.clock.now += 50;
    const restarted = createDemoProvider({ timing: TIMING, now: () => first.clock.now });
    expect(await restarted.status(endpoint, requestId)).toEqual({
      state: 'queued',
      queuePosition: 1,
      logs: [],
    });
    first.clock.now += 5_000;
    const again = createDemoProvider({ timing: TIMING, now: () => first.clock.now });
    expect(await again.status(endpoint, requestId)).toEqual({
      state: 'completed',
      logs: ['demo: rendering 100%'],
    });
    const a = await first.provider.result(endpoint, requestId);
    const b = await again.result(endpoint, requestId);
    expect(b).toEqual(a);
    if (!a.ok || !b.ok) throw new Error('unreachable');
    const url = extractOutputs(b.output, 'audio_file.url').files[0]!.url;
    // Same request, same bytes, from any instance.
    expect(
      (await again.downloadOutput(url, MB)).bytes.equals(
        (await first.provider.downloadOutput(url, MB)).bytes,
      ),
    ).toBe(true);
  });

  it('gives two identical submits different request ids', async () => {
    const { provider } = clocked();
    const input = { prompt: 'same' };
    const a = await provider.submit({ endpoint: 'fal-ai/flux-1/schnell', input });
    const b = await provider.submit({ endpoint: 'fal-ai/flux-1/schnell', input });
    expect(a.requestId).not.toBe(b.requestId);
  });

  it('fails on request with a readable reason when the prompt says "fail-demo"', async () => {
    const { clock, provider } = clocked();
    for (const [endpoint, input] of [
      ['fal-ai/flux-1/schnell', { prompt: 'please fail-demo now' }],
      ['fal-ai/elevenlabs/tts/multilingual-v2', { text: `${'long text '.repeat(100)} fail-demo at the end` }],
    ] as const) {
      const { requestId } = await provider.submit({ endpoint, input });
      clock.now += 1_000;
      expect(await provider.status(endpoint, requestId)).toMatchObject({ state: 'completed' });
      expect(await provider.result(endpoint, requestId)).toEqual({
        ok: false,
        reason: DEMO_FAIL_REASON,
        retryable: false,
      });
    }
    expect(DEMO_FAIL_REASON).toBe('The demo provider was asked to fail (prompt contains "fail-demo")');
  });

  it('keeps request ids small even for very long prompts', async () => {
    const { provider } = clocked();
    const { requestId } = await provider.submit({
      endpoint: 'fal-ai/elevenlabs/tts/multilingual-v2',
      input: { text: 'ü😀 word '.repeat(600) },
    });
    expect(requestId.length).toBeLessThan(2_600);
  });

  it('reports a result asked for too early as retryable, and refuses unknown requests and models', async () => {
    const { provider } = clocked();
    const endpoint = 'fal-ai/flux-1/schnell';
    const { requestId } = await provider.submit({ endpoint, input: { prompt: 'x' } });
    expect(await provider.result(endpoint, requestId)).toEqual({
      ok: false,
      reason: 'The demo request is still in progress',
      retryable: true,
    });
    expect(await provider.status(endpoint, 'demo-garbage')).toMatchObject({
      state: 'failed',
      retryable: false,
    });
    expect(await provider.status('fal-ai/fast-sdxl', requestId)).toMatchObject({ state: 'failed' });
    expect(await provider.result(endpoint, 'fa1fa1e0-real-fal-id')).toMatchObject({
      ok: false,
      retryable: false,
    });
    await expect(provider.submit({ endpoint: 'fal-ai/unknown', input: {} })).rejects.toBeInstanceOf(
      ProviderRejectedError,
    );
    await expect(provider.cancel(endpoint, requestId)).resolves.toBeUndefined();
  });

  it('keeps uploads on the machine: a demo://input URL named by the content hash', async () => {
    const { provider } = clocked();
    const bytes = Buffer.from('some image bytes');
    const url = await provider.uploadInput(bytes, 'image/png', 'a.png');
    expect(url).toBe(`demo://input/${createHash('sha256').update(bytes).digest('hex')}`);
  });

  it('refuses downloads over maxBytes and URLs it did not make', async () => {
    const { clock, provider } = clocked();
    const endpoint = 'fal-ai/flux-1/schnell';
    const { requestId } = await provider.submit({ endpoint, input: { prompt: 'big', image_size: 'square' } });
    clock.now += 1_000;
    const result = await provider.result(endpoint, requestId);
    if (!result.ok) throw new Error(result.reason);
    const url = extractOutputs(result.output, 'images[].url').files[0]!.url;
    await expect(provider.downloadOutput(url, 100)).rejects.toBeInstanceOf(ProviderRejectedError);
    await expect(provider.downloadOutput('https://v3.fal.media/x.png', MB)).rejects.toBeInstanceOf(
      ProviderRejectedError,
    );
    await expect(provider.downloadOutput('demo://render?kind=nothing', MB)).rejects.toBeInstanceOf(
      ProviderRejectedError,
    );
  });
});
