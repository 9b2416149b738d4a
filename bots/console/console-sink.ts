import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ChatSink, ChatTarget, MessageRef } from '../kit/kit.types';
import { type Button, type MediaItem, plainText, type Reply } from '../kit/reply';

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
  private choices: Button[] = [];
  private readonly shown = new Map<string, string>();

  constructor(
    private readonly print: (line: string) => void,
    private readonly downloadDir: string,
  ) {}

  /** The action behind a typed number, from the latest buttons shown. */
  choice(n: number): string | undefined {
    return this.choices[n - 1]?.action;
  }

  showButtons(rows: readonly (readonly Button[])[]): void {
    this.choices = rows.flat();
    if (this.choices.length === 0) return;
    this.print(`  ${this.choices.map((b, i) => `[${i + 1}] ${b.label}`).join('  ')}`);
  }

  async send(_target: ChatTarget, reply: Reply): Promise<MessageRef> {
    const ref = { chatId: CONSOLE_CHAT.chatId, messageId: String(this.nextId++) };
    const text = plainText(reply.text);
    this.print(text);
    this.shown.set(ref.messageId, text);
    for (const item of reply.media ?? []) {
      this.print(`  ${ICONS[item.kind]}: ${await this.save(item, reply.generationId ?? 'misc')}`);
    }
    if (reply.buttons) this.showButtons(reply.buttons);
    return ref;
  }

  /** A terminal cannot rewrite old lines: a changed message is printed again. */
  async edit(ref: MessageRef, reply: Reply): Promise<void> {
    const text = plainText(reply.text);
    if (this.shown.get(ref.messageId) === text) return;
    this.shown.set(ref.messageId, text);
    this.print(text);
    if (reply.buttons) this.showButtons(reply.buttons);
  }

  async directChat(): Promise<ChatTarget> {
    return CONSOLE_CHAT;
  }

  private async save(item: MediaItem, folder: string): Promise<string> {
    const dir = path.join(this.downloadDir, folder.replace(/[^\w.-]/g, '_'));
    const file = path.join(dir, path.basename(item.filename));
    let bytes = item.bytes;
    if (!bytes && item.url) {
      const response = await fetch(item.url, { signal: AbortSignal.timeout(60_000) });
      if (!response.ok) return `${item.url} (download failed: HTTP ${response.status})`;
      bytes = new Uint8Array(await response.arrayBuffer());
    }
    if (!bytes) return '(no file)';
    await mkdir(dir, { recursive: true });
    await writeFile(file, bytes);
    return file;
  }
}
