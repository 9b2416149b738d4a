import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { layoutActions } from '../kit/action-layout';
import type { ChatSink, ChatTarget, MessageRef } from '../kit/kit.types';
import { loadMediaBytes, MediaTooLargeError } from '../kit/media-bytes';
import { CONSOLE_TRAITS } from '../kit/platform-traits';
import {
  type ActionRow,
  type ButtonAction,
  flattenReply,
  type MediaItem,
  plainText,
  type Reply,
} from '../kit/reply';

/** Files larger than this are shown as their URL instead of being saved. */
const MAX_SAVED_BYTES = 200 * 1024 * 1024;

export const CONSOLE_CHAT: ChatTarget = { chatId: 'console', direct: true };

const ICONS: Record<MediaItem['kind'], string> = {
  image: 'image',
  video: 'video',
  audio: 'audio',
  document: 'file',
};

/**
 * The terminal as a chat: text as lines, media saved under `downloadDir/<generation id>/` and shown
 * as file paths, buttons as numbered choices (typing the number presses it).
 */
export class ConsoleSink implements ChatSink {
  private nextId = 1;
  private choices: ButtonAction[] = [];
  private readonly shown = new Map<string, string>();

  constructor(
    private readonly print: (line: string) => void,
    private readonly downloadDir: string,
  ) {}

  /** The action behind a typed number, from the latest buttons shown. */
  choice(n: number): string | undefined {
    return this.choices[n - 1]?.action;
  }

  /** Buttons (and select options) become numbered choices; links are printed as they are. */
  showActions(rows: readonly ActionRow[]): void {
    const laid = layoutActions(rows, CONSOLE_TRAITS).flat();
    this.choices = laid.filter((a): a is ButtonAction => a.type === 'button');
    for (const a of laid) if (a.type === 'link') this.print(`  ${a.label}: ${a.url}`);
    if (this.choices.length === 0) return;
    this.print(`  ${this.choices.map((b, i) => `[${i + 1}] ${b.label}`).join('  ')}`);
  }

  async send(_target: ChatTarget, reply: Reply): Promise<MessageRef> {
    const ref = { chatId: CONSOLE_CHAT.chatId, messageId: String(this.nextId++) };
    const text = plainText(flattenReply(reply));
    this.print(text);
    this.shown.set(ref.messageId, text);
    for (const item of reply.media ?? []) {
      this.print(`  ${ICONS[item.kind]}: ${await this.save(item, reply.generationId ?? 'misc')}`);
    }
    if (reply.actions) this.showActions(reply.actions);
    return ref;
  }

  /** A terminal cannot rewrite old lines: a changed message is printed again. */
  async edit(ref: MessageRef, reply: Reply): Promise<void> {
    const text = plainText(flattenReply(reply));
    if (this.shown.get(ref.messageId) === text) return;
    this.shown.set(ref.messageId, text);
    this.print(text);
    if (reply.actions) this.showActions(reply.actions);
  }

  async directChat(): Promise<ChatTarget> {
    return CONSOLE_CHAT;
  }

  private async save(item: MediaItem, folder: string): Promise<string> {
    const dir = path.join(this.downloadDir, folder.replace(/[^\w.-]/g, '_'));
    const file = path.join(dir, path.basename(item.filename));
    let bytes: Uint8Array;
    try {
      ({ bytes } = await loadMediaBytes(item, MAX_SAVED_BYTES));
    } catch (error) {
      if (error instanceof MediaTooLargeError && item.url) return `${item.url} (too large to save)`;
      return `${item.url ?? '(no file)'} (download failed: ${error instanceof Error ? error.message : String(error)})`;
    }
    await mkdir(dir, { recursive: true });
    await writeFile(file, bytes);
    return file;
  }
}
