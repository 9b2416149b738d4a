// What Discord's client puts in `data` when a user fills in a registered slash command: typed option
// values, the subcommand path, and resolved objects for attachment and user options. The client only
// lets a user submit what the registered definition allows, so a test that asks for anything else
// fails loudly here instead of producing a payload Discord would never send.
import type { RegisteredCommand } from './discord-commands';
import { OptionType } from './discord-protocol';
import type { FakeUser, StoredAttachment } from './discord-world';

type Json = Record<string, unknown>;

/** A file the user attaches to an attachment option. */
export interface FileInput {
  filename: string;
  bytes: Buffer;
  contentType?: string;
}

export type OptionInput = string | number | boolean | FileInput | FakeUser;

export interface ResolvedParts {
  attachments: Record<string, Json>;
  users: Record<string, Json>;
}

export interface InvocationHelpers {
  storeAttachment(file: FileInput): StoredAttachment;
  attachmentJson(a: StoredAttachment): Json;
  userJson(u: FakeUser): Json;
}

/**
 * Builds `data.options` for `path` (e.g. `['team', 'cap']`) with `values`; `focused` names the option
 * being typed for an autocomplete interaction (its value is the raw text so far, required ones may be
 * missing).
 */
export function buildCommandData(
  command: RegisteredCommand,
  path: readonly string[],
  values: Record<string, OptionInput>,
  helpers: InvocationHelpers,
  focused?: string,
): Json {
  const resolved: ResolvedParts = { attachments: {}, users: {} };
  let level: Json[] = command.options;
  const chain: Json[] = [];
  for (const name of path.slice(1)) {
    const sub = level.find(
      (o) => o.name === name && (o.type === OptionType.Subcommand || o.type === OptionType.SubcommandGroup),
    );
    if (!sub) throw new Error(`/${command.name} has no subcommand "${name}"`);
    chain.push(sub);
    level = (sub.options as Json[] | undefined) ?? [];
  }
  if (level.some((o) => o.type === OptionType.Subcommand || o.type === OptionType.SubcommandGroup)) {
    throw new Error(`/${path.join(' ')} needs a subcommand`);
  }
  const leaf = level.flatMap((def) => {
    const name = String(def.name);
    const value = values[name];
    if (value === undefined) {
      if (def.required && name !== focused && focused === undefined)
        throw new Error(`/${path.join(' ')} requires option "${name}"`);
      return [];
    }
    if (name === focused) return [{ name, type: def.type, value: String(value), focused: true }];
    return [{ name, type: def.type, value: typedValue(def, value, resolved, helpers, path) }];
  });
  for (const name of Object.keys(values)) {
    if (!level.some((o) => o.name === name)) throw new Error(`/${path.join(' ')} has no option "${name}"`);
  }
  let options: Json[] = leaf;
  for (const sub of chain.reverse()) options = [{ name: sub.name, type: sub.type, options }];
  const data: Json = { id: command.id, name: command.name, type: command.type, options };
  if (command.guildId) data.guild_id = command.guildId;
  const hasResolved = Object.keys(resolved.attachments).length || Object.keys(resolved.users).length;
  if (hasResolved) {
    data.resolved = {
      ...(Object.keys(resolved.attachments).length ? { attachments: resolved.attachments } : {}),
      ...(Object.keys(resolved.users).length ? { users: resolved.users } : {}),
    };
  }
  return data;
}

function typedValue(
  def: Json,
  value: OptionInput,
  resolved: ResolvedParts,
  helpers: InvocationHelpers,
  path: readonly string[],
): string | number | boolean {
  const where = `/${path.join(' ')} ${String(def.name)}`;
  switch (def.type) {
    case OptionType.String: {
      if (typeof value !== 'string') throw new Error(`${where} takes text`);
      checkChoice(def, value, where);
      if (typeof def.max_length === 'number' && value.length > def.max_length)
        throw new Error(`${where} is too long`);
      if (typeof def.min_length === 'number' && value.length < def.min_length)
        throw new Error(`${where} is too short`);
      return value;
    }
    case OptionType.Integer:
    case OptionType.Number: {
      if (typeof value !== 'number' || (def.type === OptionType.Integer && !Number.isInteger(value))) {
        throw new Error(`${where} takes ${def.type === OptionType.Integer ? 'an integer' : 'a number'}`);
      }
      checkChoice(def, value, where);
      if (typeof def.min_value === 'number' && value < def.min_value)
        throw new Error(`${where} is below ${def.min_value}`);
      if (typeof def.max_value === 'number' && value > def.max_value)
        throw new Error(`${where} is above ${def.max_value}`);
      return value;
    }
    case OptionType.Boolean:
      if (typeof value !== 'boolean') throw new Error(`${where} takes true or false`);
      return value;
    case OptionType.Attachment: {
      if (typeof value !== 'object' || !('bytes' in value)) throw new Error(`${where} takes a file`);
      const stored = helpers.storeAttachment(value);
      resolved.attachments[stored.id] = helpers.attachmentJson(stored);
      return stored.id;
    }
    case OptionType.User: {
      if (typeof value !== 'object' || !('username' in value)) throw new Error(`${where} takes a user`);
      resolved.users[value.id] = helpers.userJson(value);
      return value.id;
    }
    default:
      throw new Error(`${where}: option type ${String(def.type)} is not modelled by the fake`);
  }
}

function checkChoice(def: Json, value: string | number, where: string): void {
  const choices = def.choices as Json[] | undefined;
  if (choices?.length && !choices.some((c) => c.value === value))
    throw new Error(`${where} must be one of its choices`);
}
