/**
 * Button presses and select choices. The action string decides; the outcome is told through
 * `ctx.notify` (a toast or alert where the platform has one) and `ctx.updateSource` (the buttons of
 * the message pressed), and refusals are notices, never chat messages.
 */
import { decodeAction, type PressAction } from './button-actions';
import { cancelGeneration, cancelledSentence } from './cancel.command';
import type { Category } from './commands';
import { type CoreClient, coreFailure, type GenerationView } from './core-client';
import { errorSentence } from './error-text';
import { type FollowUpVerb, generationReply, resultActions } from './generation-reply';
import { startGeneration } from './generation-start';
import type { CommandContext } from './kit.types';
import type { KitRuntime } from './kit-runtime';
import { deleteGeneration, historyPage, publishGeneration, unpublishGeneration } from './library.commands';
import { modelPicker, pickerData } from './models.command';
import { credits } from './reply';
import { sendStudioLink } from './web.command';

const NOT_YOURS = 'Only the person who made this can use its buttons (or it was deleted).';
const DID_NOT_START = 'That did not start; the message below says why.';

/**
 * Runs the same input again with a new seed, stating the price first. Core's reroll keeps the
 * original's origin, so its result replies to the original progress message.
 */
async function reroll(
  runtime: KitRuntime,
  ctx: CommandContext,
  client: CoreClient,
  generation: GenerationView,
) {
  const { loras, ...input } = generation.input as Record<string, unknown> & {
    loras?: { id: string; scale: number }[];
  };
  const quote = await client.generations.quote.query({
    model: generation.modelId,
    input,
    ...(loras ? { loras } : {}),
  });
  const id = await startGeneration(runtime, ctx, {
    modelName: quote.modelName,
    price: quote.price,
    deliveredHere: false,
    create: () =>
      client.generations.reroll.mutate({
        id: generation.id,
        ...(ctx.requestKey ? { requestKey: ctx.requestKey } : {}),
      }),
  });
  await ctx.notify(id ? `Rerolling for ${credits(quote.price)}…` : DID_NOT_START);
}

/** Animate / Make 3D / Upscale / Vary: core runs the follow-up it offers on this result. */
async function followUp(
  runtime: KitRuntime,
  ctx: CommandContext,
  client: CoreClient,
  generation: GenerationView,
  verb: FollowUpVerb,
) {
  const offer = generation.followUps[verb];
  if (!offer) return ctx.notify('That is not available for this result.', { alert: true });
  const id = await startGeneration(runtime, ctx, {
    modelName: offer.modelName,
    price: null,
    create: (origin) =>
      client.generations.followUp.mutate({
        id: generation.id,
        kind: verb,
        origin,
        ...(ctx.requestKey ? { requestKey: ctx.requestKey } : {}),
      }),
  });
  await ctx.notify(id ? `${offer.modelName}…` : DID_NOT_START);
}

async function onGeneration(
  runtime: KitRuntime,
  ctx: CommandContext,
  action: Extract<PressAction, { generationId: string }>,
): Promise<void> {
  const client = runtime.core.as(ctx.actor);
  // Reading it as the presser first: core answers NOT_FOUND for anyone but its owner.
  const generation = await client.generations.get.query({ id: action.generationId });
  const refreshActions = async () => {
    const now = await client.generations.get.query({ id: generation.id });
    await ctx.updateSource?.(resultActions(now));
  };
  switch (action.verb) {
    case 'reroll':
      return reroll(runtime, ctx, client, generation);
    case 'publish':
      await ctx.notify(await publishGeneration(client, generation.id));
      return refreshActions();
    case 'unpublish':
      await ctx.notify(await unpublishGeneration(client, generation.id));
      return refreshActions();
    case 'favorite': {
      const model = await client.favorites.toggle.mutate({ model: generation.modelId });
      runtime.completions.invalidate(ctx.actor);
      return ctx.notify(
        model.favorite ? `${model.name} is now a favorite.` : `${model.name} is no longer a favorite.`,
      );
    }
    case 'delete':
      await ctx.notify(await deleteGeneration(client, generation.id));
      return ctx.updateSource?.([]);
    case 'cancel': {
      const cancelled = await cancelGeneration(client, generation.id);
      return ctx.notify(cancelledSentence(cancelled));
    }
    case 'animate':
    case 'make3d':
    case 'upscale':
    case 'vary':
      return followUp(runtime, ctx, client, generation, action.verb);
    case 'show':
      await ctx.reply(generationReply(generation));
      return;
    case 'web':
      return sendStudioLink(client, ctx, generation.id);
  }
}

async function runAction(runtime: KitRuntime, ctx: CommandContext, action: PressAction): Promise<void> {
  switch (action.verb) {
    case 'use-model': {
      const client = runtime.core.as(ctx.actor);
      const model = await client.catalog.get.query({ model: action.modelId });
      await client.me.updateSettings.mutate({ defaultModel: model.id });
      runtime.quotes.chose(ctx.actor, model.id);
      return ctx.notify(`${model.name} is now your default model.`);
    }
    case 'models-page': {
      const category = action.category as Category | null;
      const { models, current } = await pickerData(runtime, ctx, category);
      return ctx.updateSource?.(modelPicker(models, current, category, action.page, ctx.traits));
    }
    case 'history':
      await ctx.reply(await historyPage(runtime, ctx, action.page));
      return;
    default:
      return onGeneration(runtime, ctx, action);
  }
}

/** A press, start to end; every failure ends as a notice for the presser. */
export async function handlePress(runtime: KitRuntime, ctx: CommandContext, encoded: string): Promise<void> {
  const action = decodeAction(encoded);
  if (!action) return ctx.notify('This button no longer works.', { alert: true });
  try {
    await runAction(runtime, ctx, action);
  } catch (error) {
    const failure = coreFailure(error);
    await ctx.notify(
      failure.appCode === 'NOT_FOUND'
        ? NOT_YOURS
        : errorSentence(failure, { spaceNoun: ctx.traits.spaceNoun }),
      {
        alert: true,
      },
    );
  }
}
