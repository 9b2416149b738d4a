import { z } from 'zod';
import {
  createLinkCode,
  listIdentities,
  redeemLinkCode,
  updateSettings,
} from '../../domain/accounts/accounts.service';
import { DEFAULT_MODEL_ID } from '../../domain/catalog/catalog.data';
import { router, userProcedure } from '../trpc';

export const meRouter = router({
  get: userProcedure.query(async ({ ctx }) => ({
    user: ctx.user,
    space: ctx.space,
    identities: await listIdentities(ctx.deps.db, ctx.user.id),
    /** The model a request without one uses: the user's choice, else the catalog default. */
    defaultModelId: ctx.user.settings.defaultModel ?? DEFAULT_MODEL_ID,
  })),

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
