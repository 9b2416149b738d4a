import { type ChatKit, createChatKit } from '../kit/chat-kit';
import { ChatPlatformError, type CommandContext, type KitLogger } from '../kit/kit.types';
import { splitCommand } from '../kit/parse-args';
import { CONSOLE_TRAITS, type PlatformTraits } from '../kit/platform-traits';
import { say } from '../kit/reply';
import { CONSOLE_CHAT, ConsoleSink } from './console-sink';

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
  logger?: KitLogger;
  progressEditIntervalMs?: number;
  /** Overrides of the console's traits (tests use a short edit window to see progress stop). */
  traits?: Partial<PlatformTraits>;
}

export interface ConsoleChat {
  /** One typed line: a command, the number of a button shown, or anything else (a hint). */
  input(line: string): Promise<void>;
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
  const sink = new ConsoleSink(opts.print, opts.downloadDir);
  kit.consumeDeliveries(sink);
  const traits: PlatformTraits = { ...CONSOLE_TRAITS, ...opts.traits };
  const window = traits.editWindowMs;
  const ctx: CommandContext = {
    actor: { userId: opts.userName, userName: opts.userName, space: null },
    chat: CONSOLE_CHAT,
    traits,
    // With an edit window (tests), an answer stays editable only that long, like a Discord interaction's.
    reply: async (reply) => {
      const ref = await sink.send(CONSOLE_CHAT, reply);
      return window === null ? ref : { ...ref, editableUntil: Date.now() + window };
    },
    edit: async (ref, reply) => {
      if (ref.editableUntil !== undefined && Date.now() >= ref.editableUntil)
        throw new ChatPlatformError('the edit window of this message has closed', true);
      await sink.edit(ref, reply);
    },
    post: (reply) => sink.send(CONSOLE_CHAT, reply),
    notify: async (text) => opts.print(text),
    updateSource: async (actions) => sink.showActions(actions),
    sendPrivate: (reply) => sink.send(CONSOLE_CHAT, reply),
    isSpaceAdmin: async () => false,
  };

  return {
    kit,
    async input(line) {
      const text = line.trim();
      if (!text) return;
      if (/^\d{1,2}$/.test(text)) {
        const action = sink.choice(Number(text));
        if (!action) {
          opts.print(`There is no choice ${text} right now.`);
          return;
        }
        await kit.press(ctx, action).run();
        return;
      }
      const parsed = splitCommand(text);
      if (!parsed) {
        await ctx.reply(say('Commands start with /: try /generate a lighthouse at dusk, or /help.'));
        return;
      }
      const prepared = kit.prepare(ctx, parsed.command, { text: parsed.rest });
      await (prepared.ok ? prepared.run() : ctx.reply(prepared.reply));
    },
    close: () => kit.close(),
  };
}
