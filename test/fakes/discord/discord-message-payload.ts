// Validates a message create/edit body the way Discord does (limits, components, attachments) and
// turns it into stored message content. Every violation becomes one 50035 Invalid Form Body.
import type { DiscordCdn } from './discord-cdn';
import { DiscordHttpError, discordError, FormErrors } from './discord-errors';
import { ButtonStyle, ComponentType } from './discord-protocol';
import type { MessageContent, StoredAttachment, StoredMessage } from './discord-world';

export interface UploadedFile {
  field: string;
  filename: string;
  contentType: string | undefined;
  bytes: Buffer;
}

export interface PayloadContext {
  channelId: string;
  uploadLimit: number;
  cdn: DiscordCdn;
  snowflake: () => string;
  /** Flags the caller may set on this message (ephemeral only for interaction responses). */
  allowedFlags: number;
}

type Json = Record<string, unknown>;
const MAX_FILES = 10;

/** A new message: something must be in it. */
export function parseNewMessage(
  body: Json,
  files: readonly UploadedFile[],
  ctx: PayloadContext,
): MessageContent {
  const parsed = parseMessagePatch(body, files, ctx, undefined);
  const message: MessageContent = {
    content: parsed.content ?? '',
    embeds: parsed.embeds ?? [],
    components: parsed.components ?? [],
    attachments: parsed.attachments ?? [],
    flags: parsed.flags ?? 0,
    mentions: parsed.mentions ?? [],
  };
  const empty =
    !message.content && !message.embeds.length && !message.attachments.length && !message.components.length;
  if (empty) throw discordError.cannotSendEmpty();
  return message;
}

/** An edit: only the fields present change; `attachments` lists what to keep, new files are added. */
export function parseMessagePatch(
  body: Json,
  files: readonly UploadedFile[],
  ctx: PayloadContext,
  existing: StoredMessage | undefined,
): Partial<MessageContent> {
  const errors = new FormErrors();
  const patch: Partial<MessageContent> = {};
  if ('content' in body && body.content !== null) {
    errors.length(['content'], body.content, 0, 2000);
    patch.content = String(body.content ?? '');
    patch.mentions = mentionedUsers(patch.content, body.allowed_mentions as Json | undefined);
  }
  if ('embeds' in body && body.embeds !== null) {
    const embeds = asArray(body.embeds);
    errors.max(['embeds'], embeds, 10);
    embeds.forEach((embed, i) => {
      validateEmbed(errors, ['embeds', i], embed as Json);
    });
    const total = embeds.reduce<number>((sum, e) => sum + embedTextLength(e as Json), 0);
    if (total > 6000)
      errors.add(['embeds'], 'MAX_EMBED_SIZE_EXCEEDED', 'Embed size exceeds maximum size of 6000');
    patch.embeds = embeds as Json[];
  }
  if ('components' in body && body.components !== null) {
    patch.components = validateComponents(errors, asArray(body.components) as Json[]);
  }
  if ('flags' in body && body.flags !== null && body.flags !== undefined) {
    const flags = Number(body.flags);
    if (!Number.isInteger(flags) || (flags & ~ctx.allowedFlags) !== 0) {
      errors.add(['flags'], 'MESSAGE_FLAGS_INVALID', 'Invalid flags');
    }
    patch.flags = flags & ctx.allowedFlags;
  }
  const attachments = resolveAttachments(errors, body, files, ctx, existing);
  if (attachments) patch.attachments = attachments;
  errors.throwIfAny();
  return patch;
}

function resolveAttachments(
  errors: FormErrors,
  body: Json,
  files: readonly UploadedFile[],
  ctx: PayloadContext,
  existing: StoredMessage | undefined,
): StoredAttachment[] | undefined {
  for (const file of files) {
    if (file.bytes.length > ctx.uploadLimit) throw discordError.entityTooLarge();
  }
  const listed =
    'attachments' in body && body.attachments !== null ? (asArray(body.attachments) as Json[]) : undefined;
  if (!listed && files.length === 0) return undefined;
  const kept: StoredAttachment[] = [];
  const uploaded = new Map<string, UploadedFile>();
  files.forEach((file, index) => {
    uploaded.set(fileIndex(file.field) ?? String(index), file);
  });
  const used = new Set<string>();
  const result: StoredAttachment[] = [];
  for (const [i, entry] of (listed ?? []).entries()) {
    const id = String(entry.id ?? '');
    const file = uploaded.get(id);
    if (file) {
      used.add(id);
      result.push(storeFile(ctx, file, entry));
      continue;
    }
    const old = existing?.attachments.find((a) => a.id === id);
    if (old) kept.push(old);
    else errors.add(['attachments', i, 'id'], 'ATTACHMENT_NOT_FOUND', `Unknown attachment id ${id}`);
  }
  if (!listed) {
    result.push(...(existing?.attachments ?? []));
  }
  for (const [id, file] of uploaded) {
    if (!used.has(id)) result.push(storeFile(ctx, file, {}));
  }
  const all = [...kept, ...result];
  if (all.length > MAX_FILES)
    errors.add(['attachments'], 'BASE_TYPE_MAX_LENGTH', `Must be ${MAX_FILES} or fewer in length.`);
  return all;
}

function storeFile(ctx: PayloadContext, file: UploadedFile, entry: Json): StoredAttachment {
  return ctx.cdn.store(ctx.channelId, ctx.snowflake(), {
    filename: typeof entry.filename === 'string' ? entry.filename : file.filename,
    bytes: file.bytes,
    contentType: file.contentType,
    description: typeof entry.description === 'string' ? entry.description : undefined,
  });
}

