/**
 * The platform-neutral reply model: what the kit says, and adapters render (Telegram HTML, console
 * lines, Discord embeds later). Text is a list of spans so no adapter ever has to parse markup.
 */
export type Inline =
  | string
  | { bold: string }
  | { italic: string }
  | { code: string }
  | { link: string; text: string };

export interface MediaItem {
  kind: 'image' | 'video' | 'audio' | 'document';
  /** A (signed, expiring) URL to the bytes, or the bytes themselves. */
  url?: string;
  bytes?: Uint8Array;
  filename: string;
  mediaType?: string;
  size?: number;
  /** Flagged NSFW: shown behind a spoiler where the platform has one. */
  spoiler?: boolean;
}

/** A button; `action` is a compact string (see button-actions.ts) that stays valid across restarts. */
export interface Button {
  label: string;
  action: string;
}

export interface Reply {
  text: Inline[];
  media?: MediaItem[];
  /** Rows of buttons. */
  buttons?: Button[][];
  /** The generation this reply shows, when it shows one (the console files media under it). */
  generationId?: string;
}

export const bold = (text: string): Inline => ({ bold: text });
export const italic = (text: string): Inline => ({ italic: text });
export const code = (text: string): Inline => ({ code: text });
export const link = (url: string, text = url): Inline => ({ link: url, text });

/** A text-only reply. */
export function say(...parts: Inline[]): Reply {
  return { text: parts };
}

/** The reply's text without emphasis; links as "text (url)" unless the text is the url. */
export function plainText(parts: readonly Inline[]): string {
  return parts
    .map((part) => {
      if (typeof part === 'string') return part;
      if ('bold' in part) return part.bold;
      if ('italic' in part) return part.italic;
      if ('code' in part) return part.code;
      return part.text === part.link ? part.link : `${part.text} (${part.link})`;
    })
    .join('');
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
