import { type Api, GrammyError, InputMediaBuilder, type Transformer } from 'grammy';
import type { InlineKeyboardMarkup, Message } from 'grammy/types';
import { ChatPlatformError, type ChatSink, type ChatTarget, type MessageRef } from '../kit/kit.types';
import { type ActionRow, flattenReply, type Inline, link, type MediaItem, type Reply } from '../kit/reply';
import { CAPTION_LIMIT, keyboard, toHtml } from './telegram-format';
import {
  inputFileOf,
  type MediaMode,
  type MediaPlan,
  planMedia,
  type TelegramMethod,
} from './telegram-media';

const NOT_MODIFIED = /message is not modified/i;
const URL_REFUSED = /HTTP URL|wrong file identifier|failed to get/i;

/** Waits out Telegram's flood control (429 retry_after) a few times instead of failing the call. */
export function floodWaitRetry(maxWaitSeconds = 30, maxAttempts = 3): Transformer {
  return async (prev, method, payload, signal) => {
    for (let attempt = 1; ; attempt++) {
      const result = await prev(method, payload, signal);
      const wait = !result.ok && result.error_code === 429 ? (result.parameters?.retry_after ?? 1) : null;
      if (wait === null || wait > maxWaitSeconds || attempt >= maxAttempts) return result;
      await new Promise((resolve) => setTimeout(resolve, wait * 1000));
    }
  };
}

/** Telegram's refusal as the kit's error: blocked, kicked, gone or malformed (4xx) cannot succeed later. */
function platformError(error: unknown): unknown {
  if (!(error instanceof GrammyError)) return error;
  const permanent = error.error_code === 403 || error.error_code === 400;
  return new ChatPlatformError(`${error.method}: ${error.description}`, permanent);
}

type Common = {
  message_thread_id?: number;
  reply_parameters?: { message_id: number; allow_sending_without_reply: boolean };
};

type SendPlan = Exclude<MediaPlan, { how: 'link' }>;

const refOf = (message: Pick<Message, 'chat' | 'message_id'>): MessageRef => ({
  chatId: String(message.chat.id),
  messageId: String(message.message_id),
});

/** Posts and edits the kit's replies on Telegram: HTML text, inline keyboards, media by URL or upload. */
export class TelegramSender implements ChatSink {
  constructor(
    private readonly api: Api,
    private readonly mediaMode: MediaMode = 'auto',
  ) {}

  async send(target: ChatTarget, reply: Reply, opts: { replyTo?: string } = {}): Promise<MessageRef> {
    const common: Common = {
      ...(target.threadId ? { message_thread_id: Number(target.threadId) } : {}),
      ...(opts.replyTo
        ? { reply_parameters: { message_id: Number(opts.replyTo), allow_sending_without_reply: true } }
        : {}),
    };
    try {
      return await this.post(target.chatId, reply, common);
    } catch (error) {
      throw platformError(error);
    }
  }

  async edit(ref: MessageRef, reply: Reply): Promise<void> {
    const markup = keyboard(reply.actions);
    const text = flattenReply(reply);
    try {
      await this.api.editMessageText(ref.chatId, Number(ref.messageId), toHtml(text), {
        parse_mode: 'HTML',
        link_preview_options: { is_disabled: true },
        ...(markup ? { reply_markup: markup } : {}),
      });
    } catch (error) {
      if (error instanceof GrammyError && NOT_MODIFIED.test(error.description)) return;
      if (error instanceof GrammyError && /no text in the message/i.test(error.description)) {
        await this.editCaption(ref, text, markup);
        return;
      }
      throw platformError(error);
    }
  }

  /** Replaces a message's actions ([] removes them). */
  async setActions(ref: MessageRef, actions: readonly ActionRow[]): Promise<void> {
    const markup = keyboard(actions);
    try {
      await this.api.editMessageReplyMarkup(
        ref.chatId,
        Number(ref.messageId),
        markup ? { reply_markup: markup } : {},
      );
    } catch (error) {
      if (error instanceof GrammyError && NOT_MODIFIED.test(error.description)) return;
      throw platformError(error);
    }
  }

  /** A user's private chat with the bot has the user's id (it works once they have started the bot). */
  async directChat(platformUserId: string): Promise<ChatTarget> {
    return { chatId: platformUserId, direct: true };
  }

  private async editCaption(
    ref: MessageRef,
    text: readonly Inline[],
    markup: InlineKeyboardMarkup | undefined,
  ) {
    try {
      await this.api.editMessageCaption(ref.chatId, Number(ref.messageId), {
        caption: toHtml(text, CAPTION_LIMIT),
        parse_mode: 'HTML',
        ...(markup ? { reply_markup: markup } : {}),
      });
    } catch (error) {
      if (error instanceof GrammyError && NOT_MODIFIED.test(error.description)) return;
      throw platformError(error);
    }
  }

