import { z } from 'zod';
import { feed, publish, report, unpublish } from '../../domain/gallery/gallery.service';
import { MAX_PAGE_SIZE } from '../../domain/history/history.service';
import { publicProcedure, router, userProcedure } from '../trpc';

const category = z.enum(['image', 'video', 'music', '3d', 'audio']);
const generationId = z.strictObject({ id: z.uuid() });

export const galleryRouter = router({
  /** The public gallery, newest first; anyone may read it. */
  feed: publicProcedure
    .input(
      z
        .strictObject({
          category: category.optional(),
          cursor: z.string().min(1).max(200).optional(),
          limit: z.number().int().min(1).max(MAX_PAGE_SIZE).default(10),
        })
        .default({ limit: 10 }),
    )
    .query(({ ctx, input }) => feed(ctx.deps, input)),

  publish: userProcedure
    .input(generationId)
    .mutation(({ ctx, input }) => publish(ctx.deps, ctx.user.id, input.id)),

  unpublish: userProcedure
    .input(generationId)
    .mutation(({ ctx, input }) => unpublish(ctx.deps, ctx.user.id, input.id)),

  report: userProcedure
    .input(z.strictObject({ id: z.uuid(), reason: z.string().trim().min(1, 'Say what is wrong').max(500) }))
    .mutation(({ ctx, input }) => report(ctx.deps, ctx.user.id, input.id, input.reason)),
});
