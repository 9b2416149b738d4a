import { z } from 'zod';
import { logout, SESSION_TTL_MS, signIn } from '../../domain/auth/auth.service';
import { SESSION_COOKIE } from '../context';
import { publicProcedure, router } from '../trpc';

export const authRouter = router({
  /**
   * Password sign-in for admins and moderators. The token travels only in the HttpOnly session cookie,
   * never in the body, so page scripts cannot read it.
   */
  login: publicProcedure
    .input(
      z.strictObject({ username: z.string().trim().min(1).max(64), password: z.string().min(1).max(256) }),
    )
    .mutation(async ({ ctx, input }) => {
      const session = await signIn(ctx.deps, { ...input, clientAddress: ctx.clientAddress });
      const secure = ctx.deps.baseUrl.startsWith('https:') ? '; Secure' : '';
      ctx.resHeaders?.append(
        'set-cookie',
        `${SESSION_COOKIE}=${session.token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_TTL_MS / 1000}${secure}`,
      );
      ctx.logger.info('web sign-in', { username: input.username });
      return { expiresAt: session.expiresAt };
    }),

  logout: publicProcedure.mutation(async ({ ctx }) => {
    if (ctx.caller.kind === 'web') await logout(ctx.deps.db, ctx.caller.sessionToken);
    ctx.resHeaders?.append('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
    return { ok: true };
  }),

  /** Who is signed in (null when nobody). */
  session: publicProcedure.query(({ ctx }) => (ctx.caller.kind === 'web' ? { user: ctx.caller.user } : null)),
});
