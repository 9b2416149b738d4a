import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { DEFAULT_MODEL_ID, LORA_TRAINING_MODEL, MODEL_CATALOG } from './catalog.data';
import type { CatalogModel, ModelCategory, ModelField, TrainingModel } from './catalog.types';
import { buildInputSchema, priceFor, resolveModel } from './model-input';

const ASSET_ID = '3f6c2a9e-8d1b-4c7a-9e2f-5b4d6a7c8e90';
const CATEGORIES: ModelCategory[] = ['image', 'video', 'music', '3d', 'audio'];

function model(id: string): CatalogModel {
  const found = MODEL_CATALOG.find((m) => m.id === id);
  if (!found) throw new Error(`missing model ${id}`);
  return found;
}

/** A value that satisfies a field with no default. */
function sampleValue(field: ModelField): unknown {
  switch (field.type) {
    case 'text':
      return 'a lighthouse on a cliff at dusk'.padEnd(field.minLength ?? 0, '.').slice(0, field.maxLength);
    case 'int':
    case 'number':
      return field.min;
    case 'enum':
      return field.options[0];
    case 'bool':
      return true;
    case 'file':
      return ASSET_ID;
  }
}

/** The smallest valid input: required fields without a default, plus a prompt where there is one. */
function minimalInput(m: CatalogModel | TrainingModel): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const field of m.fields) {
    const hasDefault = 'default' in field && field.default !== undefined;
    if ((field.required && !hasDefault) || field.name === 'prompt') input[field.name] = sampleValue(field);
  }
  const oneOf = 'requireOneOf' in m ? m.requireOneOf : undefined;
  const first = oneOf?.[0];
  if (first !== undefined) input[first] = ASSET_ID;
  return input;
}

function issues(m: CatalogModel, input: Record<string, unknown>): z.core.$ZodIssue[] {
  const result = buildInputSchema(m).safeParse(input);
  expect(result.success).toBe(false);
  return result.success ? [] : result.error.issues;
}

describe('MODEL_CATALOG', () => {
  it('covers every category', () => {
    for (const category of CATEGORIES) {
      expect(MODEL_CATALOG.some((m) => m.category === category && m.enabled)).toBe(true);
    }
  });

  it('has unique ids, and ids equal endpoints', () => {
    const ids = MODEL_CATALOG.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const m of MODEL_CATALOG) expect(m.endpoint).toBe(m.id);
  });

  it('has aliases unique across models (case-insensitive) and never equal to another id', () => {
    const seen = new Map<string, string>();
    const ids = new Set(MODEL_CATALOG.map((m) => m.id.toLowerCase()));
    for (const m of MODEL_CATALOG) {
      expect(m.aliases.length).toBeGreaterThan(0);
      for (const alias of m.aliases) {
        const key = alias.toLowerCase();
        expect(seen.get(key), `alias "${alias}" of ${m.id}`).toBeUndefined();
        expect(ids.has(key)).toBe(false);
        expect(key).toMatch(/^[a-z0-9][a-z0-9-]*$/);
        seen.set(key, m.id);
      }
    }
  });

  it('contains the default model, enabled, as an image model', () => {
    const m = model(DEFAULT_MODEL_ID);
    expect(m.enabled).toBe(true);
    expect(m.category).toBe('image');
  });

  it('lists exactly the file fields in fileInputs, with unique field names', () => {
    for (const m of [...MODEL_CATALOG, LORA_TRAINING_MODEL]) {
      const names = m.fields.map((f) => f.name);
      expect(new Set(names).size, m.id).toBe(names.length);
      const files = m.fields.filter((f) => f.type === 'file').map((f) => f.name);
      expect(m.fileInputs, m.id).toEqual(files);
    }
  });

  it('has a well-formed price rule, output path and field limits on every model', () => {
    for (const m of [...MODEL_CATALOG, LORA_TRAINING_MODEL]) {
      const names = new Set(m.fields.map((f) => f.name));
      const rule = m.price;
      expect(rule.credits, m.id).toBeGreaterThan(0);
      if (rule.kind === 'per_output') expect(names.has(rule.countField), m.id).toBe(true);
      if (rule.kind === 'per_second') expect(names.has(rule.durationField), m.id).toBe(true);
      if (rule.kind === 'per_1k_chars') expect(names.has(rule.textField), m.id).toBe(true);
      for (const a of rule.adjustments ?? []) expect(names.has(a.field), m.id).toBe(true);
      expect(m.outputPath, m.id).toMatch(/^[a-z_]+(\[\])?(\.[a-z_]+)*$/);
      for (const f of m.fields) {
        if (f.type === 'int' || f.type === 'number') expect(f.min, `${m.id}.${f.name}`).toBeLessThan(f.max);
        if (f.type === 'enum') expect(f.options.length, `${m.id}.${f.name}`).toBeGreaterThan(1);
      }
    }
  });

  it('takes a required prompt on every prompt-driven model, image prompts up to 2000 chars', () => {
    for (const m of MODEL_CATALOG) {
      const p = m.fields.find((f) => f.name === 'prompt');
      if (!p) continue;
      expect(p.type, m.id).toBe('text');
      expect(p.required, m.id).toBe(true);
      if (m.category === 'image' && p.type === 'text') expect(p.maxLength, m.id).toBe(2000);
    }
  });

  it('marks LoRA support only on endpoints that take FLUX LoRAs', () => {
    expect(MODEL_CATALOG.filter((m) => m.acceptsLoras).map((m) => m.id)).toEqual(['fal-ai/flux-lora']);
  });
});