  private async sendText(
    chatId: string,
    text: readonly Inline[],
    markup: InlineKeyboardMarkup | undefined,
    common: Common,
  ) {
    const message = await this.api.sendMessage(chatId, toHtml(text), {
      parse_mode: 'HTML',
      link_preview_options: { is_disabled: true },
      ...(markup ? { reply_markup: markup } : {}),
      ...common,
    });
    return refOf(message);
  }

  private async post(chatId: string, reply: Reply, common: Common): Promise<MessageRef> {
    const markup = keyboard(reply.actions);
    const items = (reply.media ?? []).map((item) => ({ item, plan: planMedia(item, this.mediaMode) }));
    const sendable = items.filter((i): i is { item: MediaItem; plan: SendPlan } => i.plan.how !== 'link');
    // Too large for Telegram: the text carries a link instead.
    const links = items.filter((i) => i.plan.how === 'link' && i.item.url);
    const text: Inline[] = [
      ...flattenReply(reply),
      ...links.flatMap((i) => ['\n', link(i.item.url!, i.item.filename)]),
    ];
    if (sendable.length === 0) return this.sendText(chatId, text, markup, common);
    if (sendable.length === 1) {
      const only = sendable[0]!;
      return this.sendOne(chatId, only.item, only.plan, text, markup, common);
    }
    const albumable =
      sendable.length <= 10 &&
      sendable.every((i) => i.plan.method === 'sendPhoto' || i.plan.method === 'sendVideo');
    if (albumable) {
      const album = await Promise.all(sendable.map((i) => this.albumItem(i.item, i.plan)));
      const sent = await this.api.sendMediaGroup(chatId, album, common);
      const first = sent[0];
      const replyToAlbum: Common = first
        ? { ...common, reply_parameters: { message_id: first.message_id, allow_sending_without_reply: true } }
        : common;
      return this.sendText(chatId, text, markup, replyToAlbum);
    }
    let last: MessageRef | undefined;
    for (const [i, entry] of sendable.entries()) {
      const isLast = i === sendable.length - 1;
      last = await this.sendOne(
        chatId,
        entry.item,
        entry.plan,
        isLast ? text : [],
        isLast ? markup : undefined,
        common,
      );
    }
    return last!;
  }

  private async albumItem(item: MediaItem, plan: SendPlan) {
    const source = plan.how === 'url' ? plan.url : await inputFileOf(item);
    if (!source) throw new ChatPlatformError(`${item.filename} is too large for Telegram`, true);
    const spoiler = item.spoiler ? { has_spoiler: true } : {};
    return plan.method === 'sendVideo'
      ? InputMediaBuilder.video(source, spoiler)
      : InputMediaBuilder.photo(source, spoiler);
  }

  private async sendOne(
    chatId: string,
    item: MediaItem,
    plan: SendPlan,
    text: readonly Inline[],
    markup: InlineKeyboardMarkup | undefined,
    common: Common,
  ): Promise<MessageRef> {
    const extra = {
      ...(text.length > 0 ? { caption: toHtml(text, CAPTION_LIMIT), parse_mode: 'HTML' as const } : {}),
      ...(markup ? { reply_markup: markup } : {}),
      ...(item.spoiler && plan.method !== 'sendAudio' && plan.method !== 'sendDocument'
        ? { has_spoiler: true }
        : {}),
      ...common,
    };
    if (plan.how === 'url') {
      try {
        return refOf(await this.call(plan.method, chatId, plan.url, extra));
      } catch (error) {
        // Telegram could not fetch it (private address, slow host): upload the bytes instead.
        if (
          !(error instanceof GrammyError && error.error_code === 400 && URL_REFUSED.test(error.description))
        )
          throw error;
      }
    }
    const file = await inputFileOf(item);
    if (!file) return this.sendText(chatId, [...text, '\n', link(item.url!, item.filename)], markup, common);
    return refOf(await this.call(plan.method, chatId, file, extra));
  }

  private call(
    method: TelegramMethod,
    chatId: string,
    source: Parameters<Api['sendPhoto']>[1],
    extra: object,
  ) {
    switch (method) {
      case 'sendPhoto':
        return this.api.sendPhoto(chatId, source, extra);
      case 'sendVideo':
        return this.api.sendVideo(chatId, source, extra);
      case 'sendAudio':
        return this.api.sendAudio(chatId, source, extra);
      case 'sendAnimation':
        return this.api.sendAnimation(chatId, source, extra);
      case 'sendDocument':
        return this.api.sendDocument(chatId, source, extra);
    }
  }
}
