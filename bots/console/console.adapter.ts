import { type ChatKit, createChatKit } from '../kit/chat-kit';
import { ChatPlatformError, type CommandContext, type KitLogger, type MessageRef } from '../kit/kit.types';
import { splitCommand } from '../kit/parse-args';
import { CONSOLE_TRAITS, type PlatformTraits } from '../kit/platform-traits';
import { say } from '../kit/reply';
import { type ConsoleEvent, ConsoleSink, consoleChat } from './console-sink';

export interface ConsoleChatOptions {
  coreUrl: string;
  /** A service token of platform 'console'. */
  serviceToken: string;
  /** The local user (the OS user name): their id and display name in Atelier. */
  userName: string;
  /** Where media is saved (`.atelier/chat-downloads`). */
  downloadDir: string;
  /** Where bot lines go (stdout in the terminal, an array in tests). */
  print(line: string): void;
  /** Sees every message shown, edit and notice (transcripts, tests). */
  observe?(event: ConsoleEvent): void;
  logger?: KitLogger;
  progressEditIntervalMs?: number;
  /** Overrides of the console's traits (tests use a short edit window to see progress stop). */
  traits?: Partial<PlatformTraits>;
}

export interface ConsoleChat {
  /**
   * One typed line: a command, the number of a choice shown, or anything else (a hint). `userName`
   * acts as another local user (default: the chat's own), each with their own direct chat.
   */
  input(line: string, userName?: string): Promise<void>;
  /** Presses an action (what typing a choice's number does), optionally on a given message. */
  press(action: string, opts?: { userName?: string; on?: MessageRef }): Promise<void>;
  close(): Promise<void>;
  readonly kit: ChatKit;
}

/** The command set in a terminal: same kit, no platform. IO is injected, so tests drive it line by line. */
export function startConsoleChat(opts: ConsoleChatOptions): ConsoleChat {
  const kit = createChatKit({
    coreUrl: opts.coreUrl,
    serviceToken: opts.serviceToken,
    platform: 'console',
    ...(opts.logger ? { logger: opts.logger } : {}),
    ...(opts.progressEditIntervalMs !== undefined
      ? { progressEditIntervalMs: opts.progressEditIntervalMs }
      : {}),
  });
  const sink = new ConsoleSink(opts.print, opts.downloadDir, opts.observe);
  kit.consumeDeliveries(sink);
  const traits: PlatformTraits = { ...CONSOLE_TRAITS, ...opts.traits };
  const window = traits.editWindowMs;

  const contextFor = (userName: string, source?: MessageRef | null): CommandContext => {
    const chat = consoleChat(userName);
    return {
      actor: { userId: userName, userName, space: null },
      chat,
      traits,
      // With an edit window (tests), an answer stays editable only that long, like a Discord interaction's.
      reply: async (reply) => {
        const ref = await sink.send(chat, reply);
        return window === null ? ref : { ...ref, editableUntil: Date.now() + window };
      },
      edit: async (ref, reply) => {
        if (ref.editableUntil !== undefined && Date.now() >= ref.editableUntil)
          throw new ChatPlatformError('the edit window of this message has closed', true);
        await sink.edit(ref, reply);
      },
      post: (reply) => sink.send(chat, reply),
      notify: async (text) => sink.notice(chat.chatId, text),
      ...(source ? { updateSource: async (actions) => sink.updateActions(source, actions) } : {}),
      sendPrivate: (reply) => sink.send(chat, reply),
      isSpaceAdmin: async () => false,
    };
  };

  const press = (action: string, userName: string, on: MessageRef | null) =>
    kit.press(contextFor(userName, on), action).run();

  return {
    kit,
    async input(line, userName = opts.userName) {
      const text = line.trim();
      if (!text) return;
      if (/^\d{1,2}$/.test(text)) {
        const picked = sink.choice(Number(text));
        if (!picked) {
          opts.print(`There is no choice ${text} right now.`);
          return;
        }
        await press(picked.action, userName, picked.on);
        return;
      }
      const ctx = contextFor(userName);
      const parsed = splitCommand(text);
      if (!parsed) {
        await ctx.reply(say('Commands start with /: try /generate a lighthouse at dusk, or /help.'));
        return;
      }
      const prepared = kit.prepare(ctx, parsed.command, { text: parsed.rest });
      await (prepared.ok ? prepared.run() : ctx.reply(prepared.reply));
    },
    press: (action, pressOpts = {}) =>
      press(action, pressOpts.userName ?? opts.userName, pressOpts.on ?? null),
    close: () => kit.close(),
  };
}
