// Application commands: bulk overwrite with Discord's validation, and what a user's invocation of a
// registered command looks like on the wire (typed options, resolved attachments and users).
import { FormErrors } from './discord-errors';
import { CommandType, type CommandTypeValue, OptionType } from './discord-protocol';

type Json = Record<string, unknown>;

export interface RegisteredCommand {
  id: string;
  applicationId: string;
  guildId: string | null;
  version: string;
  type: CommandTypeValue;
  name: string;
  description: string;
  options: Json[];
  /** The definition as the bot sent it (minus ids), to compare on the next overwrite. */
  definition: Json;
}

/** A global scope is `null`; a guild scope is the guild id. */
export type CommandScope = string | null;

const CHAT_NAME = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;
const MAX_CHAT_INPUT_COMMANDS = 100;
const MAX_COMMAND_TEXT = 4000;

export class CommandRegistry {
  /** Every bulk overwrite received, per scope, for tests ("registered once", "not again"). */
  readonly overwrites: { scope: CommandScope; at: number }[] = [];
  private readonly scopes = new Map<CommandScope, RegisteredCommand[]>();

  constructor(
    private readonly applicationId: string,
    private readonly snowflake: () => string,
    private readonly now: () => number,
  ) {}

  list(scope: CommandScope): RegisteredCommand[] {
    return this.scopes.get(scope) ?? [];
  }

  /**
   * PUT /applications/{id}/commands: replaces the whole set. Commands keep their id when a command of
   * the same name and type existed; the version changes only when the definition did.
   */
  overwrite(scope: CommandScope, body: unknown): RegisteredCommand[] {
    const errors = new FormErrors();
    if (!Array.isArray(body)) {
      errors.add([], 'BASE_TYPE_ARRAY', 'Must be an array');
      errors.throwIfAny();
    }
    const defs = body as Json[];
    const seen = new Set<string>();
    defs.forEach((def, i) => {
      validateCommand(errors, [i], def);
      const key = `${def.type ?? 1}:${def.name}`;
      if (seen.has(key))
        errors.add(
          [i, 'name'],
          'APPLICATION_COMMANDS_DUPLICATE_NAME',
          `Application command names must be unique`,
        );
      seen.add(key);
    });
    if (defs.filter((d) => (d.type ?? 1) === CommandType.ChatInput).length > MAX_CHAT_INPUT_COMMANDS) {
      errors.add([], 'BASE_TYPE_MAX_LENGTH', `Must be ${MAX_CHAT_INPUT_COMMANDS} or fewer in length.`);
    }
    errors.throwIfAny();
    const previous = this.list(scope);
    const next = defs.map((def) => {
      const type = (def.type ?? CommandType.ChatInput) as CommandTypeValue;
      const definition = canonical(def);
      const old = previous.find((c) => c.type === type && c.name === def.name);
      const same = old && JSON.stringify(old.definition) === JSON.stringify(definition);
      return {
        id: old?.id ?? this.snowflake(),
        applicationId: this.applicationId,
        guildId: scope,
        version: same ? old.version : this.snowflake(),
        type,
        name: String(def.name),
        description: String(def.description ?? ''),
        options: (def.options as Json[] | undefined) ?? [],
        definition,
      };
    });
    this.scopes.set(scope, next);
    this.overwrites.push({ scope, at: this.now() });
    return next;
  }

  /** The command a user sees in a channel: guild commands shadow global ones of the same name. */
  find(guildId: string | null, type: CommandTypeValue, name: string): RegisteredCommand | undefined {
    const inGuild = guildId ? this.list(guildId).find((c) => c.type === type && c.name === name) : undefined;
    return inGuild ?? this.list(null).find((c) => c.type === type && c.name === name);
  }
}

export function commandObject(c: RegisteredCommand): Json {
  return {
    id: c.id,
    application_id: c.applicationId,
    version: c.version,
    type: c.type,
    name: c.name,
    description: c.description,
    ...(c.guildId ? { guild_id: c.guildId } : {}),
    options: c.options,
    default_member_permissions: c.definition.default_member_permissions ?? null,
    dm_permission: c.definition.dm_permission ?? true,
    nsfw: c.definition.nsfw ?? false,
    integration_types: c.definition.integration_types ?? [0],
    contexts: c.definition.contexts ?? null,
  };
}

/** Drops what Discord ignores when comparing definitions (ids, versions, localizations left null). */
function canonical(def: Json): Json {
  const { id: _id, version: _version, application_id: _app, guild_id: _guild, ...rest } = def;
  return JSON.parse(JSON.stringify(rest, (_k, v) => (v === null ? undefined : v)));
}

function validateCommand(errors: FormErrors, path: (string | number)[], def: Json): void {
  const type = def.type ?? CommandType.ChatInput;
  if (type === CommandType.ChatInput) {
    validateName(errors, [...path, 'name'], def.name);
    errors.length([...path, 'description'], def.description, 1, 100);
    validateOptions(errors, [...path, 'options'], (def.options as Json[] | undefined) ?? [], 0);
    if (commandTextLength(def) > MAX_COMMAND_TEXT) {
      errors.add(path, 'APPLICATION_COMMAND_TOO_LARGE', `Command exceeds maximum size (${MAX_COMMAND_TEXT})`);
    }
  } else if (type === CommandType.User || type === CommandType.Message) {
    errors.length([...path, 'name'], def.name, 1, 32);
    if (def.description)
      errors.add(
        [...path, 'description'],
        'APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION',
        'Context menu commands cannot have a description',
      );
    if (Array.isArray(def.options) && def.options.length)
      errors.add(
        [...path, 'options'],
        'APPLICATION_COMMAND_OPTIONS_NOT_ALLOWED',
        'Context menu commands cannot have options',
      );
  } else {
    errors.add([...path, 'type'], 'BASE_TYPE_CHOICES', `Value must be one of {1, 2, 3}.`);
  }
}

