import { z } from 'zod';
import { createSignInLink } from '../../domain/auth/sign-in-links.service';
import { botUserProcedure, router } from '../trpc';
import { signInLinkView } from '../views';

export const billingRouter = router({
  /** `/buy` in chat: a one-time sign-in link that opens the billing page (see auth.createSignInLink). */
  link: botUserProcedure
    .input(z.strictObject({ spaceAdmin: z.boolean().default(false) }).default({ spaceAdmin: false }))
    .output(signInLinkView)
    .mutation(({ ctx, input }) =>
      createSignInLink(ctx.deps, {
        userId: ctx.user.id,
        space: ctx.space,
        spaceAdmin: input.spaceAdmin,
        purpose: 'billing',
      }),
    ),
});
