import type { ModelField } from '@atelier/core/client';
import type { OptionArg } from './command-spec';
import type { GenerateArgs } from './generate-args';
import { UsageError } from './parse-args';

/** The part of a catalog model that decides how typed options become its input. */
export interface ModelSchema {
  id: string;
  name: string;
  fields: readonly ModelField[];
}

/** fal's image_size presets and their aspect ratios (width / height). */
const PRESET_ASPECT: Record<string, number> = {
  square_hd: 1,
  square: 1,
  portrait_4_3: 3 / 4,
  portrait_16_9: 9 / 16,
  landscape_4_3: 4 / 3,
  landscape_16_9: 16 / 9,
};
const WORD_ASPECT: Record<string, number> = {
  square: 1,
  landscape: 4 / 3,
  portrait: 3 / 4,
  wide: 16 / 9,
  tall: 9 / 16,
};
const SIZE_FIELDS = ['image_size', 'video_size', 'aspect_ratio', 'size'];

/** Aspect ratio of a size as typed or as a model option ("16:9", "1024x768", "landscape_4_3", "square"). */
export function aspectOf(value: string): number | null {
  const v = value.trim().toLowerCase();
  const preset = PRESET_ASPECT[v] ?? WORD_ASPECT[v];
  if (preset !== undefined) return preset;
  const pair = /^(\d+(?:\.\d+)?)\s*[:x×*/]\s*(\d+(?:\.\d+)?)$/.exec(v);
  if (!pair) return null;
  const w = Number(pair[1]);
  const h = Number(pair[2]);
  return w > 0 && h > 0 ? w / h : null;
}

function pixelsOf(value: string): number | null {
  const pair = /^(\d+)\s*[x×*]\s*(\d+)$/.exec(value.trim().toLowerCase());
  return pair ? Number(pair[1]) * Number(pair[2]) : null;
}

/**
 * The model's option closest to a typed size: an exact option, else the nearest aspect ratio (then
 * the nearest pixel count for "1024x768"-style sizes; the first option wins remaining ties).
 */
export function pickSize(options: readonly string[], typed: string): string | null {
  const exact = options.find((o) => o.toLowerCase() === typed.trim().toLowerCase());
  if (exact) return exact;
  const want = aspectOf(typed);
  if (want === null) return null;
  const wantPixels = pixelsOf(typed);
  let best: { option: string; score: number; pixels: number } | null = null;
  for (const option of options) {
    const aspect = aspectOf(option);
    if (aspect === null) continue;
    const score = Math.abs(Math.log(aspect / want));
    const pixels = wantPixels !== null ? Math.abs((pixelsOf(option) ?? wantPixels) - wantPixels) : 0;
    if (!best || score < best.score - 1e-9 || (Math.abs(score - best.score) < 1e-9 && pixels < best.pixels)) {
      best = { option, score, pixels };
    }
  }
  return best?.option ?? null;
}

function coerce(field: ModelField, option: OptionArg): unknown {
  const value = option.value?.trim() ?? null;
  const label = `--${field.name}`;
  switch (field.type) {
    case 'int':
    case 'number': {
      const n = value === null ? Number.NaN : Number(value);
      if (!Number.isFinite(n) || (field.type === 'int' && !Number.isInteger(n))) {
        throw new UsageError(
          `${label} needs ${field.type === 'int' ? 'a whole number' : 'a number'} from ${field.min} to ${field.max}`,
        );
      }
      return n;
    }
    case 'bool': {
      if (value === null) return true;
      const v = value.toLowerCase();
      if (['on', 'yes', 'true', '1'].includes(v)) return true;
      if (['off', 'no', 'false', '0'].includes(v)) return false;
      throw new UsageError(`${label} is on or off`);
    }
    case 'enum': {
      const match = field.options.find((o) => o.toLowerCase() === (value ?? '').toLowerCase());
      if (!match) throw new UsageError(`${label} is one of: ${field.options.join(', ')}`);
      return match;
    }
    case 'text':
      if (value === null || value === '') throw new UsageError(`${label} needs some text`);
      return value;
    case 'file':
      throw new UsageError(`${label} is a file: attach it to your message (or reply to it) instead`);
  }
}

/** The text field a prompt goes into: `prompt`, else the model's first required text field. */
export function promptField(model: ModelSchema): ModelField | undefined {
  return (
    model.fields.find((f) => f.name === 'prompt') ?? model.fields.find((f) => f.type === 'text' && f.required)
  );
}

function field(model: ModelSchema, name: string): ModelField | undefined {
  return model.fields.find((f) => f.name === name);
}

/** The option names a model takes, for "unknown option" help. */
export function optionNames(model: ModelSchema): string[] {
  return model.fields
    .filter((f) => f.type !== 'file' && f.name !== promptField(model)?.name)
    .map((f) => f.name);
}

/**
 * Turns parsed `/generate` arguments into the model's input (only what the user chose; core fills in
 * defaults and checks ranges). `files` maps file fields to upload ids. UsageError for options the
 * model does not have.
 */
export function buildModelInput(
  model: ModelSchema,
  args: GenerateArgs,
  files: Record<string, string> = {},
): Record<string, unknown> {
  const input: Record<string, unknown> = { ...files };
  const target = promptField(model);
  if (args.prompt) {
    if (!target) throw new UsageError(`${model.name} takes no text prompt; leave the words out`);
    input[target.name] = args.prompt;
  }
  if (args.size !== undefined) {
    const sizeField = model.fields.find((f) => SIZE_FIELDS.includes(f.name) && f.type === 'enum');
    if (sizeField?.type !== 'enum') throw new UsageError(`${model.name} has no size option`);
    const picked = pickSize(sizeField.options, args.size);
    if (!picked) throw new UsageError(`--size for ${model.name} is one of: ${sizeField.options.join(', ')}`);
    input[sizeField.name] = picked;
  }
  if (args.count !== undefined) {
    if (!field(model, 'num_images'))
      throw new UsageError(`${model.name} makes one result at a time; leave out --count`);
    input.num_images = args.count;
  }
  if (args.seed !== undefined) {
    if (!field(model, 'seed')) throw new UsageError(`${model.name} takes no seed`);
    input.seed = args.seed;
  }
  if (args.negative !== undefined) {
    if (!field(model, 'negative_prompt'))
      throw new UsageError(`${model.name} takes no negative prompt (--no)`);
    input.negative_prompt = args.negative;
  }
  for (const option of args.fields) {
    const f = field(model, option.name);
    if (!f) {
      const names = optionNames(model);
      throw new UsageError(
        `${model.name} has no option --${option.name}${names.length ? `; it takes: ${names.map((n) => `--${n}`).join(' ')}` : ''}`,
      );
    }
    input[f.name] = coerce(f, option);
  }
  return input;
}

/** The model's file fields that take this kind of file, in the catalog's order. */
export function fileFieldsFor(model: ModelSchema, kind: string): string[] {
  return model.fields.filter((f) => f.type === 'file' && f.fileKind === kind).map((f) => f.name);
}
