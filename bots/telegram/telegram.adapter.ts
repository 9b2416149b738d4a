import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Bot, type Context, webhookCallback } from 'grammy';
import type { Message } from 'grammy/types';
import { type ChatKit, createChatKit } from '../kit/chat-kit';
import { commandMenu } from '../kit/command-menus';
import {
  ChatPlatformError,
  type CommandContext,
  type KitLogger,
  type MessageRef,
  quietLogger,
} from '../kit/kit.types';
import { splitCommand } from '../kit/parse-args';
import { TELEGRAM_TRAITS } from '../kit/platform-traits';
import { type ActionRow, type Reply, say } from '../kit/reply';
import { RecentKeys, TaskSet } from '../kit/task-set';
import { TelegramSpaceAdmins } from './telegram-admins';
import { AlbumCollector } from './telegram-album';
import { CALLBACK_ANSWER_LIMIT } from './telegram-format';
import { actorOf, attachmentOf, attachmentsOf, chatOf, fileUrlResolver } from './telegram-input';
import type { MediaMode } from './telegram-media';
import { floodWaitRetry, TelegramSender } from './telegram-sender';

export const TELEGRAM_API_ROOT = 'https://api.telegram.org';
export const WEBHOOK_PATH = '/webhooks/telegram';
const ALLOWED_UPDATES = ['message', 'callback_query'] as const;

export interface TelegramBotOptions {
  /** TELEGRAM_BOT_TOKEN */
  token: string;
  /** Core's base URL (CORE_URL) and this bot's service token (CORE_SERVICE_TOKEN, platform telegram). */
  coreUrl: string;
  serviceToken: string;
  /** TELEGRAM_API_ROOT: a self-hosted Bot API server, a proxy or a test fake (no trailing slash). */
  apiRoot?: string;
  /** PUBLIC_URL: when set, Telegram pushes updates to `${publicUrl}/webhooks/telegram` instead of long polling. */
  publicUrl?: string;
  /** TELEGRAM_WEBHOOK_SECRET: checked on every webhook request (generated per start when unset). */
  webhookSecret?: string;
  logger?: KitLogger;
  /** 'auto' (default): media by URL when Telegram can reach core's URLs, uploaded otherwise. */
  mediaMode?: MediaMode;
  /** How long an album may be silent before it counts as complete. Default 1500 ms. */
  albumQuietMs?: number;
  /** Long-poll timeout in seconds. Default 30. */
  pollingTimeoutSeconds?: number;
  /** Minimum time between two edits of a progress message. Default 1000 ms. */
  progressEditIntervalMs?: number;
}

export interface TelegramBot {
  /** Stops polling, lets running commands and deliveries finish. The webhook (if any) stays registered. */
  stop(): Promise<void>;
  /** In webhook mode: the node request handler to mount at /webhooks/telegram (401 on a wrong secret). */
  webhookHandler?: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  /** The bot's @username. */
  username: string;
}

interface Callback {
  /** Answers the callback query (once); later notices become chat messages. */
  answer(text?: string, alert?: boolean): Promise<void>;
  answered: boolean;
  source: MessageRef;
}

function contextFor(
  deps: { sender: TelegramSender; admins: TelegramSpaceAdmins },
  message: Pick<Message, 'chat' | 'message_id' | 'is_topic_message' | 'message_thread_id'>,
  user: NonNullable<Context['from']>,
  requestKey: string,
  callback?: Callback,
): CommandContext {
  const { sender, admins } = deps;
  const chat = chatOf(message.chat, message);
  // In groups the answer quotes the command (or the message whose button was pressed), so it is clear whose it is.
  const reply = (r: Reply) =>
    sender.send(chat, r, chat.direct ? {} : { replyTo: String(message.message_id) });
  return {
    actor: actorOf(user, message.chat),
    chat,
    traits: TELEGRAM_TRAITS,
    messageId: String(message.message_id),
    requestKey,
    reply,
    edit: (ref, r) => sender.edit(ref, r),
    post: (r) => sender.send(chat, r),
    async notify(text, opts = {}) {
      if (callback && !callback.answered) return callback.answer(text, opts.alert);
      await reply(say(text));
    },
    ...(callback
      ? { updateSource: (actions: ActionRow[]) => sender.setActions(callback.source, actions) }
      : {}),
    sendPrivate: async (r) => {
      try {
        return await sender.send({ chatId: String(user.id), direct: true }, r);
      } catch (error) {
        if (error instanceof ChatPlatformError && error.permanent) return null;
        throw error;
      }
    },
    isSpaceAdmin: () => (chat.direct ? Promise.resolve(false) : admins.isAdmin(message.chat.id, user.id)),
  };
}

