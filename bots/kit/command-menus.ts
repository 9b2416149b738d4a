/**
 * Everything a platform shows about the commands, derived from the one list in commands.ts:
 * Telegram's command menu, Discord's application-command registration payload, and the help text
 * (Slack's help, the console's /help).
 */
import type { CommandSpec, OptionSpec } from './command-spec';
import { COMMANDS, findCommand } from './commands';
import type { PlatformTraits } from './platform-traits';

/** Fills `{space}` with the platform's word for a space. */
export function wordFor(text: string, traits: Pick<PlatformTraits, 'spaceNoun'>): string {
  return text.replace(/\{space\}/g, traits.spaceNoun);
}

/** setMyCommands entries (Telegram: name and a description of at most 256 characters). */
export function commandMenu(traits: PlatformTraits): { command: string; description: string }[] {
  return COMMANDS.map((c) => ({ command: c.name, description: wordFor(c.summary, traits) }));
}

// Discord application command option types.
const SUB_COMMAND = 1;
const STRING = 3;
const INTEGER = 4;
const BOOLEAN = 5;
const ATTACHMENT = 11;
/** Discord allows 25 options per command; attachment options hold one file each. */
const MAX_DISCORD_OPTIONS = 25;
const MAX_DISCORD_ATTACHMENTS = 10;

export interface DiscordOptionJson {
  type: number;
  name: string;
  description: string;
  required?: boolean;
  autocomplete?: boolean;
  choices?: { name: string; value: string }[];
  min_value?: number;
  max_value?: number;
  max_length?: number;
  options?: DiscordOptionJson[];
}

export interface DiscordCommandJson {
  /** CHAT_INPUT */
  type: 1;
  name: string;
  description: string;
  options: DiscordOptionJson[];
}

function discordOptions(options: readonly OptionSpec[], traits: PlatformTraits): DiscordOptionJson[] {
  const out: DiscordOptionJson[] = [];
  for (const opt of options) {
    const base = { name: opt.name, description: wordFor(opt.description, traits).slice(0, 100) };
    switch (opt.kind) {
      case 'text':
        out.push({
          ...base,
          type: STRING,
          ...(opt.required ? { required: true } : {}),
          ...(opt.complete ? { autocomplete: true } : {}),
          ...(opt.maxLength ? { max_length: Math.min(opt.maxLength, 6000) } : {}),
        });
        break;
      case 'int':
        out.push({
          ...base,
          type: INTEGER,
          ...(opt.required ? { required: true } : {}),
          min_value: opt.min,
          max_value: opt.max,
        });
        break;
      case 'choice':
        out.push({
          ...base,
          type: STRING,
          ...(opt.required ? { required: true } : {}),
          choices: opt.choices.map((c) => ({ name: c, value: c })),
        });
        break;
      case 'switch':
        out.push({ ...base, type: BOOLEAN, ...(opt.required ? { required: true } : {}) });
        break;
      case 'files': {
        // One attachment option per file: `image`, or `photos1`..`photos10` (the first `min` required).
        const count = Math.min(opt.max ?? 1, MAX_DISCORD_ATTACHMENTS);
        for (let i = 1; i <= count; i++) {
          out.push({
            ...base,
            name: count === 1 ? opt.name : `${opt.name}${i}`,
            type: ATTACHMENT,
            ...(i <= (opt.min ?? 0) ? { required: true } : {}),
          });
        }
        break;
      }
    }
  }
  // Discord requires every required option before the optional ones.
  const sorted = [...out.filter((o) => o.required), ...out.filter((o) => !o.required)];
  return sorted.slice(0, MAX_DISCORD_OPTIONS);
}

function discordCommand(spec: CommandSpec, traits: PlatformTraits): DiscordCommandJson {
  const options = spec.subcommands
    ? spec.subcommands.map((sub) => ({
        type: SUB_COMMAND,
        name: sub.name,
        description: wordFor(sub.summary, traits).slice(0, 100),
        options: discordOptions(sub.options, traits),
      }))
    : discordOptions(spec.options, traits);
  return { type: 1, name: spec.name, description: wordFor(spec.summary, traits).slice(0, 100), options };
}

/**
 * The body of Discord's bulk overwrite (`PUT /applications/{id}/commands`): one chat-input command
 * per kit command (aliases are text-only). Files become attachment options, `photos1..photos10` for
 * commands taking several (Discord's one-file-per-option shape; LoRA training from Discord therefore
 * takes at most 10 photos).
 */
export function discordCommands(traits: PlatformTraits): DiscordCommandJson[] {
  return COMMANDS.map((spec) => discordCommand(spec, traits));
}

/**
 * Typed values from Discord's interaction options (`data.options`), flattened: subcommand picked,
 * attachment options left out (the adapter resolves them to files). Ready for `prepare`.
 */
export function discordInput(
  options: readonly { type: number; name: string; value?: unknown; options?: unknown[] }[],
): {
  subcommand?: string;
  values: Record<string, string | number | boolean>;
} {
  const sub = options.find((o) => o.type === SUB_COMMAND);
  const leaves = (sub ? (sub.options ?? []) : options) as { type: number; name: string; value?: unknown }[];
  const values: Record<string, string | number | boolean> = {};
  for (const o of leaves) {
    if (o.type === ATTACHMENT) continue;
    if (typeof o.value === 'string' || typeof o.value === 'number' || typeof o.value === 'boolean')
      values[o.name] = o.value;
  }
  return { ...(sub ? { subcommand: sub.name } : {}), values };
}

const GENERATE_HELP = [
  'Options for /generate (also /gen, /imagine), anywhere after the command:',
  '  --model <name>      which model (see /models), e.g. --model sdxl',
  '  --size <size>       16:9, 9:16, 4:3, square, landscape_16_9 or 1024x768',
  '  --count <n>         how many images',
  '  --seed <n>          the same seed and prompt give the same picture',
  '  --no "<words>"      what to keep out (negative prompt)',
  '  --lora <name>:<scale>  one of your LoRAs, scale 0-2 (default 1); up to 3',
  '  --<option> <value>  any option of the model by its own name, e.g. --num_inference_steps 8',
  'Attach a photo (or reply to one) to use it as the input image.',
];

/** The whole help text, or one command's usage. */
export function helpLines(topic: string | undefined, traits: PlatformTraits): string[] {
  const spec = topic ? findCommand(topic) : undefined;
  if (spec?.name === 'generate') return [spec.usage, ...GENERATE_HELP];
  if (spec) {
    const subs = (spec.subcommands ?? []).map(
      (s) => `  /${spec.name} ${s.name} - ${wordFor(s.summary, traits)}`,
    );
    return [spec.usage, wordFor(spec.summary, traits), ...subs];
  }
  return [
    'Atelier makes images, video, music, 3D and voices with hosted AI models.',
    ...COMMANDS.map((c) => `${c.usage.split(' | ')[0]} - ${wordFor(c.summary, traits)}`),
    '',
    ...GENERATE_HELP,
    'Ids: the 8-character id under each result works wherever <id> is asked.',
  ];
}
