/**
 * Pure parsing of what people type. `/generate` syntax:
 *
 *   /generate <prompt words> [--model flux] [--size 16:9|landscape_16_9|1024x768] [--count 2]
 *             [--seed 42] [--no "blurry, text"] [--lora name:0.8] [--<model option> <value>]
 *
 * Options may come anywhere; `--name=value` works too, as do quotes ("..." '...' “...”) and the long
 * dashes phones put in place of `--`. Any input field of the chosen model can be set by its own name
 * (`--num_inference_steps 8`, `--generate-audio off`).
 */

/** A problem with what the user typed; the message is shown with the command's usage. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** "/gen@my_bot a red fox" -> { command: 'gen', rest: 'a red fox' }; null when the text is no command. */
export function splitCommand(text: string): { command: string; mention: string | null; rest: string } | null {
  const match = /^\/([A-Za-z0-9_]+)(?:@([A-Za-z0-9_]+))?(?:\s+([\s\S]*))?$/.exec(text.trim());
  if (!match) return null;
  return { command: match[1]!.toLowerCase(), mention: match[2] ?? null, rest: (match[3] ?? '').trim() };
}

const QUOTES: Record<string, string> = { '"': '"', "'": "'", '“': '”', '„': '“', '«': '»', '‘': '’' };

/** Splits on whitespace, keeping quoted parts together (quotes removed). Unclosed quotes run to the end. */
export function tokenize(input: string): string[] {
  const tokens: string[] = [];
  let current = '';
  let inToken = false;
  let closing: string | null = null;
  for (const ch of input) {
    if (closing !== null) {
      if (ch === closing) closing = null;
      else current += ch;
      continue;
    }
    const close = QUOTES[ch];
    // A quote opens only at the start of a token or after '=' (`--no="x y"`), so "don't" stays one word.
    if (close !== undefined && (!inToken || current.endsWith('='))) {
      closing = close;
      inToken = true;
      continue;
    }
    if (/\s/.test(ch)) {
      if (inToken) tokens.push(current);
      current = '';
      inToken = false;
      continue;
    }
    current += ch;
    inToken = true;
  }
  if (inToken) tokens.push(current);
  return tokens;
}

export interface OptionArg {
  /** Lower case, dashes turned into underscores ("generate_audio"). */
  name: string;
  /** null for a bare flag (`--hd`). */
  value: string | null;
}

/** Positional words and `--options`, in order. */
export function splitOptions(tokens: readonly string[]): { words: string[]; options: OptionArg[] } {
  const words: string[] = [];
  const options: OptionArg[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!.replace(/^[—–]/, '--');
    const option = /^--?([A-Za-z][\w-]*)(?:=([\s\S]*))?$/.exec(token);
    if (!option || (token.startsWith('-') && !token.startsWith('--') && token.length > 2)) {
      words.push(tokens[i]!);
      continue;
    }
    const name = option[1]!.toLowerCase().replace(/-/g, '_');
    if (option[2] !== undefined) {
      options.push({ name, value: option[2] });
      continue;
    }
    const next = tokens[i + 1];
    const takesNext = next !== undefined && !/^(--|[—–])[A-Za-z]/.test(next);
    options.push({ name, value: takesNext ? next : null });
    if (takesNext) i++;
  }
  return { words, options };
}

export interface LoraChoice {
  name: string;
  scale: number;
}

export interface GenerateArgs {
  prompt: string;
  model?: string;
  size?: string;
  count?: number;
  seed?: number;
  negative?: string;
  loras: LoraChoice[];
  /** Options named after model fields, checked against the chosen model later. */
  fields: OptionArg[];
}

const SHORT_NAMES: Record<string, string> = { m: 'model', n: 'count', s: 'size' };
const ALIASES: Record<string, string> = {
  aspect: 'size',
  ar: 'size',
  num: 'count',
  negative: 'no',
  neg: 'no',
  negative_prompt: 'no',
};

function wholeNumber(name: string, value: string | null, min: number, max: number): number {
  if (value === null || !/^\d+$/.test(value)) throw new UsageError(`--${name} needs a whole number`);
  const n = Number(value);
  if (n < min || n > max) throw new UsageError(`--${name} must be between ${min} and ${max}`);
  return n;
}

/** "mystyle:0.8" -> { name: 'mystyle', scale: 0.8 }; the scale defaults to 1. */
export function parseLora(value: string | null): LoraChoice {
  const match = value ? /^(.+?)(?::(\d+(?:\.\d+)?|\.\d+))?$/.exec(value.trim()) : null;
  if (!match?.[1]?.trim())
    throw new UsageError('--lora needs a name, optionally with a scale: --lora mystyle:0.8');
  const scale = match[2] === undefined ? 1 : Number(match[2]);
  if (!(scale >= 0 && scale <= 2)) throw new UsageError('A LoRA scale is between 0 and 2');
  return { name: match[1].trim(), scale };
}

/** Parses the text after `/generate`. */
export function parseGenerateArgs(rest: string): GenerateArgs {
  const { words, options } = splitOptions(tokenize(rest));
  const args: GenerateArgs = { prompt: words.join(' ').trim(), loras: [], fields: [] };
  for (const option of options) {
    const name = ALIASES[option.name] ?? SHORT_NAMES[option.name] ?? option.name;
    const needValue = (label: string) => {
      if (option.value === null || option.value.trim() === '')
        throw new UsageError(`--${name} needs ${label}`);
      return option.value.trim();
    };
    switch (name) {
      case 'model':
        args.model = needValue('a model name (see /models)');
        break;
      case 'size':
        args.size = needValue('a size such as 16:9, square or 1024x768');
        break;
      case 'count':
        args.count = wholeNumber('count', option.value, 1, 10);
        break;
      case 'seed':
        args.seed = wholeNumber('seed', option.value, 0, 2_147_483_647);
        break;
      case 'no':
        args.negative = needValue('the things to keep out, e.g. --no "blurry, text"');
        break;
      case 'lora':
        if (args.loras.length >= 3) throw new UsageError('At most 3 LoRAs at once');
        args.loras.push(parseLora(option.value));
        break;
      default:
        args.fields.push(option);
    }
  }
  return args;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A generation id as typed: a full UUID, or the short id shown in chat (at least 6 hex characters). */
export function parseIdRef(text: string): { full: string } | { prefix: string } {
  const value = text.trim().toLowerCase().replace(/^#/, '');
  if (UUID.test(value)) return { full: value };
  if (/^[0-9a-f]{6,8}$/.test(value)) return { prefix: value };
  throw new UsageError(value ? `"${value}" is not an id; ids look like 1a2b3c4d` : 'Which one? Give its id');
}

/** "on"/"off" and friends. */
export function parseSwitch(value: string | null | undefined, what: string): boolean {
  const v = (value ?? '').trim().toLowerCase();
  if (['on', 'yes', 'true', '1', 'enable', 'enabled'].includes(v)) return true;
  if (['off', 'no', 'false', '0', 'disable', 'disabled'].includes(v)) return false;
  throw new UsageError(`${what} is "on" or "off"`);
}
