import { describe, expect, it } from 'vitest';
import type { ModelField } from '../../core/src/domain/catalog/catalog.types';
import { decodeAction, encodeAction, fits } from './button-actions';
import { findCommand } from './commands';
import { parseGenerateArgs, parseLora } from './generate-args';
import { buildModelInput, type ModelSchema, pickSize } from './model-options';
import { parseIdRef, splitCommand, tokenize, UsageError } from './parse-args';

const FLUX: ModelSchema = {
  id: 'fal-ai/flux-1/schnell',
  name: 'FLUX.1 [schnell]',
  fields: [
    { name: 'prompt', type: 'text', label: 'Prompt', required: true, maxLength: 2000 },
    {
      name: 'image_size',
      type: 'enum',
      label: 'Size',
      options: ['square_hd', 'square', 'portrait_4_3', 'portrait_16_9', 'landscape_4_3', 'landscape_16_9'],
    },
    { name: 'num_inference_steps', type: 'int', label: 'Steps', min: 1, max: 12 },
    { name: 'num_images', type: 'int', label: 'Number of images', min: 1, max: 4 },
    { name: 'seed', type: 'int', label: 'Seed', min: 0, max: 2_147_483_647 },
    { name: 'output_format', type: 'enum', label: 'Format', options: ['jpeg', 'png'] },
  ] satisfies ModelField[],
};
const VEO: ModelSchema = {
  id: 'fal-ai/veo3',
  name: 'Veo 3',
  fields: [
    { name: 'prompt', type: 'text', label: 'Prompt', required: true, maxLength: 2000 },
    { name: 'negative_prompt', type: 'text', label: 'Negative prompt', maxLength: 1000 },
    { name: 'aspect_ratio', type: 'enum', label: 'Aspect ratio', options: ['16:9', '9:16'] },
    { name: 'generate_audio', type: 'bool', label: 'Generate audio' },
  ] satisfies ModelField[],
};
const GPT_IMAGE: ModelSchema = {
  id: 'fal-ai/gpt-image-1/text-to-image',
  name: 'GPT Image 1',
  fields: [
    { name: 'prompt', type: 'text', label: 'Prompt', required: true, maxLength: 2000 },
    { name: 'image_size', type: 'enum', label: 'Size', options: ['1024x1024', '1536x1024', '1024x1536'] },
  ] satisfies ModelField[],
};

const usage = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error('expected a UsageError');
};

describe('splitting commands', () => {
  it.each([
    ['/gen a red fox', { command: 'gen', mention: null, rest: 'a red fox' }],
    ['/GEN@Atelier_Bot  a red fox ', { command: 'gen', mention: 'Atelier_Bot', rest: 'a red fox' }],
    ['/help', { command: 'help', mention: null, rest: '' }],
    ['/gen\nmultiple\nlines', { command: 'gen', mention: null, rest: 'multiple\nlines' }],
    ['hello there', null],
    ['/ spaced', null],
  ])('%j', (text, expected) => {
    expect(splitCommand(text)).toEqual(expected);
  });

  it.each([
    ['gen', 'generate'],
    ['imagine', 'generate'],
    ['GENERATE', 'generate'],
    ['start', 'help'],
    ['fav', 'favorite'],
    ['frobnicate', undefined],
  ])('/%s is %s', (name, expected) => {
    expect(findCommand(name)?.name).toBe(expected);
  });
});

describe('tokenizing', () => {
  it.each([
    ['a red fox', ['a', 'red', 'fox']],
    ['a fox --no "blurry, text"', ['a', 'fox', '--no', 'blurry, text']],
    ["don't panic", ["don't", 'panic']],
    ['--no=“smart quotes here”', ['--no=smart quotes here']],
    ["it's 'single quoted' ok", ["it's", 'single quoted', 'ok']],
    ['unclosed "quote runs on', ['unclosed', 'quote runs on']],
    ['  spaced   out  ', ['spaced', 'out']],
  ])('%j', (input, expected) => {
    expect(tokenize(input)).toEqual(expected);
  });
});

describe('/generate arguments', () => {
  it.each([
    ['a red fox', { prompt: 'a red fox', loras: [], fields: [] }],
    [
      'a red fox --model flux --size 16:9 --count 2 --seed 42',
      { prompt: 'a red fox', model: 'flux', size: '16:9', count: 2, seed: 42, loras: [], fields: [] },
    ],
    ['--model sdxl a castle', { prompt: 'a castle', model: 'sdxl', loras: [], fields: [] }],
    ['a cat -m dev', { prompt: 'a cat', model: 'dev', loras: [], fields: [] }],
    ['a cat —model dev', { prompt: 'a cat', model: 'dev', loras: [], fields: [] }],
    ['a cat --no "blurry, text"', { prompt: 'a cat', negative: 'blurry, text', loras: [], fields: [] }],
    ['a cat --negative-prompt dogs', { prompt: 'a cat', negative: 'dogs', loras: [], fields: [] }],
    [
      'me --lora mystyle:0.8 --lora other',
      {
        prompt: 'me',
        loras: [
          { name: 'mystyle', scale: 0.8 },
          { name: 'other', scale: 1 },
        ],
        fields: [],
      },
    ],
    [
      'x --num-inference-steps 8 --generate_audio',
      {
        prompt: 'x',
        loras: [],
        fields: [
          { name: 'num_inference_steps', value: '8' },
          { name: 'generate_audio', value: null },
        ],
      },
    ],
    ['x --output_format=png', { prompt: 'x', loras: [], fields: [{ name: 'output_format', value: 'png' }] }],
  ])('%j', (rest, expected) => {
    expect(parseGenerateArgs(rest)).toEqual(expected);
  });

  it.each([
    ['a fox --count many', '--count needs a whole number'],
    ['a fox --count 0', '--count must be between 1 and 10'],
    ['a fox --seed -1', '--seed needs a whole number'],
    ['a fox --model', '--model needs a model name (see /models)'],
    ['a fox --lora x:3', 'A LoRA scale is between 0 and 2'],
    ['a --lora a --lora b --lora c --lora d', 'At most 3 LoRAs at once'],
  ])('%j is refused: %s', (rest, message) => {
    expect(usage(() => parseGenerateArgs(rest))).toBe(message);
  });

  it.each([
    ['style', { name: 'style', scale: 1 }],
    ['my style:1.5', { name: 'my style', scale: 1.5 }],
    ['s:.5', { name: 's', scale: 0.5 }],
  ])('LoRA %j', (value, expected) => {
    expect(parseLora(value)).toEqual(expected);
  });
});

