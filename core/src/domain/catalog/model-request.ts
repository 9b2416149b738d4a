import { AppError } from '../../errors';
import type { CatalogModel, FileKind, ModelField } from './catalog.types';

/**
 * How a chat request (a plain prompt plus a few well-known options, as every front end collects them)
 * becomes a model's input. One copy of these rules, so Telegram, Discord, Slack and the web studio map
 * `/gen a fox --size 16:9` the same way.
 */
export interface RequestOptions {
  /** A size as typed: "16:9", "1024x768", "portrait", or one of the model's own options. */
  size?: string;
  /** How many results, where the model makes several (`num_images`). */
  count?: number;
  seed?: number;
  /** What to keep out (`negative_prompt`). */
  negative?: string;
  /** Any other field by its exact name, with the value as typed (text) or already typed. */
  fields?: Record<string, string | number | boolean>;
}

type TextField = Extract<ModelField, { type: 'text' }>;

/** The text field a plain prompt goes into: `prompt`, else the model's first required text field. */
export function mainTextField(model: Pick<CatalogModel, 'fields'>): TextField | undefined {
  const named = model.fields.find((f): f is TextField => f.type === 'text' && f.name === 'prompt');
  return named ?? model.fields.find((f): f is TextField => f.type === 'text' && f.required === true);
}

/** The model's file fields that take this kind of file, in the catalog's order. */
export function fileFieldsFor(model: Pick<CatalogModel, 'fields'>, kind: FileKind): string[] {
  return model.fields.filter((f) => f.type === 'file' && f.fileKind === kind).map((f) => f.name);
}

/**
 * Which file field each attached file fills (in order; each field once), or null for a file the
 * model has no room for.
 */
export function assignFiles(
  model: Pick<CatalogModel, 'fields'>,
  kinds: readonly FileKind[],
): (string | null)[] {
  const used = new Set<string>();
  return kinds.map((kind) => {
    const field = fileFieldsFor(model, kind).find((name) => !used.has(name)) ?? null;
    if (field) used.add(field);
    return field;
  });
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

const invalid = (field: string, message: string) => AppError.invalidInput(message, { [field]: [message] });

/** A typed value as the field's type; text values ("on", "12", "1.5") are converted, wrong types refused. */
function coerce(field: ModelField, raw: string | number | boolean): unknown {
  const text = typeof raw === 'string' ? raw.trim() : String(raw);
  switch (field.type) {
    case 'int':
    case 'number': {
      const n = typeof raw === 'number' ? raw : text === '' ? Number.NaN : Number(text);
      if (!Number.isFinite(n) || (field.type === 'int' && !Number.isInteger(n))) {
        throw invalid(
          field.name,
          `${field.name} needs ${field.type === 'int' ? 'a whole number' : 'a number'} from ${field.min} to ${field.max}`,
        );
      }
      return n;
    }
    case 'bool': {
      if (typeof raw === 'boolean') return raw;
      const v = text.toLowerCase();
      if (v === '' || ['on', 'yes', 'true', '1'].includes(v)) return true;
      if (['off', 'no', 'false', '0'].includes(v)) return false;
      throw invalid(field.name, `${field.name} is on or off`);
    }
    case 'enum': {
      const match = field.options.find((o) => o.toLowerCase() === text.toLowerCase());
      if (!match) throw invalid(field.name, `${field.name} is one of: ${field.options.join(', ')}`);
      return match;
    }
    case 'text':
      if (text === '') throw invalid(field.name, `${field.name} needs some text`);
      return text;
    case 'file':
      throw invalid(field.name, `${field.name} is a file: attach it instead`);
  }
}

/** The option names a model takes besides its prompt and files, for "unknown option" help. */
export function optionNames(model: Pick<CatalogModel, 'fields'>): string[] {
  const main = mainTextField(model)?.name;
  return model.fields.filter((f) => f.type !== 'file' && f.name !== main).map((f) => f.name);
}

/**
 * Maps a prompt and options onto the model's fields: the prompt into the main text field, the size
 * onto the nearest size option, count/seed/negative onto their fields, anything else by name.
 * Only what the user chose; validation fills in defaults and checks ranges. INVALID_INPUT, in words,
 * for an option the model does not have.
 */
export function mapRequest(
  model: Pick<CatalogModel, 'name' | 'fields'>,
  prompt: string | undefined,
  options: RequestOptions = {},
): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  const has = (name: string) => model.fields.some((f) => f.name === name);
  if (prompt !== undefined && prompt.trim() !== '') {
    const target = mainTextField(model);
    if (!target) throw invalid('prompt', `${model.name} takes no text prompt; leave the words out`);
    input[target.name] = prompt.trim();
  }
  if (options.size !== undefined) {
    const sizeField = model.fields.find((f) => SIZE_FIELDS.includes(f.name) && f.type === 'enum');
    if (sizeField?.type !== 'enum') throw invalid('size', `${model.name} has no size option`);
    const picked = pickSize(sizeField.options, options.size);
    if (!picked) throw invalid('size', `size for ${model.name} is one of: ${sizeField.options.join(', ')}`);
    input[sizeField.name] = picked;
  }
  if (options.count !== undefined) {
    if (!has('num_images')) throw invalid('count', `${model.name} makes one result at a time`);
    input.num_images = options.count;
  }
  if (options.seed !== undefined) {
    if (!has('seed')) throw invalid('seed', `${model.name} takes no seed`);
    input.seed = options.seed;
  }
  if (options.negative !== undefined) {
    if (!has('negative_prompt')) throw invalid('negative', `${model.name} takes no negative prompt`);
    input.negative_prompt = options.negative;
  }
  for (const [name, value] of Object.entries(options.fields ?? {})) {
    const field = model.fields.find((f) => f.name === name);
    if (!field) {
      const names = optionNames(model);
      throw invalid(
        name,
        `${model.name} has no option ${name}${names.length > 0 ? `; it takes: ${names.join(', ')}` : ''}`,
      );
    }
    input[field.name] = coerce(field, value);
  }
  return input;
}