/** Wires updates to the kit: commands (text or captions), albums for /lora train, button presses. */
function installHandlers(
  bot: Bot,
  kit: ChatKit,
  deps: { sender: TelegramSender; admins: TelegramSpaceAdmins },
  opts: TelegramBotOptions,
  tasks: TaskSet,
) {
  const { sender } = deps;
  const seen = new RecentKeys();
  const resolveFile = fileUrlResolver(bot.api, opts.token, opts.apiRoot ?? TELEGRAM_API_ROOT);
  const username = () => bot.botInfo.username.toLowerCase();
  // Telegram re-sends an update it thinks was not handled; the same update_id is handled once here
  // (and core's request key makes a repeated /generate return the first generation anyway).
  bot.use(async (ctx, next) => {
    if (seen.add(String(ctx.update.update_id))) await next();
  });
  const runCommand = (
    message: Message,
    text: string,
    requestKey: string,
    attachments = attachmentsOf(message, resolveFile),
  ) => {
    const from = message.from;
    const parsed = splitCommand(text);
    if (!from || !parsed) return;
    const ctx = contextFor(deps, message, from, requestKey);
    // Telegram has nothing to acknowledge: a typing mistake is answered at once, the work runs after.
    const prepared = kit.prepare(ctx, parsed.command, { text: parsed.rest }, attachments);
    tasks.run('telegram command', () => (prepared.ok ? prepared.run() : ctx.reply(prepared.reply)));
  };
  const albums = new AlbumCollector(opts.albumQuietMs ?? 1500, (messages) => {
    const captioned = messages.find((m) => m.caption && splitCommand(m.caption));
    if (!captioned?.caption) return;
    const attachments = messages.flatMap((m) => attachmentOf(m, resolveFile) ?? []);
    runCommand(captioned, captioned.caption, `telegram:album:${captioned.media_group_id}`, attachments);
  });
  bot.on('message', (ctx) => {
    const message = ctx.message;
    if (message.media_group_id) {
      albums.add(message as Message & { media_group_id: string });
      return;
    }
    const text = message.text ?? message.caption ?? '';
    const parsed = splitCommand(text);
    const direct = message.chat.type === 'private';
    if (!parsed) {
      if (direct && message.text) {
        tasks.run('telegram hint', () =>
          sender.send(
            chatOf(message.chat),
            say('Send /generate <what to make>, or /help to see everything.'),
          ),
        );
      }
      return;
    }
    if (parsed.mention && parsed.mention.toLowerCase() !== username()) return; // another bot's command
    // In groups, stay quiet about commands that may belong to other bots unless addressed to us.
    if (!direct && !parsed.mention && !kit.knows(parsed.command)) return;
    runCommand(message, text, `telegram:update:${ctx.update.update_id}`);
  });
  bot.on('callback_query:data', (ctx) => {
    const query = ctx.callbackQuery;
    const message = query.message;
    if (!message || !('chat' in message)) {
      tasks.run('telegram callback answer', () => ctx.answerCallbackQuery());
      return;
    }
    const callback: Callback = {
      answered: false,
      source: { chatId: String(message.chat.id), messageId: String(message.message_id) },
      async answer(text, alert) {
        callback.answered = true;
        await ctx.answerCallbackQuery({
          ...(text ? { text: text.slice(0, CALLBACK_ANSWER_LIMIT) } : {}),
          ...(alert ? { show_alert: true } : {}),
        });
      },
    };
    const command = contextFor(deps, message, query.from, `telegram:callback:${query.id}`, callback);
    const pressed = kit.press(command, query.data);
    tasks.run('telegram button', async () => {
      try {
        await pressed.run();
      } finally {
        // A press that said nothing still stops the button's spinner.
        if (!callback.answered) await callback.answer();
      }
    });
  });
  return albums;
}

/**
 * Starts the Telegram bot: long polling by default, webhook mode when `publicUrl` is set (mount the
 * returned handler). Registers the command menu and starts posting deliveries.
 */
export async function startTelegramBot(opts: TelegramBotOptions): Promise<TelegramBot> {
  const logger = opts.logger ?? quietLogger;
  const apiRoot = (opts.apiRoot ?? TELEGRAM_API_ROOT).replace(/\/+$/, '');
  const bot = new Bot(opts.token, { client: { apiRoot } });
  bot.api.config.use(floodWaitRetry());
  await bot.init();
  const kit = createChatKit({
    coreUrl: opts.coreUrl,
    serviceToken: opts.serviceToken,
    platform: 'telegram',
    logger,
    ...(opts.progressEditIntervalMs !== undefined
      ? { progressEditIntervalMs: opts.progressEditIntervalMs }
      : {}),
  });
  const sender = new TelegramSender(bot.api, opts.mediaMode ?? 'auto');
  const admins = new TelegramSpaceAdmins(bot.api);
  const tasks = new TaskSet(logger);
  const albums = installHandlers(bot, kit, { sender, admins }, opts, tasks);
  // One bad update never stops the bot: it is logged and the next one is handled.
  bot.catch((error) =>
    logger.error('telegram update failed', {
      updateId: error.ctx.update.update_id,
      error: String(error.error),
    }),
  );
  await bot.api.setMyCommands(commandMenu(TELEGRAM_TRAITS));
  await kit.ready();
  kit.consumeDeliveries(sender);

  let polling: Promise<void> | null = null;
  let webhookHandler: TelegramBot['webhookHandler'];
  if (opts.publicUrl) {
    const secretToken = opts.webhookSecret ?? randomBytes(24).toString('base64url');
    if (!opts.webhookSecret)
      logger.warn('TELEGRAM_WEBHOOK_SECRET is not set: using a random secret for this run');
    const url = `${opts.publicUrl.replace(/\/+$/, '')}${WEBHOOK_PATH}`;
    await bot.api.setWebhook(url, { secret_token: secretToken, allowed_updates: [...ALLOWED_UPDATES] });
    const handle = webhookCallback(bot, 'http', { secretToken });
    webhookHandler = async (req, res) => {
      await handle(req, res);
    };
    logger.info('telegram bot started (webhook)', { username: bot.botInfo.username, url });
  } else {
    polling = bot
      .start({
        allowed_updates: [...ALLOWED_UPDATES],
        drop_pending_updates: false,
        timeout: opts.pollingTimeoutSeconds ?? 30,
      })
      .catch((error: unknown) => logger.error('telegram polling stopped', { error: String(error) }));
    logger.info('telegram bot started (long polling)', { username: bot.botInfo.username });
  }

  return {
    username: bot.botInfo.username,
    ...(webhookHandler ? { webhookHandler } : {}),
    async stop() {
      if (bot.isRunning()) await bot.stop();
      await polling;
      albums.clear();
      await tasks.drain();
      await kit.close();
    },
  };
}
