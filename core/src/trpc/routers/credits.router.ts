import { z } from 'zod';
import { personalAccountId, resolvePayer } from '../../domain/accounts/accounts.service';
import { getTeamPolicy } from '../../domain/accounts/team-policy.service';
import * as creditsRepo from '../../domain/credits/credits.repo';
import { getBalance, getMemberUsage, listLedger } from '../../domain/credits/credits.service';
import { AppError } from '../../errors';
import { router, userProcedure } from '../trpc';

export const creditsRouter = router({
  /** Personal balance, the current space's pool, which one pays here, and my usage against the cap. */
  balance: userProcedure.query(async ({ ctx }) => {
    const { db } = ctx.deps;
    const personal = await getBalance(db, await personalAccountId(db, ctx.user.id));
    const teamAccount = ctx.space ? await creditsRepo.findTeamAccount(db, ctx.space.id) : undefined;
    const team = teamAccount ? await getBalance(db, teamAccount.id) : null;
    const payerAccountId = await resolvePayer(db, ctx.user.id, ctx.space);
    let usage: { used: number; cap: number | null } | null = null;
    if (teamAccount) {
      const policy = await getTeamPolicy(db, teamAccount.id);
      usage = { used: await getMemberUsage(db, teamAccount.id, ctx.user.id), cap: policy.memberMonthlyCap };
    }
    return {
      personal,
      team,
      payer: payerAccountId === personal.accountId ? 'personal' : 'team',
      usage,
    } as const;
  }),

  /** My personal ledger, or the current space's pool ledger; never anyone else's. */
  ledger: userProcedure
    .input(
      z.strictObject({
        account: z.enum(['personal', 'team']).default('personal'),
        cursor: z.number().int().positive().optional(),
        limit: z.number().int().min(1).max(100).default(20),
      }),
    )
    .query(async ({ ctx, input }) => {
      const { db } = ctx.deps;
      let accountId: string;
      if (input.account === 'personal') accountId = await personalAccountId(db, ctx.user.id);
      else {
        const team = ctx.space ? await creditsRepo.findTeamAccount(db, ctx.space.id) : undefined;
        if (!team) throw AppError.notFound('Team account for this space');
        accountId = team.id;
      }
      return listLedger(db, accountId, { beforeId: input.cursor, limit: input.limit });
    }),
});
