import type { Message } from 'grammy/types';

/**
 * Collects the messages of an album (one update per photo, sharing a media_group_id) until none has
 * arrived for `quietMs`, then hands over the whole album once.
 */
export class AlbumCollector {
  private readonly albums = new Map<string, { messages: Message[]; timer: NodeJS.Timeout }>();

  constructor(
    private readonly quietMs: number,
    private readonly onAlbum: (messages: Message[]) => void,
  ) {}

  add(message: Message & { media_group_id: string }): void {
    const id = message.media_group_id;
    const album = this.albums.get(id);
    if (album) clearTimeout(album.timer);
    const messages = album?.messages ?? [];
    if (!messages.some((m) => m.message_id === message.message_id)) messages.push(message);
    const timer = setTimeout(() => {
      this.albums.delete(id);
      this.onAlbum(messages.sort((a, b) => a.message_id - b.message_id));
    }, this.quietMs);
    this.albums.set(id, { messages, timer });
  }

  /** Drops albums still collecting (shutdown). */
  clear(): void {
    for (const album of this.albums.values()) clearTimeout(album.timer);
    this.albums.clear();
  }
}