/** `files[3]` -> '3'; other field names (`file`) take their position. */
function fileIndex(field: string): string | undefined {
  return /^files\[(\d+)\]$/.exec(field)?.[1];
}

function validateEmbed(errors: FormErrors, path: (string | number)[], embed: Json): void {
  if (embed.title !== undefined) errors.length([...path, 'title'], embed.title, 0, 256);
  if (embed.description !== undefined) errors.length([...path, 'description'], embed.description, 0, 4096);
  const fields = asArray(embed.fields) as Json[];
  errors.max([...path, 'fields'], fields, 25);
  fields.forEach((field, i) => {
    errors.length([...path, 'fields', i, 'name'], field.name, 1, 256);
    errors.length([...path, 'fields', i, 'value'], field.value, 1, 1024);
  });
  const footer = embed.footer as Json | undefined;
  if (footer) errors.length([...path, 'footer', 'text'], footer.text, 1, 2048);
}

function embedTextLength(embed: Json): number {
  const text = (v: unknown) => (typeof v === 'string' ? v.length : 0);
  const fields = asArray(embed.fields) as Json[];
  return (
    text(embed.title) +
    text(embed.description) +
    text((embed.footer as Json | undefined)?.text) +
    text((embed.author as Json | undefined)?.name) +
    fields.reduce((sum, f) => sum + text(f.name) + text(f.value), 0)
  );
}

/** Classic components: up to 5 action rows, each 1-5 buttons or exactly one select menu. */
function validateComponents(errors: FormErrors, rows: Json[]): Json[] {
  errors.max(['components'], rows, 5);
  const customIds = new Set<string>();
  const customId = (path: (string | number)[], value: unknown) => {
    errors.length(path, value, 1, 100);
    if (typeof value === 'string') {
      if (customIds.has(value))
        errors.add(path, 'COMPONENT_CUSTOM_ID_DUPLICATED', 'Component custom id cannot be duplicated');
      customIds.add(value);
    }
  };
  rows.forEach((row, r) => {
    if (row.type !== ComponentType.ActionRow) {
      errors.add(['components', r, 'type'], 'UNION_TYPE_CHOICES', 'Value must be an action row here');
      return;
    }
    const children = asArray(row.components) as Json[];
    if (children.length === 0)
      errors.add(['components', r, 'components'], 'BASE_TYPE_MIN_LENGTH', 'Must be 1 or more in length.');
    const hasSelect = children.some((c) => c.type === ComponentType.StringSelect);
    if (hasSelect && children.length > 1) {
      errors.add(
        ['components', r, 'components'],
        'COMPONENT_LAYOUT_WIDTH_EXCEEDED',
        'The specified component exceeds the maximum width',
      );
    }
    errors.max(['components', r, 'components'], children, 5);
    children.forEach((child, c) => {
      const path = ['components', r, 'components', c];
      if (child.type === ComponentType.Button) {
        const style = Number(child.style);
        if (!Object.values(ButtonStyle).includes(style as never))
          errors.add([...path, 'style'], 'BUTTON_COMPONENT_INVALID_STYLE', 'Invalid style');
        if (child.label !== undefined) errors.length([...path, 'label'], child.label, 0, 80);
        if (style === ButtonStyle.Link) {
          if (typeof child.url !== 'string')
            errors.add([...path, 'url'], 'BASE_TYPE_REQUIRED', 'This field is required');
          else errors.length([...path, 'url'], child.url, 1, 512);
          if (child.custom_id !== undefined)
            errors.add(
              [...path, 'custom_id'],
              'BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED',
              'A link button cannot have a custom id',
            );
        } else if (style !== ButtonStyle.Premium) {
          customId([...path, 'custom_id'], child.custom_id);
        }
        if (child.label === undefined && child.emoji === undefined && style !== ButtonStyle.Premium) {
          errors.add(
            [...path, 'label'],
            'BUTTON_COMPONENT_LABEL_OR_EMOJI_REQUIRED',
            'A label or an emoji is required',
          );
        }
      } else if (child.type === ComponentType.StringSelect) {
        customId([...path, 'custom_id'], child.custom_id);
        if (child.placeholder !== undefined)
          errors.length([...path, 'placeholder'], child.placeholder, 0, 150);
        const options = asArray(child.options) as Json[];
        if (options.length === 0)
          errors.add([...path, 'options'], 'BASE_TYPE_MIN_LENGTH', 'Must be 1 or more in length.');
        errors.max([...path, 'options'], options, 25);
        options.forEach((option, o) => {
          errors.length([...path, 'options', o, 'label'], option.label, 1, 100);
          errors.length([...path, 'options', o, 'value'], option.value, 1, 100);
          if (option.description !== undefined)
            errors.length([...path, 'options', o, 'description'], option.description, 0, 100);
        });
      } else {
        errors.add(
          [...path, 'type'],
          'UNION_TYPE_CHOICES',
          'Value of field "type" must be a button or a select menu here',
        );
      }
    });
  });
  return rows;
}

/** User mentions in content that the allowed_mentions rules let through (users only, no roles). */
function mentionedUsers(content: string, allowed: Json | undefined): string[] {
  const ids = [...content.matchAll(/<@!?(\d{5,25})>/g)].map((m) => m[1]!);
  if (!allowed) return [...new Set(ids)];
  const parse = asArray(allowed.parse);
  const users = asArray(allowed.users).map(String);
  return [...new Set(ids.filter((id) => parse.includes('users') || users.includes(id)))];
}

function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value))
    throw new DiscordHttpError(400, 50109, 'The request body contains invalid JSON.');
  return value;
}
