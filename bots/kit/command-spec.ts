/**
 * Commands as data. One list (commands.ts) drives text parsing (`/gen a fox --size 16:9`), typed
 * input (Discord options, a web form), Telegram's command menu, Discord's registration payload and
 * Slack's help. Nothing here touches the network.
 */
import type { Attachment, FileKind } from './kit.types';
import type { Visibility } from './reply';

export type CommandName =
  | 'generate'
  | 'models'
  | 'favorite'
  | 'credits'
  | 'team'
  | 'buy'
  | 'web'
  | 'history'
  | 'show'
  | 'publish'
  | 'unpublish'
  | 'delete'
  | 'cancel'
  | 'gallery'
  | 'lora'
  | 'link'
  | 'settings'
  | 'help';

/** What an option's value autocompletes from (answered from the kit's cache, favorites first). */
export type CompletionKind = 'model' | 'lora' | 'generation';

interface OptionBase {
  /** Lower case with underscores; Discord's option name, `--name` in text. */
  name: string;
  /** One line, at most 100 characters (Discord's limit). */
  description: string;
  required?: boolean;
  /**
   * Taken by position in text input (`/history 2`), in declaration order, instead of `--name value`.
   * `--name value` works for positional options too.
   */
  positional?: boolean;
  /** Other names accepted in text (`-m`, `--ar`); never shown in menus. */
  aliases?: readonly string[];
}

export interface TextOption extends OptionBase {
  kind: 'text';
  /** Positional and last: takes every remaining word (a prompt). */
  rest?: boolean;
  complete?: CompletionKind;
  /** How many times text may repeat it (`--lora a --lora b`); typed input separates values by commas. */
  repeat?: number;
  /** What repeats, for "At most 3 LoRAs at once" (default `--name`). */
  repeatNoun?: string;
  /** What the missing value is, for "--model needs a model name (see /models)". */
  needs?: string;
  maxLength?: number;
}

export interface IntegerOption extends OptionBase {
  kind: 'int';
  min: number;
  max: number;
}

export interface ChoiceOption extends OptionBase {
  kind: 'choice';
  choices: readonly string[];
}

/** On/off: a bare `--name` is on; `--name off` (or "no", "false") is off. */
export interface SwitchOption extends OptionBase {
  kind: 'switch';
}

/** Files the command takes: attached to the message (or the one replied to), or typed attachment options. */
export interface FilesOption extends OptionBase {
  kind: 'files';
  accepts: readonly FileKind[];
  min?: number;
  max?: number;
}

export type OptionSpec = TextOption | IntegerOption | ChoiceOption | SwitchOption | FilesOption;

export interface SubcommandSpec {
  name: string;
  /** At most 100 characters. */
  summary: string;
  options: readonly OptionSpec[];
}

export interface CommandSpec {
  name: CommandName;
  aliases: readonly string[];
  /** For menus and help: at most 100 characters (Discord's limit; Telegram allows 256). */
  summary: string;
  /** The usage line shown with a typing mistake. */
  usage: string;
  /** Options of the command itself (when it has no subcommands). */
  options: readonly OptionSpec[];
  /** `/team cap 100`: the first word picks one (Discord subcommands). */
  subcommands?: readonly SubcommandSpec[];
  /** The subcommand used when text names none (`/lora` lists). */
  defaultSubcommand?: string;
  /** Known before any work: the adapter defers or acks with it. */
  visibility: Visibility;
  /**
   * Unknown `--options` are kept for the command (a model's own fields: `--num_inference_steps 8`)
   * instead of refused; typed input passes them as the text option `options`.
   */
  openOptions?: boolean;
  /** Options may be named without dashes in text (`/settings model sdxl private on`). */
  keywordOptions?: boolean;
}

/** One option's parsed value: text, a number, on/off, or the values of a repeated text option. */
export type OptionValue = string | number | boolean | readonly string[];

/** An `--option` the command's spec does not name (kept only for `openOptions` commands). */
export interface OptionArg {
  /** Lower case, dashes turned into underscores ("generate_audio"). */
  name: string;
  /** null for a bare flag (`--hd`). */
  value: string | null;
}

/** What an adapter hands the kit for one command. */
export type CommandInput =
  /** The text after the command name, as typed (`a red fox --size 16:9`). */
  | { text: string }
  /** Typed options (Discord, a web form): values keyed by option name, optionally a subcommand. */
  | { subcommand?: string; values: Readonly<Record<string, string | number | boolean>> };

/** Text and typed input, normalised: the same command and values whichever way they came. */
export interface ParsedCommand {
  spec: CommandSpec;
  subcommand?: string;
  values: Readonly<Record<string, OptionValue>>;
  extra: readonly OptionArg[];
  files: readonly Attachment[];
}

/** The option specs in force for a subcommand (or the command itself). */
export function optionsOf(spec: CommandSpec, subcommand?: string): readonly OptionSpec[] {
  if (!spec.subcommands) return spec.options;
  return spec.subcommands.find((s) => s.name === subcommand)?.options ?? [];
}
