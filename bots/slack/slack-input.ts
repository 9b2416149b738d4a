import type { Actor, Attachment, FileKind } from '../kit/kit.types';

/** Bytes the adapter downloads from Slack for one input file (core checks its own limits after). */
const MAX_INPUT_BYTES = 25 * 1024 * 1024;
const SLACK_FILE_HOSTS = ['files.slack.com'];

/** `/atelier gen a fox --size 16:9` -> `gen` and `a fox --size 16:9`; `/atelier` alone is help. */
export function splitCommandText(text: string): { command: string; rest: string } {
  const trimmed = text.trim().replace(/^\//, '');
  if (!trimmed) return { command: 'help', rest: '' };
  const command = trimmed.split(/\s+/, 1)[0] ?? 'help';
  return { command: command.toLowerCase(), rest: trimmed.slice(command.length).trim() };
}

/** The command in a mention: `<@U0BOT> gen a fox` (Slack writes mentions as `<@id>`). */
export function mentionCommandText(text: string): string {
  return text.replace(/<@[A-Z0-9]+(?:\|[^>]*)?>/g, ' ').trim();
}

export function slackActor(opts: {
  teamId: string;
  teamName: string;
  userId: string;
  userName: string;
}): Actor {
  return {
    userId: opts.userId,
    userName: opts.userName,
    space: { id: opts.teamId, kind: 'workspace', name: opts.teamName },
  };
}

/** A file object as Slack sends it in messages and events (the fields used here). */
export interface SlackFile {
  id: string;
  name?: string;
  mimetype?: string;
  url_private?: string;
  url_private_download?: string;
}

function kindOf(mimetype: string | undefined): FileKind | null {
  if (mimetype?.startsWith('image/')) return 'image';
  if (mimetype?.startsWith('video/')) return 'video';
  if (mimetype?.startsWith('audio/')) return 'audio';
  return null;
}

/**
 * A Slack file as a kit attachment. Its url_private answers only requests carrying the bot token,
 * so the adapter downloads the bytes itself, and only from Slack's file host (or the configured API
 * host, a local fake in tests): the token is never sent anywhere else.
 */
export function slackAttachment(
  file: SlackFile,
  opts: { token: () => Promise<string>; apiUrl?: string },
): Attachment | null {
  const kind = kindOf(file.mimetype);
  const url = file.url_private_download ?? file.url_private;
  if (!kind || !url) return null;
  const allowed = [...SLACK_FILE_HOSTS, ...(opts.apiUrl ? [new URL(opts.apiUrl).host] : [])];
  return {
    kind,
    ...(file.name ? { filename: file.name } : {}),
    url: async () => url,
    async bytes() {
      if (!allowed.includes(new URL(url).host))
        throw new Error(`refusing to send the bot token to ${new URL(url).host}`);
      const res = await fetch(url, {
        headers: { authorization: `Bearer ${await opts.token()}` },
        redirect: 'manual',
        signal: AbortSignal.timeout(30_000),
      });
      // Slack answers a request it does not accept with a redirect to its sign-in page.
      if (res.status !== 200)
        throw new Error(`Slack did not hand over ${file.name ?? file.id}: HTTP ${res.status}`);
      const declared = Number(res.headers.get('content-length') ?? 0);
      if (declared > MAX_INPUT_BYTES) throw new Error(`${file.name ?? file.id} is too large`);
      const bytes = new Uint8Array(await res.arrayBuffer());
      if (bytes.length > MAX_INPUT_BYTES) throw new Error(`${file.name ?? file.id} is too large`);
      return {
        bytes,
        contentType:
          res.headers.get('content-type')?.split(';')[0] ?? file.mimetype ?? 'application/octet-stream',
      };
    },
  };
}
