import { handlePress } from './buttons';
import type { ChatKit, Prepared } from './chat-kit.types';
import { HANDLERS } from './command-handlers';
import { parseCommandInput } from './command-input';
import { type CommandSpec, optionsOf } from './command-spec';
import { COMMANDS, findCommand } from './commands';
import { connectCore } from './core-client';
import { DeliveryConsumer } from './delivery-consumer';
import { renderDelivery } from './delivery-renderer';
import type { CommandContext, KitLogger } from './kit.types';
import { quietLogger } from './kit.types';
import { createRuntime, errorReply, type KitRuntime, usageReply } from './kit-runtime';
import { UsageError } from './parse-args';
import type { Visibility } from './reply';
import { say } from './reply';

export type { ChatKit, Choice, CompletionRequest, Prepared, PreparedPress } from './chat-kit.types';

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

/**
 * The context a command or press runs with: replies default to the visibility the adapter
 * acknowledged with, and in a space the actor carries the adapter's answer to "is this person an
 * admin here" (core decides team-policy changes and admin-only pools by it).
 */
async function runContext(
  runtime: KitRuntime,
  ctx: CommandContext,
  visibility: Visibility,
): Promise<CommandContext> {
  const inSpace = ctx.actor.space !== null && ctx.actor.space.kind !== 'dm';
  const spaceAdmin = inSpace
    ? await ctx.isSpaceAdmin().catch((error: unknown) => {
        runtime.logger.warn('could not tell whether the actor is a space admin', { error: String(error) });
        return false;
      })
    : false;
  return {
    ...ctx,
    actor: { ...ctx.actor, spaceAdmin },
    reply: (reply) => ctx.reply({ visibility, ...reply }),
  };
}

/** Longest a bot waits at start for its shared caches before taking updates anyway. */
const READY_TIMEOUT_MS = 5_000;

/** The platform-neutral chat front end: adapters translate their events into these calls. */
export function createChatKit(options: ChatKitOptions): ChatKit {
  const logger = options.logger ?? quietLogger;
  const core = connectCore({ coreUrl: options.coreUrl, serviceToken: options.serviceToken });
  const runtime = createRuntime({
    core,
    logger,
    platform: options.platform,
    progressEditIntervalMs: options.progressEditIntervalMs ?? 1000,
  });
  const consumers: DeliveryConsumer[] = [];
  runtime.catalog.peek();

  async function runCommand(spec: CommandSpec, ctx: CommandContext, args: unknown): Promise<void> {
    const context = await runContext(runtime, ctx, spec.visibility);
    try {
      await HANDLERS[spec.name].run(runtime, context, args);
    } catch (error) {
      const reply = await errorReply(runtime, context, error, spec.name, {
        privateReply: spec.visibility === 'ephemeral',
      });
      await context.reply(reply).catch((replyError: unknown) => {
        logger.warn('could not reply with an error', { error: String(replyError) });
      });
    }
  }

  return {
    commands: COMMANDS,
    async ready() {
      let timer: NodeJS.Timeout | undefined;
      const waited = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, READY_TIMEOUT_MS);
        timer.unref();
      });
      await Promise.race([
        runtime.catalog.all().then(
          () => undefined,
          (error: unknown) => logger.warn('catalog not loaded at start', { error: String(error) }),
        ),
        waited,
      ]);
      clearTimeout(timer);
    },
    knows: (command) => findCommand(command) !== undefined,
    prepare(ctx, command, input, files = []): Prepared {
      const spec = findCommand(command);
      if (!spec) {
        return {
          ok: false,
          reply: {
            ...say(
              `I don't know /${command.replace(/^\//, '')}. `,
              'Try /generate <prompt>, or /help for everything.',
            ),
            visibility: 'ephemeral',
          },
        };
      }
      let args: unknown;
      try {
        args = HANDLERS[spec.name].parse(parseCommandInput(spec, input, files));
      } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        return {
          ok: false,
          reply: { ...usageReply(spec.name, error.message.replace(/[.]$/, '')), visibility: 'ephemeral' },
        };
      }
      return {
        ok: true,
        command: spec.name,
        visibility: spec.visibility,
        run: () => runCommand(spec, ctx, args),
      };
    },
    press(ctx, action) {
      return {
        visibility: 'ephemeral',
        run: async () => {
          await handlePress(runtime, await runContext(runtime, ctx, 'public'), action);
        },
      };
    },
    complete(ctx, request) {
      const spec = findCommand(request.command);
      const option = spec
        ? optionsOf(spec, request.subcommand ?? spec.defaultSubcommand).find((o) => o.name === request.option)
        : undefined;
      if (option?.kind !== 'text' || !option.complete) return [];
      return runtime.completions.complete(ctx.actor, option.complete, request.typed);
    },
    warm: (ctx) => runtime.completions.warm(ctx.actor),
    consumeDeliveries(sink) {
      const consumer = new DeliveryConsumer({
        client: core.service,
        render: (delivery) => renderDelivery(runtime, sink, delivery),
        logger,
        ...(options.deliveryConcurrency ? { concurrency: options.deliveryConcurrency } : {}),
      });
      consumers.push(consumer);
      consumer.start();
      return consumer;
    },
    async close() {
      await Promise.all(consumers.splice(0).map((c) => c.stop()));
      await runtime.drain();
      runtime.progress.clear();
    },
  };
}
