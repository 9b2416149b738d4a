import { z } from 'zod';
import {
  createLinkCode,
  listIdentities,
  redeemLinkCode,
  updateSettings,
} from '../../domain/accounts/accounts.service';
import { defaultModelFor } from '../../domain/catalog/catalog.service';
import { router, userProcedure } from '../trpc';

export const meRouter = router({
  get: userProcedure.query(async ({ ctx }) => {
    const [identities, defaultModel] = await Promise.all([
      listIdentities(ctx.deps.db, ctx.user.id),
      defaultModelFor(ctx.deps.db, ctx.user.settings),
    ]);
    return {
      user: ctx.user,
      space: ctx.space,
      /** Whether the bot said the caller administers this space (team policy). */
      spaceAdmin: ctx.spaceAdmin,
      identities,
      /** The model a request without one uses: the user's choice, else the catalog default. */
      defaultModelId: defaultModel.id,
      defaultModel: { id: defaultModel.id, name: defaultModel.name, enabled: defaultModel.enabled },
    };
  }),

  updateSettings: userProcedure
    .input(
      z.strictObject({
        defaultModel: z.string().min(1).max(200).optional(),
        deliverPrivately: z.boolean().optional(),
      }),
    )
    .mutation(({ ctx, input }) => updateSettings(ctx.deps.db, ctx.user.id, input)),

  createLinkCode: userProcedure.mutation(({ ctx }) => createLinkCode(ctx.deps.db, ctx.user.id)),

  redeemLinkCode: userProcedure
    .input(z.strictObject({ code: z.string().trim().min(1).max(32) }))
    .mutation(({ ctx, input }) => redeemLinkCode(ctx.deps, ctx.user.id, input.code)),
});
