import { randomBytes } from 'node:crypto';
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

/** Each local user has their own direct chat in the terminal. */
export const consoleChat = (userName: string): ChatTarget => ({
  chatId: `console:${userName}`,
  direct: true,
});

/** What the terminal showed, message by message (for transcripts and tests). */
export type ConsoleEvent =
  | { kind: 'send' | 'edit' | 'actions'; chatId: string; messageId: string; reply: Reply }
  | { kind: 'notice'; chatId: string; text: string };

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
  /** Message ids are unique across restarts: core keeps them (a result's origin) longer than a process lives. */
  private readonly session = randomBytes(3).toString('hex');
  private choices: ButtonAction[] = [];
  /** The message the latest choices belong to. */
  private choicesOn: MessageRef | null = null;
  private readonly shown = new Map<string, string>();

  constructor(
    private readonly print: (line: string) => void,
    private readonly downloadDir: string,
    private readonly observe: (event: ConsoleEvent) => void = () => {},
  ) {}

  /** The action behind a typed number, from the latest buttons shown, and the message they were on. */
  choice(n: number): { action: string; on: MessageRef | null } | undefined {
    const picked = this.choices[n - 1];
    return picked ? { action: picked.action, on: this.choicesOn } : undefined;
  }

  /** Buttons (and select options) become numbered choices; links are printed as they are. */
  private showActions(rows: readonly ActionRow[], on: MessageRef): void {
    this.choicesOn = on;
    const laid = layoutActions(rows, CONSOLE_TRAITS).flat();
    this.choices = laid.filter((a): a is ButtonAction => a.type === 'button');
    for (const a of laid) if (a.type === 'link') this.print(`  ${a.label}: ${a.url}`);
    if (this.choices.length === 0) return;
    this.print(`  ${this.choices.map((b, i) => `[${i + 1}] ${b.label}`).join('  ')}`);
  }

  /** Replaces the actions of a message shown earlier: its choices are offered again. */
  updateActions(ref: MessageRef, rows: ActionRow[]): void {
    this.observe({
      kind: 'actions',
      chatId: ref.chatId,
      messageId: ref.messageId,
      reply: { text: [], actions: rows },
    });
    this.showActions(rows, ref);
  }

  notice(chatId: string, text: string): void {
    this.observe({ kind: 'notice', chatId, text });
    this.print(text);
  }

  async send(target: ChatTarget, reply: Reply): Promise<MessageRef> {
    const ref = { chatId: target.chatId, messageId: `${this.session}-${this.nextId++}` };
    this.observe({ kind: 'send', chatId: ref.chatId, messageId: ref.messageId, reply });
    const text = plainText(flattenReply(reply));
    this.print(text);
    this.shown.set(ref.messageId, text);
    for (const item of reply.media ?? []) {
      this.print(`  ${ICONS[item.kind]}: ${await this.save(item, reply.generationId ?? 'misc')}`);
    }
    if (reply.actions) this.showActions(reply.actions, ref);
    return ref;
  }

  /** A terminal cannot rewrite old lines: a changed message is printed again. */
  async edit(ref: MessageRef, reply: Reply): Promise<void> {
    this.observe({ kind: 'edit', chatId: ref.chatId, messageId: ref.messageId, reply });
    const text = plainText(flattenReply(reply));
    if (this.shown.get(ref.messageId) === text) return;
    this.shown.set(ref.messageId, text);
    this.print(text);
    if (reply.actions) this.showActions(reply.actions, ref);
  }

  async directChat(platformUserId: string): Promise<ChatTarget> {
    return consoleChat(platformUserId);
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
