/**
 * `/generate`'s arguments from its parsed options, whichever way they came:
 *
 *   /generate <prompt words> [--model flux] [--size 16:9|landscape_16_9|1024x768] [--count 2]
 *             [--seed 42] [--no "blurry, text"] [--lora name:0.8] [--<model option> <value>]
 *
 * Any input field of the chosen model can be set by its own name (`--num_inference_steps 8`,
 * `--generate-audio off`); typed input passes those as the `options` text.
 */
import { parseCommandText } from './command-input';
import type { OptionArg, ParsedCommand } from './command-spec';
import { commandSpec } from './commands';
import type { Attachment } from './kit.types';
import { UsageError } from './parse-args';

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
  /** The input file (attached, or on the message replied to). */
  file?: Attachment;
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

const text = (value: unknown) => (typeof value === 'string' ? value : undefined);

/** The arguments of a parsed `/generate`; "Say what to make" when there is neither prompt nor file. */
export function generateArgsOf(parsed: ParsedCommand, requireSomething = true): GenerateArgs {
  const v = parsed.values;
  const loras = (v.lora as readonly string[] | undefined) ?? [];
  const args: GenerateArgs = {
    prompt: text(v.prompt) ?? '',
    loras: loras.map(parseLora),
    fields: [...parsed.extra],
  };
  if (text(v.model)) args.model = text(v.model);
  if (text(v.size)) args.size = text(v.size);
  if (typeof v.count === 'number') args.count = v.count;
  if (typeof v.seed === 'number') args.seed = v.seed;
  if (text(v.no)) args.negative = text(v.no);
  if (parsed.files[0]) args.file = parsed.files[0];
  if (requireSomething && !args.prompt && !args.file) throw new UsageError('Say what to make');
  return args;
}

/** Parses the text after `/generate` (no files), for tests and benchmarks. */
export function parseGenerateArgs(rest: string): GenerateArgs {
  return generateArgsOf(parseCommandText(commandSpec('generate'), rest), false);
}