describe('buildInputSchema', () => {
  it.each(MODEL_CATALOG.map((m) => [m.id, m] as const))('accepts the defaults of %s', (_id, m) => {
    const result = buildInputSchema(m).safeParse(minimalInput(m));
    expect(result.success ? [] : result.error.issues).toEqual([]);
    if (!result.success) return;
    for (const field of m.fields) {
      if ('default' in field && field.default !== undefined) {
        expect(result.data[field.name], `${m.id}.${field.name}`).toEqual(field.default);
      }
    }
  });

  it.each(MODEL_CATALOG.map((m) => [m.id, m] as const))(
    'accepts every default given explicitly for %s',
    (_id, m) => {
      const input = minimalInput(m);
      for (const field of m.fields) {
        if ('default' in field && field.default !== undefined) input[field.name] = field.default;
      }
      expect(buildInputSchema(m).safeParse(input).success).toBe(true);
    },
  );

  it('accepts the LoRA trainer input and applies its defaults', () => {
    const parsed = buildInputSchema(LORA_TRAINING_MODEL).parse({
      images_data_url: ASSET_ID,
      trigger_word: 'ohwx',
    });
    expect(parsed).toEqual({
      images_data_url: ASSET_ID,
      trigger_word: 'ohwx',
      steps: 1000,
      is_style: false,
      create_masks: true,
    });
  });

  it('fills in defaults for the default model', () => {
    const parsed = buildInputSchema(model(DEFAULT_MODEL_ID)).parse({ prompt: 'a red fox' });
    expect(parsed).toEqual({
      prompt: 'a red fox',
      image_size: 'landscape_4_3',
      num_inference_steps: 4,
      num_images: 1,
      output_format: 'jpeg',
    });
  });

  it('rejects an out-of-range int with its path', () => {
    const found = issues(model(DEFAULT_MODEL_ID), { prompt: 'fox', num_inference_steps: 13 });
    expect(found).toHaveLength(1);
    expect(found[0]?.path).toEqual(['num_inference_steps']);
    expect(found[0]?.code).toBe('too_big');
  });

  it('rejects a non-integer where an int is expected', () => {
    const found = issues(model(DEFAULT_MODEL_ID), { prompt: 'fox', num_images: 1.5 });
    expect(found[0]?.path).toEqual(['num_images']);
  });

  it('rejects a wrong type with its path', () => {
    const found = issues(model(DEFAULT_MODEL_ID), { prompt: 'fox', num_images: '2' });
    expect(found[0]?.path).toEqual(['num_images']);
    expect(found[0]?.code).toBe('invalid_type');
  });

  it('rejects an unknown enum option with its path', () => {
    const found = issues(model(DEFAULT_MODEL_ID), { prompt: 'fox', image_size: 'huge' });
    expect(found[0]?.path).toEqual(['image_size']);
    expect(found[0]?.code).toBe('invalid_value');
  });

  it('rejects an oversized prompt with its path', () => {
    const found = issues(model('fal-ai/flux/dev'), { prompt: 'x'.repeat(2001) });
    expect(found[0]?.path).toEqual(['prompt']);
    expect(found[0]?.code).toBe('too_big');
  });

  it('rejects a missing or blank required prompt', () => {
    expect(issues(model('fal-ai/flux/dev'), {})[0]?.path).toEqual(['prompt']);
    expect(issues(model('fal-ai/flux/dev'), { prompt: '   ' })[0]?.path).toEqual(['prompt']);
  });

  it('enforces a minimum length where fal has one', () => {
    const found = issues(model('fal-ai/minimax-music/v2'), {
      prompt: 'pop',
      lyrics_prompt: 'la la la la la',
    });
    expect(found.map((i) => i.path)).toEqual([['prompt']]);
  });

  it('rejects unknown keys, naming them', () => {
    const found = issues(model(DEFAULT_MODEL_ID), { prompt: 'fox', sync_mode: true });
    expect(found[0]?.code).toBe('unrecognized_keys');
    expect(found[0] && 'keys' in found[0] ? found[0].keys : []).toEqual(['sync_mode']);
  });

  it('requires file fields to be asset ids', () => {
    const svd = model('fal-ai/stable-video');
    expect(issues(svd, {})[0]?.path).toEqual(['image_url']);
    expect(issues(svd, { image_url: 'https://example.com/a.png' })[0]?.path).toEqual(['image_url']);
    expect(buildInputSchema(svd).safeParse({ image_url: ASSET_ID }).success).toBe(true);
  });

  it('requires one of the control images for ControlNet', () => {
    const controlnet = model('fal-ai/sdxl-controlnet-union');
    expect(issues(controlnet, { prompt: 'a castle' })[0]?.path).toEqual(['canny_image_url']);
    expect(
      buildInputSchema(controlnet).safeParse({ prompt: 'a castle', depth_image_url: ASSET_ID }).success,
    ).toBe(true);
  });

  it('reports several problems at once, each with its own path', () => {
    const found = issues(model('fal-ai/fast-sdxl'), { prompt: 'fox', num_images: 9, guidance_scale: -1 });
    expect(found.map((i) => i.path).sort()).toEqual([['guidance_scale'], ['num_images']]);
  });
});

