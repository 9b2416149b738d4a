import {
  ChatPlatformError,
  type ChatSink,
  type ChatTarget,
  type KitLogger,
  type MessageRef,
} from '../kit/kit.types';
import { loadMediaBytes, MediaTooLargeError } from '../kit/media-bytes';
import { link, type MediaItem, type Reply } from '../kit/reply';
import { parseSlackChat, slackChat } from './slack-chats';
import type { SlackClients, WebClient } from './slack-clients';
import type { SlackDirectory } from './slack-directory';
import { toMessage } from './slack-format';

/** Bytes the bot downloads to upload a result (Slack itself takes up to 1 GB); larger results are linked. */
const MAX_UPLOAD_BYTES = 100 * 1024 * 1024;
/** A response URL takes 5 messages within 30 minutes of the interaction. */
const RESPONSE_URL_USES = 5;
const RESPONSE_URL_TTL_MS = 30 * 60_000;

/** Slack errors that retrying cannot fix: the message or channel is gone, the app was removed... */
const PERMANENT = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'message_not_found',
  'cant_update_message',
  'edit_window_closed',
  'invalid_blocks',
  'msg_too_long',
  'no_text',
  'user_not_found',
  'user_not_in_channel',
  'cannot_dm_bot',
  'token_revoked',
  'account_inactive',
  'invalid_auth',
  'not_authed',
  'missing_scope',
  'restricted_action',
  'expired_url',
  'used_url',
  'no_active_hooks',
]);

function platformError(error: unknown): ChatPlatformError {
  const code = (error as { data?: { error?: string } }).data?.error;
  if (code) return new ChatPlatformError(`Slack refused: ${code}`, PERMANENT.has(code));
  return new ChatPlatformError(`Slack could not be reached: ${String(error)}`, false);
}

async function slackCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw platformError(error);
  }
}

interface ResponseUrlEntry {
  url: string;
  issuedAt: number;
  uses: number;
}

/**
 * Everything the app posts. Public messages go through chat.postMessage and are updated in place
 * with chat.update; results with media are uploaded with files.uploadV2 (Slack takes bytes, not
 * URLs) with their buttons as blocks; ephemeral answers use the interaction's response URL (which
 * can replace them, 5 times within 30 minutes) or chat.postEphemeral. Message ids say which kind a
 * message is: a `ts`, `r:<n>` (response URL) or `e:`/`f:` (not editable).
 */
export class SlackSender implements ChatSink {
  private readonly responseUrls = new Map<string, ResponseUrlEntry>();
  private counter = 0;

  constructor(
    private readonly clients: SlackClients,
    private readonly directory: SlackDirectory,
    private readonly logger: KitLogger,
  ) {}

  private client(chatId: string): Promise<WebClient> {
    return this.clients.forTeam(parseSlackChat(chatId).teamId);
  }

  async send(target: ChatTarget, reply: Reply): Promise<MessageRef> {
    const { channel } = parseSlackChat(target.chatId);
    const client = await this.client(target.chatId);
    const thread = target.threadId ? { thread_ts: target.threadId } : {};
    if (reply.media?.length) return this.upload(client, target, reply);
    const message = toMessage(reply);
    const posted = await slackCall(() => client.chat.postMessage({ channel, ...thread, ...message }));
    return { chatId: target.chatId, messageId: posted.ts ?? '' };
  }

  /** Media as files in the channel, with the reply's text and buttons as the files' message. */
  private async upload(client: WebClient, target: ChatTarget, reply: Reply): Promise<MessageRef> {
    const { channel } = parseSlackChat(target.chatId);
    const files: { file: Buffer; filename: string }[] = [];
    const linked: MediaItem[] = [];
    for (const item of reply.media ?? []) {
      // Slack has no spoilers: flagged media is linked, not shown inline.
      if (item.spoiler && item.url) {
        linked.push(item);
        continue;
      }
      try {
        const loaded = await loadMediaBytes(item, MAX_UPLOAD_BYTES);
        files.push({ file: Buffer.from(loaded.bytes), filename: item.filename });
      } catch (error) {
        if (!(error instanceof MediaTooLargeError) || !item.url) throw error;
        linked.push(item);
      }
    }
    const text = [
      ...reply.text,
      ...linked.flatMap((m) => [
        '\n',
        link(m.url!, `${m.spoiler ? 'Sensitive content: open ' : 'Open '}${m.filename}`),
      ]),
    ];
    const message = toMessage({ ...reply, text });
    if (files.length === 0) {
      const posted = await slackCall(() =>
        client.chat.postMessage({
          channel,
          ...(target.threadId ? { thread_ts: target.threadId } : {}),
          ...message,
        }),
      );
      return { chatId: target.chatId, messageId: posted.ts ?? '' };
    }
    const uploaded = await slackCall(() =>
      client.filesUploadV2({
        channel_id: channel,
        ...(target.threadId ? { thread_ts: target.threadId } : {}),
        file_uploads: files,
        blocks: message.blocks,
      } as Parameters<WebClient['filesUploadV2']>[0]),
    );
    const fileId =
      (uploaded.files as { files?: { id?: string }[] }[] | undefined)?.[0]?.files?.[0]?.id ?? 'upload';
    // Slack shares the upload asynchronously and names no message ts: the message is not edited later.
    return { chatId: target.chatId, messageId: `f:${fileId}`, editableUntil: Date.now() };
  }

