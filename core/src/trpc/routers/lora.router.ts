import { z } from 'zod';
import { deleteLora, listLoras, setLoraShared, trainLora } from '../../domain/lora/lora.service';
import { router, userProcedure } from '../trpc';

export const loraRouter = router({
  /** Trains a LoRA from 4-40 of the user's uploaded images; charged like any job. */
  train: userProcedure
    .input(
      z.strictObject({
        name: z.string().trim().min(2).max(40),
        uploadIds: z.array(z.uuid()).min(1).max(40),
        triggerWord: z.string().trim().min(1).max(40).optional(),
        steps: z.number().int().positive().optional(),
        requestKey: z.string().min(1).max(200).optional(),
      }),
    )
    .mutation(({ ctx, input }) => trainLora(ctx.deps, { user: ctx.user, space: ctx.space }, input)),

  list: userProcedure.query(({ ctx }) => listLoras(ctx.deps, { user: ctx.user, space: ctx.space })),

  delete: userProcedure.input(z.strictObject({ id: z.uuid() })).mutation(async ({ ctx, input }) => {
    await deleteLora(ctx.deps, { user: ctx.user, space: ctx.space }, input.id);
    return { id: input.id, deleted: true };
  }),

  share: userProcedure
    .input(z.strictObject({ id: z.uuid(), shared: z.boolean() }))
    .mutation(({ ctx, input }) =>
      setLoraShared(ctx.deps, { user: ctx.user, space: ctx.space }, input.id, input.shared),
    ),
});
