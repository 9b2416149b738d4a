import { InputFile } from 'grammy';
import { loadMediaBytes, MediaTooLargeError } from '../kit/media-bytes';
import type { MediaItem } from '../kit/reply';

/** Bot API limits: files sent by URL are fetched by Telegram (photos up to 5 MB, others 20 MB); uploads up to 50 MB (photos 10 MB). */
export const LIMITS = {
  photoByUrl: 5 * 1024 * 1024,
  byUrl: 20 * 1024 * 1024,
  photoUpload: 10 * 1024 * 1024,
  upload: 50 * 1024 * 1024,
};

export type TelegramMethod = 'sendPhoto' | 'sendVideo' | 'sendAudio' | 'sendDocument' | 'sendAnimation';

/** How media is handed to Telegram: 'auto' sends URLs Telegram can reach and uploads the rest. */
export type MediaMode = 'auto' | 'url' | 'upload';

const PRIVATE_HOST =
  /^(localhost|.*\.local|.*\.internal|127\.\d+\.\d+\.\d+|10\.\d+\.\d+\.\d+|192\.168\.\d+\.\d+|172\.(1[6-9]|2\d|3[01])\.\d+\.\d+|169\.254\.\d+\.\d+|\[?::1\]?|\[?f[cd][0-9a-f]{2}:.*)$/i;

/** Whether Telegram's servers could fetch this URL (a loopback or private address they cannot). */
export function isPublicUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return (
      (parsed.protocol === 'https:' || parsed.protocol === 'http:') && !PRIVATE_HOST.test(parsed.hostname)
    );
  } catch {
    return false;
  }
}

/** The Bot API method for a media item: GIFs animate, 3D models and other files are documents. */
export function methodFor(item: MediaItem): TelegramMethod {
  if (item.kind === 'image') return item.mediaType === 'image/gif' ? 'sendAnimation' : 'sendPhoto';
  if (item.kind === 'video') return 'sendVideo';
  if (item.kind === 'audio') return 'sendAudio';
  return 'sendDocument';
}

export type MediaPlan =
  | { how: 'url'; method: TelegramMethod; url: string }
  | { how: 'upload'; method: TelegramMethod }
  | { how: 'link' };

/** Decides URL, upload or "too big: send a link", from the size core reported. */
export function planMedia(item: MediaItem, mode: MediaMode): MediaPlan {
  let method = methodFor(item);
  const size = item.size ?? item.bytes?.length ?? 0;
  if (method === 'sendPhoto' && size > LIMITS.photoUpload) method = 'sendDocument';
  const urlLimit = method === 'sendPhoto' ? LIMITS.photoByUrl : LIMITS.byUrl;
  if (
    item.url &&
    !item.bytes &&
    size <= urlLimit &&
    (mode === 'url' || (mode === 'auto' && isPublicUrl(item.url)))
  ) {
    return { how: 'url', method, url: item.url };
  }
  if (size > LIMITS.upload) return { how: 'link' };
  if (!item.url && !item.bytes) return { how: 'link' };
  return { how: 'upload', method };
}

/** The item's bytes (read once from core's signed URL) for an upload; null when it turns out too large. */
export async function inputFileOf(item: MediaItem): Promise<InputFile | null> {
  try {
    const { bytes } = await loadMediaBytes(item, LIMITS.upload);
    return new InputFile(bytes, item.filename);
  } catch (error) {
    if (error instanceof MediaTooLargeError) return null;
    throw error;
  }
}