describe("mapping options onto a model's fields", () => {
  it.each([
    [FLUX, '16:9', 'landscape_16_9'],
    [FLUX, 'landscape_4_3', 'landscape_4_3'],
    [FLUX, '9:16', 'portrait_16_9'],
    [FLUX, '1024x768', 'landscape_4_3'],
    [FLUX, '1:1', 'square_hd'],
    [FLUX, 'square', 'square'],
    [FLUX, 'Square_HD', 'square_hd'],
    [FLUX, 'portrait', 'portrait_4_3'],
    [VEO, 'landscape_16_9', '16:9'],
    [VEO, '4:3', '16:9'],
    [VEO, '3:4', '9:16'],
    [GPT_IMAGE, '1024x1024', '1024x1024'],
    [GPT_IMAGE, '16:9', '1536x1024'],
    [GPT_IMAGE, 'portrait', '1024x1536'],
  ])('%s: size %j is %j', (model, typed, expected) => {
    const options = model.fields.find((f) => f.type === 'enum' && /size|aspect/.test(f.name));
    expect(options?.type === 'enum' && pickSize(options.options, typed)).toBe(expected);
  });

  it('builds only what the user chose, under the model’s own field names', () => {
    const args = parseGenerateArgs(
      'a red fox --size 16:9 --count 2 --seed 7 --num_inference_steps 8 --output-format PNG',
    );
    expect(buildModelInput(FLUX, args)).toEqual({
      prompt: 'a red fox',
      image_size: 'landscape_16_9',
      num_images: 2,
      seed: 7,
      num_inference_steps: 8,
      output_format: 'png',
    });
    expect(
      buildModelInput(VEO, parseGenerateArgs('a film --no rain --size 9:16 --generate-audio off')),
    ).toEqual({
      prompt: 'a film',
      negative_prompt: 'rain',
      aspect_ratio: '9:16',
      generate_audio: false,
    });
    expect(buildModelInput(FLUX, parseGenerateArgs('x'), { image_url: 'u' })).toEqual({
      prompt: 'x',
      image_url: 'u',
    });
  });

  it.each([
    [FLUX, 'x --no rain', 'FLUX.1 [schnell] takes no negative prompt (--no)'],
    [VEO, 'x --count 2', 'Veo 3 makes one result at a time; leave out --count'],
    [VEO, 'x --seed 2', 'Veo 3 takes no seed'],
    [
      FLUX,
      'x --wings 3',
      expect.stringMatching(/^FLUX\.1 \[schnell\] has no option --wings; it takes: --image_size/),
    ],
    [FLUX, 'x --num_inference_steps many', '--num_inference_steps needs a whole number from 1 to 12'],
    [FLUX, 'x --output_format gif', '--output_format is one of: jpeg, png'],
    [
      FLUX,
      'x --size huge',
      '--size for FLUX.1 [schnell] is one of: square_hd, square, portrait_4_3, portrait_16_9, landscape_4_3, landscape_16_9',
    ],
  ])('%s: %j is refused', (model, rest, message) => {
    expect(usage(() => buildModelInput(model, parseGenerateArgs(rest)))).toEqual(message);
  });
});

describe('ids and button actions', () => {
  it.each([
    ['1A2B3C4D', { prefix: '1a2b3c4d' }],
    ['#1a2b3c', { prefix: '1a2b3c' }],
    ['0b9e4a4e-5a41-4b8e-9c57-9b1a7d2c3e4f', { full: '0b9e4a4e-5a41-4b8e-9c57-9b1a7d2c3e4f' }],
  ])('id %j', (typed, expected) => {
    expect(parseIdRef(typed)).toEqual(expected);
  });

  it.each(['xyz', '12345', ''])('%j is no id', (typed) => {
    expect(() => parseIdRef(typed)).toThrow(UsageError);
  });

  const id = '0b9e4a4e-5a41-4b8e-9c57-9b1a7d2c3e4f';
  it.each([
    [{ verb: 'reroll', generationId: id }, `r:${id}`],
    [{ verb: 'make3d', generationId: id }, `3:${id}`],
    [
      { verb: 'use-model', modelId: 'fal-ai/elevenlabs/tts/multilingual-v2' },
      'm:fal-ai/elevenlabs/tts/multilingual-v2',
    ],
    [{ verb: 'history', page: 3 }, 'h:3'],
  ] as const)('%j <-> %s, within 64 bytes', (action, encoded) => {
    expect(encodeAction(action)).toBe(encoded);
    expect(decodeAction(encoded)).toEqual(action);
    expect(fits(encoded)).toBe(true);
  });

  it.each(['r:not-a-uuid', 'x:whatever', 'h:0', 'nonsense', 'm:'])('%j is not ours', (encoded) => {
    expect(decodeAction(encoded)).toBeNull();
  });
});
