import { z } from 'zod';
import {
  deleteLora,
  findLoraByName,
  listLoras,
  quoteLoraTraining,
  setLoraShared,
  trainLora,
} from '../../domain/lora/lora.service';
import { router, userProcedure } from '../trpc';
import { originInput, requestKeyInput, scopedRequestKey } from './generations.router';

export const loraRouter = router({
  /** Trains a LoRA from 4-40 of the user's uploaded images; charged like any job. */
  train: userProcedure
    .input(
      z.strictObject({
        name: z.string().trim().min(2).max(40),
        uploadIds: z.array(z.uuid()).min(1).max(40),
        triggerWord: z.string().trim().min(1).max(40).optional(),
        steps: z.number().int().positive().optional(),
        requestKey: requestKeyInput,
        origin: originInput,
      }),
    )
    .mutation(({ ctx, input }) =>
      trainLora(
        ctx.deps,
        { user: ctx.user, space: ctx.space, spaceAdmin: ctx.spaceAdmin },
        {
          ...input,
          requestKey: scopedRequestKey(ctx, input.requestKey),
          // Without an origin the result goes to no chat; the bot follows training progress itself.
          origin: input.origin ? { ...input.origin, platform: ctx.platform } : {},
        },
      ),
    ),

  /** What training would cost, checked like train, holding nothing. */
  quote: userProcedure
    .input(z.strictObject({ steps: z.number().int().positive().optional() }).default({}))
    .query(({ input }) => ({ price: quoteLoraTraining(input.steps) })),

  list: userProcedure.query(({ ctx }) =>
    listLoras(ctx.deps, { user: ctx.user, space: ctx.space, spaceAdmin: ctx.spaceAdmin }),
  ),

  /** A LoRA by name (case-insensitive): the caller's own first, else one shared with this space. */
  find: userProcedure
    .input(z.strictObject({ name: z.string().trim().min(1).max(40) }))
    .query(({ ctx, input }) =>
      findLoraByName(ctx.deps, { user: ctx.user, space: ctx.space, spaceAdmin: ctx.spaceAdmin }, input.name),
    ),

  delete: userProcedure.input(z.strictObject({ id: z.uuid() })).mutation(async ({ ctx, input }) => {
    await deleteLora(ctx.deps, { user: ctx.user, space: ctx.space, spaceAdmin: ctx.spaceAdmin }, input.id);
    return { id: input.id, deleted: true };
  }),

  share: userProcedure
    .input(z.strictObject({ id: z.uuid(), shared: z.boolean() }))
    .mutation(({ ctx, input }) =>
      setLoraShared(
        ctx.deps,
        { user: ctx.user, space: ctx.space, spaceAdmin: ctx.spaceAdmin },
        input.id,
        input.shared,
      ),
    ),
});
