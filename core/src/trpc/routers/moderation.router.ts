import { z } from 'zod';
import { moderate, moderationQueue } from '../../domain/gallery/gallery.service';
import { MAX_PAGE_SIZE } from '../../domain/history/history.service';
import { moderatorProcedure, router } from '../trpc';

const reason = z.string().trim().min(3, 'Say why (at least 3 characters)').max(500);

export const moderationRouter = router({
  /** Gallery items in one state, oldest first, with report counts and the latest reasons. */
  queue: moderatorProcedure
    .input(
      z.strictObject({
        state: z.enum(['pending', 'hidden', 'approved', 'removed']).default('pending'),
        cursor: z.string().min(1).max(200).optional(),
        limit: z.number().int().min(1).max(MAX_PAGE_SIZE).default(20),
      }),
    )
    .query(({ ctx, input }) => moderationQueue(ctx.deps, input)),

  /** Approves, hides or removes up to 100 items at once, each change audited with the reason. */
  act: moderatorProcedure
    .input(
      z.strictObject({
        ids: z.array(z.uuid()).min(1).max(100),
        action: z.enum(['approve', 'hide', 'remove']),
        reason,
      }),
    )
    .mutation(({ ctx, input }) => moderate(ctx.deps, ctx.user.id, input)),
});
