import { createBillingLink } from '../../domain/billing/billing-link';
import * as creditsRepo from '../../domain/credits/credits.repo';
import { router, userProcedure } from '../trpc';

export const billingRouter = router({
  /** A short-lived signed link to the billing page (/buy in chat); tops up the space's pool when it has one. */
  link: userProcedure.mutation(async ({ ctx }) => {
    const team = ctx.space ? await creditsRepo.findTeamAccount(ctx.deps.db, ctx.space.id) : undefined;
    return createBillingLink(ctx.deps.config.secret, ctx.deps.baseUrl, {
      userId: ctx.user.id,
      accountId: team?.id,
    });
  }),
});
