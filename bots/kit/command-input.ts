/**
 * Text input (`/gen a red fox --size 16:9`) and typed input (Discord options, a web form) parsed into
 * the same `ParsedCommand`, checked against the command's option specs. Pure and synchronous: this is
 * all that runs before an adapter acknowledges an event.
 *
 * Text grammar: positional words fill the positional options in order (a `rest` option takes all the
 * words the options after it leave); `--name value`, `--name=value`, `-m value` anywhere; quotes
 * ("..." '...' “...”) keep words together; phones' long dashes count as `--`.
 */
import {
  type CommandInput,
  type CommandSpec,
  type OptionArg,
  type OptionSpec,
  type OptionValue,
  optionsOf,
  type ParsedCommand,
} from './command-spec';
import type { Attachment } from './kit.types';
import { tokenize, UsageError } from './parse-args';

const ON = ['on', 'yes', 'true', '1', 'enable', 'enabled'];
const OFF = ['off', 'no', 'false', '0', 'disable', 'disabled'];
const OPTION_TOKEN = /^--?([A-Za-z][\w-]*)(?:=([\s\S]*))?$/;
const FILE_WORDS = { image: 'photos', video: 'videos', audio: 'audio files' } as const;

type Raw = string | number | boolean | null;

/** "on"/"off" and friends; null when the word is neither. */
export function switchWord(value: string): boolean | null {
  const v = value.trim().toLowerCase();
  if (ON.includes(v)) return true;
  if (OFF.includes(v)) return false;
  return null;
}

function labelOf(opt: OptionSpec, positional: boolean): string {
  return positional ? `The ${opt.name.replace(/_/g, ' ')}` : `--${opt.name}`;
}

function coerce(opt: OptionSpec, raw: Raw, positional: boolean): OptionValue {
  const label = labelOf(opt, positional);
  switch (opt.kind) {
    case 'text': {
      const text = raw === null ? '' : String(raw).trim();
      if (!text) throw new UsageError(`${label} needs ${opt.needs ?? 'some text'}`);
      if (opt.maxLength !== undefined && [...text].length > opt.maxLength)
        throw new UsageError(`${label} is at most ${opt.maxLength} characters`);
      return text;
    }
    case 'int': {
      const n =
        typeof raw === 'number' ? raw : raw !== null && /^\d+$/.test(String(raw).trim()) ? Number(raw) : NaN;
      if (!Number.isInteger(n)) throw new UsageError(`${label} needs a whole number`);
      if (n < opt.min || n > opt.max)
        throw new UsageError(`${label} must be between ${opt.min} and ${opt.max}`);
      return n;
    }
    case 'choice': {
      const v = String(raw ?? '')
        .trim()
        .toLowerCase();
      const match = opt.choices.find((c) => c === v || `${c}s` === v);
      if (!match) throw new UsageError(`${label} is one of: ${opt.choices.join(', ')}`);
      return match;
    }
    case 'switch': {
      if (typeof raw === 'boolean') return raw;
      if (raw === null) return true;
      const on = switchWord(String(raw));
      if (on === null)
        throw new UsageError(positional ? 'Say "on" or "off" at the end' : `${label} is "on" or "off"`);
      return on;
    }
    case 'files':
      throw new UsageError(`${label} is a file: attach it to your message (or reply to it) instead`);
  }
}

function findOption(options: readonly OptionSpec[], name: string): OptionSpec | undefined {
  return options.find((o) => o.name === name || o.aliases?.includes(name));
}

/** `--name` options of a text, for the `options` text option of open commands. */
function extraOptions(text: string): OptionArg[] {
  const extra: OptionArg[] = [];
  const tokens = tokenize(text);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!.replace(/^[—–]/, '--');
    const match = OPTION_TOKEN.exec(token);
    if (!match) throw new UsageError(`"${tokens[i]}" is not an option; write options as --name value`);
    const name = match[1]!.toLowerCase().replace(/-/g, '_');
    if (match[2] !== undefined) {
      extra.push({ name, value: match[2] });
      continue;
    }
    const next = tokens[i + 1];
    const takesNext = next !== undefined && !/^(--|[—–])[A-Za-z]/.test(next);
    extra.push({ name, value: takesNext ? next : null });
    if (takesNext) i++;
  }
  return extra;
}