function validateName(errors: FormErrors, path: (string | number)[], name: unknown): void {
  if (typeof name !== 'string' || !CHAT_NAME.test(name) || name !== name.toLowerCase()) {
    errors.add(path, 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
  }
}

function validateOptions(
  errors: FormErrors,
  path: (string | number)[],
  options: Json[],
  depth: number,
): void {
  errors.max(path, options, 25);
  const names = new Set<string>();
  let optionalSeen = false;
  const nested = options.filter(
    (o) => o.type === OptionType.Subcommand || o.type === OptionType.SubcommandGroup,
  );
  if (nested.length && nested.length !== options.length) {
    errors.add(
      path,
      'APPLICATION_COMMAND_OPTIONS_TYPE_INVALID',
      'Sub-command and sub-command group option types are mutually exclusive to all other types',
    );
  }
  options.forEach((option, i) => {
    const at = [...path, i];
    validateName(errors, [...at, 'name'], option.name);
    errors.length([...at, 'description'], option.description, 1, 100);
    if (typeof option.name === 'string') {
      if (names.has(option.name))
        errors.add(
          [...at, 'name'],
          'APPLICATION_COMMAND_OPTION_NAME_ALREADY_EXISTS',
          'Option names must be unique',
        );
      names.add(option.name);
    }
    const type = Number(option.type);
    if (type === OptionType.Subcommand || type === OptionType.SubcommandGroup) {
      const allowedHere = type === OptionType.Subcommand ? depth <= 1 : depth === 0;
      if (!allowedHere)
        errors.add(
          [...at, 'type'],
          'APPLICATION_COMMAND_OPTIONS_TYPE_INVALID',
          'Sub-commands cannot nest here',
        );
      const children = (option.options as Json[] | undefined) ?? [];
      if (type === OptionType.SubcommandGroup && children.some((c) => c.type !== OptionType.Subcommand)) {
        errors.add(
          [...at, 'options'],
          'APPLICATION_COMMAND_OPTIONS_TYPE_INVALID',
          'A group contains only sub-commands',
        );
      }
      validateOptions(errors, [...at, 'options'], children, depth + 1);
      return;
    }
    if (!Object.values(OptionType).includes(type as never)) {
      errors.add([...at, 'type'], 'BASE_TYPE_CHOICES', 'Invalid option type');
      return;
    }
    if (option.required) {
      if (optionalSeen)
        errors.add(
          [...at, 'required'],
          'APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID',
          'Required options must be placed before non-required options',
        );
    } else {
      optionalSeen = true;
    }
    const choices = option.choices as Json[] | undefined;
    const typed = type === OptionType.String || type === OptionType.Integer || type === OptionType.Number;
    if (choices && !typed)
      errors.add(
        [...at, 'choices'],
        'APPLICATION_COMMAND_OPTION_CHOICES_NOT_ALLOWED',
        'Choices are not allowed for this type',
      );
    if (option.autocomplete && !typed)
      errors.add(
        [...at, 'autocomplete'],
        'APPLICATION_COMMAND_AUTOCOMPLETE_INVALID',
        'Autocomplete is not allowed for this type',
      );
    if (option.autocomplete && choices?.length)
      errors.add(
        [...at, 'autocomplete'],
        'APPLICATION_COMMAND_AUTOCOMPLETE_INVALID',
        'Autocomplete and choices are mutually exclusive',
      );
    errors.max([...at, 'choices'], choices, 25);
    choices?.forEach((choice, c) => {
      errors.length([...at, 'choices', c, 'name'], choice.name, 1, 100);
      const ok =
        type === OptionType.String
          ? typeof choice.value === 'string' && choice.value.length <= 100
          : typeof choice.value === 'number';
      if (!ok)
        errors.add(
          [...at, 'choices', c, 'value'],
          'BASE_TYPE_BAD_VALUE',
          'Choice value does not match the option type',
        );
    });
    if (
      type === OptionType.Integer &&
      option.min_value !== undefined &&
      !Number.isInteger(option.min_value)
    ) {
      errors.add([...at, 'min_value'], 'NUMBER_TYPE_COERCE', 'Value is not int.');
    }
    if (
      typeof option.min_value === 'number' &&
      typeof option.max_value === 'number' &&
      option.min_value > option.max_value
    ) {
      errors.add([...at, 'min_value'], 'NUMBER_TYPE_MAX', 'min_value is above max_value');
    }
    for (const key of ['min_length', 'max_length'] as const) {
      const v = option[key];
      if (v !== undefined && (type !== OptionType.String || typeof v !== 'number' || v < 0 || v > 6000)) {
        errors.add(
          [...at, key],
          'BASE_TYPE_BAD_VALUE',
          `${key} must be between 0 and 6000 on a string option`,
        );
      }
    }
  });
}

function commandTextLength(def: Json): number {
  const len = (v: unknown) => (typeof v === 'string' ? v.length : 0);
  const walk = (options: Json[] | undefined): number =>
    (options ?? []).reduce(
      (sum, o) =>
        sum +
        len(o.name) +
        len(o.description) +
        ((o.choices as Json[] | undefined) ?? []).reduce(
          (s, c) => s + len(c.name) + len(String(c.value)),
          0,
        ) +
        walk(o.options as Json[] | undefined),
      0,
    );
  return len(def.name) + len(def.description) + walk(def.options as Json[] | undefined);
}
