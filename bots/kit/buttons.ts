import { type ButtonAction, decodeAction } from './button-actions';
import { ANIMATE_MODEL, MAKE_3D_MODEL } from './catalog-cache';
import { type CoreClient, coreFailure, type GenerationView } from './core-client';
import { errorSentence } from './error-text';
import { generationReply, resultButtons } from './generation-reply';
import { startGeneration } from './generation-runner';
import type { ButtonOutcome, CommandContext } from './kit.types';
import type { KitRuntime } from './kit-runtime';
import { deleteGeneration, historyPage, publishGeneration, unpublishGeneration } from './library.commands';
import { credits } from './reply';

const NOT_YOURS = 'Only the person who made this can use its buttons (or it was deleted).';

/**
 * Runs the same input again with a new seed, stating the price first. Core's reroll keeps the
 * original's origin, so its result replies to the original progress message.
 */
async function reroll(
  rt: KitRuntime,
  ctx: CommandContext,
  client: CoreClient,
  g: GenerationView,
): Promise<ButtonOutcome> {
  const { loras, ...input } = g.input as Record<string, unknown> & {
    loras?: { id: string; scale: number }[];
  };
  const quote = await client.generations.quote.query({
    model: g.modelId,
    input,
    ...(loras ? { loras } : {}),
  });
  const id = await startGeneration(rt, ctx, {
    modelName: quote.modelName,
    price: quote.price,
    deliveredHere: false,
    create: () =>
      client.generations.reroll.mutate({
        id: g.id,
        ...(ctx.requestKey ? { requestKey: ctx.requestKey } : {}),
      }),
  });
  return {
    notice: id ? `Rerolling for ${credits(quote.price)}…` : 'That did not start; the message below says why.',
  };
}

/** Animate / Make 3D: the result's image into a follow-up model. */
async function followUp(
  rt: KitRuntime,
  ctx: CommandContext,
  client: CoreClient,
  g: GenerationView,
  modelId: string,
): Promise<ButtonOutcome> {
  if (!g.outputs.some((o) => o.kind === 'image')) return { notice: 'That needs an image.', alert: true };
  const input = { image_url: g.id };
  const quote = await client.generations.quote.query({ model: modelId, input });
  const id = await startGeneration(rt, ctx, {
    modelName: quote.modelName,
    price: quote.price,
    create: (origin) =>
      client.generations.create.mutate({
        model: modelId,
        input,
        origin,
        ...(ctx.requestKey ? { requestKey: ctx.requestKey } : {}),
      }),
  });
  return {
    notice: id
      ? `${quote.modelName} for ${credits(quote.price)}…`
      : 'That did not start; the message below says why.',
  };
}

async function onGeneration(
  rt: KitRuntime,
  ctx: CommandContext,
  action: Extract<ButtonAction, { generationId: string }>,
): Promise<ButtonOutcome> {
  const client = rt.core.as(ctx.actor);
  // Reading it as the presser first: core answers NOT_FOUND for anyone but its owner.
  const g = await client.generations.get.query({ id: action.generationId });
  const followUps = await rt.catalog.followUps();
  switch (action.verb) {
    case 'reroll':
      return reroll(rt, ctx, client, g);
    case 'publish': {
      const notice = await publishGeneration(client, g.id);
      const now = await client.generations.get.query({ id: g.id });
      return { notice, buttons: resultButtons(now, followUps) };
    }
    case 'unpublish': {
      const notice = await unpublishGeneration(client, g.id);
      const now = await client.generations.get.query({ id: g.id });
      return { notice, buttons: resultButtons(now, followUps) };
    }
    case 'favorite': {
      const model = await client.favorites.toggle.mutate({ model: g.modelId });
      return {
        notice: model.favorite
          ? `${model.name} is now a favorite.`
          : `${model.name} is no longer a favorite.`,
      };
    }
    case 'delete':
      return { notice: await deleteGeneration(client, g.id), buttons: [] };
    case 'animate':
      return followUp(rt, ctx, client, g, ANIMATE_MODEL);
    case 'make3d':
      return followUp(rt, ctx, client, g, MAKE_3D_MODEL);
    case 'show':
      await ctx.reply(generationReply(g, followUps));
      return {};
  }
}

/** A button press: the action string decides; refusals come back as an alert, never as a chat message. */
export async function handleButtonAction(
  rt: KitRuntime,
  ctx: CommandContext,
  encoded: string,
): Promise<ButtonOutcome> {
  const action = decodeAction(encoded);
  if (!action) return { notice: 'This button no longer works.', alert: true };
  try {
    switch (action.verb) {
      case 'use-model': {
        const model = await rt.core.as(ctx.actor).catalog.get.query({ model: action.modelId });
        await rt.core.as(ctx.actor).me.updateSettings.mutate({ defaultModel: model.id });
        return { notice: `${model.name} is now your default model.` };
      }
      case 'history':
        await ctx.reply(await historyPage(rt, ctx, action.page));
        return {};
      default:
        return await onGeneration(rt, ctx, action);
    }
  } catch (error) {
    const failure = coreFailure(error);
    if (failure.appCode === 'NOT_FOUND' || failure.code === 'NOT_FOUND')
      return { notice: NOT_YOURS, alert: true };
    return { notice: errorSentence(failure), alert: true };
  }
}
