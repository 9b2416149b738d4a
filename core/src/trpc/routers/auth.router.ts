import { z } from 'zod';
import { logout, signIn } from '../../domain/auth/auth.service';
import { createSignInLink, redeemSignInLink } from '../../domain/auth/sign-in-links.service';
import { clearedSessionCookie, sessionCookie } from '../session-cookie';
import { botUserProcedure, publicProcedure, router } from '../trpc';
import { sessionView, signInLinkView, spaceView, userView } from '../views';

export const authRouter = router({
  /**
   * Password sign-in for admins and moderators, throttled per address and username. The token travels
   * only in the HttpOnly session cookie, never in the body, so page scripts cannot read it.
   */
  login: publicProcedure
    .input(
      z.strictObject({ username: z.string().trim().min(1).max(64), password: z.string().min(1).max(256) }),
    )
    .output(z.object({ expiresAt: z.date() }))
    .mutation(async ({ ctx, input }) => {
      const session = await signIn(ctx.deps, { ...input, clientAddress: ctx.clientAddress });
      ctx.resHeaders?.append('set-cookie', sessionCookie(ctx.deps.config, session, 'Strict'));
      ctx.logger.info('web sign-in', { username: input.username });
      return { expiresAt: session.expiresAt };
    }),

  /** Ends the current web session (staff or link) and clears the cookie; fine when nobody is signed in. */
  logout: publicProcedure.output(z.object({ ok: z.literal(true) })).mutation(async ({ ctx }) => {
    if (ctx.caller.kind === 'web') await logout(ctx.deps.db, ctx.caller.sessionToken);
    ctx.resHeaders?.append('set-cookie', clearedSessionCookie(ctx.deps.config));
    return { ok: true as const };
  }),

  /** Who is signed in (null when nobody): the user, the session kind, and the space a link bound it to. */
  session: publicProcedure.output(sessionView.nullable()).query(({ ctx }) =>
    ctx.caller.kind === 'web'
      ? {
          user: ctx.caller.user,
          kind: ctx.caller.session.kind,
          space: ctx.caller.session.space,
          spaceAdmin: ctx.caller.session.spaceAdmin,
          expiresAt: ctx.caller.session.expiresAt,
        }
      : null,
  ),

  /**
   * A bot asks for a one-time, 15-minute sign-in link for the user it acts for (`/web`, `/buy`),
   * bound to the space the command came from; `spaceAdmin` is the adapter's word that the user
   * administers that space.
   */
  createSignInLink: botUserProcedure
    .input(
      z
        .strictObject({
          purpose: z.enum(['web', 'billing']).default('web'),
          spaceAdmin: z.boolean().default(false),
          /** One of the user's generations to open in the studio (a chat result's "Continue on web"). */
          generationId: z.uuid().optional(),
        })
        .default({ purpose: 'web', spaceAdmin: false }),
    )
    .output(signInLinkView)
    .mutation(({ ctx, input }) =>
      createSignInLink(ctx.deps, {
        userId: ctx.user.id,
        space: ctx.space,
        ...input,
        spaceAdmin: input.spaceAdmin || ctx.spaceAdmin,
      }),
    ),

  /**
   * Redeems a sign-in link (the web app's /auth/link page posts the token from its URL): sets the
   * session cookie. Used, expired and unknown links are UNAUTHORIZED with `details.problem`.
   */
  redeemSignInLink: publicProcedure
    .input(z.strictObject({ token: z.string().min(1).max(200) }))
    .output(
      z.object({
        user: userView,
        space: spaceView.nullable(),
        spaceAdmin: z.boolean(),
        redirectTo: z.string(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const redeemed = await redeemSignInLink(ctx.deps.db, input.token);
      ctx.resHeaders?.append('set-cookie', sessionCookie(ctx.deps.config, redeemed.session, 'Lax'));
      ctx.logger.info('web sign-in by link', { userId: redeemed.user.id });
      const { session: _session, ...visible } = redeemed;
      return visible;
    }),
});
