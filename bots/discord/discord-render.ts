import {
  type APIActionRowComponent,
  type APIComponentInMessageActionRow,
  type APIEmbed,
  ButtonStyle,
  ComponentType,
  escapeMarkdown,
} from 'discord.js';
import { layoutActions } from '../kit/action-layout';
import { loadMediaBytes, MediaTooLargeError } from '../kit/media-bytes';
import { DISCORD_TRAITS } from '../kit/platform-traits';
import { type Action, clip, type Inline, type MediaItem, type Reply } from '../kit/reply';

const CONTENT_LIMIT = 2000;
const EMBED_TITLE_LIMIT = 256;
const FIELD_NAME_LIMIT = 256;
const FIELD_VALUE_LIMIT = 1024;
const LABEL_LIMIT = 80;
const OPTION_TEXT_LIMIT = 100;
const MAX_FILES = 10;
/** Select menus carry their option's action as the value; the custom id only has to be unique. */
export const SELECT_PREFIX = 'select:';

export interface DiscordFile {
  attachment: Buffer;
  name: string;
  description?: string;
}

/** A message body for discord.js (send, reply, editReply, followUp, webhook edits). */
export interface DiscordPayload {
  content: string;
  embeds: APIEmbed[];
  components: APIActionRowComponent<APIComponentInMessageActionRow>[];
  files?: DiscordFile[];
  allowedMentions: { parse: []; users?: string[] };
}

/** Spans as Discord markdown; plain text is escaped so a prompt never turns into formatting. */
export function markdown(parts: readonly Inline[]): string {
  return parts
    .map((part) => {
      if (typeof part === 'string') return escapeMarkdown(part);
      if ('bold' in part) return `**${escapeMarkdown(part.bold)}**`;
      if ('italic' in part) return `*${escapeMarkdown(part.italic)}*`;
      if ('code' in part) return `\`${part.code.replace(/`/g, 'ˋ')}\``;
      return part.text === part.link ? part.link : `[${escapeMarkdown(part.text)}](${part.link})`;
    })
    .join('');
}

function component(action: Action, selectIndex: number): APIComponentInMessageActionRow {
  switch (action.type) {
    case 'button':
      return {
        type: ComponentType.Button,
        style:
          action.style === 'primary'
            ? ButtonStyle.Primary
            : action.style === 'danger'
              ? ButtonStyle.Danger
              : ButtonStyle.Secondary,
        label: clip(action.label, LABEL_LIMIT),
        custom_id: action.action,
      };
    case 'link':
      return {
        type: ComponentType.Button,
        style: ButtonStyle.Link,
        label: clip(action.label, LABEL_LIMIT),
        url: action.url,
      };
    case 'select':
      return {
        type: ComponentType.StringSelect,
        custom_id: `${SELECT_PREFIX}${selectIndex}`,
        placeholder: clip(action.placeholder, 150),
        options: action.options.map((o) => ({
          label: clip(o.label, OPTION_TEXT_LIMIT),
          value: o.action,
          ...(o.description ? { description: clip(o.description, OPTION_TEXT_LIMIT) } : {}),
          ...(o.selected ? { default: true } : {}),
        })),
      };
  }
}

/** Action rows within Discord's limits (5 rows of 5, one select per row, custom ids unique). */
export function components(rows: Reply['actions']): DiscordPayload['components'] {
  const seen = new Set<string>();
  let selects = 0;
  return layoutActions(rows, DISCORD_TRAITS)
    .map((row) =>
      row
        .filter((action) => {
          if (action.type !== 'button') return true;
          if (seen.has(action.action)) return false;
          seen.add(action.action);
          return true;
        })
        .map((action) => component(action, action.type === 'select' ? selects++ : 0)),
    )
    .filter((row) => row.length > 0)
    .map((row) => ({ type: ComponentType.ActionRow, components: row }));
}

function embedOf(reply: Reply): APIEmbed[] {
  if (!reply.title && !reply.fields?.length) return [];
  return [
    {
      ...(reply.title ? { title: clip(reply.title, EMBED_TITLE_LIMIT) } : {}),
      ...(reply.fields?.length
        ? {
            fields: reply.fields.slice(0, 25).map((f) => ({
              name: clip(f.label, FIELD_NAME_LIMIT),
              value: clip(markdown(f.value) || '-', FIELD_VALUE_LIMIT),
              inline: true,
            })),
          }
        : {}),
    },
  ];
}

/**
 * Files are uploaded (several images in one message), each within `uploadLimit` bytes; a file that is
 * larger, or beyond Discord's ten per message, becomes a link to core's signed URL. NSFW media is
 * spoilered (`SPOILER_` name) unless the channel is age-restricted.
 */
async function filesOf(
  media: readonly MediaItem[],
  opts: { uploadLimit: number; ageRestricted: boolean },
): Promise<{ files: DiscordFile[]; links: Inline[] }> {
  const files: DiscordFile[] = [];
  const links: Inline[] = [];
  for (const item of media) {
    const asLink = () => {
      if (item.url) links.push('\n', { link: item.url, text: item.filename });
    };
    if (files.length >= MAX_FILES) {
      asLink();
      continue;
    }
    try {
      const loaded = await loadMediaBytes(item, opts.uploadLimit);
      const spoiler = item.spoiler && !opts.ageRestricted;
      files.push({
        attachment: Buffer.from(loaded.bytes),
        name: spoiler ? `SPOILER_${item.filename}` : item.filename,
      });
    } catch (error) {
      if (!(error instanceof MediaTooLargeError)) throw error;
      asLink();
    }
  }
  return { files, links };
}

export interface RenderOptions {
  uploadLimit: number;
  /** Age-restricted channel: NSFW results are shown without a spoiler. */
  ageRestricted?: boolean;
  /** Users pinged by this message (a result posted after the interaction closed). */
  mention?: string;
}

/** The kit's reply as a Discord message. Media bytes are fetched here (once per send). */
export async function renderReply(reply: Reply, opts: RenderOptions): Promise<DiscordPayload> {
  const { files, links } = await filesOf(reply.media ?? [], {
    uploadLimit: opts.uploadLimit,
    ageRestricted: opts.ageRestricted ?? false,
  });
  const mention = opts.mention ? `<@${opts.mention}> ` : '';
  const content = clip(`${mention}${markdown([...reply.text, ...links])}`, CONTENT_LIMIT);
  return {
    content,
    embeds: embedOf(reply),
    components: components(reply.actions),
    ...(reply.media ? { files } : {}),
    allowedMentions: opts.mention ? { parse: [], users: [opts.mention] } : { parse: [] },
  };
}

/** Text of a reply for a short notice (ephemeral follow-up). */
export function noticeText(text: string): string {
  return clip(escapeMarkdown(text), CONTENT_LIMIT);
}
