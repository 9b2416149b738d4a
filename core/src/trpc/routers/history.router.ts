import { z } from 'zod';
import {
  deleteGeneration,
  listHistoryPage,
  MAX_PAGE_SIZE,
  showGeneration,
} from '../../domain/history/history.service';
import { router, userProcedure } from '../trpc';

const category = z.enum(['image', 'video', 'music', '3d', 'audio']);
const cursor = z.string().min(1).max(200);

export const historyRouter = router({
  /** My generations, newest first; pass `nextCursor` back to load more. */
  list: userProcedure
    .input(
      z
        .strictObject({
          category: category.optional(),
          cursor: cursor.optional(),
          limit: z.number().int().min(1).max(MAX_PAGE_SIZE).default(10),
        })
        .default({ limit: 10 }),
    )
    .query(({ ctx, input }) => listHistoryPage(ctx.deps, ctx.user.id, input)),

  show: userProcedure
    .input(z.strictObject({ id: z.uuid() }))
    .query(({ ctx, input }) => showGeneration(ctx.deps, ctx.user.id, input.id)),

  /** Deletes the item, its gallery entry and its stored bytes. */
  delete: userProcedure
    .input(z.strictObject({ id: z.uuid() }))
    .mutation(({ ctx, input }) => deleteGeneration(ctx.deps, ctx.user.id, input.id)),
});