function pickSubcommand(spec: CommandSpec, named: string | undefined): string | undefined {
  if (!spec.subcommands) return undefined;
  const name = named?.toLowerCase();
  if (name && spec.subcommands.some((s) => s.name === name)) return name;
  if (!name && spec.defaultSubcommand) return spec.defaultSubcommand;
  if (name) throw new UsageError(`There is no /${spec.name} ${name}`);
  throw new UsageError(`Say which: ${spec.subcommands.map((s) => s.name).join(', ')}`);
}

/** Required options, the `options` text of open commands, and files: the same for text and typed input. */
function finish(
  spec: CommandSpec,
  subcommand: string | undefined,
  values: Record<string, OptionValue>,
  extra: OptionArg[],
  files: readonly Attachment[],
): ParsedCommand {
  const options = optionsOf(spec, subcommand);
  if (spec.openOptions && typeof values.options === 'string') {
    for (const arg of extraOptions(values.options)) {
      // A known option typed into the free-form field is read as text input reads it (`--count many`
      // is the same mistake either way); only the model's own options stay extra.
      const opt = findOption(options, arg.name);
      if (opt && opt.kind !== 'files' && values[opt.name] === undefined)
        values[opt.name] = coerce(opt, arg.value, false);
      else extra.push(arg);
    }
    delete values.options;
  }
  for (const opt of options) {
    if (!opt.required || opt.kind === 'files' || values[opt.name] !== undefined) continue;
    if (opt.positional)
      throw new UsageError(`Give ${opt.kind === 'text' && opt.needs ? opt.needs : `the ${opt.name}`}`);
    throw new UsageError(`--${opt.name} is required`);
  }
  const fileOption = options.find((o) => o.kind === 'files');
  // Files attached to a command that takes none (or to the message replied to) are simply not used.
  let taken: readonly Attachment[] = [];
  if (fileOption?.kind === 'files') {
    taken = files.filter((f) => fileOption.accepts.includes(f.kind));
    const min = fileOption.min ?? 0;
    const max = fileOption.max ?? Number.POSITIVE_INFINITY;
    if ((taken.length < min || taken.length > max) && (taken.length > 0 || min > 0)) {
      const what = fileOption.accepts.length === 1 ? FILE_WORDS[fileOption.accepts[0]!] : 'files';
      throw new UsageError(
        min === max || max === Number.POSITIVE_INFINITY
          ? `This needs at least ${min} ${what} sent with the command; I got ${taken.length}`
          : min > 0
            ? `This needs ${min} to ${max} ${what} sent with the command; I got ${taken.length}`
            : `At most ${max} ${max === 1 ? 'file' : what} at once; I got ${taken.length}`,
      );
    }
  }
  return { spec, ...(subcommand ? { subcommand } : {}), values, extra, files: taken };
}

/** Fills positional options from the words: those before a `rest` option from the front, those after it from the back. */
function placeWords(
  spec: CommandSpec,
  options: readonly OptionSpec[],
  words: string[],
  values: Record<string, OptionValue>,
) {
  const open = options.filter((o) => o.positional && o.kind !== 'files' && values[o.name] === undefined);
  const restAt = open.findIndex((o) => o.kind === 'text' && o.rest);
  const before = restAt < 0 ? open : open.slice(0, restAt);
  const after = restAt < 0 ? [] : open.slice(restAt + 1);
  const remaining = [...words];
  for (const opt of before) {
    const word = remaining.shift();
    if (word !== undefined) values[opt.name] = coerce(opt, word, true);
  }
  for (const opt of [...after].reverse()) {
    if (remaining.length === 0) break;
    values[opt.name] = coerce(opt, remaining.pop()!, true);
  }
  if (restAt >= 0) {
    const text = remaining.join(' ').trim();
    if (text) values[open[restAt]!.name] = coerce(open[restAt]!, text, true);
    return;
  }
  if (remaining.length > 0) throw new UsageError(`/${spec.name} takes no "${remaining[0]}"`);
}

