import { z } from 'zod';
import { creditsOverview, ownLedger } from '../../domain/accounts/credits-overview.service';
import { router, userProcedure } from '../trpc';

export const creditsRouter = router({
  /** Personal balance, the current space's pool, which one pays here, and my usage against the cap. */
  balance: userProcedure.query(({ ctx }) =>
    creditsOverview(ctx.deps.db, ctx.user.id, ctx.space, ctx.spaceAdmin),
  ),

  /** My personal ledger, or the current space's pool ledger; never anyone else's. */
  ledger: userProcedure
    .input(
      z.strictObject({
        account: z.enum(['personal', 'team']).default('personal'),
        cursor: z.number().int().positive().optional(),
        limit: z.number().int().min(1).max(100).default(20),
      }),
    )
    .query(({ ctx, input }) => ownLedger(ctx.deps.db, ctx.user.id, ctx.space, input)),
});
