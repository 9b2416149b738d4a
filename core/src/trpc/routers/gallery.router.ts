import { z } from 'zod';
import {
  feed,
  galleryItem,
  publish,
  REPORT_CATEGORIES,
  report,
  unpublish,
} from '../../domain/gallery/gallery.service';
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

  /** One approved item for its public page: media, prompt, model, author's display name; NOT_FOUND otherwise. */
  item: publicProcedure.input(generationId).query(({ ctx, input }) => galleryItem(ctx.deps, input.id)),

  /** Reports an item with a typed reason ('other' needs `details`); one report per user and item. */
  report: userProcedure
    .input(
      z.strictObject({
        id: z.uuid(),
        reason: z.enum(REPORT_CATEGORIES),
        details: z.string().trim().max(500).optional(),
      }),
    )
    .output(z.object({ id: z.uuid(), reported: z.literal(true) }))
    .mutation(({ ctx, input }) =>
      report(ctx.deps, ctx.user.id, { id: input.id, category: input.reason, details: input.details }),
    ),
});
