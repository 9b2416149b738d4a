// What a person sees in a channel: messages in order with their text, embeds, files, buttons and
// selects, and whether they are ephemeral (only for the viewer) or still "thinking".
import { ButtonStyle, ComponentType, MessageFlag } from './discord-protocol';
import type { DiscordWorld, StoredAttachment, StoredMessage } from './discord-world';

type Json = Record<string, unknown>;

export interface TranscriptControl {
  kind: 'button' | 'link' | 'select';
  label: string;
  customId?: string;
  url?: string;
  style?: number;
  disabled: boolean;
  /** Select menus: the options' labels and values. */
  options?: { label: string; value: string }[];
}

export interface TranscriptEntry {
  message: StoredMessage;
  fromBot: boolean;
  authorId: string;
  content: string;
  embeds: Json[];
  files: StoredAttachment[];
  /** Action rows of controls, as laid out. */
  controls: TranscriptControl[][];
  ephemeral: boolean;
  /** A deferred response still showing "... is thinking". */
  loading: boolean;
  /** How many times it was edited after it was posted. */
  edits: number;
  mentions: string[];
}

export function transcript(
  world: DiscordWorld,
  channelId: string,
  viewerId: string | null,
): TranscriptEntry[] {
  const botIds = new Set([...world.users.values()].filter((u) => u.bot).map((u) => u.id));
  return world
    .allMessages(channelId)
    .filter((m) => !m.deleted && (!m.visibleTo || m.visibleTo === viewerId))
    .map((m) => ({
      message: m,
      fromBot: botIds.has(m.authorId),
      authorId: m.authorId,
      content: m.content,
      embeds: m.embeds,
      files: m.attachments,
      controls: m.components.map((row) => ((row.components as Json[] | undefined) ?? []).map(control)),
      ephemeral: (m.flags & MessageFlag.Ephemeral) !== 0,
      loading: (m.flags & MessageFlag.Loading) !== 0,
      edits: m.versions.length - 1,
      mentions: m.mentions,
    }));
}

function control(c: Json): TranscriptControl {
  if (c.type === ComponentType.StringSelect) {
    return {
      kind: 'select',
      label: String(c.placeholder ?? ''),
      customId: String(c.custom_id),
      disabled: Boolean(c.disabled),
      options: ((c.options as Json[] | undefined) ?? []).map((o) => ({
        label: String(o.label),
        value: String(o.value),
      })),
    };
  }
  const link = c.style === ButtonStyle.Link;
  return {
    kind: link ? 'link' : 'button',
    label: String(c.label ?? ''),
    ...(link ? { url: String(c.url) } : { customId: String(c.custom_id) }),
    style: Number(c.style),
    disabled: Boolean(c.disabled),
  };
}