  async edit(ref: MessageRef, reply: Reply): Promise<void> {
    if (ref.messageId.startsWith('r:')) return this.editThroughResponseUrl(ref, reply);
    if (ref.messageId.includes(':')) throw new ChatPlatformError('Slack cannot edit this message', true);
    const { channel } = parseSlackChat(ref.chatId);
    const client = await this.client(ref.chatId);
    await slackCall(() => client.chat.update({ channel, ts: ref.messageId, ...toMessage(reply) }));
  }

  /** Replaces the buttons of a public message, keeping its other blocks. */
  async updateBlocks(
    ref: MessageRef,
    blocks: ReturnType<typeof toMessage>['blocks'],
    text: string,
  ): Promise<void> {
    const { channel } = parseSlackChat(ref.chatId);
    const client = await this.client(ref.chatId);
    await slackCall(() => client.chat.update({ channel, ts: ref.messageId, text, blocks }));
  }

  async ephemeral(target: ChatTarget, userId: string, reply: Reply): Promise<MessageRef> {
    const { channel } = parseSlackChat(target.chatId);
    const client = await this.client(target.chatId);
    const posted = await slackCall(() =>
      client.chat.postEphemeral({
        channel,
        user: userId,
        ...(target.threadId ? { thread_ts: target.threadId } : {}),
        ...toMessage(reply),
      }),
    );
    return { chatId: target.chatId, messageId: `e:${posted.message_ts ?? ''}`, editableUntil: Date.now() };
  }

  /**
   * Posts through an interaction's response URL (ephemeral unless `public`); the returned ref can
   * replace that message while the URL lasts.
   */
  async respond(
    target: ChatTarget,
    responseUrl: string,
    reply: Reply,
    opts: { public?: boolean; replaceOriginal?: boolean; issuedAt: number },
  ): Promise<MessageRef> {
    const key = `r:${++this.counter}`;
    const entry = this.responseUrls.get(responseUrl) ?? {
      url: responseUrl,
      issuedAt: opts.issuedAt,
      uses: 0,
    };
    this.responseUrls.set(responseUrl, entry);
    this.responseUrls.set(key, entry);
    await this.postToResponseUrl(entry, {
      ...toMessage(reply),
      response_type: opts.public ? 'in_channel' : 'ephemeral',
      ...(opts.replaceOriginal ? { replace_original: true } : {}),
      ...(target.threadId ? { thread_ts: target.threadId } : {}),
    });
    this.forgetLater(key, entry);
    return { chatId: target.chatId, messageId: key, editableUntil: this.editableUntil(entry) };
  }

  private editableUntil(entry: ResponseUrlEntry): number {
    // Once the uses run out the message is as good as expired: progress then posts the outcome anew.
    return entry.uses >= RESPONSE_URL_USES ? Date.now() : entry.issuedAt + RESPONSE_URL_TTL_MS;
  }

  private async editThroughResponseUrl(ref: MessageRef, reply: Reply): Promise<void> {
    const entry = this.responseUrls.get(ref.messageId);
    if (!entry) throw new ChatPlatformError('The response URL of this message is gone (restart)', true);
    await this.postToResponseUrl(entry, { ...toMessage(reply), replace_original: true });
  }

  private async postToResponseUrl(entry: ResponseUrlEntry, body: Record<string, unknown>): Promise<void> {
    if (entry.uses >= RESPONSE_URL_USES || Date.now() > entry.issuedAt + RESPONSE_URL_TTL_MS)
      throw new ChatPlatformError('Slack refused: used_url', true);
    entry.uses += 1;
    let res: Response;
    try {
      res = await fetch(entry.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      throw new ChatPlatformError(`Slack could not be reached: ${String(error)}`, false);
    }
    if (res.ok) return;
    const answer = (await res.json().catch(() => ({}))) as { error?: string };
    throw platformError({ data: { error: answer.error ?? `http_${res.status}` } });
  }

  private forgetLater(key: string, entry: ResponseUrlEntry): void {
    setTimeout(() => {
      this.responseUrls.delete(key);
      this.responseUrls.delete(entry.url);
    }, RESPONSE_URL_TTL_MS).unref();
  }

  async directChat(platformUserId: string): Promise<ChatTarget | null> {
    const teamId = this.directory.teamOf(platformUserId);
    if (!teamId) {
      this.logger.warn('no workspace known for a Slack member (not seen since start-up)', {
        userId: platformUserId,
      });
      return null;
    }
    try {
      const client = await this.clients.forTeam(teamId);
      const opened = await client.conversations.open({ users: platformUserId });
      return opened.channel?.id ? slackChat(teamId, opened.channel.id) : null;
    } catch (error) {
      const failure = platformError(error);
      if (failure.permanent) return null;
      throw failure;
    }
  }
}
