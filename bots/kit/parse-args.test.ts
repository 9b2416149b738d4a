import { describe, expect, it } from 'vitest';
import { decodeAction, encodeAction, fits } from './button-actions';
import { findCommand } from './commands';
import { parseGenerateArgs, parseLora } from './generate-args';
import { splitCommand, tokenize, UsageError } from './parse-args';

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

describe('button actions', () => {
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
