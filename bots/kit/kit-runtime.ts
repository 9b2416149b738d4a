import { CatalogCache } from './catalog-cache';
import type { CommandName } from './command-spec';
import { usageOf } from './commands';
import { CompletionCache } from './completion-cache';
import { type CoreConnection, coreFailure } from './core-client';
import { errorSentence } from './error-text';
import type { CommandContext, KitLogger } from './kit.types';
import { UsageError } from './parse-args';
import { ProgressTracker } from './progress';
import { QuickQuotes } from './quick-quote';
import { code, link, type Reply, say } from './reply';
import { replySecret } from './secret-reply';

/** What every command handler shares: the core connection, caches and background work. */
export interface KitRuntime {
  readonly core: CoreConnection;
  readonly catalog: CatalogCache;
  readonly completions: CompletionCache;
  /** First answers to plain prompts before core has planned them. */
  readonly quotes: QuickQuotes;
  readonly progress: ProgressTracker;
  readonly logger: KitLogger;
  readonly platform: string;
  /** Runs work that outlives the command (progress watchers); `close()` waits for it. */
  background(work: Promise<unknown>): void;
  /** Subscriptions to end on close. */
  readonly subscriptions: Set<{ unsubscribe(): void }>;
  /** Runs `fn` after `ms` unless the kit closes first. */
  later(ms: number, fn: () => void): void;
}

export function createRuntime(opts: {
  core: CoreConnection;
  logger: KitLogger;
  platform: string;
  progressEditIntervalMs: number;
}): KitRuntime & { drain(): Promise<void> } {
  const pending = new Set<Promise<unknown>>();
  const subscriptions = new Set<{ unsubscribe(): void }>();
  const timers = new Set<NodeJS.Timeout>();
  const catalog = new CatalogCache(opts.core.service);
  return {
    core: opts.core,
    catalog,
    completions: new CompletionCache(opts.core, catalog, opts.logger),
    quotes: new QuickQuotes(catalog),
    progress: new ProgressTracker(opts.progressEditIntervalMs, opts.logger),
    logger: opts.logger,
    platform: opts.platform,
    subscriptions,
    background(work) {
      const tracked = work.catch((error: unknown) =>
        opts.logger.warn('background work failed', { error: String(error) }),
      );
      pending.add(tracked);
      void tracked.finally(() => pending.delete(tracked));
    },
    later(ms, fn) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        fn();
      }, ms);
      timer.unref();
      timers.add(timer);
    },
    async drain() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const sub of subscriptions) sub.unsubscribe();
      subscriptions.clear();
      await Promise.allSettled([...pending]);
    },
  };
}

/** A problem with what was typed: the reason and how the command is used. */
export function usageReply(name: CommandName, message?: string): Reply {
  return say(...(message ? [`${message}.\n`] : []), 'Usage: ', code(usageOf(name)));
}

/**
 * The reply for a failed command: usage for typing mistakes, else the sentence for core's error code.
 * "Insufficient credits" on the user's own balance carries a fresh billing link only where no one
 * else can see it: a direct chat, or an ephemeral reply (`privateReply`) on a platform that has them.
 * On an empty team pool the reply names who can top it up, and a space admin is sent the pool's
 * billing link as a secret (ephemeral or by direct message, never into the channel).
 */
export async function errorReply(
  runtime: KitRuntime,
  ctx: CommandContext,
  error: unknown,
  command: CommandName = 'help',
  opts: { privateReply?: boolean } = {},
): Promise<Reply> {
  if (error instanceof UsageError) return usageReply(command, error.message.replace(/[.]$/, ''));
  const failure = coreFailure(error);
  if (!failure.appCode && !failure.code) runtime.logger.warn('core call failed', { error: failure.message });
  const wording = { spaceNoun: ctx.traits.spaceNoun };
  if (failure.appCode !== 'INSUFFICIENT_CREDITS') return say(errorSentence(failure, wording));
  if (failure.details.accountKind === 'team') {
    if (ctx.actor.spaceAdmin) await sendTeamBuyLink(runtime, ctx);
    return say(errorSentence(failure, wording));
  }
  const unseen = ctx.chat.direct || (opts.privateReply === true && ctx.traits.ephemeral);
  const buyUrl = unseen
    ? await runtime.core
        .as(ctx.actor)
        .billing.link.mutate()
        .then((link) => link.url)
        .catch(() => undefined)
    : undefined;
  return say(errorSentence(failure, { ...wording, ...(buyUrl ? { buyUrl } : {}) }));
}

/** A space admin's private link to the billing page, where they can buy credits for the space's pool. */
async function sendTeamBuyLink(runtime: KitRuntime, ctx: CommandContext): Promise<void> {
  try {
    const { url } = await runtime.core.as(ctx.actor).billing.link.mutate({ spaceAdmin: true });
    await replySecret(
      ctx,
      say(`Top up this ${ctx.traits.spaceNoun}'s team pool here: `, link(url), '\nThe link is yours alone.'),
      `a link to top up this ${ctx.traits.spaceNoun}'s team pool`,
    );
  } catch (error) {
    runtime.logger.warn('could not send the team pool billing link', { error: String(error) });
  }
}
