import type { CoreClient } from './core-client';
import type { Attachment } from './kit.types';

/**
 * Puts an attachment into core as an upload and returns it. Most platforms' file URLs can be fetched
 * by core directly (`uploads.fromUrl`, allow-listed hosts). A platform whose files need the bot's own
 * credentials (Slack's url_private wants the bot token) supplies `bytes()` instead: the bytes then go
 * through the presigned upload flow (create, PUT, complete), the way a browser uploads.
 */
export async function ingestAttachment(
  client: CoreClient,
  attachment: Attachment,
  kind: 'image' | 'video' | 'audio' = attachment.kind,
): Promise<{ id: string }> {
  const filename = attachment.filename ? { filename: attachment.filename } : {};
  if (!attachment.bytes) {
    return client.uploads.fromUrl.mutate({ url: await attachment.url(), kind, ...filename });
  }
  const file = await attachment.bytes();
  const ticket = await client.uploads.create.mutate({
    kind,
    contentType: file.contentType,
    size: file.bytes.length,
    ...filename,
  });
  const put = await fetch(ticket.url, {
    method: ticket.method,
    headers: ticket.headers,
    body: new Blob([new Uint8Array(file.bytes)]),
    signal: AbortSignal.timeout(60_000),
  });
  if (!put.ok)
    throw new Error(
      `uploading ${attachment.filename ?? 'the attachment'} to core failed: HTTP ${put.status}`,
    );
  return client.uploads.complete.mutate({ uploadId: ticket.uploadId });
}
