import { z } from 'zod';
import { getModel, listModels, quotePrice, validateModelInput } from '../../domain/catalog/catalog.service';
import {
  addFavorite,
  listFavorites,
  removeFavorite,
  toggleFavorite,
} from '../../domain/favorites/favorites.service';
import { publicProcedure, router, userProcedure } from '../trpc';

const category = z.enum(['image', 'video', 'music', '3d', 'audio']);
const modelRef = z.string().trim().min(1).max(200);

export const catalogRouter = router({
  /** Enabled models, favorites first for a known user. */
  list: publicProcedure
    .input(z.strictObject({ category: category.optional() }).default({}))
    .query(({ ctx, input }) => {
      const caller = ctx.caller;
      const userId =
        caller.kind === 'web' ? caller.user.id : caller.kind === 'service' ? caller.user?.id : undefined;
      return listModels(ctx.deps.db, { userId, category: input.category });
    }),

  get: publicProcedure
    .input(z.strictObject({ model: modelRef }))
    .query(({ ctx, input }) => getModel(ctx.deps.db, input.model)),

  /** Validates an input for a model and says what it would cost, holding nothing. */
  quote: publicProcedure
    .input(z.strictObject({ model: modelRef, input: z.record(z.string(), z.unknown()) }))
    .query(async ({ ctx, input }) => {
      const model = await getModel(ctx.deps.db, input.model);
      const validated = validateModelInput(model, input.input);
      return { modelId: model.id, price: quotePrice(model, validated), input: validated };
    }),
});

export const favoritesRouter = router({
  list: userProcedure.query(({ ctx }) => listFavorites(ctx.deps.db, ctx.user.id)),
  add: userProcedure
    .input(z.strictObject({ model: modelRef }))
    .mutation(({ ctx, input }) => addFavorite(ctx.deps.db, ctx.user.id, input.model)),
  remove: userProcedure
    .input(z.strictObject({ model: modelRef }))
    .mutation(({ ctx, input }) => removeFavorite(ctx.deps.db, ctx.user.id, input.model)),
  toggle: userProcedure
    .input(z.strictObject({ model: modelRef }))
    .mutation(({ ctx, input }) => toggleFavorite(ctx.deps.db, ctx.user.id, input.model)),
});
