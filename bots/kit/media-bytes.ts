import type { MediaItem } from './reply';

export class MediaTooLargeError extends Error {
  constructor(
    readonly filename: string,
    readonly maxBytes: number,
  ) {
    super(`${filename} is larger than ${maxBytes} bytes`);
    this.name = 'MediaTooLargeError';
  }
}

/**
 * The item with its bytes, for platforms that upload bytes rather than URLs (Slack's files.uploadV2,
 * Telegram when its servers cannot reach ours, the console). Reads core's signed URL once, stops
 * reading past `maxBytes` (MediaTooLargeError: send a link instead), and leaves an item that already
 * has bytes as it is.
 */
export async function loadMediaBytes(
  item: MediaItem,
  maxBytes: number,
  opts: { timeoutMs?: number } = {},
): Promise<MediaItem & { bytes: Uint8Array }> {
  if (item.bytes) {
    if (item.bytes.length > maxBytes) throw new MediaTooLargeError(item.filename, maxBytes);
    return item as MediaItem & { bytes: Uint8Array };
  }
  if (!item.url) throw new Error(`${item.filename} has neither bytes nor a URL`);
  if (item.size !== undefined && item.size > maxBytes) throw new MediaTooLargeError(item.filename, maxBytes);
  const response = await fetch(item.url, { signal: AbortSignal.timeout(opts.timeoutMs ?? 60_000) });
  if (!response.ok || !response.body) {
    throw new Error(`downloading ${item.filename} failed: HTTP ${response.status}`);
  }
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) {
    await response.body.cancel();
    throw new MediaTooLargeError(item.filename, maxBytes);
  }
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const part of response.body as AsyncIterable<Uint8Array>) {
    total += part.length;
    if (total > maxBytes) throw new MediaTooLargeError(item.filename, maxBytes);
    parts.push(part);
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.length;
  }
  return { ...item, bytes, size: total };
}
