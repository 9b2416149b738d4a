import type { IncomingMessage, ServerResponse } from 'node:http';
import { bearerToken, parseRequest, sendText } from './slack-http';
import type { SlackWorld } from './slack-world';

// Slack's file hosts. The upload URL from files.getUploadURLExternal takes the bytes (raw or
// multipart, as @slack/web-api sends them); `url_private` serves a file only to a request carrying a
// token of the file's workspace with files:read, and otherwise redirects to the sign-in page, as
// Slack does (a client that follows the redirect gets HTML, not the file).

export async function handleUpload(
  world: SlackWorld,
  req: IncomingMessage,
  res: ServerResponse,
  fileId: string,
): Promise<void> {
  const file = world.files.get(fileId);
  if (req.method !== 'POST' || !file || file.completed) {
    sendText(res, 404, 'Not Found');
    return;
  }
  const { parts, raw } = await parseRequest(req);
  const bytes = parts[0]?.bytes ?? raw;
  if (bytes.length !== file.length) {
    sendText(res, 400, `length mismatch: expected ${file.length}, got ${bytes.length}`);
    return;
  }
  file.bytes = bytes;
  sendText(res, 200, `OK - ${bytes.length}`);
}

export function handlePrivateDownload(
  world: SlackWorld,
  req: IncomingMessage,
  res: ServerResponse,
  key: string,
): void {
  const [teamId, fileId] = key.split('-');
  const file = fileId ? world.files.get(fileId) : undefined;
  const token = bearerToken(req, {});
  const installation = token ? world.installations.get(token) : undefined;
  const allowed =
    installation &&
    !installation.revoked &&
    installation.teamId === teamId &&
    installation.scopes.includes('files:read');
  if (!allowed) {
    res.writeHead(302, { location: `${world.baseUrl}/signin?redir=${encodeURIComponent(req.url ?? '/')}` });
    res.end();
    return;
  }
  if (!file?.bytes || file.teamId !== teamId) {
    sendText(res, 404, 'File not found');
    return;
  }
  res.writeHead(200, {
    'content-type': file.mimetype,
    'content-length': file.bytes.length,
    'content-disposition': `attachment; filename="${file.name}"`,
  });
  res.end(file.bytes);
}

export function handleSignInPage(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(
    '<!DOCTYPE html><html><head><title>Slack</title></head><body>Sign in to your workspace</body></html>',
  );
}
