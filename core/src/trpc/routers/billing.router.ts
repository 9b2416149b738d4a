import { z } from 'zod';
import { createSignInLink } from '../../domain/auth/sign-in-links.service';
import {
  billingOverview,
  getOwnPurchaseBySession,
  purchaseHistory,
  startCheckout,
} from '../../domain/billing/billing.service';
import { MAX_PAGE_SIZE } from '../../domain/history/history.service';
import { botUserProcedure, router, userProcedure } from '../trpc';
import { balanceView, creditPackView, cursorInput, pageOf, purchaseView, signInLinkView } from '../views';

export const billingRouter = router({
  /** `/buy` in chat: a one-time sign-in link that opens the billing page (see auth.createSignInLink). */
  link: botUserProcedure
    .input(z.strictObject({ spaceAdmin: z.boolean().default(false) }).default({ spaceAdmin: false }))
    .output(signInLinkView)
    .mutation(({ ctx, input }) =>
      createSignInLink(ctx.deps, {
        userId: ctx.user.id,
        space: ctx.space,
        spaceAdmin: input.spaceAdmin || ctx.spaceAdmin,
        purpose: 'billing',
      }),
    ),

  /** The billing page: configured or not, the packs, my balance, and the pool of the space I came from. */
  overview: userProcedure
    .output(
      z.object({
        configured: z.boolean(),
        packs: z.array(creditPackView).readonly(),
        personal: balanceView,
        team: z
          .object({ balance: balanceView.nullable(), spaceName: z.string(), canBuy: z.boolean() })
          .nullable(),
      }),
    )
    .query(({ ctx }) => billingOverview(ctx.deps, ctx)),

  /**
   * Opens Stripe Checkout for a pack; returns the page to send the browser to. `account: 'team'`
   * buys for the pool of the space the sign-in link was made in, for that space's admins only.
   */
  checkout: userProcedure
    .input(
      z.strictObject({
        packId: z.string().min(1).max(40),
        account: z.enum(['personal', 'team']).default('personal'),
        /** A fresh UUID per click of "Buy": repeating it returns the same checkout page. */
        requestKey: z.uuid(),
      }),
    )
    .output(z.object({ purchaseId: z.uuid(), sessionId: z.string(), url: z.string() }))
    .mutation(({ ctx, input }) => startCheckout(ctx.deps, ctx, input)),

  /** My purchases, newest first, with Stripe's receipt links. */
  purchases: userProcedure
    .input(
      z
        .strictObject({ cursor: cursorInput, limit: z.number().int().min(1).max(MAX_PAGE_SIZE).default(20) })
        .default({ limit: 20 }),
    )
    .output(pageOf(purchaseView))
    .query(({ ctx, input }) => purchaseHistory(ctx.deps, { ...input, userId: ctx.user.id })),

  /** One of my purchases by its Checkout session id (the success page polls it until `paid`). */
  purchase: userProcedure
    .input(z.strictObject({ sessionId: z.string().min(1).max(255) }))
    .output(purchaseView)
    .query(({ ctx, input }) => getOwnPurchaseBySession(ctx.deps, ctx.user.id, input.sessionId)),
});
