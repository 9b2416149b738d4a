/**
 * The platform-neutral reply model: what the kit says, and adapters render (Telegram HTML, console
 * lines, Discord embeds and components, Slack blocks). Text is a list of spans so no adapter ever has
 * to parse markup.
 */
export type Inline =
  | string
  | { bold: string }
  | { italic: string }
  | { code: string }
  | { link: string; text: string };

export interface MediaItem {
  kind: 'image' | 'video' | 'audio' | 'document';
  /** A (signed, expiring) URL to the bytes, or the bytes themselves (see `loadMediaBytes`). */
  url?: string;
  bytes?: Uint8Array;
  filename: string;
  mediaType?: string;
  size?: number;
  /** Flagged NSFW: shown behind a spoiler where the platform has one. */
  spoiler?: boolean;
}

/** Who sees a reply: everyone in the chat, or only the person who asked (where the platform can). */
export type Visibility = 'public' | 'ephemeral';

/** A button; `action` is a compact string (see button-actions.ts) that stays valid across restarts. */
export interface ButtonAction {
  type: 'button';
  label: string;
  action: string;
  /** A hint for platforms with styled buttons (Discord, Slack); others ignore it. */
  style?: 'primary' | 'danger';
}

/** A button that opens a URL and sends nothing back to the bot. */
export interface LinkAction {
  type: 'link';
  label: string;
  url: string;
}

export interface SelectOption {
  label: string;
  /** What choosing it does: the same kind of action string a button carries. */
  action: string;
  description?: string;
  /** Shown as the current choice. */
  selected?: boolean;
}

/**
 * A menu of choices. Platforms without select menus get buttons instead (`layoutActions` does it),
 * so a select never needs a fallback written by hand.
 */
export interface SelectAction {
  type: 'select';
  placeholder: string;
  options: SelectOption[];
}

export type Action = ButtonAction | LinkAction | SelectAction;

/** One row of actions; a select fills a row on its own. */
export type ActionRow = Action[];

export interface ReplyField {
  label: string;
  value: Inline[];
}

export interface Reply {
  text: Inline[];
  /** A heading (Discord embed title, Slack header, a bold first line elsewhere). */
  title?: string;
  /** Label/value pairs (embed fields, Slack section fields, "label: value" lines elsewhere). */
  fields?: ReplyField[];
  media?: MediaItem[];
  /** Rows of actions, laid out within the platform's limits by `layoutActions` before sending. */
  actions?: ActionRow[];
  /** Default: the command's visibility. Platforms without ephemeral replies post publicly. */
  visibility?: Visibility;
  /** The generation this reply shows, when it shows one (the console files media under it). */
  generationId?: string;
}

export const bold = (text: string): Inline => ({ bold: text });
export const italic = (text: string): Inline => ({ italic: text });
export const code = (text: string): Inline => ({ code: text });
export const link = (url: string, text = url): Inline => ({ link: url, text });
export const button = (label: string, action: string, style?: ButtonAction['style']): ButtonAction => ({
  type: 'button',
  label,
  action,
  ...(style ? { style } : {}),
});

/** A text-only reply. */
export function say(...parts: Inline[]): Reply {
  return { text: parts };
}

/** The visible text of one span. */
export function spanText(part: Inline): string {
  if (typeof part === 'string') return part;
  if ('bold' in part) return part.bold;
  if ('italic' in part) return part.italic;
  if ('code' in part) return part.code;
  return part.text;
}

/** The reply's text without emphasis; links as "text (url)" unless the text is the url. */
export function plainText(parts: readonly Inline[]): string {
  return parts
    .map((part) =>
      typeof part === 'object' && 'link' in part && part.text !== part.link
        ? `${part.text} (${part.link})`
        : spanText(part),
    )
    .join('');
}

/**
 * Title and fields folded into the text, for platforms that have neither (Telegram, the console):
 * the title as a bold first line, each field as "label: value" on its own line.
 */
export function flattenReply(reply: Reply): Inline[] {
  const head: Inline[] = reply.title ? [bold(reply.title), '\n'] : [];
  const fields: Inline[] = (reply.fields ?? []).flatMap((f) => ['\n', `${f.label}: `, ...f.value]);
  return [...head, ...reply.text, ...fields];
}

/** Shortens text to `max` characters with an ellipsis. */
export function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/** "1 credit", "3 credits". */
export function credits(n: number): string {
  return `${n.toLocaleString('en-US')} credit${n === 1 ? '' : 's'}`;
}
