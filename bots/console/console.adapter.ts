import { type ChatKit, createChatKit } from '../kit/chat-kit';
import type { CommandContext, KitLogger } from '../kit/kit.types';
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
  const ctx: CommandContext = {
    actor: { userId: opts.userName, userName: opts.userName, space: null },
    chat: CONSOLE_CHAT,
    reply: (reply) => sink.send(CONSOLE_CHAT, reply),
    edit: (ref, reply) => sink.edit(ref, reply),
    sendPrivate: (reply) => sink.send(CONSOLE_CHAT, reply),
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
        const outcome = await kit.handleButton(ctx, action);
        if (outcome.notice) opts.print(outcome.notice);
        if (outcome.buttons) sink.showButtons(outcome.buttons);
        return;
      }
      if (!text.startsWith('/')) {
        await ctx.reply(say('Commands start with /: try /generate a lighthouse at dusk, or /help.'));
        return;
      }
      await kit.handleCommand(ctx, text);
    },
    close: () => kit.close(),
  };
}
