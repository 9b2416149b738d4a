import type { GenerationView } from './core-client';
import type { CommandContext, MessageRef } from './kit.types';
import { errorReply, type KitRuntime } from './kit-runtime';
import { isFinal, type ProgressState, progressReply } from './progress';
import { type Reply, say } from './reply';

/** Where core writes the delivery: the chat and the progress message, which the result replies to. */
export interface Origin {
  chatId: string;
  messageId: string;
  threadId?: string;
  private?: boolean;
}

export interface GenerationStart {
  /** From a quote: named before anything is held. */
  modelName: string;
  /** null when core names it only as it accepts the job (follow-ups). */
  price: number | null;
  note?: string;
  /** Deliver to the user's direct chat. */
  private?: boolean;
  /**
   * False when core delivers to another message than this progress message (a reroll keeps the
   * original's origin): the watcher then closes it itself on success.
   */
  deliveredHere?: boolean;
  /** Asks core to create (or reroll) it; credits are held here. */
  create(origin: Origin): Promise<{ generation: GenerationView; price: number }>;
  /**
   * The progress message when it was already posted from a quick quote, with what it says; it is
   * corrected when that differs from this start's model, price or note.
   */
  shown?: { ref: MessageRef; reply: Reply };
}

/** How long a finished success waits for its delivery before the watcher closes the message itself. */
const DELIVERY_GRACE_MS = 15_000;
const WATCH_LIMIT_MS = 60 * 60_000;

/**
 * Posts the progress message stating model and price, then asks core to start; a refusal replaces
 * the progress message with the reason. Returns the generation id, or null when refused.
 */
export async function startGeneration(
  runtime: KitRuntime,
  ctx: CommandContext,
  start: GenerationStart,
): Promise<string | null> {
  const first: ProgressState = { modelName: start.modelName, price: start.price, status: 'starting' };
  const firstReply = progressReply(first, start.note);
  let ref: MessageRef;
  if (start.shown) {
    ref = start.shown.ref;
    if (JSON.stringify(start.shown.reply) !== JSON.stringify(firstReply))
      runtime.progress.update(ref, firstReply, ctx.edit);
  } else {
    ref = await ctx.reply(firstReply);
  }
  let created: { generation: GenerationView; price: number };
  try {
    created = await start.create({
      chatId: ref.chatId,
      messageId: ref.messageId,
      ...(ctx.chat.threadId ? { threadId: ctx.chat.threadId } : {}),
      ...(start.private ? { private: true } : {}),
    });
  } catch (error) {
    await refuse(runtime, ctx, ref, error);
    return null;
  }
  watchProgress(runtime, ctx, created.generation.id, ref, { ...start, price: created.price });
  return created.generation.id;
}

/**
 * Core refused to start. In a direct chat the progress message says why. In a shared chat on a
 * platform that can answer one person alone, the reason (with the price, the balance and a private
 * billing link for "insufficient credits") goes to the asker ephemerally, and the message everyone
 * sees only says that nothing started. Elsewhere the message says why, without the link.
 */
async function refuse(
  runtime: KitRuntime,
  ctx: CommandContext,
  ref: MessageRef,
  error: unknown,
): Promise<void> {
  if (ctx.chat.direct || !ctx.traits.ephemeral) {
    await finishOrPost(runtime, ctx, ref, await errorReply(runtime, ctx, error, 'generate'));
    return;
  }
  const reason = await errorReply(runtime, ctx, error, 'generate', { privateReply: true });
  await finishOrPost(runtime, ctx, ref, say('Not started; only you can see why.'));
  await ctx.reply({ ...reason, visibility: 'ephemeral' });
}

/** Ends the progress message, or posts the outcome anew when it can no longer be edited. */
export async function finishOrPost(
  runtime: KitRuntime,
  ctx: CommandContext,
  ref: MessageRef,
  reply: Reply,
): Promise<void> {
  if (await runtime.progress.finish(ref, reply, ctx.edit)) return;
  await ctx.post(reply);
}

/**
 * Follows core's progress subscription and edits the message in place. A success is closed by the
 * delivery (which posts the media first); failures are shown at once.
 */
export function watchProgress(
  runtime: KitRuntime,
  ctx: CommandContext,
  generationId: string,
  ref: MessageRef,
  meta: Pick<GenerationStart, 'modelName' | 'price' | 'note' | 'private' | 'deliveredHere'>,
): void {
  const client = runtime.core.as(ctx.actor);
  let done = false;
  let resolveEnded: () => void = () => {};
  const ended = new Promise<void>((resolve) => {
    resolveEnded = resolve;
  });
  const stop = () => {
    if (done) return;
    done = true;
    clearTimeout(limit);
    subscription.unsubscribe();
    runtime.subscriptions.delete(handle);
    resolveEnded();
  };
  const handle = { unsubscribe: stop };
  const limit = setTimeout(stop, WATCH_LIMIT_MS);
  limit.unref();
  const stateOf = (view: GenerationView): ProgressState => ({
    modelName: meta.modelName,
    price: view.price,
    status: view.status,
    queuePosition: view.queuePosition,
    progress: view.progress,
    failureReason: view.failureReason,
    generationId,
    ...(meta.private ? { sentPrivately: true } : {}),
  });
  const subscription = client.generations.progress.subscribe(
    { id: generationId },
    {
      onData(view) {
        if (done) return;
        const state = stateOf(view);
        if (!isFinal(view.status)) {
          runtime.progress.update(ref, progressReply(state, meta.note), ctx.edit);
          return;
        }
        stop();
        if (view.status !== 'succeeded') {
          runtime.background(finishOrPost(runtime, ctx, ref, progressReply(state)));
          return;
        }
        if (meta.deliveredHere === false) {
          void runtime.progress.finish(ref, progressReply(state), ctx.edit);
          return;
        }
        // The delivery normally closes it; a replayed request whose delivery went out long ago does not.
        runtime.later(DELIVERY_GRACE_MS, () => {
          if (!runtime.progress.isFinished(ref))
            void runtime.progress.finish(ref, progressReply(state), ctx.edit);
        });
      },
      onError(error) {
        runtime.logger.debug('progress subscription ended', { generationId, error: String(error) });
        stop();
      },
      onComplete: stop,
    },
  );
  runtime.subscriptions.add(handle);
  runtime.background(ended);
}