/** Parses the text after the command name. UsageError for anything the spec does not allow. */
export function parseCommandText(
  spec: CommandSpec,
  text: string,
  files: readonly Attachment[] = [],
): ParsedCommand {
  let tokens = tokenize(text);
  const subcommand = pickSubcommand(spec, tokens[0]);
  if (subcommand && tokens[0]?.toLowerCase() === subcommand) tokens = tokens.slice(1);
  const options = optionsOf(spec, subcommand);
  const named = options.filter((o) => !o.positional || o.kind === 'switch');
  if (spec.keywordOptions) {
    tokens = tokens.map((t) => (findOption(named, t.toLowerCase()) ? `--${t.toLowerCase()}` : t));
  }
  const values: Record<string, OptionValue> = {};
  const extra: OptionArg[] = [];
  const words: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!.replace(/^[—–]/, '--');
    const match = OPTION_TOKEN.exec(token);
    if (!match || (!token.startsWith('--') && token.length > 2)) {
      words.push(tokens[i]!);
      continue;
    }
    const name = match[1]!.toLowerCase().replace(/-/g, '_');
    const opt = findOption(options, name);
    const next = tokens[i + 1];
    let raw: string | null = match[2] ?? null;
    if (match[2] === undefined && next !== undefined && !/^(--|[—–])[A-Za-z]/.test(next)) {
      // A switch takes the next word only when it is on/off: `--hd a fox` keeps "a fox" in the prompt.
      if (opt?.kind !== 'switch' || switchWord(next) !== null) {
        raw = next;
        i++;
      }
    }
    if (!opt) {
      if (!spec.openOptions) throw new UsageError(`/${spec.name} has no option --${name}`);
      extra.push({ name, value: raw });
      continue;
    }
    const value = coerce(opt, raw, false);
    if (opt.kind === 'text' && opt.repeat) {
      const list = [...((values[opt.name] as readonly string[] | undefined) ?? []), value as string];
      if (list.length > opt.repeat)
        throw new UsageError(`At most ${opt.repeat} ${opt.repeatNoun ?? `--${opt.name}`} at once`);
      values[opt.name] = list;
    } else {
      values[opt.name] = value;
    }
  }
  placeWords(spec, options, words, values);
  return finish(spec, subcommand, values, extra, files);
}

/** Parses typed options (Discord's, a form's): the same values text would give. */
export function parseCommandValues(
  spec: CommandSpec,
  input: Extract<CommandInput, { values: unknown }>,
  files: readonly Attachment[] = [],
): ParsedCommand {
  const subcommand = pickSubcommand(spec, input.subcommand);
  const options = optionsOf(spec, subcommand);
  const values: Record<string, OptionValue> = {};
  for (const [key, raw] of Object.entries(input.values)) {
    const opt = findOption(options, key.toLowerCase());
    if (!opt) throw new UsageError(`/${spec.name} has no option ${key}`);
    if (opt.kind === 'files') continue;
    if (opt.kind === 'text' && opt.repeat) {
      const list = String(raw)
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean);
      if (list.length > opt.repeat)
        throw new UsageError(`At most ${opt.repeat} ${opt.repeatNoun ?? `--${opt.name}`} at once`);
      values[opt.name] = list.map((part) => coerce(opt, part, false) as string);
    } else {
      values[opt.name] = coerce(opt, raw, false);
    }
  }
  return finish(spec, subcommand, values, [], files);
}

/** Either kind of input. */
export function parseCommandInput(
  spec: CommandSpec,
  input: CommandInput,
  files: readonly Attachment[] = [],
): ParsedCommand {
  return 'text' in input ? parseCommandText(spec, input.text, files) : parseCommandValues(spec, input, files);
}
