import {
  buyCommand,
  creditsCommand,
  favoriteCommand,
  linkCommand,
  settingsCommand,
} from './account.commands';
import { handleButtonAction } from './buttons';
import { type CommandName, commandMenu, findCommand, helpLines } from './commands';
import { connectCore } from './core-client';
import { DeliveryConsumer } from './delivery-consumer';
import { renderDelivery } from './delivery-renderer';
import { generateCommand } from './generate.command';
import {
  type Attachment,
  type ButtonOutcome,
  type ChatSink,
  type CommandContext,
  type KitLogger,
  quietLogger,
} from './kit.types';
import { createRuntime, errorReply, type KitRuntime } from './kit-runtime';
import {
  deleteGeneration,
  galleryCommand,
  historyCommand,
  libraryAction,
  publishGeneration,
  showCommand,
  unpublishGeneration,
} from './library.commands';
import { loraCommand } from './lora.commands';
import { modelsCommand } from './models.command';
import { splitCommand } from './parse-args';
import { say } from './reply';

export interface ChatKitOptions {
  coreUrl: string;
  serviceToken: string;
  /** The bot's platform ('telegram', 'console'...); the service token must be of the same platform. */
  platform: string;
  logger?: KitLogger;
  /** Minimum time between two edits of one progress message. Default 1000 ms (Telegram's pace). */
  progressEditIntervalMs?: number;
  /** Deliveries posted at once. Default 8. */
  deliveryConcurrency?: number;
}

export interface ChatKit {
  /** Runs a command typed by a user (`/gen a red fox --size 16:9`); replies through `ctx`. */
  handleCommand(ctx: CommandContext, text: string, attachments?: readonly Attachment[]): Promise<void>;
  /** Runs a button press; the outcome is for the platform's acknowledgement (toast, new buttons). */
  handleButton(ctx: CommandContext, action: string): Promise<ButtonOutcome>;
  /** Whether a command name (or alias) is one of ours, for adapters that must not answer others' commands. */
  knows(command: string): boolean;
  /** Names and summaries for the platform's command menu. */
  commandMenu(): { command: string; description: string }[];
  /** Starts posting finished generations through `sink`; stopped by `close()`. */
  consumeDeliveries(sink: ChatSink): DeliveryConsumer;
  /** Stops deliveries and progress watchers; waits for work in flight. */
  close(): Promise<void>;
}

type Handler = (
  rt: KitRuntime,
  ctx: CommandContext,
  rest: string,
  attachments: readonly Attachment[],
) => Promise<void>;

const HANDLERS: Record<CommandName, Handler> = {
  generate: generateCommand,
  models: modelsCommand,
  favorite: favoriteCommand,
  credits: (rt, ctx) => creditsCommand(rt, ctx),
  buy: (rt, ctx) => buyCommand(rt, ctx),
  history: historyCommand,
  show: showCommand,
  publish: (rt, ctx, rest) => libraryAction(rt, ctx, rest, publishGeneration),
  unpublish: (rt, ctx, rest) => libraryAction(rt, ctx, rest, unpublishGeneration),
  delete: (rt, ctx, rest) => libraryAction(rt, ctx, rest, deleteGeneration),
  gallery: galleryCommand,
  lora: loraCommand,
  link: linkCommand,
  settings: settingsCommand,
  help: async (_rt, ctx, rest) => {
    await ctx.reply(say(helpLines(rest.trim() || undefined).join('\n')));
  },
};

/** The platform-neutral chat front end: adapters translate their events into these calls. */
export function createChatKit(options: ChatKitOptions): ChatKit {
  const logger = options.logger ?? quietLogger;
  const core = connectCore({ coreUrl: options.coreUrl, serviceToken: options.serviceToken });
  const rt = createRuntime({
    core,
    logger,
    platform: options.platform,
    progressEditIntervalMs: options.progressEditIntervalMs ?? 1000,
  });
  const consumers: DeliveryConsumer[] = [];

  return {
    async handleCommand(ctx, text, attachments = []) {
      const parsed = splitCommand(text);
      const spec = parsed ? findCommand(parsed.command) : undefined;
      if (!parsed || !spec) {
        await ctx.reply(
          say(
            parsed ? `I don't know /${parsed.command}. ` : '',
            'Try /generate <prompt>, or /help for everything.',
          ),
        );
        return;
      }
      try {
        await HANDLERS[spec.name](rt, ctx, parsed.rest, attachments);
      } catch (error) {
        await ctx.reply(await errorReply(rt, ctx, error, spec.name)).catch((replyError: unknown) => {
          logger.warn('could not reply with an error', { error: String(replyError) });
        });
      }
    },
    handleButton: (ctx, action) => handleButtonAction(rt, ctx, action),
    knows: (command) => findCommand(command) !== undefined,
    commandMenu,
    consumeDeliveries(sink) {
      const consumer = new DeliveryConsumer({
        client: core.service,
        render: (delivery) => renderDelivery(rt, sink, delivery),
        logger,
        ...(options.deliveryConcurrency ? { concurrency: options.deliveryConcurrency } : {}),
      });
      consumers.push(consumer);
      consumer.start();
      return consumer;
    },
    async close() {
      await Promise.all(consumers.splice(0).map((c) => c.stop()));
      await rt.drain();
      rt.progress.clear();
    },
  };
}