/** Something a model still needs before it can run, in words. */
export interface Need {
  field: string;
  label: string;
  /** 'text': type it as an option; 'file': attach one of `fileKind`. */
  type: 'text' | 'file' | 'value';
  fileKind?: FileKind;
}

/**
 * What the model still needs beyond `provided` (field names that will have a value: the mapped input
 * plus the file fields attachments fill): required fields without a default, and one of
 * `requireOneOf`.
 */
export function missingInputs(
  model: Pick<CatalogModel, 'fields' | 'requireOneOf'>,
  provided: ReadonlySet<string>,
): Need[] {
  const needs: Need[] = [];
  for (const field of model.fields) {
    const hasDefault = 'default' in field && field.default !== undefined;
    if (!field.required || hasDefault || provided.has(field.name)) continue;
    needs.push(needOf(field));
  }
  const oneOf = model.requireOneOf ?? [];
  if (oneOf.length > 0 && !oneOf.some((name) => provided.has(name))) {
    const first = model.fields.find((f) => f.name === oneOf[0]);
    if (first) needs.push(needOf(first));
  }
  return needs;
}

function needOf(field: ModelField): Need {
  if (field.type === 'file')
    return { field: field.name, label: field.label, type: 'file', fileKind: field.fileKind };
  return { field: field.name, label: field.label, type: field.type === 'text' ? 'text' : 'value' };
}

const FILE_WORDS: Record<FileKind, string> = {
  image: 'an image',
  audio: 'an audio file',
  video: 'a video',
  archive: 'a zip archive',
};

function joinAnd(words: readonly string[]): string {
  if (words.length <= 1) return words[0] ?? '';
  return `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

/** What is missing, as a sentence: "MiniMax Music 2.0 needs lyrics (the lyrics_prompt option)". */
export function describeNeeds(model: Pick<CatalogModel, 'name' | 'fields'>, needs: readonly Need[]): string {
  const main = mainTextField(model)?.name;
  const words = needs.map((need) => {
    if (need.type === 'file') return `${FILE_WORDS[need.fileKind ?? 'image']} (attach one)`;
    if (need.field === main) return 'a prompt saying what to make';
    return `${need.label.toLowerCase()} (the ${need.field} option)`;
  });
  return `${model.name} needs ${joinAnd(words)}`;
}
