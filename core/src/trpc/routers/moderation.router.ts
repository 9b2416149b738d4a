import { z } from 'zod';
import { moderate, moderationQueue } from '../../domain/gallery/gallery.service';
import { MAX_PAGE_SIZE } from '../../domain/history/history.service';
import {
  addBlockedTerm,
  listBlockedTerms,
  removeBlockedTerm,
} from '../../domain/moderation/prompt-blocklist.service';
import { adminProcedure, moderatorProcedure, router } from '../trpc';

const reason = z.string().trim().min(3, 'Say why (at least 3 characters)').max(500);
const term = z.string().trim().min(2, 'At least 2 characters').max(100);

const blockedTermView = z.object({
  term: z.string(),
  source: z.enum(['config', 'admin']),
  addedBy: z.object({ userId: z.uuid(), name: z.string().nullable() }).nullable(),
  createdAt: z.date().nullable(),
});

export const moderationRouter = router({
  /** A queue tab (default pending) or one state, oldest first: one row per item, reports folded with counts. */
  queue: moderatorProcedure
    .input(
      z.strictObject({
        /** pending review, reported by users, or flagged NSFW; `state` alone lists one state instead. */
        tab: z.enum(['pending', 'reported', 'nsfw']).optional(),
        state: z.enum(['pending', 'hidden', 'approved', 'removed']).optional(),
        category: z.enum(['image', 'video', 'music', '3d', 'audio']).optional(),
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
    .output(
      z.array(
        z.object({ id: z.uuid(), state: z.enum(['pending', 'approved', 'hidden', 'removed', 'not_found']) }),
      ),
    )
    .mutation(({ ctx, input }) => moderate(ctx.deps, ctx.user.id, input)),

  /** The prompt block list: PROMPT_BLOCKLIST's terms and those admins added. */
  blocklist: moderatorProcedure
    .output(z.array(blockedTermView))
    .query(({ ctx }) => listBlockedTerms(ctx.deps.db, ctx.deps.config)),

  /** Adds a blocked word or phrase (applies to the next prompt everywhere); audited. */
  addBlockedTerm: adminProcedure
    .input(z.strictObject({ term, reason }))
    .output(z.object({ term: z.string(), added: z.boolean() }))
    .mutation(({ ctx, input }) => addBlockedTerm(ctx.deps.db, { ...input, actorUserId: ctx.user.id })),

  /** Removes a term an admin added; CONFLICT for a term that comes from PROMPT_BLOCKLIST; audited. */
  removeBlockedTerm: adminProcedure
    .input(z.strictObject({ term, reason }))
    .output(z.object({ term: z.string(), removed: z.boolean() }))
    .mutation(({ ctx, input }) =>
      removeBlockedTerm(ctx.deps.db, ctx.deps.config, { ...input, actorUserId: ctx.user.id }),
    ),
});
