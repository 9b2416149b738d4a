import { z } from 'zod';
import { setTeamCap, setTeamModels, setTeamSpenders, teamOverview } from '../../domain/accounts/team.service';
import { router, userProcedure } from '../trpc';

/**
 * The `team` command: a space's pool. Anyone in the space reads it; only the space's admins (as the
 * bot reports them in the actor claim) change the policy.
 */
export const teamRouter = router({
  /** Pool balance, policy and this month's spend per member (admins: everyone; others: themselves). */
  overview: userProcedure.query(({ ctx }) =>
    teamOverview(ctx.deps.db, { user: ctx.user, space: ctx.space, spaceAdmin: ctx.spaceAdmin }),
  ),

  /** Per-member monthly cap in credits; null turns it off. */
  setCap: userProcedure
    .input(z.strictObject({ cap: z.number().int().min(0).max(100_000_000).nullable() }))
    .mutation(({ ctx, input }) =>
      setTeamCap(ctx.deps, { user: ctx.user, space: ctx.space, spaceAdmin: ctx.spaceAdmin }, input.cap),
    ),

  /** Models the pool pays for, by id or alias; null allows every model. */
  setModels: userProcedure
    .input(z.strictObject({ models: z.array(z.string().trim().min(1).max(200)).min(1).max(100).nullable() }))
    .mutation(({ ctx, input }) =>
      setTeamModels(ctx.deps, { user: ctx.user, space: ctx.space, spaceAdmin: ctx.spaceAdmin }, input.models),
    ),

  /** Who may spend the pool: every member, or the space's admins only. */
  setSpenders: userProcedure
    .input(z.strictObject({ spenders: z.enum(['everyone', 'admins']) }))
    .mutation(({ ctx, input }) =>
      setTeamSpenders(
        ctx.deps,
        { user: ctx.user, space: ctx.space, spaceAdmin: ctx.spaceAdmin },
        input.spenders,
      ),
    ),
});