describe('priceFor', () => {
  it('charges per image', () => {
    const schnell = model(DEFAULT_MODEL_ID);
    expect(priceFor(schnell, { prompt: 'fox' })).toBe(1);
    expect(priceFor(schnell, { prompt: 'fox', num_images: 4 })).toBe(4);
    expect(priceFor(model('fal-ai/flux/dev'), { prompt: 'fox', num_images: 3 })).toBe(9);
  });

  it('charges per second, reading "8s" and "5" durations and defaults', () => {
    const veo = model('fal-ai/veo3');
    expect(priceFor(veo, { prompt: 'x', duration: '4s' })).toBe(160);
    expect(priceFor(veo, { prompt: 'x' })).toBe(320);
    const pika = model('fal-ai/pika/v2.2/text-to-video');
    expect(priceFor(pika, { prompt: 'x', duration: '10' })).toBe(40);
    expect(priceFor(pika, { prompt: 'x', duration: 5 })).toBe(20);
  });

  it('applies price adjustments', () => {
    const veo = model('fal-ai/veo3');
    expect(priceFor(veo, { prompt: 'x', duration: '8s', generate_audio: false })).toBe(160);
    const fast = model('fal-ai/veo3/fast');
    expect(priceFor(fast, { prompt: 'x', duration: '8s', generate_audio: true })).toBe(120);
    expect(priceFor(fast, { prompt: 'x', duration: '8s', generate_audio: false })).toBe(80);
    const pika = model('fal-ai/pika/v2.2/text-to-video');
    expect(priceFor(pika, { prompt: 'x', duration: '5', resolution: '1080p' })).toBe(45);
    const gpt = model('fal-ai/gpt-image-1/text-to-image');
    expect(priceFor(gpt, { prompt: 'x', quality: 'high', num_images: 2 })).toBe(51);
    expect(priceFor(gpt, { prompt: 'x', quality: 'low' })).toBe(3);
    expect(priceFor(model('fal-ai/hunyuan3d/v2'), { input_image_url: ASSET_ID, textured_mesh: true })).toBe(
      48,
    );
  });

  it('charges per started 1,000 characters for speech', () => {
    const eleven = model('fal-ai/elevenlabs/tts/multilingual-v2');
    expect(priceFor(eleven, { text: 'Hello there' })).toBe(10);
    expect(priceFor(eleven, { text: 'a'.repeat(1001) })).toBe(20);
  });

  it('uses the override in place of the rule credits', () => {
    expect(priceFor(model(DEFAULT_MODEL_ID), { prompt: 'x', num_images: 3 }, 2)).toBe(6);
    expect(priceFor(model('fal-ai/veo3'), { prompt: 'x', duration: '6s' }, 10)).toBe(60);
    expect(priceFor(LORA_TRAINING_MODEL, { images_data_url: ASSET_ID }, 150)).toBe(150);
  });

  it('returns a whole number of at least 1', () => {
    expect(priceFor(model(DEFAULT_MODEL_ID), { prompt: 'x' }, 0)).toBe(1);
    expect(priceFor(model(DEFAULT_MODEL_ID), { prompt: 'x', num_images: 3 }, 0.5)).toBe(2);
  });

  it('prices every model on its parsed defaults', () => {
    for (const m of MODEL_CATALOG) {
      const input = buildInputSchema(m).parse(minimalInput(m));
      const price = priceFor(m, input);
      expect(Number.isInteger(price), m.id).toBe(true);
      expect(price, m.id).toBeGreaterThanOrEqual(1);
    }
    expect(priceFor(LORA_TRAINING_MODEL, { images_data_url: ASSET_ID })).toBe(200);
  });

  it('refuses input it cannot price', () => {
    expect(() => priceFor(model('fal-ai/veo3'), { prompt: 'x', duration: 'long' })).toThrow(/duration/);
    expect(() => priceFor(model(DEFAULT_MODEL_ID), { prompt: 'x' }, -1)).toThrow();
  });
});

describe('resolveModel', () => {
  it('finds a model by id or alias, ignoring case', () => {
    expect(resolveModel(MODEL_CATALOG, 'fal-ai/flux/dev')?.id).toBe('fal-ai/flux/dev');
    expect(resolveModel(MODEL_CATALOG, 'FAL-AI/FLUX/DEV')?.id).toBe('fal-ai/flux/dev');
    expect(resolveModel(MODEL_CATALOG, 'flux')?.id).toBe('fal-ai/flux-1/schnell');
    expect(resolveModel(MODEL_CATALOG, 'SDXL')?.id).toBe('fal-ai/fast-sdxl');
    expect(resolveModel(MODEL_CATALOG, ' Veo ')?.id).toBe('fal-ai/veo3');
    expect(resolveModel(MODEL_CATALOG, 'dalle')?.id).toBe('fal-ai/gpt-image-1/text-to-image');
  });

  it('returns undefined for unknown names', () => {
    expect(resolveModel(MODEL_CATALOG, 'midjourney')).toBeUndefined();
    expect(resolveModel(MODEL_CATALOG, '')).toBeUndefined();
  });
});
